"""Throughput of the rules and of the peers, in documents per second.

Usage: ``.venv/bin/python benchmarks/bench_rules.py [--docs N] [--no-rules] [--no-peers]``

The five seed reports are repeated round-robin until ``N`` documents (default 10,000) have been
processed. The rules are timed as ``normalise`` + ``annotate`` (``annotate_text`` does both); each
peer is timed as it runs in the evaluation (normalise, then tag the gold meetings' paragraphs or
passages). Loading models and dictionaries is done once before timing and reported apart, so the
rates are steady-state. Not a test: numbers depend on the machine.

Exit status 1 when a part cannot run (rules not importable yet, a peer package missing); the
other parts still run and print their rates.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import cycle, islice
from pathlib import Path

from covidmeet_ds.build import load_documents
from covidmeet_ds.models import Annotation

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Seed:
    doc_id: str
    raw: str
    published: date | None
    gold: Annotation


def load_seeds() -> list[Seed]:
    """The annotated seed reports with their gold (the peers need the gold meetings' places)."""
    return [
        Seed(d.entry.doc_id, d.raw_text, d.entry.published, d.hand)
        for d in load_documents(REPO, progress=False)
        if d.hand is not None
    ]


def measure(label: str, run: Callable[[Seed], object], seeds: list[Seed], docs: int) -> None:
    """Warm up on every seed once (loading time), then time ``docs`` documents."""
    start = time.perf_counter()
    for seed in seeds:
        run(seed)
    warm = time.perf_counter() - start
    chars = 0
    start = time.perf_counter()
    for seed in islice(cycle(seeds), docs):
        run(seed)
        chars += len(seed.raw)
    elapsed = time.perf_counter() - start
    rate = docs / elapsed if elapsed else float("inf")
    print(
        f"{label:<22} {rate:>10.1f} docs/s  {chars / elapsed / 1000:>9.1f} k chars/s  "
        f"({docs} docs in {elapsed:.2f} s; warm-up {warm:.2f} s)",
        flush=True,
    )


def rules_runner() -> Callable[[Seed], object]:
    try:
        from covidmeet_ds.annotate import annotate_text
    except ImportError as error:
        raise RuntimeError(
            f"the rules cannot be imported ({error}); "
            "covidmeet_ds.annotate.annotate_text and its extractors must exist"
        ) from error
    return lambda seed: annotate_text(seed.raw, doc_id=seed.doc_id, published=seed.published)


def peer_runner(name: str) -> Callable[[Seed], object]:
    from covidmeet_ds.peers import PEERS

    peer = PEERS[name]
    return lambda seed: peer(seed.gold, seed.raw, seed.published)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents per measurement")
    parser.add_argument("--no-rules", action="store_true", help="skip the rules")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers")
    args = parser.parse_args(argv)
    if args.docs < 1:
        parser.error("--docs must be at least 1")
    seeds = load_seeds()
    print(f"{len(seeds)} seed reports, {args.docs} documents per measurement", flush=True)
    failed = False
    parts: list[tuple[str, Callable[[], Callable[[Seed], object]]]] = []
    if not args.no_rules:
        parts.append(("rules", rules_runner))
    if not args.no_peers:
        from covidmeet_ds.peers import PEERS

        parts += [(name, lambda name=name: peer_runner(name)) for name in PEERS]
    for label, make in parts:
        try:
            measure(label, make(), seeds, args.docs)
        except (RuntimeError, ImportError) as error:
            print(f"{label:<22} FAILED: {error}", file=sys.stderr, flush=True)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
