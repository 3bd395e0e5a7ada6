"""`covidmeet-ds crawl` on datatrove: the same rows on every executor as `annotate --text`.

The crawl input is generated from the seed reports' lines (tests/generated.py); nothing here is
published. The local executor runs for real (4 tasks, 2 workers), the Slurm executor submits to
a fake ``sbatch`` that runs the job array it is given, and the Ray executor runs on a local Ray.
"""

from __future__ import annotations

import gzip
import json
import math
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
from .label_names import with_label_names

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
    features = crawl_features()
    expected = {}
    for published, paths in by_published.items():
        extra = ["--published", published.isoformat()] if published else []
        assert main(["annotate", "--text", *map(str, paths), *extra]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == len(paths)
        for path, line in zip(paths, lines, strict=True):
            page = next(p for p in pages if p.id == path.stem)
            annotation = Annotation.model_validate_json(line)
            row = {
                "id": page.id,
                "published": page.published,
                "raw_text": page.text,
                "annotation": annotation.model_dump(mode="python"),
            }
            expected[page.id] = features.encode_example(with_label_names(row, dict(features)))
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
    assert "read: 5 documents\nskipped: 1 records that give no page (not_json 1;" in out
    assert "pages.jsonl:6: Invalid control character" in err and "skipped (not_json)" in err


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


# --- bad input: one bad record never fails a task ------------------------------------------------

KEPT = [page for page in PAGES if _reason(page) is None][:3]
DROPPED = [page for page in PAGES if _reason(page) is not None][:2]


def _write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def _line(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def _crawl_one_task(capsys, source: Path, output: Path, *args: str) -> tuple[int, str, str]:
    return _crawl(capsys, str(source), str(output), "--tasks", "1", "--workers", "1", *args)


def _task_log(output: Path) -> str:
    return "".join(
        path.read_text(encoding="utf-8") for path in (output / "logs" / "logs").glob("*.log")
    )


def _dropped_rows(output: Path) -> dict[str, dict]:
    rows = {}
    for path in sorted((output / "dropped").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                rows[record["id"]] = record
    return rows


def test_bad_jsonl_records_of_every_kind_are_counted_named_and_skipped(tmp_path, capsys) -> None:
    good = [_line(page.record()) for page in KEPT]
    bad = [
        (_line({"id": "int", "text": 5}), "text_not_string"),
        (_line({"id": "list", "text": ["a", "b"]}), "text_not_string"),
        (_line({"id": "dict", "text": {"zh": KEPT[0].text}}), "text_not_string"),
        (_line({"id": "bool", "text": True}), "text_not_string"),
        (_line({"id": "null", "text": None}), "missing_text"),
        (_line({"id": "absent", "body": KEPT[0].text}), "missing_text"),
        (b'{"id": "latin1", "text": "caf\xe9"}', "invalid_utf8"),
        (_line({"id": "cut", "text": KEPT[0].text})[:-3] + b'\xe4"}', "invalid_utf8"),
        (b'{"id": "broken", "text": "unterminated', "not_json"),
        (b"[" * 50_000, "not_json"),
        (b'{"id": "huge", "n": ' + b"9" * 5000 + b', "text": "x"}', "not_json"),
        (b'["an", "array"]', "not_object"),
        (b'"a string"', "not_object"),
        (b"null", "not_object"),
    ]
    lines = [good[0], *(line for line, _ in bad[:7]), good[1], *(line for line, _ in bad[7:])]
    lines += [good[2], b"", b"   "]  # blank lines are no records
    source = _write_lines(tmp_path / "pages.jsonl", lines)
    output = tmp_path / "out"
    code, out, err = _crawl_one_task(capsys, source, output)
    assert code == 0, out + err
    expected = {}
    for _, reason in bad:
        expected[reason] = expected.get(reason, 0) + 1
    per_reason = ", ".join(f"{r} {expected[r]}" for r in scale.SKIP_REASONS if r in expected)
    assert f"read: {len(KEPT)} documents\nskipped: {len(bad)} records that give no page" in out
    assert f"({per_reason};" in out
    assert set(_rows(output)) == {page.id for page in KEPT}
    log = _task_log(output)
    for number, line in enumerate(lines, start=1):
        for bad_line, reason in bad:
            if line == bad_line:
                assert f"pages.jsonl:{number}: " in log and f"skipped ({reason})" in log


def test_lone_surrogates_in_text_and_id_are_replaced_and_counted(tmp_path, capsys) -> None:
    line = _line({"id": "page\\ud800", "text": KEPT[0].text + "\\udc00"})
    line = line.replace(b"\\\\ud800", b"\\ud800").replace(b"\\\\udc00", b"\\udc00")
    source = _write_lines(tmp_path / "pages.jsonl", [line])
    code, out, _ = _crawl_one_task(capsys, source, tmp_path / "out")
    assert code == 0
    assert "lone surrogates replaced by U+FFFD: in 2 texts or ids" in out
    (row,) = _rows(tmp_path / "out").values()
    assert row["id"] == "page\ufffd" and row["raw_text"].endswith("\ufffd")


def _parquet(path: Path, columns: dict[str, pa.Array]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def _not_utf8_strings(values: list[bytes]) -> pa.Array:
    """A string column holding bytes that are not UTF-8 (some writers do not check)."""
    return pa.array(values, pa.binary()).view(pa.string())


def test_parquet_columns_of_the_wrong_type_are_counted_and_skipped(tmp_path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    texts = [page.text for page in KEPT]
    ids = [page.id for page in KEPT]
    _parquet(folder / "a-good.parquet", {"id": ids[:1], "text": texts[:1]})
    _parquet(folder / "b-int-text.parquet", {"id": ["i1", "i2"], "text": [1, 2]})
    _parquet(folder / "c-struct.parquet", {"id": ["s1"], "text": [{"zh": "会议", "n": 1}]})
    _parquet(folder / "d-list.parquet", {"id": ["l1"], "text": [["会议", "通知"]]})
    binary = pa.array([texts[1].encode(), b"\xff\xfe not utf-8"], pa.binary())
    _parquet(folder / "e-binary.parquet", {"id": [ids[1], "b2"], "text": binary})
    bad_strings = _not_utf8_strings([texts[2].encode(), b"\xc3\x28", b"ok"])
    _parquet(folder / "f-bad-utf8.parquet", {"id": [ids[2], "u2", "u3"], "text": bad_strings})
    _parquet(folder / "g-nulls.parquet", {"id": ["n1"], "text": pa.array([None], pa.string())})
    far = pa.array([0, 253_402_300_800 * 10], pa.timestamp("s"))  # year 10000: no datetime
    _parquet(folder / "h-far.parquet", {"id": ["t1", "t2"], "text": ["x", "y"], "seen": far})
    output = tmp_path / "out"
    code, out, err = _crawl_one_task(capsys, folder, output)
    assert code == 0, out + err
    assert "read: 5 documents" in out  # 3 kept pages, "u3" and "t1" (dropped: no_text)
    assert (
        "skipped: 8 records that give no page (invalid_utf8 2, bad_value 1, missing_text 1, "
        "text_not_string 4;"
    ) in out
    assert set(_rows(output)) == set(ids)
    log = _task_log(output)
    assert "b-int-text.parquet#0: 'text' is a number (1), not a string" in log
    assert "c-struct.parquet#0: 'text' is an object" in log
    assert "d-list.parquet#0: 'text' is a list" in log
    assert "e-binary.parquet#1: 'text': byte 1 is not UTF-8" in log
    assert "f-bad-utf8.parquet#1: field 'text'" in log
    assert "h-far.parquet#1: field 'seen'" in log


def test_integer_and_other_ids_become_strings(tmp_path, capsys) -> None:
    """Integer ids are the usual case in Parquet crawls: every page must be kept under its id."""
    source = _parquet(
        tmp_path / "pages.parquet",
        {"id": pa.array(range(101, 101 + len(KEPT)), pa.int64()), "text": [p.text for p in KEPT]},
    )
    code, out, err = _crawl_one_task(capsys, source, tmp_path / "out")
    assert code == 0, out + err
    assert "not annotated" not in out
    assert set(_rows(tmp_path / "out")) == {"101", "102", "103"}

    cases = [7, 7.5, None, True, [1], "", "x" * 3000]
    records = [{"id": value, "text": KEPT[i % len(KEPT)].text} for i, value in enumerate(cases)]
    records.append({"text": KEPT[0].text})  # no id field at all
    source = _write_lines(tmp_path / "ids.jsonl", [_line(r) for r in records])
    output = tmp_path / "out-jsonl"
    code, out, err = _crawl_one_task(capsys, source, output)
    assert code == 0, out + err
    assert "ids generated: 5 pages had no usable id and are named FILE/INDEX" in out
    assert "(id_missing 3, id_invalid 2)" in out
    expected = {"7", "7.5", "ids.jsonl/2", "ids.jsonl/3", "ids.jsonl/4", "ids.jsonl/5"}
    assert set(_rows(output)) == expected | {"x" * 3000, "ids.jsonl/7"}
    assert "ids.jsonl:3: no usable 'id' (id_missing); id ids.jsonl/2" in _task_log(output)


def test_values_the_audit_cannot_serialise_are_left_out_and_counted(tmp_path, capsys) -> None:
    from decimal import Decimal

    page = DROPPED[0]
    table = {
        "id": ["p1", "p2"],
        "text": [page.text, page.text],
        "raw": pa.array([b"\x89PNG", None], pa.binary()),
        "price": pa.array([Decimal("2.50"), None], pa.decimal128(5, 2)),
        "took": pa.array([5, 6], pa.duration("s")),
        "score": [math.nan, 0.5],
        "seen": pa.array([0, 1], pa.timestamp("s")),
        "reason": ["a field named like the audit's own", "x"],
        "tags": pa.array([[("k", 1)], []], pa.map_(pa.string(), pa.int64())),
    }
    source = _parquet(tmp_path / "pages.parquet", table)
    output = tmp_path / "out"
    code, out, err = _crawl_one_task(capsys, source, output, "--audit-dropped")
    assert code == 0, out + err
    assert "audit: 5 field values with no JSON form left out" in out
    rows = _dropped_rows(output)
    assert set(rows) == {"p1", "p2"}
    assert rows["p1"]["reason"] == _reason(page)
    assert rows["p1"]["left_out"] == {
        "raw": "bytes",
        "price": "Decimal",
        "took": "timedelta",
        "score": "nan",
    }
    assert rows["p1"]["metadata"]["reason"] == "a field named like the audit's own"
    assert rows["p1"]["metadata"]["seen"] == "1970-01-01T00:00:00"
    assert rows["p1"]["metadata"]["tags"] == [["k", 1]]
    assert rows["p2"]["left_out"] == {"took": "timedelta"}
    assert rows["p2"]["metadata"]["score"] == 0.5
    assert "p1: not written to the audit, no JSON form: 'raw' (bytes)" in _task_log(output)

    deep: object = "leaf"
    for _ in range(300):
        deep = {"d": deep}
    lines = [_line({"id": "j1", "text": page.text, "big": 2**70, "deep": deep, "ok": 1})]
    lines.append(b'{"id": "j2", "text": ' + json.dumps(page.text).encode() + b', "n": NaN}')
    source = _write_lines(tmp_path / "pages.jsonl", lines)
    output = tmp_path / "out-jsonl"
    code, out, err = _crawl_one_task(capsys, source, output, "--audit-dropped")
    assert code == 0, out + err
    rows = _dropped_rows(output)
    assert rows["j1"]["left_out"] == {
        "big": "an integer beyond 64 bits",
        "deep": "nested deeper than 100 levels",
    }
    assert rows["j1"]["metadata"]["ok"] == 1
    assert rows["j2"]["left_out"] == {"n": "nan"}


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        (["--text-key", "body"], "'body' (--text-key)"),
        (["--id-key", "url"], "'url' (--id-key)"),
        (["--published-key", "date"], "'date' (--published-key)"),
    ],
)
def test_a_field_no_record_has_is_refused_with_the_fields_seen(
    tmp_path, capsys, args, missing
) -> None:
    source = write_jsonl(tmp_path / "pages.jsonl", KEPT)
    output = tmp_path / "out"
    code, _, err = _crawl_one_task(capsys, source, output, *args)
    assert code == 1
    fields = "'id' (3), 'text' (3), 'published' (2)"  # KEPT[0] has no date
    assert f"no record has the field {missing}; fields seen in 3 record(s): {fields}" in err
    assert not output.exists()

    folder = tmp_path / "parquet"
    folder.mkdir()
    _parquet(folder / "a.parquet", {"id": ["a"], "text": [KEPT[0].text]})
    code, _, err = _crawl_one_task(capsys, folder, tmp_path / "out2", *args)
    assert code == 1
    assert f"no record has the field {missing}; fields seen in 1 record(s): " in err


def test_a_text_field_in_no_record_after_many_is_found_late(tmp_path, capsys) -> None:
    """The check reads until it finds the field: a field that only later records have is fine."""
    lines = [_line({"id": f"n{i}", "other": "x"}) for i in range(2000)]
    source = _write_lines(tmp_path / "pages.jsonl", [*lines, _line(KEPT[0].record())])
    code, out, err = _crawl_one_task(capsys, source, tmp_path / "out")
    assert code == 0, out + err
    assert "missing_text 2000" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "holds no records (1 file(s), all empty)"),
        (b"\n\n  \n", "holds no records"),
        (b"not json\n[1]\n", "fields seen in 0 record(s): none; 2 line(s) are not JSON objects"),
    ],
)
def test_an_input_with_no_records_is_refused(tmp_path, capsys, content, message) -> None:
    source = tmp_path / "pages.jsonl"
    source.write_bytes(content)
    code, _, err = _crawl_one_task(capsys, source, tmp_path / "out")
    assert code == 1
    assert message in err
    assert not (tmp_path / "out").exists()


