"""presswash's cleaning library: plain functions and small classes, no orchestration.

Typical use from a notebook::

    from cleaners import Cleaner, clean_text
    docs = list(Cleaner().process_file("raw", "004_4f58f105b3a0a879.txt"))
    text, removed = clean_text("Some scraped text\\n\\nShare.")

Modules, one concern each: ``decode`` (gzip and bytes to text), ``sniff`` (format by content),
``jsonrecover`` (broken JSON), ``wordpress`` / ``wxr`` / ``jsondocs`` / ``webpage`` / ``plaintext``
(readers), ``htmltext`` (HTML to paragraphs), ``htmlmeta`` (page metadata), ``lines`` (plain-text
line classifier), ``sections`` (trailing related-stories sections), ``normalize`` (encoding,
whitespace, repairs), ``boilerplate`` (rules as data), ``metadata``, ``dedup``, ``writers`` (atomic
output), ``report``; ``pipeline`` ties the per-document steps together.
"""

__version__ = "0.2.0"  # 0.2.0: record schema v2 (a new version reads every raw file again: no v1 record stays in an output)

from cleaners.config import CleanerConfig
from cleaners.pipeline import Cleaner  # noqa: E402
from cleaners.record import Document, Rejection  # noqa: E402
from cleaners.text.boilerplate import Rule, RuleSet  # noqa: E402
from cleaners.text.clean import clean_text

__all__ = ["Cleaner", "CleanerConfig", "Document", "Rejection", "Rule", "RuleSet", "clean_text", "__version__"]
