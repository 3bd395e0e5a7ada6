"""`covidmeet-ds export`: flat tables with names instead of codes, as CSV and as one DuckDB file,
checked against the gold YAML read independently; derived from the build's columns; validated,
staged and deterministic; refusing what it did not write; a value it cannot write flat located."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pytest
import yaml

from covidmeet_ds.build.columns import TABLES
from covidmeet_ds.build.staging import MARKER, StagingError
from covidmeet_ds.cli import main
from covidmeet_ds.export import (
    DUCKDB_FILE,
    LIST_SEPARATOR,
    CsvWriter,
    ExportColumn,
    ExportError,
    ExportTable,
    csv_field,
    export,
    export_tables,
    flat_value,
    separator_problems,
)
from covidmeet_ds.joinkeys import jurisdiction_keys
from covidmeet_ds.models import Annotation

from .conftest import REPO, tree_snapshot

TABLE_NAMES = ["meetings", "speakers", "requirements", "documents", "taxonomy", "places"]
LEVELS = ["national", "provincial", "prefectural", "county", "township"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "csv"
    assert main(["export", "--root", str(REPO), "--to", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def exported_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "duckdb"
    assert main(["export", "--root", str(REPO), "--to", str(out), "--format", "duckdb"]) == 0
    return out


def _csv(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _gold() -> dict[str, dict]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "annotations" / "hand").glob("*.yaml"))
    }


def _manifest() -> list[dict]:
    return yaml.safe_load((REPO / "raw" / "manifest.yaml").read_text(encoding="utf-8"))["documents"]


def _taxonomy() -> list[dict]:
    text = (REPO / "src/covidmeet_ds/data/taxonomy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["categories"]


def _none(value: str) -> str | None:
    return value or None


# -- the folder --


def test_folder_holds_one_csv_per_table_a_codebook_and_checksums(exported: Path) -> None:
    names = sorted(p.name for p in exported.iterdir())
    assert names == sorted([*(f"{t}.csv" for t in TABLE_NAMES), "README.md", "export.json", MARKER])
    identity = json.loads((exported / "export.json").read_text(encoding="utf-8"))
    assert identity["format"] == "csv"
    assert list(identity["tables"]) == TABLE_NAMES
    for name, entry in identity["tables"].items():
        with (exported / entry["file"]).open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        assert entry["rows"] == len(rows)
        assert entry["columns"] == header == export_tables()[name].names
    listed = dict(
        reversed(line.split("  ", 1))
        for line in (exported / MARKER).read_text(encoding="utf-8").splitlines()
    )
    snapshot = tree_snapshot(exported)
    del snapshot[MARKER]
    assert listed == snapshot
    for raw in (exported / f"{t}.csv" for t in TABLE_NAMES):
        data = raw.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")  # no BOM
        data.decode("utf-8")


def test_codebook_describes_every_column_of_every_table(exported: Path) -> None:
    codebook = (exported / "README.md").read_text(encoding="utf-8")
    for name, table in export_tables().items():
        assert f"## {name} (" in codebook
        for column in table.columns:
            description = column.description.replace("|", "\\|")
            assert f"| `{column.name}` | {column.kind} | {description} |" in codebook


# -- derived from the build's columns --


@pytest.mark.parametrize(
    ("export_name", "config"),
    [(name, name) for name in ("meetings", "requirements", "documents", "taxonomy")],
)
def test_every_flat_published_column_is_exported(export_name: str, config: str) -> None:
    exported = {c.name: c for c in export_tables()[export_name].columns}
    for column in TABLES[config].columns:
        shape = column.shape
        nested = bool(shape.fields) or (shape.item is not None and bool(shape.item.fields))
        assert (column.name in exported) != nested, column.name
        if not nested:
            assert exported[column.name].description.startswith(shape.description)
    shapes = TABLES[config].shapes
    assert not [name for name in exported if name in shapes and shapes[name].names_label]


def test_speaker_columns_come_from_the_speaker_struct_and_the_meeting() -> None:
    speakers = export_tables()["speakers"]
    item = TABLES["meetings"].shapes["speakers"].item
    for field, shape in item.fields.items():
        column = next(c for c in speakers.columns if c.name == field)
        assert column.description.startswith(shape.description)
    for key in ("level", "jurisdiction_code", "province_iso", "oxcgrt_region", "date_start"):
        assert key in speakers.names


# -- values: names, dates, integers, lists --


def test_meetings_are_the_gold_meetings_by_name(exported: Path) -> None:
    gold = _gold()
    rows = _csv(exported, "meetings")
    expected = [(d, m["meeting_id"]) for d, a in gold.items() for m in a["meetings"]]
    assert sorted((r["doc_id"], r["meeting_id"]) for r in rows) == sorted(expected)
    for row in rows:
        meeting = next(
            m for m in gold[row["doc_id"]]["meetings"] if m["meeting_id"] == row["meeting_id"]
        )
        assert row["level"] == meeting["level"]["level"]  # the name, not an index
        assert row["level"] in LEVELS
        value = meeting["date"]["value"]
        assert _none(row["date"]) == (None if value is None else str(value))
        for key in ("date_start", "date_end", "published"):
            if row[key]:
                assert date.fromisoformat(row[key]).isoformat() == row[key]
        keys = jurisdiction_keys(meeting["level"]["level"], meeting["level"]["jurisdiction"])
        assert _none(row["jurisdiction_code"]) == keys.jurisdiction_code
        assert _none(row["province_iso"]) == keys.province_iso
        assert _none(row["oxcgrt_region"]) == keys.oxcgrt_region
        presiders = [
            s["name"] for s in meeting["speakers"] if "presided" in s["roles"] and s["name"]
        ]
        assert row["presiders"] == LIST_SEPARATOR.join(presiders)


def test_speakers_are_one_row_per_speaker_per_meeting(exported: Path) -> None:
    gold = _gold()
    rows = _csv(exported, "speakers")
    expected = [
        (
            doc_id,
            m["meeting_id"],
            str(i),
            s["name"] or "",
            "; ".join(s["titles"]),
            "; ".join(s["roles"]),
            m["level"]["level"],
        )
        for doc_id, a in gold.items()
        for m in a["meetings"]
        for i, s in enumerate(m["speakers"], start=1)
    ]
    keys = ("doc_id", "meeting_id", "speaker", "name", "titles", "roles", "level")
    assert sorted(tuple(r[k] for k in keys) for r in rows) == sorted(expected)
    assert any(";" in r["titles"] for r in rows)  # a speaker with several titles


def test_requirements_carry_names_integers_and_the_cross_walk(exported: Path) -> None:
    gold = _gold()
    taxonomy = {c["name"]: c for c in _taxonomy()}
    rows = _csv(exported, "requirements")
    expected = Counter(
        (doc_id, m["meeting_id"], r["text"], r["category"], r["ordinal"])
        for doc_id, a in gold.items()
        for m in a["meetings"]
        for r in m["requirements"]
    )
    got = Counter(
        (
            r["doc_id"],
            r["meeting_id"],
            r["text"],
            r["category"],
            int(r["ordinal"]) if r["ordinal"] else None,
        )
        for r in rows
    )
    assert got == expected
    assert any(r["ordinal"] for r in rows) and any(not r["ordinal"] for r in rows)
    for row in rows:
        for key in ("ordinal", "section"):
            assert re.fullmatch(r"\d*", row[key]), (key, row[key])  # 3, never 3.0
        category = taxonomy[row["category"]]
        assert _none(row["coronanet_type"]) == category["coronanet"]
        assert row["oxcgrt_indicators"] == LIST_SEPARATOR.join(category["oxcgrt"])


def test_documents_keep_the_raw_text_exactly_through_csv_quoting(exported: Path) -> None:
    rows = {r["doc_id"]: r for r in _csv(exported, "documents")}
    assert list(rows) == [e["doc_id"] for e in _manifest()]
    for entry in _manifest():
        row = rows[entry["doc_id"]]
        raw = (REPO / "raw" / entry["file"]).read_bytes().decode("utf-8")
        assert row["raw_text"] == raw  # line breaks, quotes and commas survive
        assert row["split"] in ("train", "validation", "test")
        assert row["body_text"]
        gold = _gold().get(entry["doc_id"])
        flags = LIST_SEPARATOR.join(gold["quality_flags"]) if gold else ""
        assert row["quality_flags"] == flags


def test_documents_split_is_the_builds(exported: Path) -> None:
    from covidmeet_ds import split_assignments

    rows = {r["doc_id"]: r["split"] for r in _csv(exported, "documents")}
    assert rows == split_assignments(REPO)


def test_taxonomy_is_the_cross_walk(exported: Path) -> None:
    rows = _csv(exported, "taxonomy")
    taxonomy = _taxonomy()
    assert [r["category"] for r in rows] == [c["name"] for c in taxonomy]
    for row, category in zip(rows, taxonomy, strict=True):
        assert row["label"] == category["label"]
        assert _none(row["coronanet_type"]) == category["coronanet"]
        assert row["oxcgrt_indicators"] == LIST_SEPARATOR.join(category["oxcgrt"])


def test_places_are_the_jurisdictions_with_their_keys_and_meetings(exported: Path) -> None:
    counts: Counter = Counter()
    for annotation in _gold().values():
        for meeting in annotation["meetings"]:
            counts[meeting["level"]["level"], meeting["level"]["jurisdiction"]] += 1
    rows = _csv(exported, "places")
    assert {(r["level"], _none(r["jurisdiction"])): int(r["meetings"]) for r in rows} == dict(
        counts
    )
    joinkeys = {
        line.split("\t")[2]: line.split("\t")[1]
        for line in (REPO / "src/covidmeet_ds/data/joinkeys.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith(("#", "code"))
    }
    for row in rows:
        keys = jurisdiction_keys(row["level"], _none(row["jurisdiction"]))
        assert _none(row["province_iso"]) == keys.province_iso
        assert _none(row["oxcgrt_region"]) == keys.oxcgrt_region
        assert _none(row["province"]) == joinkeys.get(row["province_iso"])
        if row["level"] == "national":
            assert row["oxcgrt_region"] == "CHN" and not row["province_iso"]
    order = [(LEVELS.index(r["level"]), r["province_iso"]) for r in rows]
    assert order == sorted(order)


def test_csv_reads_by_name_in_pandas_polars_and_duckdb(exported: Path) -> None:
    requirements = pd.read_csv(exported / "requirements.csv", dtype_backend="numpy_nullable")
    assert pd.api.types.is_integer_dtype(requirements["ordinal"].dtype)
    assert set(requirements["category"]) <= {c["name"] for c in _taxonomy()}
    meetings = pl.read_csv(exported / "meetings.csv", try_parse_dates=True)
    assert meetings.schema["date_start"] == pl.Date
    assert set(meetings["level"]) <= set(LEVELS)
    documents = pd.read_csv(exported / "documents.csv")
    assert len(documents) == len(_manifest())
    rows = duckdb.sql(
        f"SELECT typeof(ordinal), typeof(date_start) FROM read_csv('{exported}/requirements.csv')"
    ).fetchall()
    assert set(rows) == {("BIGINT", "DATE")}


# -- DuckDB --


def _csv_values(folder: Path, table: str, kinds: dict[str, str]) -> list[tuple]:
    """CSV rows with values parsed by column kind, to compare with DuckDB's."""

    def parse(kind: str, text: str) -> Any:
        if text == "" and kind != "list" and kind != "string":
            return None
        if kind == "integer":
            return int(text)
        if kind == "date":
            return date.fromisoformat(text)
        return text

    rows = _csv(folder, table)
    return [tuple(parse(kinds[k], v) for k, v in row.items()) for row in rows]


