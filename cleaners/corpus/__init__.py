"""Corpus-level steps: discover and plan, batches into shards, exact copies, publish; the run sequence.

``from cleaners.corpus import clean_directory`` runs the whole job in one process, without Prefect.
"""

from cleaners.corpus.run import clean_directory

__all__ = ["clean_directory"]
