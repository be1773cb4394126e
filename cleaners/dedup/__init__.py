"""Duplicate detection: fingerprints, the survivor policy, the on-disk index that decides, learned repeated lines."""
