"""Replace an output folder as a whole: write beside it, then swap it into place.

A build writes into ``.<name>.tmp-*`` next to the target. Only when every file is written (and
flushed to disk) does the target move aside to ``.<name>.old`` and the new folder take its name;
the old one is then deleted. A build killed at any point leaves either the previous output or the
new one at the target path; the next build cleans up what a killed one left behind (and puts the
previous output back if a kill fell between the two renames). Builds into the same parent folder
are serialised by a lock on that folder (no lock file is left behind).

A build only ever removes what an earlier build wrote: a folder is replaced only when every file
in it is listed in its ``SHA256SUMS`` with the sha256 it still has, and never when it is, or
contains, a protected folder (the corpus root). ``covidmeet-ds export`` stages its folder the
same way, naming itself in messages and requiring its own ``export.json`` in the list, so it
never replaces a build's output.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds of one target are not serialised
    fcntl = None  # type: ignore[assignment]

MARKER = "SHA256SUMS"
"""The list of every file a build wrote, with its sha256: what the next build may replace."""
SHOWN = 5
"""Unlisted files named in a refusal."""


class StagingError(Exception):
    """The target cannot be replaced safely."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _listed(folder: Path) -> dict[str, str] | None:
    """``SHA256SUMS`` of ``folder`` as {relative path: sha256}, None when it has none (or an
    unreadable or malformed one: then the folder is not known to be a build's)."""
    sums = folder / MARKER
    if sums.is_symlink() or not sums.is_file():
        return None
    listed: dict[str, str] = {}
    try:
        lines = sums.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        sha, separator, relative = line.partition("  ")
        if not separator or len(sha) != 64:
            return None
        listed[relative] = sha
    return listed


def foreign_entries(folder: Path) -> list[str]:
    """What in ``folder`` a build did not write: entries its ``SHA256SUMS`` does not list, files
    changed since, links, special files, empty folders. ``[MARKER]`` when it has no list."""
    listed = _listed(folder)
    if listed is None:
        return [MARKER]
    foreign: list[str] = []
    for current, folders, files in os.walk(folder):
        here = Path(current)
        if here != folder and not folders and not files:
            foreign.append(here.relative_to(folder).as_posix() + "/")
        for name in sorted(folders):
            if (here / name).is_symlink():
                foreign.append((here / name).relative_to(folder).as_posix())
        folders[:] = [name for name in sorted(folders) if not (here / name).is_symlink()]
        for name in sorted(files):
            path = here / name
            relative = path.relative_to(folder).as_posix()
            if relative == MARKER:
                continue
            mode = os.lstat(path).st_mode
            if not stat.S_ISREG(mode) or listed.get(relative) != sha256_file(path):
                foreign.append(relative)
    return foreign


def check_output(
    target: Path,
    protect: Sequence[Path] = (),
    *,
    command: str = "build",
    option: str = "--out",
    identity: str | None = None,
) -> None:
    """Refuse a target that is, or contains, a protected folder, or that holds anything an
    earlier run of ``covidmeet-ds <command>`` did not write (see the module's docstring). With
    ``identity``, a non-empty target must also list that file: the folder was written by this
    command, not by another that also keeps a ``SHA256SUMS`` (an export never replaces a build)."""
    resolved = target.resolve()
    for kept in protect:
        kept = kept.resolve()
        if kept == resolved or kept.is_relative_to(resolved):
            raise StagingError(
                f"{target} is or contains the corpus root {kept}: the {command} replaces its "
                f"output folder whole; choose another {option}"
            )
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise StagingError(f"{target} exists and is not a folder; choose another {option}")
    if not target.is_dir() or not any(target.iterdir()):
        return
    foreign = foreign_entries(target)
    if foreign == [MARKER]:
        raise StagingError(
            f"{target} is not empty and was not written by `covidmeet-ds {command}` "
            f"(it has no {MARKER}); refusing to replace it"
        )
    if foreign:
        shown = ", ".join(foreign[:SHOWN]) + (
            f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else ""
        )
        raise StagingError(
            f"{target} holds files the last {command} did not write, or changed since: {shown}; "
            f"move them out (the {command} replaces the folder whole) or choose another {option}"
        )
    if identity is not None and identity not in (_listed(target) or {}):
        raise StagingError(
            f"{target} was not written by `covidmeet-ds {command}` (it has no {identity}); "
            f"refusing to replace it: choose another {option}"
        )


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


def _recover(target: Path, backup: Path, command: str = "build") -> None:
    """Finish or undo what a killed run left: its backup and its staging folders."""
    if backup.exists() or backup.is_symlink():
        if foreign_entries(backup):
            raise StagingError(
                f"{backup} is in the way and was not written by `covidmeet-ds {command}`; move it"
            )
        if target.exists():
            shutil.rmtree(backup)
        else:
            os.rename(backup, target)
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` itself, held while the block runs."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextmanager
def staged_directory(
    target: Path,
    protect: Sequence[Path] = (),
    *,
    command: str = "build",
    option: str = "--out",
    identity: str | None = None,
) -> Iterator[Path]:
    """Yield an empty folder beside ``target``; on success it replaces ``target`` whole
    (``command``, ``option`` and ``identity`` as for :func:`check_output`)."""
    target = target.absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    backup = target.parent / f".{target.name}.old"
    with _locked(target.parent):
        _recover(target, backup, command)
        check_output(target, protect, command=command, option=option, identity=identity)
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
        if backup.exists():
            _remove_backup(backup)


def _remove_backup(backup: Path) -> None:
    """Delete the previous output once the new one is in place; a failure here does not undo
    the build (the next one deletes it), so it is a warning."""
    try:
        shutil.rmtree(backup)
    except OSError as error:
        warnings.warn(
            f"the new output is in place but the previous one could not be deleted from "
            f"{backup}: {error.strerror or error}; the next build deletes it",
            stacklevel=3,
        )


__all__ = [
    "MARKER",
    "StagingError",
    "check_output",
    "foreign_entries",
    "sha256_file",
    "staged_directory",
]
