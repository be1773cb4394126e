"""Finding the raw files, and checking the raw and output folders before anything is written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class UsageError(ValueError):
    """Arguments that cannot work (a missing raw folder, an output inside the raw folder...)."""


def check_paths(raw_dir: str | Path, out_dir: str | Path) -> tuple[Path, Path]:
    """Validate the raw and output folders; raise :class:`UsageError` with one clear sentence."""
    raw, out = Path(raw_dir), Path(out_dir)
    if not raw.exists():
        raise UsageError(f"raw folder {str(raw)!r} does not exist")
    if not raw.is_dir():
        raise UsageError(f"raw folder {str(raw)!r} is not a folder")
    raw_real, out_real = raw.resolve(), out.resolve()
    if out_real == raw_real or raw_real in out_real.parents:
        raise UsageError(f"output folder {str(out)!r} is inside the raw folder {str(raw)!r}; raw/ is never written to, choose another --out")
    if out.exists() and not out.is_dir():
        raise UsageError(f"output path {str(out)!r} exists and is not a folder")
    if not os.access(raw, os.R_OK | os.X_OK):
        raise UsageError(f"raw folder {str(raw)!r} is not readable")
    probe = out if out.exists() else next((p for p in out_real.parents if p.exists()), None)
    if probe is None or not _can_create_files_in(probe):
        raise UsageError(f"output folder {str(out)!r} is not writable")
    return raw, out


def _can_create_files_in(folder: Path) -> bool:
    """Try it (``os.access`` says yes to root everywhere, even on read-only file systems); the probe
    file is anonymous or removed at once."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def discover(raw_dir: str | Path) -> list[str]:
    """Relative POSIX paths of the raw files, sorted. Hidden files and folders (``.name``) are skipped;
    symbolic links are listed (and judged when read), never followed into folders. A link to a folder
    and a folder that cannot be listed are listed too, so that they are reported, not silently lost."""
    root = Path(raw_dir)
    found: list[str] = []

    def unlisted(error: OSError) -> None:
        if error.filename is not None and Path(error.filename) != root:
            found.append(Path(error.filename).relative_to(root).as_posix())

    for dirpath, dirnames, filenames in os.walk(root, onerror=unlisted, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        for name in dirnames:
            if not name.startswith(".") and os.path.islink(os.path.join(dirpath, name)):
                found.append((rel_dir / name).as_posix())
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith("."):
                found.append((rel_dir / name).as_posix())
    return sorted(found)


def batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