def test_an_empty_parquet_input_is_refused(tmp_path, capsys) -> None:
    source = _parquet(tmp_path / "p.parquet", {"id": pa.array([], pa.string()), "text": []})
    code, _, err = _crawl_one_task(capsys, source, tmp_path / "out")
    assert code == 1
    assert "holds no records" in err


def test_a_crawl_that_reads_no_page_fails_and_names_the_fields(tmp_path, capsys) -> None:
    records = [{"id": i, "body": page.text} for i, page in enumerate(KEPT)]
    source = _write_lines(tmp_path / "pages.jsonl", [_line(r) for r in records])
    code, out, _ = _crawl_one_task(capsys, source, tmp_path / "out", "--text-key", "id")
    assert code == 1
    assert (
        "no page was read: 3 records skipped (text_not_string 3); is 'id' (--text-key) the "
        "field holding the page text? Fields seen in the first 3 record(s): 'body' (3), 'id' (3)"
    ) in out
    assert "read: 0 documents" in out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--tasks", "0", "must be at least 1, got 0"),
        ("--tasks", "-2", "must be at least 1, got -2"),
        ("--tasks", "two", "expected a whole number, got 'two'"),
        ("--workers", "0", "must be at least 1, got 0"),
        ("--cpus-per-task", "0", "must be at least 1, got 0"),
        ("--mem-per-cpu-gb", "0", "must be a positive number, got 0"),
        ("--mem-per-cpu-gb", "nan", "must be a positive number, got nan"),
        ("--mem-per-cpu-gb", "-1", "must be a positive number, got -1"),
    ],
)
def test_counts_below_one_are_refused(tmp_path, capsys, option, value, message) -> None:
    source = write_jsonl(tmp_path / "pages.jsonl", KEPT)
    with pytest.raises(SystemExit) as exit_:
        main(["crawl", str(source), str(tmp_path / "out"), option, value])
    assert exit_.value.code == 2
    assert f"argument {option}: {message}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_duplicate_ids_are_counted_and_listed(tmp_path, capsys) -> None:
    pages = [KEPT[0], KEPT[1], KEPT[0], KEPT[2], KEPT[0]]
    records = [page.record() for page in pages]
    records += [{"id": 77, "text": KEPT[1].text}, {"id": "77", "text": KEPT[2].text}]
    source = _write_lines(tmp_path / "pages.jsonl", [_line(r) for r in records])
    output = tmp_path / "out"
    # two tasks: the copies of KEPT[0] land in both (every other record)
    code, out, err = _crawl(capsys, str(source), str(output), "--tasks", "2", "--workers", "1")
    assert code == 0, out + err
    assert "duplicate ids: 3 output rows repeat the id of another row (all kept;" in out
    files = sorted((output / "data").glob("*.parquet"))
    ids = [i for path in files for i in pq.read_table(path).column("id").to_pylist()]
    assert sorted(ids) == sorted(str(r["id"]) for r in records)
    listing = (output / "logs" / "duplicate_ids.tsv").read_text(encoding="utf-8")
    assert sorted(listing.splitlines()) == sorted([f'"{KEPT[0].id}"\t3', '"77"\t2'])
    # the summary of a finished crawl counts them again
    code, out, _ = _crawl(capsys, str(source), str(output), "--tasks", "2", "--workers", "1")
    assert code == 0 and "duplicate ids: 3 output rows" in out