def test_duckdb_holds_the_same_tables_typed_and_described(
    exported: Path, exported_duckdb: Path
) -> None:
    assert sorted(p.name for p in exported_duckdb.iterdir()) == sorted(
        [DUCKDB_FILE, "README.md", "export.json", MARKER]
    )
    connection = duckdb.connect(str(exported_duckdb / DUCKDB_FILE), read_only=True)
    try:
        tables = export_tables()
        for name, table in tables.items():
            kinds = {c.name: c.kind for c in table.columns}
            got = connection.sql(f'SELECT * FROM "{name}"').fetchall()
            # CSV cannot tell an empty string from null: compare with nulls as ""
            normal = [
                tuple(
                    "" if v is None and kinds[c] in ("string", "list") else v
                    for c, v in zip(kinds, row, strict=True)
                )
                for row in got
            ]
            assert normal == _csv_values(exported, name, kinds), name
            types = dict(
                connection.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?",
                    [name],
                ).fetchall()
            )
            expected = {"string": "VARCHAR", "list": "VARCHAR", "integer": "INTEGER"}
            expected |= {"date": "DATE", "boolean": "BOOLEAN"}
            assert types == {c.name: expected[c.kind] for c in table.columns}
            comments = dict(
                connection.execute(
                    "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?",
                    [name],
                ).fetchall()
            )
            assert comments == {c.name: c.description for c in table.columns}
    finally:
        connection.close()


