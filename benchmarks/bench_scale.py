"""Throughput and peak memory of pre-annotating a crawl: plain Python vs datatrove vs jionlp.

Usage::

    .venv/bin/python benchmarks/bench_scale.py                 # 10,000 generated pages
    .venv/bin/python benchmarks/bench_scale.py --large         # 10,000 and 100,000
    .venv/bin/python benchmarks/bench_scale.py --docs 2000 --build

For each size N it generates N pages of seed-like size from the seed reports' lines
(``tests/generated.py``: seed reports perturbed, and pages that report no meeting or not the
epidemic) into a temporary JSON Lines file, then runs each path in its own process and measures
wall time and the peak memory of the whole process tree (proportional set size summed over the
process and its children, polled every 50 ms; RSS where PSS is not readable):

* ``crawl steps, plain``: the crawl's work in one process on one core, without datatrove: filter,
  then normalise + annotate the kept pages (the baseline of the ratios);
* ``datatrove 1 worker`` / ``2 workers``: ``covidmeet-ds crawl`` with the local executor,
  4 tasks: read JSON Lines, filter, annotate the kept pages, write Parquet;
* ``jionlp``: jionlp's time extraction over the normalised text of the same pages (a peer that
  does one field of the work), on at most ``--jionlp-docs`` pages;
* ``annotate+validate every page``: one core, no filter: normalise + annotate + validate (every
  evidence checked against the raw text) for every page (issue 5's ≥ 1,000 docs/s target).

Times are each child's own, after its imports (the crawl's include starting its workers).

``--build`` also measures ``covidmeet-ds build`` on generated annotated corpora of the same sizes
(``benchmarks/bench_build.py``). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.generated: the page generator lives with the tests
sys.path.insert(0, str(REPO / "benchmarks"))

from proctree import tree_memory_bytes  # noqa: E402

# --- measuring a process tree ----------------------------------------------------------------


@dataclass
class Measure:
    label: str
    docs: int
    seconds: float
    peak_mb: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.docs / self.seconds if self.seconds else 0.0


def measure(label: str, command: list[str], docs: int, note: str = "") -> Measure:
    """Run ``command``, polling the peak memory of its process tree."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, tree_memory_bytes(process.pid, "Pss"))

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    poller.join()
    if process.returncode != 0:
        raise SystemExit(f"{label} failed ({process.returncode}): {' '.join(command)}")
    reported = _reported_seconds(output)
    return Measure(label, docs, reported or seconds, peak / 2**20, note)


def _reported_seconds(output: bytes) -> float | None:
    """The child's own timing, after its imports: the JSON line of ``--run``, or the crawl
    summary's ``speed: N documents in S s`` (executor run, worker start-up included)."""
    for line in reversed(output.decode("utf-8", "replace").splitlines()):
        if line.startswith("{"):
            return float(json.loads(line)["seconds"])
        if line.startswith("speed: "):
            return float(line.split(" in ", 1)[1].split(" s", 1)[0])
    return None


# --- the paths, run in child processes ---------------------------------------------------------


def _pages(path: Path):
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def run_plain(path: Path) -> None:
    """normalise + annotate + validate every page, one process (one core)."""
    from datetime import date

    from covidmeet_ds.annotate import annotate_text, doc_id_for
    from covidmeet_ds.validate import evidence_problem, iter_evidence

    count = 0
    start = time.perf_counter()
    for page in _pages(path):
        raw = page["text"]
        published = date.fromisoformat(page["published"]) if page["published"] else None
        annotation = annotate_text(raw, doc_id=doc_id_for(page["id"], raw), published=published)
        for _, evidence in iter_evidence(annotation):
            problem = evidence_problem(raw, page["id"], evidence)
            if problem is not None:
                raise SystemExit(f"{page['id']}: {problem}")
        count += 1
    print(json.dumps({"docs": count, "seconds": time.perf_counter() - start}))


