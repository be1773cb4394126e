"""What a run writes: the atomic output set, JSONL, Parquet, manifest, report.json and report.html."""