def _output_cases(tmp_path: Path) -> list[tuple[Path, str]]:
    a_file = tmp_path / "taken.txt"
    a_file.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link-to-file"
    link.symlink_to(a_file)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    return [
        (a_file, "not a folder"),
        (link, "not a folder"),
        (dangling, "a symbolic link to nothing"),
        (a_file / "out", "cannot write the crawl's settings"),
    ]


def test_an_output_that_is_not_a_folder_is_refused_before_any_work(tmp_path, capsys) -> None:
    source = write_jsonl(tmp_path / "pages.jsonl", KEPT)
    for output, message in _output_cases(tmp_path):
        code, _, err = _crawl_one_task(capsys, source, output)
        assert code == 1, output
        assert message in err, (output, err)
    assert (tmp_path / "taken.txt").read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "nowhere").exists()


def test_an_output_inside_the_input_folder_is_refused(tmp_path, capsys) -> None:
    folder = tmp_path / "crawl"
    folder.mkdir()
    write_jsonl(folder / "pages.jsonl", KEPT)
    for output in (folder / "out", folder, folder / "a" / "b"):
        code, _, err = _crawl_one_task(capsys, folder, output)
        assert code == 1
        assert "inside the input folder" in err
    assert sorted(p.name for p in folder.iterdir()) == ["pages.jsonl"]


