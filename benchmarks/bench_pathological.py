"""Time of the whole pipeline on pathological pages, at two lengths: it must grow linearly.

Usage::

    .venv/bin/python benchmarks/bench_pathological.py                  # every shape, 10k and 1M
    .venv/bin/python benchmarks/bench_pathological.py --shape 编辑 --shape spaces
    .venv/bin/python benchmarks/bench_pathological.py --small 10000 --large 100000 --jobs 2

Each shape of ``tests/pathological.py`` (a run of spaces, repeated byline lines, a line of Han
characters without punctuation, repeated brackets, digits, dates, meeting words, quotes, HTML
fragments …, alone on the page, in a line of a report or inside the sentence reporting a meeting)
is built at ``--small`` and ``--large`` characters (default 10,000 and 1,000,000) and run through
normalise, meeting segmentation, the crawl filter, the annotation and the validator's evidence
checks, each page in a child process of its own (killed after ``--timeout`` seconds). Printed per
shape: the time at each length, their ratio (linear time gives the ratio of the lengths, 100 by
default; quadratic its square) and the stage that took longest at the large length. Shapes
whose ratio exceeds 1.5 times the length ratio are marked ``SLOW``.

Not a test (``tests/test_pathological.py`` guards the worst shapes): figures depend on the
machine. Exit status 1 when a shape is slow, timed out or failed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.pathological: the shapes live with the tests

from tests.pathological import REPORT, SHAPES, Shape, timed_pipeline  # noqa: E402

_SLOW_FACTOR = 1.5
"""A ratio above this many times the length ratio is reported as slow."""


@dataclass
class Run:
    shape: Shape
    size: int
    process: multiprocessing.Process
    receiver: Connection
    started: float


def _child(shape: Shape, size: int, sender: Connection) -> None:
    """Warm up (dictionaries, compiled patterns), then time the page; send the stage times or
    the error."""
    try:
        timed_pipeline(REPORT)
        sender.send(timed_pipeline(shape.text(size)))
    except Exception as error:  # sent to the parent, which reports it with the shape
        sender.send(f"{type(error).__name__}: {error}")
    finally:
        sender.close()


def _start(shape: Shape, size: int) -> Run:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(shape, size, sender), daemon=True)
    process.start()
    sender.close()
    return Run(shape, size, process, receiver, time.perf_counter())


def _finish(run: Run, timeout: float) -> dict[str, float] | str:
    """The stage times, or why there are none (timeout, error, crash)."""
    remaining = max(0.0, timeout - (time.perf_counter() - run.started))
    if not run.receiver.poll(remaining):
        run.process.kill()
        run.process.join()
        return f"timeout > {timeout:.0f} s"
    try:
        result = run.receiver.recv()
    except EOFError:
        result = f"child died (exit code {run.process.exitcode})"
    run.process.join()
    return result


def measure(shapes: list[Shape], sizes: tuple[int, int], timeout: float, jobs: int):
    """Yield ``(shape, size, result)`` for every shape and size, ``jobs`` pages at a time."""
    pending = deque((shape, size) for shape in shapes for size in sizes)
    running: deque[Run] = deque()
    while pending or running:
        while pending and len(running) < jobs:
            running.append(_start(*pending.popleft()))
        run = running.popleft()
        yield run.shape, run.size, _finish(run, timeout)


def _seconds(result: dict[str, float] | str) -> str:
    return f"{sum(result.values()):>9.3f}" if isinstance(result, dict) else f"{'-':>9}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000, help="characters (10,000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="characters (1,000,000)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per page (120)")
    parser.add_argument("--jobs", type=int, default=1, help="pages timed at once (1)")
    parser.add_argument(
        "--shape", action="append", default=[], help="only shapes whose name contains this"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or not 0 < args.small < args.large:
        parser.error("--jobs must be at least 1 and 0 < --small < --large")
    shapes = [s for s in SHAPES if not args.shape or any(part in s.name for part in args.shape)]
    if not shapes:
        parser.error(f"no shape matches {args.shape}")
    expected = args.large / args.small
    print(
        f"{'shape':<34} {args.small:>9,} {args.large:>9,}   ratio  slowest stage "
        f"(linear: ratio {expected:.0f})",
        flush=True,
    )
    results: dict[tuple[str, int], dict[str, float] | str] = {}
    failed = 0
    for shape, size, result in measure(shapes, (args.small, args.large), args.timeout, args.jobs):
        results[shape.name, size] = result
        if size != args.large:
            continue
        small, large = results[shape.name, args.small], result
        if isinstance(small, str) or isinstance(large, str):
            note = small if isinstance(small, str) else large
            failed += 1
            print(f"{shape.name:<34} {_seconds(small)} {_seconds(large)}       -  {note}")
            continue
        ratio = sum(large.values()) / max(sum(small.values()), 1e-6)
        stage = max(large, key=large.__getitem__)
        slow = ratio > _SLOW_FACTOR * expected
        failed += slow
        print(
            f"{shape.name:<34} {_seconds(small)} {_seconds(large)} {ratio:>7.0f}  "
            f"{stage} {large[stage]:.3f} s{'  SLOW' if slow else ''}",
            flush=True,
        )
    print(f"{len(shapes)} shapes, {failed} slow, timed out or failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
