"""`covidmeet-ds crawl` on datatrove: the same rows on every executor as `annotate --text`.

The crawl input is generated from the seed reports' lines (tests/generated.py); nothing here is
published. The local executor runs for real (4 tasks, 2 workers), the Slurm executor submits to
a fake ``sbatch`` that runs the job array it is given, and the Ray executor runs on a local Ray.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("datatrove")

from covidmeet_ds import scale
from covidmeet_ds.build.features import crawl_features
from covidmeet_ds.cli import main
from covidmeet_ds.models import Annotation
from covidmeet_ds.rules.context import ReportContext
from covidmeet_ds.rules.registry import rule_versions
from covidmeet_ds.rules.reports import DROP_REASONS, classify, prefilter
from covidmeet_ds.scale import shard

from .generated import Page, generate_pages, write_jsonl

PAGES = generate_pages(200, seed=5)


def _reason(page: Page) -> str | None:
    return prefilter(page.text) or classify(ReportContext.from_raw(page.text))


def _rows(output: Path) -> dict[str, dict]:
    files = sorted((output / "data").glob("*.parquet"))
    rows = [row for path in files for row in pq.read_table(path).to_pylist()]
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == len(rows), "a page was written twice"
    return by_id


def _crawl(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["crawl", *args, "--progress", "never"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _annotate_text(pages: list[Page], folder: Path, capsys) -> dict[str, dict]:
    """What `covidmeet-ds annotate --text` gives for each page, encoded as a crawl row."""
    folder.mkdir()
    by_published = defaultdict(list)
    for page in pages:
        path = folder / f"{page.id}.txt"
        path.write_text(page.text, encoding="utf-8")
        by_published[page.published].append(path)
    encode = crawl_features().encode_example
    expected = {}
    for published, paths in by_published.items():
        extra = ["--published", published.isoformat()] if published else []
        assert main(["annotate", "--text", *map(str, paths), *extra]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == len(paths)
        for path, line in zip(paths, lines, strict=True):
            page = next(p for p in pages if p.id == path.stem)
            annotation = Annotation.model_validate_json(line)
            expected[page.id] = encode(
                {
                    "id": page.id,
                    "published": page.published,
                    "raw_text": page.text,
                    "annotation": annotation.model_dump(mode="python"),
                }
            )
    return expected


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> tuple[Path, Path, str]:
    """One local crawl of the 200 pages (4 tasks, 2 workers), shared by the tests below."""
    folder = tmp_path_factory.mktemp("crawl")
    source = write_jsonl(folder / "pages.jsonl", PAGES)
    output = folder / "out"
    code = main(
        [
            "crawl",
            str(source),
            str(output),
            "--tasks",
            "4",
            "--workers",
            "2",
            "--audit-dropped",
            "--progress",
            "never",
        ]
    )
    assert code == 0
    return source, output, (output / "crawl.json").read_text(encoding="utf-8")


def test_shard_spreads_one_file_over_every_task() -> None:
    assert shard(["a.jsonl"], 2, 4) == (["a.jsonl"], 2, 4)
    assert shard(["a", "b", "c", "d", "e"], 1, 2) == (["b", "d"], 0, 1)


def test_local_rows_equal_annotate_text(local_run, tmp_path, capsys) -> None:
    _, output, _ = local_run
    rows = _rows(output)
    kept = [page for page in PAGES if _reason(page) is None]
    assert 0 < len(kept) < len(PAGES)
    assert set(rows) == {page.id for page in kept}
    expected = _annotate_text(kept, tmp_path / "texts", capsys)
    for page_id, row in rows.items():
        assert row == expected[page_id], page_id
    assert any(row["annotation"]["meetings"] for row in rows.values())
    # one input file, four tasks: every task got a share of it
    assert len(list((output / "data").glob("*.parquet"))) == 4


def test_dropped_pages_are_written_aside_with_their_reason(local_run) -> None:
    _, output, _ = local_run
    dropped = {}
    for path in sorted((output / "dropped").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                dropped[record["id"]] = record["reason"]
    expected = {p.id: _reason(p) for p in PAGES if _reason(p) is not None}
    assert dropped == expected
    assert set(dropped.values()) <= set(DROP_REASONS)
    assert {"no_meeting", "not_epidemic"} <= set(dropped.values())


def test_output_loads_with_datasets_and_declared_features(local_run, tmp_path) -> None:
    from datasets import load_dataset

    _, output, _ = local_run
    dataset = load_dataset(
        "parquet",
        data_files=str(output / "data" / "*.parquet"),
        split="train",
        cache_dir=str(tmp_path / "hf-cache"),
    )
    assert dataset.features == crawl_features()
    assert len(dataset) == len(_rows(output))
    levels = dataset.features["annotation"]["meetings"].feature["level"]["level"]
    assert levels.names[0] == "national"
    first = next(row for row in dataset if row["annotation"]["meetings"])
    assert first["annotation"]["annotator"] == "rule"


def test_summary_counts_and_second_run_is_skipped(local_run, capsys) -> None:
    source, output, settings = local_run
    before = {p: p.stat().st_mtime_ns for p in (output / "data").glob("*.parquet")}
    code, out, _ = _crawl(
        capsys, str(source), str(output), "--tasks", "4", "--workers", "2", "--audit-dropped"
    )
    assert code == 0
    assert "all 4 tasks were already complete" in out
    kept = sum(1 for page in PAGES if _reason(page) is None)
    assert f"read: {len(PAGES)} documents" in out
    assert f"kept: {kept} meeting reports" in out
    assert f"dropped: {len(PAGES) - kept}" in out
    assert "meetings found: " in out
    assert {p: p.stat().st_mtime_ns for p in (output / "data").glob("*.parquet")} == before
    assert (output / "crawl.json").read_text(encoding="utf-8") == settings


def test_resume_refuses_other_settings(local_run, capsys) -> None:
    source, output, _ = local_run
    code, _, err = _crawl(capsys, str(source), str(output), "--tasks", "3", "--audit-dropped")
    assert code == 1
    assert "tasks differ" in err


def test_resume_after_a_rule_change_is_refused(local_run, capsys, monkeypatch) -> None:
    source, output, _ = local_run
    changed = {**rule_versions(), "level": "000000000000"}
    monkeypatch.setattr(scale, "rule_versions", lambda: changed)
    code, _, err = _crawl(
        capsys, str(source), str(output), "--tasks", "4", "--workers", "2", "--audit-dropped"
    )
    assert code == 1
    assert "rules differ" in err


def test_crawl_refuses_a_foreign_output_folder(tmp_path, capsys) -> None:
    source = write_jsonl(tmp_path / "pages.jsonl", PAGES[:3])
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep me", encoding="utf-8")
    code, _, err = _crawl(capsys, str(source), str(foreign))
    assert code == 1
    assert "not empty" in err
    assert [p.name for p in foreign.iterdir()] == ["mine.txt"]


def test_unreadable_records_are_counted_and_named(tmp_path, capsys) -> None:
    source = tmp_path / "pages.jsonl"
    write_jsonl(source, PAGES[:5])
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "broken", "text": "unterminated\n')
    code, out, err = _crawl(capsys, str(source), str(tmp_path / "out"), "--tasks", "1")
    assert code == 0
    assert "read: 5 documents (1 unreadable records skipped)" in out
    assert "pages.jsonl:6: not JSON" in err


def test_parquet_input_with_other_keys_gives_the_same_rows(local_run, tmp_path, capsys) -> None:
    _, local_output, _ = local_run
    pages = PAGES[:40]
    folder = tmp_path / "parquet"
    folder.mkdir()
    for part in range(2):  # two files for three tasks: records are strided within files
        chunk = pages[part::2]
        table = pa.table(
            {
                "url": [p.id for p in chunk],
                "content": [p.text for p in chunk],
                "date": pa.array([p.published for p in chunk], type=pa.date32()),
            }
        )
        pq.write_table(table, folder / f"part-{part}.parquet")
    output = tmp_path / "out"
    code, _, _ = _crawl(
        capsys,
        str(folder),
        str(output),
        "--text-key",
        "content",
        "--id-key",
        "url",
        "--published-key",
        "date",
        "--tasks",
        "3",
        "--workers",
        "1",
    )
    assert code == 0
    expected = {k: v for k, v in _rows(local_output).items() if k in {p.id for p in pages}}
    assert _rows(output) == expected


FAKE_SBATCH = """#!/usr/bin/env python3
# A stand-in for Slurm's sbatch: records each submitted script, then runs it at once, once per
# array index (as the scheduler would, one after another), and prints a job id like sbatch.
import os, re, subprocess, sys
record = os.environ["FAKE_SLURM_RECORD"]
script_path = sys.argv[-1]
script = open(script_path, encoding="utf-8").read()
count = len(os.listdir(record))
with open(os.path.join(record, f"{count:02d}.sbatch"), "w", encoding="utf-8") as out:
    out.write(" ".join(sys.argv[1:-1]) + "\\n" + script)