def test_a_missing_or_special_input_is_refused(tmp_path, capsys) -> None:
    code, _, err = _crawl_one_task(capsys, tmp_path / "nowhere.jsonl", tmp_path / "out")
    assert code == 1 and "nowhere.jsonl: no such file or folder" in err
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    code, _, err = _crawl_one_task(capsys, fifo, tmp_path / "out")
    assert code == 1 and "pipe.jsonl: not a regular file or a folder" in err
    assert not (tmp_path / "out").exists()


def test_damaged_files_are_counted_and_the_others_read(tmp_path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", KEPT[:1])
    whole = gzip.compress(b"".join(_line(p.record()) + b"\n" for p in KEPT[1:]))
    (folder / "b-truncated.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    (folder / "c-not-gzip.jsonl.gz").write_bytes(b"plain text, not gzip")
    code, out, err = _crawl_one_task(capsys, folder, tmp_path / "out")
    assert code == 0, out + err
    assert "unreadable files: 2 (read up to the damage" in out
    assert KEPT[0].id in _rows(tmp_path / "out")
    log = _task_log(tmp_path / "out")
    assert "b-truncated.jsonl.gz: unreadable" in log and "EOFError" in log
    assert "c-not-gzip.jsonl.gz: unreadable at its start (BadGzipFile" in log

    parquet = tmp_path / "pq"
    parquet.mkdir()
    _parquet(parquet / "a.parquet", {"id": [KEPT[0].id], "text": [KEPT[0].text]})
    (parquet / "b.parquet").write_bytes(b"PAR1 not parquet at all PAR1")
    code, out, err = _crawl_one_task(capsys, parquet, tmp_path / "out-pq")
    assert code == 0, out + err
    assert "unreadable files: 1" in out
    assert set(_rows(tmp_path / "out-pq")) == {KEPT[0].id}


def test_a_resume_with_other_input_content_is_refused(tmp_path, capsys) -> None:
    source = write_jsonl(tmp_path / "pages.jsonl", KEPT)
    output = tmp_path / "out"
    assert _crawl_one_task(capsys, source, output)[0] == 0
    settings = (output / "crawl.json").read_text(encoding="utf-8")
    original = source.read_bytes()
    stat_before = source.stat()

    # the same size, other content, and the modification time set back: still refused
    edited = original.replace(KEPT[0].id.encode(), KEPT[0].id[::-1].encode(), 1)
    assert len(edited) == len(original) and edited != original
    source.write_bytes(edited)
    os.utime(source, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns))
    code, _, err = _crawl_one_task(capsys, source, output)
    assert code == 1
    assert "holds a crawl of other input: pages.jsonl changed (same size, other content)" in err

    # the content back, touched: the digest matches, the crawl resumes
    source.write_bytes(original)
    code, out, _ = _crawl_one_task(capsys, source, output)
    assert code == 0
    assert "all 1 tasks were already complete" in out
    assert (output / "crawl.json").read_text(encoding="utf-8") == settings

    # a file added to an input folder, or one gone
    folder = tmp_path / "folder"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", KEPT[:1])
    write_jsonl(folder / "b.jsonl", KEPT[1:2])
    assert _crawl_one_task(capsys, folder, tmp_path / "out2")[0] == 0
    write_jsonl(folder / "c.jsonl", KEPT[2:])
    (folder / "a.jsonl").unlink()
    code, _, err = _crawl_one_task(capsys, folder, tmp_path / "out2")
    assert code == 1
    assert "c.jsonl is new; a.jsonl is gone" in err


def test_the_settings_record_each_input_file_digest(local_run) -> None:
    source, _, settings = local_run
    import hashlib

    recorded = json.loads(settings)["files"]
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert recorded == {source.name: {"bytes": source.stat().st_size, "sha256": digest}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-03-02", "2020-03-02"),
        ("2020-03-02T08:30:00+08:00", "2020-03-02"),
        ("2020-03-02 08:30", "2020-03-02"),
        ("2020-02-30", None),
        ("２０２０-03-02", None),
        ("2020-W10-1", None),
        ("20200302xx", None),
        ("2020-03-02x", None),
        (20200302, None),
        (True, None),
    ],
)
def test_published_dates_are_iso_days_only(value: object, expected: str | None) -> None:
    day = scale.published_date(value)
    assert (day.isoformat() if day else None) == expected


