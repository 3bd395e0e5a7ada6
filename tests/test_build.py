"""The published folder: files, card, typed round trip through `datasets`, pyarrow and pandas,
Croissant, determinism and atomicity. Every test reads the real corpus."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from datasets import ClassLabel, Features, load_dataset
from huggingface_hub import DatasetCard

import covidmeet_ds.build as build_package
from covidmeet_ds.build import (
    BuildError,
    build,
    iter_manifest,
    load_documents,
    read_build_inputs,
    write_dataset,
)
from covidmeet_ds.build.card import CARD_MARKERS, data_file
from covidmeet_ds.build.features import (
    CONFIG_SPLITS,
    CONFIGS,
    SPLITS,
    config_features,
    null_violations,
)
from covidmeet_ds.build.splits import Assignment
from covidmeet_ds.build.staging import StagingError, staged_directory
from covidmeet_ds.cli import main
from covidmeet_ds.corpus import Layout, parse_yaml
from covidmeet_ds.models import Manifest
from covidmeet_ds.published import annotation_from_row
from covidmeet_ds.reader import SourceDocument, load_annotation

from .conftest import REPO, tree_snapshot


def _gold() -> dict[str, dict]:
    """The hand annotations read as plain YAML, independently of the package's loaders."""
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "annotations" / "hand").glob("*.yaml"))
    }


