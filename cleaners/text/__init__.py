"""Per-document text steps, pure functions: normalization, boilerplate rules, repairs, and the cleaning sequence."""
