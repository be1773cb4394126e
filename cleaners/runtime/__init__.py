"""Run machinery: worker processes, the per-document time budget, locks."""