def test_readme_duckdb_example_runs_on_an_export(exported_duckdb: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Export for R, Stata and DuckDB", 1)[1].split("\n## ", 1)[0]
    sql = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
    connection = duckdb.connect(str(exported_duckdb / DUCKDB_FILE), read_only=True)
    try:
        rows = connection.sql(sql).fetchall()
    finally:
        connection.close()
    expected = Counter()
    names = {
        line.split("\t")[2]: line.split("\t")[1]
        for line in (REPO / "src/covidmeet_ds/data/joinkeys.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith(("#", "code"))
    }
    for annotation in _gold().values():
        for meeting in annotation["meetings"]:
            level = meeting["level"]
            iso = jurisdiction_keys(level["level"], level["jurisdiction"]).province_iso
            for speaker in meeting["speakers"]:
                if "presided" in speaker["roles"] and iso is not None:
                    expected[names[iso], speaker["name"]] += 1
    assert Counter({(p, n): c for p, n, c in rows}) == expected
    assert rows


# -- determinism and safety --


def test_two_csv_exports_are_byte_identical(exported: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    export(REPO, again)
    assert tree_snapshot(again) == tree_snapshot(exported)


def test_two_duckdb_exports_hold_the_same_rows(exported_duckdb: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    export(REPO, again, "duckdb")
    for name in TABLE_NAMES:
        results = []
        for folder in (exported_duckdb, again):
            connection = duckdb.connect(str(folder / DUCKDB_FILE), read_only=True)
            results.append(connection.sql(f'SELECT * FROM "{name}"').fetchall())
            connection.close()
        assert results[0] == results[1], name
    for text in ("README.md", "export.json"):
        assert (again / text).read_bytes() == (exported_duckdb / text).read_bytes()


def test_an_export_replaces_an_earlier_export_in_another_format(tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(REPO, out, "duckdb")
    export(REPO, out, "csv")
    assert (out / "meetings.csv").is_file() and not (out / DUCKDB_FILE).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging or backup left


@pytest.mark.parametrize("kind", ["foreign-file", "build-output", "added-file", "edited-file"])
def test_refuses_a_folder_it_did_not_write(
    kind: str, tmp_path: Path, exported: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    if kind == "foreign-file":
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    elif kind == "build-output":
        from covidmeet_ds.build import build

        build(REPO, out, progress=False)
    else:
        shutil.copytree(exported, out)
        if kind == "added-file":
            (out / "analysis.R").write_text("x <- 1\n", encoding="utf-8")
        else:
            with (out / "meetings.csv").open("a", encoding="utf-8") as handle:
                handle.write("x\n")
    before = tree_snapshot(out)
    assert main(["export", "--root", str(REPO), "--to", str(out)]) == 1
    error = capsys.readouterr().err
    assert "export stopped" in error and str(out) in error
    assert "--to" in error or "refusing" in error
    assert "covidmeet-ds build" not in error
    assert tree_snapshot(out) == before


@pytest.mark.parametrize("where", ["root", "parent"])
def test_refuses_the_corpus_root_or_a_folder_holding_it(where: str, repo_copy: Path) -> None:
    target = repo_copy if where == "root" else repo_copy.parent
    before = tree_snapshot(repo_copy)
    with pytest.raises(StagingError, match="corpus root"):
        export(repo_copy, target)
    assert tree_snapshot(repo_copy) == before


def test_invalid_corpus_writes_nothing(
    repo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # a seed's gold, which has a provincial meeting (a report added later may have none)
    path = repo_copy / "annotations" / "hand" / "cri-hubei-provincial-teleconference.yaml"
    text = path.read_text(encoding="utf-8")
    broken = re.sub(r"level: provincial", "level: provinicial", text, count=1)
    assert broken != text
    path.write_text(broken, "utf-8")
    out = tmp_path / "out"
    assert main(["export", "--root", str(repo_copy), "--to", str(out)]) == 1
    captured = capsys.readouterr()
    assert path.name in captured.out and "provinicial" in captured.out
    assert "validation problem(s); nothing was written" in captured.err
    assert not out.exists()


def test_duckdb_format_without_the_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb raises ImportError
    out = tmp_path / "out"
    assert main(["export", "--root", str(REPO), "--to", str(out), "--format", "duckdb"]) == 1
    error = capsys.readouterr().err
    assert "pip install 'covidmeet_ds[export]'" in error and "--format csv" in error
    assert not out.exists()


# -- the list separator --


def _with_title(repo_copy: Path, new: str) -> Path:
    """Replace the first gold title in the copy (titles need no evidence: it still validates)."""
    for path in sorted((repo_copy / "annotations" / "hand").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        changed = re.sub(r"titles: \[[^,\]]+", lambda _: f'titles: ["{new}"', text, count=1)
        if changed != text:
            path.write_text(changed, encoding="utf-8")
            return path
    raise AssertionError("the gold has no title")


@pytest.mark.parametrize("bad", ["市委书记;市长", "市委书记; 市长", ";", "书记;"])
def test_a_title_holding_the_separator_is_located_and_nothing_written(
    bad: str, repo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = _with_title(repo_copy, bad)
    assert main(["validate", "--root", str(repo_copy)]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["export", "--root", str(repo_copy), "--to", str(out)]) == 1
    captured = capsys.readouterr()
    line = next(
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if f'"{bad}"' in text
    )
    relative = path.relative_to(repo_copy).as_posix()
    assert re.search(
        rf"{re.escape(relative)}:{line}:\d+: meetings\[\d+\]\.speakers\[\d+\]\.titles\[\d+\]:",
        captured.out,
    ), captured.out
    assert "nothing was written" in captured.err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_a_full_width_semicolon_is_an_ordinary_character(repo_copy: Path, tmp_path: Path) -> None:
    _with_title(repo_copy, "市委书记；市长")
    export(repo_copy, tmp_path / "out")
    titles = [r["titles"] for r in _csv(tmp_path / "out", "speakers")]
    assert any("市委书记；市长" in t for t in titles)


def _annotation(name: str | None, roles: list[str], titles: list[str]) -> Annotation:
    """A real gold annotation whose first meeting has one invented speaker (not validated again:
    only the values the export joins matter here)."""
    path = REPO / "annotations" / "hand" / "cri-hubei-provincial-teleconference.yaml"  # a seed
    annotation = Annotation.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    meeting = annotation.meetings[0]
    speaker = meeting.speakers[0].model_copy(
        update={"name": name, "roles": roles, "titles": titles}
    )
    meeting = meeting.model_copy(update={"speakers": [speaker]})
    return annotation.model_copy(update={"meetings": [meeting]})


@pytest.mark.parametrize(
    ("name", "roles", "titles", "found"),
    [
        ("王;明", ["presided"], [], ["meetings[0].speakers[0].name"]),  # a presider's name
        ("王;明", ["spoke"], [], []),  # not a presider: the name is one field, not joined
        (
            "王明",
            ["presided", "spoke"],
            ["县长", "书记;县长"],
            ["meetings[0].speakers[0].titles[1]"],
        ),
        ("王明", ["spoke"], ["县委书记"], []),
        (None, ["presided"], ["县;长"], ["meetings[0].speakers[0].titles[0]"]),
    ],
)
def test_separator_problems_name_each_value_that_would_be_joined(
    name: str | None, roles: list[str], titles: list[str], found: list[str]
) -> None:
    annotation = _annotation(name, roles, titles)
    problems = separator_problems(annotation, "annotations/hand/invented.yaml", None)
    assert [p.field for p in problems] == found
    assert all(";" in p.message for p in problems)


# -- flat values and CSV fields --


@pytest.mark.parametrize(
    ("kind", "value", "flat"),
    [
        ("string", "湖北省", "湖北省"),
        ("integer", 3, 3),
        ("integer", None, None),
        ("date", date(2020, 2, 29), date(2020, 2, 29)),
        ("list", ["C3", "C4"], "C3; C4"),
        ("list", [], ""),
        ("list", None, None),
        ("boolean", False, False),
    ],
)
def test_flat_values(kind: str, value: Any, flat: Any) -> None:
    assert flat_value(kind, value, "t: c") == flat


@pytest.mark.parametrize(
    ("kind", "value", "error"),
    [
        ("integer", 3.0, TypeError),  # a float never passes for an integer
        ("integer", True, TypeError),
        ("integer", "3", TypeError),
        ("date", "2020-03-16", TypeError),
        ("string", 3, TypeError),
        ("list", "C8", TypeError),
        ("list", ["C8", 3], ValueError),
        ("list", ["a;b"], ValueError),
    ],
)
def test_flat_values_refuse_the_wrong_type(kind: str, value: Any, error: type) -> None:
    with pytest.raises(error, match="t: c"):
        flat_value(kind, value, "t: c")


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (0, "0"), (12, "12"), (True, "true"), (date(2021, 1, 5), "2021-01-05")],
)
def test_csv_fields(value: Any, text: str) -> None:
    assert csv_field(value) == text


def test_csv_quoting_round_trips_awkward_text(tmp_path: Path) -> None:
    awkward = [
        '他说"坚决打赢",并强调',
        "第一行\n第二行\r\n第三行\r末行",
        "  leading and trailing  ",
        "a,b;c",
        "",
        "NA",
    ]
    table = ExportTable(
        "notes",
        "invented",
        (ExportColumn("id", "integer", "n"), ExportColumn("text", "string", "t")),
    )
    writer = CsvWriter(tmp_path, {"notes": table})
    for number, text in enumerate(awkward):
        writer.add("notes", [number, text])
    writer.close()
    data = (tmp_path / "notes.csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert rows[0] == ["id", "text"]
    assert [row[1] for row in rows[1:]] == awkward
    frame = pd.read_csv(tmp_path / "notes.csv", keep_default_na=False)
    assert list(frame["text"]) == awkward
    got = duckdb.sql(
        f"SELECT text FROM read_csv('{tmp_path}/notes.csv', all_varchar=true, "
        "quote='\"', escape='\"') ORDER BY id"
    ).fetchall()
    assert [(row[0] or "") for row in got][:4] == awkward[:4]


def test_export_error_lists_its_problems() -> None:
    error = ExportError([], "validation problem(s)")
    assert str(error) == "0 validation problem(s); nothing was written"


@pytest.mark.parametrize("fmt", ["csv", "duckdb"])
def test_a_failure_while_writing_keeps_the_previous_export(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import covidmeet_ds.export as export_module

    out = tmp_path / "out"
    export(REPO, out, fmt)
    before = tree_snapshot(out)
    writer = export_module.CsvWriter if fmt == "csv" else export_module.DuckDbWriter
    failure = (
        OSError(28, "No space left on device", str(out))
        if fmt == "csv"
        else duckdb.IOException("could not write: disk full")
    )

    def fail(self: Any, table: str, values: list[Any]) -> None:
        raise failure

    monkeypatch.setattr(writer, "add", fail)
    assert main(["export", "--root", str(REPO), "--to", str(out), "--format", fmt]) == 1
    captured = capsys.readouterr()
    assert (
        "cannot write the export" in captured.out and "previous output is unchanged" in captured.out
    )
    assert "write problem(s); nothing was written" in captured.err
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_a_file_or_a_link_as_the_folder(tmp_path: Path, exported: Path) -> None:
    target = tmp_path / "file.csv"
    target.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(StagingError, match="not a folder; choose another --to"):
        export(REPO, target)
    link = tmp_path / "link"
    link.symlink_to(exported, target_is_directory=True)
    with pytest.raises(StagingError, match="not a folder; choose another --to"):
        export(REPO, link)
    assert target.read_text(encoding="utf-8") == "a,b\n"
