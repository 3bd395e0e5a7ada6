"""Memory of a process and all its descendants, from /proc (Linux), for the benchmarks.

``Pss`` (proportional set size) splits shared pages between the processes sharing them, so it
sums honestly over a tree of forked workers; ``Rss`` counts shared pages in every process.
Reads ``/proc/<pid>/smaps_rollup``, falling back to ``status`` (``VmRSS``) where that is not
readable. Returns 0 where /proc does not exist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    parents = {}
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it exited meanwhile
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return parents


def _process_kb(pid: int, kind: str) -> int:
    for name, key in (("smaps_rollup", f"{kind}:"), ("status", "VmRSS:")):
        try:
            for line in (PROC / str(pid) / name).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


def tree_memory_bytes(pid: int, kind: Literal["Pss", "Rss"] = "Pss") -> int:
    """``kind`` memory of ``pid`` and its descendants, summed, in bytes."""
    parents = _parents()
    tree, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        tree.append(current)
        frontier += [child for child, parent in parents.items() if parent == current]
    return 1024 * sum(_process_kb(member, kind) for member in tree)
