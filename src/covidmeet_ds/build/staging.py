"""Replace an output folder as a whole: write beside it, then swap it into place.

A build writes into ``.<name>.tmp-*`` next to the target. Only when every file is written (and
flushed to disk) does the target move aside to ``.<name>.old`` and the new folder take its name;
the old one is then deleted. A build killed at any point leaves either the previous output or the
new one at the target path; the next build cleans up what a killed one left behind (and puts the
previous output back if a kill fell between the two renames). A lock file serialises builds of
the same target.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds of one target are not serialised
    fcntl = None  # type: ignore[assignment]

MARKER = "SHA256SUMS"
"""A folder holding this file was written by a build and may be replaced by the next one."""


class StagingError(Exception):
    """The target cannot be replaced safely."""


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _recover(target: Path, backup: Path) -> None:
    if backup.exists():
        if target.exists():
            shutil.rmtree(backup)
        else:
            os.rename(backup, target)
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


def check_replaceable(target: Path) -> None:
    """Refuse to overwrite anything that is not an earlier build's output."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise StagingError(f"{target} exists and is not a folder; choose another --out")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise StagingError(
            f"{target} is not empty and was not written by `covidmeet-ds build` "
            f"(it has no {MARKER}); refusing to replace it"
        )


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target``; on success it replaces ``target`` whole."""
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = target.parent / f".{target.name}.old"
    lock_path = target.parent / f".{target.name}.lock"
    with lock_path.open("a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        _recover(target, backup)
        check_replaceable(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; the output is meant to be shared
        try:
            yield staging
            _fsync_tree(staging)
            if target.exists():
                os.rename(target, backup)
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(backup, ignore_errors=True)


__all__ = ["MARKER", "StagingError", "check_replaceable", "staged_directory"]