array = re.search(r"^#SBATCH --array=(\\d+)-(\\d+)", script, re.M)
first, last = (int(array.group(1)), int(array.group(2))) if array else (0, 0)
for index in range(first, last + 1):
    env = dict(os.environ, SLURM_ARRAY_TASK_ID=str(index), SLURM_JOB_ID=str(4242 + count),
               SLURM_NODELIST="localhost", RUN_OFFSET="0")
    subprocess.run(["bash", script_path], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"Submitted batch job {4242 + count}")
"""

FAKE_SRUN = """#!/usr/bin/env bash
# srun [options] command...: drop the options, run the command here.
while [[ "$1" == -* ]]; do
  case "$1" in -n|-N|--ntasks|--nodes) shift 2 ;; *) shift ;; esac
done
exec "$@"
"""

FAKE_SCONTROL = """#!/usr/bin/env bash
echo localhost
"""


def _fake_slurm(folder: Path) -> Path:
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    for name, body in {"sbatch": FAKE_SBATCH, "srun": FAKE_SRUN, "scontrol": FAKE_SCONTROL}.items():
        path = bin_dir / name
        path.write_text(body, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def test_slurm_submits_a_job_array_that_produces_the_same_rows(
    local_run, tmp_path, capsys, monkeypatch
) -> None:
    source, local_output, _ = local_run
    record = tmp_path / "submitted"
    record.mkdir()
    bin_dir = _fake_slurm(tmp_path)
    venv_bin = Path(sys.executable).parent  # where datatrove's launch_pickled_pipeline lives
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{venv_bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_SLURM_RECORD", str(record))
    output = tmp_path / "out"
    args = [
        str(source),
        str(output),
        "--executor",
        "slurm",
        "--partition",
        "cpu",
        "--tasks",
        "4",
        "--workers",
        "2",
        "--time",
        "00:30:00",
        "--sbatch-arg",
        "account=covid",
        "--audit-dropped",
    ]
    code, out, _ = _crawl(capsys, *args)
    assert code == 0
    assert "submitted Slurm job 4242" in out
    job, merge = sorted(record.iterdir())
    script = job.read_text(encoding="utf-8")
    logs = (output / "logs").resolve()
    for directive in (
        "#SBATCH --array=0-3%2",
        "#SBATCH --partition=cpu",
        "#SBATCH --time=00:30:00",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --mem-per-cpu=2G",
        "#SBATCH --job-name=covidmeet-crawl",
        "#SBATCH --account=covid",
    ):
        assert directive in script.splitlines(), directive
    if sys.prefix != sys.base_prefix:
        assert f"source {Path(sys.prefix) / 'bin' / 'activate'}" in script
    assert f"launch_pickled_pipeline {logs}/executor.pik" in script
    assert "srun" in script
    assert "merge_stats" in merge.read_text(encoding="utf-8")
    assert "--dependency=afterok:4242" in merge.read_text(encoding="utf-8")

    # the fake scheduler ran the array: a rerun finds every task done and prints the summary
    code, out, _ = _crawl(capsys, *args)
    assert code == 0
    assert "all 4 tasks were already complete" in out
    assert len(list(record.iterdir())) == 2, "nothing is resubmitted"
    assert _rows(output) == _rows(local_output)


def test_ray_executor_on_a_local_ray_gives_the_same_rows(local_run, tmp_path, capsys) -> None:
    ray = pytest.importorskip("ray")
    source, local_output, _ = local_run
    output = tmp_path / "out"
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        code, out, _ = _crawl(
            capsys,
            str(source),
            str(output),
            "--executor",
            "ray",
            "--tasks",
            "4",
            "--workers",
            "2",
            "--mem-per-cpu-gb",
            "0.5",
            "--audit-dropped",
        )
    finally:
        ray.shutdown()
    assert code == 0, out
    assert "tasks: 4/4 complete (4 run now)" in out
    assert _rows(output) == _rows(local_output)


def test_a_failed_task_is_reported_and_the_rerun_resumes_it(tmp_path, capsys, monkeypatch) -> None:
    from covidmeet_ds import scale

    pages = PAGES[:20]
    source = write_jsonl(tmp_path / "pages.jsonl", pages)
    output = tmp_path / "out"
    args = [str(source), str(output), "--tasks", "2", "--workers", "1"]
    original = scale.MeetingReportFilter.filter
    second_task = {page.id for page in pages[1::2]}  # one file, two tasks: odd records

    def failing(self, doc):
        if doc.id in second_task:
            raise RuntimeError("disk full")
        return original(self, doc)

    monkeypatch.setattr(scale.MeetingReportFilter, "filter", failing)
    code, out, _ = _crawl(capsys, *args)
    assert code == 1
    assert "1 of 2 tasks did not finish (RuntimeError: disk full)" in out
    assert "tasks: 1/2 complete" in out

    monkeypatch.setattr(scale.MeetingReportFilter, "filter", original)
    code, out, _ = _crawl(capsys, *args)
    assert code == 0
    assert "tasks: 2/2 complete (1 run now)" in out
    assert f"read: {len(pages)} documents" in out
    assert set(_rows(output)) == {page.id for page in pages if _reason(page) is None}


def test_a_page_whose_annotation_fails_is_counted_not_fatal(tmp_path, capsys, monkeypatch) -> None:
    from covidmeet_ds import scale

    pages = [page for page in PAGES[:30] if _reason(page) is None][:5]
    source = write_jsonl(tmp_path / "pages.jsonl", pages)
    original = scale.AnnotateStep.annotate

    def failing(self, doc):
        if doc.id == pages[0].id:
            raise ValueError("unexpected text")
        return original(self, doc)

    monkeypatch.setattr(scale.AnnotateStep, "annotate", failing)
    output = tmp_path / "out"
    code, out, _ = _crawl(capsys, str(source), str(output), "--tasks", "1", "--workers", "1")
    assert code == 0
    assert "not annotated: 1 kept pages" in out
    assert set(_rows(output)) == {page.id for page in pages[1:]}
    log = next((output / "logs" / "logs").glob("task_*.log")).read_text(encoding="utf-8")
    assert f"{pages[0].id}: not annotated (ValueError: unexpected text)" in log


def test_a_page_the_filter_fails_on_is_dropped_with_the_reason_and_logged(monkeypatch) -> None:
    from datatrove.data import Document

    from covidmeet_ds.rules import registry

    def failing(ctx):
        raise KeyError("a cue")

    monkeypatch.setattr(registry.reports, "classify", failing)
    text = "3月2日,县委召开新冠肺炎疫情防控工作会议,部署当前疫情防控工作。" * 3
    assert prefilter(text) is None
    kept = scale.MeetingReportFilter().filter(Document(text=text, id="p1"))
    assert kept == (False, scale.RULE_FAILED)