def test_a_parquet_text_column_of_nulls_reads_no_page_and_fails(tmp_path, capsys) -> None:
    texts = pa.array([None, None], pa.string())
    source = _parquet(tmp_path / "p.parquet", {"id": ["a", "b"], "text": texts})
    code, out, _ = _crawl_one_task(capsys, source, tmp_path / "out")
    assert code == 1
    assert "no page was read: 2 records skipped (missing_text 2)" in out


def test_a_damaged_settings_file_is_refused_by_name(tmp_path, capsys) -> None:
    source = write_jsonl(tmp_path / "pages.jsonl", KEPT)
    output = tmp_path / "out"
    assert _crawl_one_task(capsys, source, output)[0] == 0
    settings = json.loads((output / "crawl.json").read_text(encoding="utf-8"))
    for damaged, message in (
        ("{not json", "crawl.json: unreadable"),
        ("[1, 2]", "crawl.json: not a crawl's settings"),
        ("[" * 100_000, "crawl.json: unreadable"),
        (json.dumps(settings | {"files": ["pages.jsonl"], "file_stats": 3}), "pages.jsonl is new"),
    ):
        (output / "crawl.json").write_text(damaged, encoding="utf-8")
        code, _, err = _crawl_one_task(capsys, source, output)
        assert code == 1 and message in err, err


@pytest.mark.parametrize(
    "damage", [b"{not json", b"[]]", b'[{"name": "x"}]', b'[{"name": 1, "stats": {}}]', b"\xff"]
)
def test_a_damaged_task_stats_file_stops_the_summary_naming_it(tmp_path, capsys, damage) -> None:
    source = _write_lines(tmp_path / "pages.jsonl", [_line(KEPT[0].record())])
    output = tmp_path / "out"
    code, out, err = _crawl_one_task(capsys, source, output)
    assert code == 0, out + err
    (stats,) = (output / "logs" / "stats").glob("*.json")
    stats.write_bytes(damage)
    code, out, err = _crawl_one_task(capsys, source, output)
    assert code == 1
    assert f"{stats} is damaged" in err and "to run that task again" in err
    assert "Traceback" not in out + err