def _manifest_ids() -> list[str]:
    manifest = yaml.safe_load((REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8"))
    return [entry["doc_id"] for entry in manifest["documents"]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "hf"
    build(REPO, out, progress=False)
    return out


@pytest.fixture(scope="module")
def split_of(built: Path) -> dict[str, str]:
    records = json.loads((built / "splits.json").read_text(encoding="utf-8"))
    return {record["doc_id"]: record["split"] for record in records}


@pytest.fixture(scope="module")
def card(built: Path) -> DatasetCard:
    return DatasetCard.load(built / "README.md")


def _expected_rows(split_of: dict[str, str]) -> Counter:
    """Rows per (config, split), counted from the YAML and the recorded split assignment."""
    counts: Counter = Counter()
    taxonomy = yaml.safe_load(
        (REPO / "src/covidmeet_ds/data/taxonomy.yaml").read_text(encoding="utf-8")
    )
    counts["taxonomy", "train"] = len(taxonomy["categories"])
    gold = _gold()
    for doc_id in _manifest_ids():
        split = split_of[doc_id]
        counts["documents", split] += 1
        for meeting in gold.get(doc_id, {}).get("meetings", []):
            counts["meetings", split] += 1
            counts["requirements", split] += len(meeting["requirements"])
    return counts


def _declared(card: DatasetCard) -> dict[str, dict[str, str]]:
    return {
        config["config_name"]: {f["split"]: f["path"] for f in config["data_files"]}
        for config in card.data.configs
    }


# -- the folder --


def test_folder_holds_card_data_croissant_and_checksums(built: Path, card: DatasetCard) -> None:
    for name in ("README.md", "croissant.json", "SHA256SUMS", "timeline.png", "splits.json"):
        assert (built / name).is_file(), name
    listed = {}
    for line in (built / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        sha, relative = line.split("  ", 1)
        listed[relative] = sha
    on_disk = tree_snapshot(built)
    del on_disk["SHA256SUMS"]
    assert listed == on_disk
    for files in _declared(card).values():
        for path in files.values():
            assert path in listed


def test_timeline_is_a_png_embedded_in_the_card(built: Path, card: DatasetCard) -> None:
    from matplotlib.image import imread

    image = imread(built / "timeline.png")
    assert image.shape[0] > 200 and image.shape[1] > 600
    assert "](timeline.png)" in card.text


# -- the card --


def test_card_front_matter(card: DatasetCard, split_of: dict[str, str]) -> None:
    data = card.data
    # the data mixes terms: annotations CC BY 4.0, report texts their publishers' (the Hub's
    # convention for a licence not on its list: other + license_name + license_link)
    assert data.license == "other"
    assert data.license_name and re.fullmatch(r"[a-z0-9.-]+", data.license_name)
    assert data.license_link.startswith("https://") and data.license_link.endswith("/LICENSE")
    assert data.language == ["zh"]
    assert data.pretty_name
    assert data.task_categories
    assert data.size_categories == ["n<1K"]
    configs = {c["config_name"]: c for c in data.configs}
    assert set(configs) == set(CONFIGS)
    assert configs["meetings"].get("default") is True
    assert not any(c.get("default") for name, c in configs.items() if name != "meetings")
    expected = _expected_rows(split_of)
    for config, files in _declared(card).items():
        # exactly the splits that have rows: datasets cannot load a declared empty split
        assert set(files) == {s for s in SPLITS if expected[config, s]}
        for split, path in files.items():
            assert path == f"data/{config}/{split}-00000-of-00001.parquet"


def test_card_dataset_info_is_the_declared_features(card: DatasetCard) -> None:
    infos = {info["config_name"]: info for info in card.data.dataset_info}
    assert set(infos) == set(CONFIGS)
    for config, info in infos.items():
        assert Features._from_yaml_list(info["features"]) == config_features(config)
        declared = _declared(card)[config]
        assert {s["name"] for s in info["splits"]} == set(declared)


def test_card_figures_come_from_the_gold(card: DatasetCard) -> None:
    gold = _gold()
    meetings = [m for annotation in gold.values() for m in annotation["meetings"]]
    requirements = sum(len(m["requirements"]) for m in meetings)
    assert f"**{len(_manifest_ids())}** documents" in card.text
    assert f"**{len(meetings)}** meetings" in card.text
    assert f"**{requirements}** requirements" in card.text
    by_level = Counter()
    for meeting in meetings:
        by_level[meeting["level"]["level"]] += len(meeting["requirements"])
    national = sum(1 for m in meetings if m["level"]["level"] == "national")
    assert f"| national | {national} | {by_level['national']} |" in card.text
    years = Counter(str(m["date"]["value"])[:4] for m in meetings if m["date"]["value"])
    for year, count in years.items():
        assert f"| {year} | {count} |" in card.text
    categories = Counter(r["category"] for m in meetings for r in m["requirements"])
    for category, count in categories.items():
        assert f"| {category} | {count} |" in card.text


def test_card_keeps_the_prose_and_drops_markers(card: DatasetCard) -> None:
    prose = (REPO / "CARD.md").read_text(encoding="utf-8")
    headings = [line for line in prose.splitlines() if line.startswith("## ")]
    required = (
        "Summary",
        "Motivation",
        "Sources",
        "Collection",
        "Annotation process",
        "fields",
        "Splits",
        "Evaluation",
        "Limitations",
        "How to add",
        "Citation",
    )
    for word in required:
        assert any(word in heading for heading in headings), word
    for heading in headings:
        assert heading in card.text
    assert "<!--" not in card.text
    assert "`entry_control`" in card.text  # the taxonomy table


def test_card_shows_the_evaluation_of_rules_and_peers(card: DatasetCard) -> None:
    report = json.loads((REPO / "reports" / "evaluation.json").read_text(encoding="utf-8"))
    assert report["markdown"].strip() in card.text
    assert "| rules |" in card.text


def test_card_says_which_splits_are_empty(card: DatasetCard, split_of: dict[str, str]) -> None:
    expected = _expected_rows(split_of)
    for config in CONFIGS:
        for split in SPLITS:
            note = f"`{config}/{split}`"
            if split not in CONFIG_SPLITS[config]:  # a split the config never has
                assert note not in card.text
            elif not expected[config, split]:
                assert note in card.text


# -- typed round trip --


def _plain(value: Any) -> Any:
    """pandas' cell values as plain Python (arrays → lists, missing → None)."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


@pytest.mark.parametrize("config", CONFIGS)
def test_parquet_schema_is_exactly_the_declared_features(
    built: Path, card: DatasetCard, config: str
) -> None:
    declared = config_features(config)
    for path in _declared(card)[config].values():
        schema = pq.read_schema(built / path)
        # a column in the card but missing from Parquet would load as all-null
        assert schema.names == list(declared)
        assert schema.equals(declared.arrow_schema, check_metadata=False)
        assert Features.from_arrow_schema(schema) == declared


@pytest.mark.parametrize("config", CONFIGS)
def test_load_dataset_gives_declared_features_and_gold_rows(
    built: Path, split_of: dict[str, str], config: str, tmp_path: Path
) -> None:
    loaded = load_dataset(str(built), config, cache_dir=str(tmp_path / "cache"))
    expected = _expected_rows(split_of)
    assert set(loaded) == {s for s in SPLITS if expected[config, s]}
    for split, dataset in loaded.items():
        assert dataset.features == config_features(config)
        assert dataset.num_rows == expected[config, split]
        for row in dataset:
            assert null_violations(row, config) == [], row.get("doc_id")
        table = pq.read_table(built / f"data/{config}/{split}-00000-of-00001.parquet")
        assert dataset.to_list() == table.to_pylist()
        frame = pd.read_parquet(built / f"data/{config}/{split}-00000-of-00001.parquet")
        assert list(frame.columns) == list(config_features(config))
        assert [_plain(r) for r in frame.to_dict("records")] == table.to_pylist()


def test_meetings_have_level_as_class_label_with_gold_values(built: Path, tmp_path: Path) -> None:
    loaded = load_dataset(str(built), "meetings", cache_dir=str(tmp_path / "cache"))
    level = loaded["train"].features["level"]
    assert isinstance(level, ClassLabel)
    assert level.names == ["national", "provincial", "prefectural", "county", "township"]
    category = loaded["train"].features["requirements"].feature["category"]
    assert isinstance(category, ClassLabel) and category.names[-1] == "other"
    gold = {
        (doc_id, m["meeting_id"]): m
        for doc_id, annotation in _gold().items()
        for m in annotation["meetings"]
    }
    seen = set()
    for dataset in loaded.values():
        for row in dataset:
            meeting = gold[row["doc_id"], row["meeting_id"]]
            seen.add((row["doc_id"], row["meeting_id"]))
            assert level.int2str(row["level"]) == meeting["level"]["level"]
            assert row["date"] == (
                str(meeting["date"]["value"]) if meeting["date"]["value"] else None
            )
            assert row["jurisdiction"] == meeting["level"]["jurisdiction"]
            assert [s["name"] for s in row["speakers"]] == [s["name"] for s in meeting["speakers"]]
            assert [category.int2str(r["category"]) for r in row["requirements"]] == [
                r["category"] for r in meeting["requirements"]
            ]
    assert seen == set(gold)


def test_documents_nest_the_full_gold_annotation(built: Path, tmp_path: Path) -> None:
    loaded = load_dataset(str(built), "documents", cache_dir=str(tmp_path / "cache"))
    gold = _gold()
    rows = [row for dataset in loaded.values() for row in dataset]
    assert sorted(row["doc_id"] for row in rows) == sorted(_manifest_ids())
    for row in rows:
        rule_path = REPO / "annotations" / "rule" / f"{row['doc_id']}.yaml"
        if rule_path.is_file():
            rule = yaml.safe_load(rule_path.read_text(encoding="utf-8"))
            assert row["rule"]["raw_sha256"] == rule["raw_sha256"]
            assert len(row["rule"]["meetings"]) == len(rule["meetings"])
        else:
            assert row["rule"] is None
        hand = gold.get(row["doc_id"])
        if hand is None:  # a report added but not yet annotated is published without gold
            assert row["hand"] is None
            continue
        assert row["hand"]["raw_sha256"] == hand["raw_sha256"]
        for meeting in row["hand"]["meetings"]:
            evidence = meeting["evidence"]
            assert row["raw_text"][evidence["start"] : evidence["end"]] == evidence["quote"]
        assert row["hand"]["quality_flags"] == hand["quality_flags"]
        assert "doc_id" not in row["hand"]  # the row's own


@pytest.mark.parametrize("reader", ["datasets", "pyarrow"])
@pytest.mark.parametrize("annotator", ["hand", "rule"])
def test_documents_rows_give_back_the_annotations_whole(
    built: Path, tmp_path: Path, reader: str, annotator: str
) -> None:
    """The published form (speakers and requirements beside the meetings) loses nothing."""
    if reader == "datasets":
        loaded = load_dataset(str(built), "documents", cache_dir=str(tmp_path / "cache"))
        rows = [row for dataset in loaded.values() for row in dataset]
    else:
        rows = [
            row
            for path in sorted((built / "data" / "documents").glob("*.parquet"))
            for row in pq.read_table(path).to_pylist()
        ]
    layout = Layout(REPO)
    for row in rows:
        expected = load_annotation(layout, annotator, row["doc_id"])
        assert annotation_from_row(row, annotator) == expected
        if expected is not None:
            meetings = row[annotator]["meetings"]
            assert all("speakers" not in m and "requirements" not in m for m in meetings)
            spoken = sum(len(m.speakers) for m in expected.meetings)
            assert len(row[annotator]["speakers"]) == spoken


# -- streaming --


def test_manifest_is_read_item_by_item_as_the_validated_model() -> None:
    text = (REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8")
    assert list(iter_manifest(REPO)) == Manifest.model_validate(parse_yaml(text).data).documents


def test_rows_written_in_many_row_groups_are_the_rows_of_one(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # row groups of 3 rows, made of Arrow tables of 2 rows and a last row still a dict
    monkeypatch.setattr(build_package, "ROW_GROUP_ROWS", 3)
    monkeypatch.setattr(build_package, "ENCODE_ROWS", 2)
    streamed = tmp_path / "streamed"
    result = build(REPO, streamed, progress=False)
    groups_seen = 0
    for config in CONFIGS:
        for split in SPLITS:
            relative = data_file(config, split)
            rows = result.stats.rows[config, split]
            assert (streamed / relative).exists() == (built / relative).exists() == (rows > 0)
            if not rows:
                continue
            once, in_groups = pq.read_table(built / relative), pq.read_table(streamed / relative)
            assert in_groups.schema == once.schema
            assert in_groups.to_pylist() == once.to_pylist()
            metadata = pq.ParquetFile(streamed / relative).metadata
            sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
            assert sizes == [3] * (rows // 3) + ([rows % 3] if rows % 3 else [])
            assert pq.ParquetFile(built / relative).metadata.num_row_groups == 1
            groups_seen += len(sizes)
    assert groups_seen > 2 * len(CONFIGS)
    for name in ("splits.json", "timeline.png"):
        assert (streamed / name).read_bytes() == (built / name).read_bytes()


def _many_documents(copies: int) -> list[SourceDocument]:
    """The real documents repeated, each copy under its own doc_id."""
    seeds = load_documents(REPO, progress=False)
    documents = []
    for i in range(copies):
        seed = seeds[i % len(seeds)]
        entry = seed.entry.model_copy(update={"doc_id": f"copy-{i:04d}"})
        documents.append(dataclasses.replace(seed, entry=entry))
    return documents


def test_the_writer_holds_one_document_at_a_time(tmp_path: Path) -> None:
    copies = 60
    documents = _many_documents(copies)
    assignments = [Assignment(d.entry.doc_id, d.entry.doc_id, "train") for d in documents]
    meetings = sum(len(d.hand.meetings) for d in documents if d.hand)
    alive: list[weakref.ref] = []
    most_alive = 0

    def one_at_a_time() -> Iterator[SourceDocument]:
        nonlocal most_alive
        while documents:
            document = documents.pop(0)
            alive.append(weakref.ref(document))
            yield document
            del document
            most_alive = max(most_alive, sum(ref() is not None for ref in alive))

    (tmp_path / "out").mkdir()
    inputs = read_build_inputs(REPO)
    stats, _ = write_dataset(tmp_path / "out", inputs, one_at_a_time(), assignments)
    assert most_alive <= 1  # the one being turned into rows
    assert stats.rows["documents", "train"] == copies
    assert stats.rows["meetings", "train"] == meetings
    table = pq.read_table(tmp_path / "out" / data_file("documents", "train"), columns=["doc_id"])
    assert table.column("doc_id").to_pylist() == [a.doc_id for a in assignments]


# -- determinism, atomicity, refusal --


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build(REPO, again, progress=False)
    assert tree_snapshot(again) == tree_snapshot(built)


def test_invalid_inputs_write_nothing(repo_copy: Path, capsys: pytest.CaptureFixture) -> None:
    path = repo_copy / "annotations" / "hand" / "cri-hubei-provincial-teleconference.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("level: national", "level: nationwide", 1), encoding="utf-8")
    out = repo_copy / "dist" / "hf"
    assert main(["build", "--root", str(repo_copy), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "annotations/hand/cri-hubei-provincial-teleconference.yaml:" in captured.out
    assert "meetings[0].level.level" in captured.out
    assert "nothing was written" in captured.err
    assert not (repo_copy / "dist").exists()


def test_failed_build_keeps_the_previous_output(repo_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "hf"
    build(repo_copy, out, progress=False)
    before = tree_snapshot(out)
    (repo_copy / "CARD.md").write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(BuildError) as raised:
        build(repo_copy, out, progress=False)
    assert [(p.file, p.line) for p in raised.value.problems] == [("CARD.md", 1)] * len(CARD_MARKERS)
    for marker, problem in zip(CARD_MARKERS, raised.value.problems, strict=True):
        assert marker in problem.message
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["hf"]  # and no lock file


def test_killed_build_leaves_the_previous_output_whole(repo_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "hf"
    build(repo_copy, out, progress=False)
    before = tree_snapshot(out)
    # a changed card makes the next build's output differ, so a half swap would show
    card = repo_copy / "CARD.md"
    card.write_text(card.read_text(encoding="utf-8") + "\nChanged.\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "covidmeet_ds.cli", "build"),
            *("--root", str(repo_copy), "--out", str(out), "--progress", "never"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    staging = None
    while time.monotonic() < deadline and process.poll() is None:
        candidates = list(out.parent.glob(".hf.tmp-*/data/*/*.parquet"))
        if candidates:
            staging = candidates[0]
            break
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert staging is not None, "the build finished before it could be killed midway"
    assert tree_snapshot(out) == before
    # the next build cleans up what the killed one left and publishes the new card
    build(repo_copy, out, progress=False)
    assert not list(out.parent.glob(".hf.tmp-*"))
    assert "Changed." in (out / "README.md").read_text(encoding="utf-8")


def test_interrupted_swap_is_recovered(tmp_path: Path) -> None:
    target = tmp_path / "hf"
    backup = tmp_path / ".hf.old"
    backup.mkdir()
    (backup / "card.md").write_text("previous\n", encoding="utf-8")
    sha = hashlib.sha256(b"previous\n").hexdigest()
    sums = f"{sha}  card.md\n"
    (backup / "SHA256SUMS").write_text(sums, encoding="utf-8")
    # killed between moving the old output aside and moving the new one in
    with pytest.raises(RuntimeError), staged_directory(target):
        assert (target / "card.md").read_text(encoding="utf-8") == "previous\n"
        raise RuntimeError("stop before the swap")
    assert (target / "card.md").read_text(encoding="utf-8") == "previous\n"
    assert not backup.exists()


@pytest.mark.parametrize("kind", ["foreign_folder", "file"])
def test_refuses_to_replace_what_a_build_did_not_write(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "precious"
    if kind == "file":
        target.write_text("keep me\n", encoding="utf-8")
    else:
        target.mkdir()
        (target / "thesis.tex").write_text("keep me\n", encoding="utf-8")
    before = tree_snapshot(tmp_path)
    with pytest.raises(StagingError), staged_directory(target):
        pass
    assert tree_snapshot(tmp_path) == before


def test_cli_build_refuses_a_foreign_out(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("keep me\n", encoding="utf-8")
    assert main(["build", "--root", str(REPO), "--out", str(tmp_path)]) == 1
    assert "refusing to replace" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


# -- output --


def test_cli_summary_and_quiet_progress(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "hf"
    assert main(["build", "--root", str(REPO), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "%|" not in captured.err  # not a terminal: no progress bars
    lines = captured.out.splitlines()
    assert lines[0].split() == ["config", *SPLITS]
    assert [line.split()[0] for line in lines[1 : 1 + len(CONFIGS)]] == list(CONFIGS)
    assert str(out) in captured.out
    assert f'load_dataset("{out.as_posix()}", "meetings")' in captured.out
    assert len(lines) <= 24  # one screen


def test_progress_bars_on_request(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert (
        main(["build", "--root", str(REPO), "--out", str(tmp_path / "hf"), "--progress", "always"])
        == 0
    )
    assert "%|" in capsys.readouterr().err


def test_build_leaves_the_corpus_untouched(repo_copy: Path, tmp_path: Path) -> None:
    before = tree_snapshot(repo_copy)
    build(repo_copy, tmp_path / "hf", progress=False)
    assert tree_snapshot(repo_copy) == before


def test_readme_main_command_builds_and_shows_load_dataset() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- ci:begin -->", 1)[1].split("<!-- ci:end -->", 1)[0]
    assert "covidmeet-ds build" in block.splitlines()[2]
    assert 'load_dataset("dist/hf", "meetings")' in readme
    assert shutil.which("covidmeet-ds") or (Path(sys.executable).parent / "covidmeet-ds").exists()