def run_crawl_steps(path: Path) -> None:
    """The crawl's steps in one process, without datatrove: filter, annotate the kept pages."""
    from dataclasses import replace
    from datetime import date

    from covidmeet_ds.annotate import annotate_context, doc_id_for
    from covidmeet_ds.rules.context import ReportContext
    from covidmeet_ds.rules.registry import drop_reason
    from covidmeet_ds.rules.reports import prefilter

    count = 0
    start = time.perf_counter()
    for page in _pages(path):
        raw = page["text"]
        count += 1
        if prefilter(raw) is not None:
            continue
        ctx = ReportContext.from_raw(raw)
        if drop_reason(ctx) is not None:
            continue
        published = date.fromisoformat(page["published"]) if page["published"] else None
        annotate_context(replace(ctx, published=published), doc_id=doc_id_for(page["id"], raw))
    print(json.dumps({"docs": count, "seconds": time.perf_counter() - start}))


def run_jionlp(path: Path, limit: int) -> None:
    from datetime import date

    from covidmeet_ds.peers import jionlp_date
    from covidmeet_ds.text.normalise import normalise

    jionlp_date("3月16日下午召开会议", None)  # load jionlp's dictionaries before timing
    count = 0
    start = time.perf_counter()
    for page in _pages(path):
        if count >= limit:
            break
        published = date.fromisoformat(page["published"]) if page["published"] else None
        jionlp_date(normalise(page["text"]).text, published)
        count += 1
    print(json.dumps({"docs": count, "seconds": time.perf_counter() - start}))


# --- the benchmark -----------------------------------------------------------------------------


def _crawl(path: Path, out: Path, workers: int) -> list[str]:
    cli = str(Path(sys.executable).with_name("covidmeet-ds"))
    return [cli, "crawl", str(path), str(out), "--tasks", "4", "--workers", str(workers)]


def bench_size(docs: int, folder: Path, jionlp_docs: int, with_jionlp: bool) -> list[Measure]:
    from tests.generated import iter_pages, write_jsonl

    path = write_jsonl(folder / f"pages-{docs}.jsonl", iter_pages(docs, seed=docs))
    size = path.stat().st_size / docs / 1024
    me = [sys.executable, __file__]
    results = [
        measure("crawl steps, plain, 1 core", [*me, "--run", "crawl", str(path)], docs),
        measure("datatrove local, 1 worker", _crawl(path, folder / f"out-{docs}-1", 1), docs),
        measure("datatrove local, 2 workers", _crawl(path, folder / f"out-{docs}-2", 2), docs),
    ]
    if with_jionlp:
        sample = min(docs, jionlp_docs)
        command = [*me, "--run", "jionlp", str(path), "--jionlp-docs", str(sample)]
        results.append(measure("jionlp time extraction", command, sample))
    command = [*me, "--run", "plain", str(path)]
    results.append(measure("annotate+validate every page", command, docs))
    print(f"\n{docs:,} pages, {size:.1f} KB each on average ({path.stat().st_size >> 20} MB)")
    return results


def render(results: list[Measure]) -> str:
    plain = results[0].rate
    lines = [
        f"| {'path':<28} | {'docs':>8} | {'seconds':>8} | {'docs/s':>8} | {'vs plain':>8} "
        f"| {'peak MB':>8} |",
        f"|{'-' * 30}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 10}|",
    ]
    for m in results:
        lines.append(
            f"| {m.label:<28} | {m.docs:>8,} | {m.seconds:>8.1f} | {m.rate:>8,.0f} "
            f"| {m.rate / plain:>7.2f}x | {m.peak_mb:>8.0f} |"
        )
    one, two = results[1].rate, results[2].rate
    lines.append(f"2 workers / 1 worker: {two / one:.2f}x")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000], help="sizes N")
    parser.add_argument("--large", action="store_true", help="sizes 10,000 and 100,000")
    parser.add_argument("--build", action="store_true", help="also measure covidmeet-ds build")
    parser.add_argument("--no-jionlp", action="store_true", help="skip the jionlp peer")
    parser.add_argument("--jionlp-docs", type=int, default=2_000, help="pages for jionlp")
    parser.add_argument("--run", nargs=2, metavar=("PATH", "JSONL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        kind, path = args.run
        runs = {"plain": run_plain, "crawl": run_crawl_steps}
        if kind in runs:
            runs[kind](Path(path))
        else:
            run_jionlp(Path(path), args.jionlp_docs)
        return 0
    sizes = [10_000, 100_000] if args.large else args.docs
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for docs in sizes:
            print(render(bench_size(docs, Path(tmp), args.jionlp_docs, not args.no_jionlp)))
    if args.build:
        from bench_build import main as bench_build_main

        return bench_build_main(["--docs", *(str(n) for n in sizes)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
