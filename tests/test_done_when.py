"""Issue 12's "done when": the published folder read as a researcher reads it, with pandas,
polars, DuckDB and mlcroissant, finds label names, date intervals, join keys and cross-walk codes;
and the three worked queries run from the built card with DuckDB, giving the output the card
shows, which is also what counting the gold YAML independently gives."""

from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pytest
import yaml

from covidmeet_ds.build import build
from covidmeet_ds.joinkeys import jurisdiction_keys

from .conftest import REPO

LEVELS = ["national", "provincial", "prefectural", "county", "township"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("done_when") / "hf"
    build(REPO, out, progress=False)
    return out


# -- the gold, read independently of the package's loaders --


def _taxonomy() -> list[dict]:
    text = (REPO / "src/covidmeet_ds/data/taxonomy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["categories"]


def _interval(value: str | None) -> tuple[date | None, date | None]:
    if value is None:
        return None, None
    parts = [int(p) for p in str(value).split("-")]
    if len(parts) == 3:
        return date(*parts), date(*parts)
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return date(parts[0], parts[1], 1), date(parts[0], parts[1], last)
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def _gold_meetings() -> list[dict[str, Any]]:
    """Every gold meeting as a flat record: level, interval, keys, presiders, requirements."""
    meetings = []
    for path in sorted((REPO / "annotations" / "hand").glob("*.yaml")):
        annotation = yaml.safe_load(path.read_text(encoding="utf-8"))
        for meeting in annotation["meetings"]:
            level = meeting["level"]["level"]
            keys = jurisdiction_keys(level, meeting["level"]["jurisdiction"])
            value = meeting["date"]["value"]
            start, end = _interval(None if value is None else str(value))
            presiders = [
                s["name"]
                for s in meeting["speakers"]
                if "presided" in s["roles"] and s["name"] is not None
            ]
            meetings.append(
                {
                    "doc_id": path.stem,
                    "meeting_id": meeting["meeting_id"],
                    "level": level,
                    "start": start,
                    "end": end,
                    "province_iso": keys.province_iso,
                    "oxcgrt_region": keys.oxcgrt_region,
                    "jurisdiction_code": keys.jurisdiction_code,
                    "presiders": presiders,
                    "categories": [r["category"] for r in meeting["requirements"]],
                }
            )
    return meetings


def _expected_outputs() -> list[list[tuple[str, ...]]]:
    """The three worked queries' output, counted from the gold, as strings."""
    crosswalk = {c["name"]: c["coronanet"] for c in _taxonomy()}
    order = [c["name"] for c in _taxonomy()]
    per_month: Counter = Counter()
    presiders: Counter = Counter()
    by_type: Counter = Counter()
    for m in _gold_meetings():
        start, end = m["start"], m["end"]
        if start is not None and (start.year, start.month) == (end.year, end.month):
            per_month[start.strftime("%Y-%m"), m["level"]] += 1
        if m["province_iso"] is not None:
            for name in m["presiders"]:
                presiders[m["province_iso"], name] += 1
        if start is not None:
            for category in m["categories"]:
                by_type[start.year, crosswalk[category], category] += 1
    first = sorted(per_month.items(), key=lambda kv: (kv[0][0], LEVELS.index(kv[0][1])))
    second = sorted(presiders.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
    third = sorted(
        by_type.items(),
        key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or "", order.index(kv[0][2])),
    )
    return [[_strings((*keys, n)) for keys, n in rows] for rows in (first, second, third)]


def _strings(row: tuple) -> tuple[str, ...]:
    return tuple("NULL" if v is None else str(v) for v in row)


# -- the card's worked queries --


def _worked_queries(card: str) -> list[tuple[str, list[tuple[str, ...]]]]:
    """(SQL, output table rows) of each worked query in the built card."""
    section = card.split("## Worked queries", 1)[1].split("\n## ", 1)[0]
    found = []
    for block in re.finditer(r"```sql\n(.*?)\n```\n\n((?:\|[^\n]*\|\n?)+)", section, re.DOTALL):
        lines = block.group(2).strip().splitlines()[2:]  # header and rule
        rows = [tuple(c.strip() for c in line.strip("|").split(" | ")) for line in lines]
        found.append((block.group(1), rows))
    return found


def test_the_three_worked_queries_run_from_the_card(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = (built / "README.md").read_text(encoding="utf-8")
    queries = _worked_queries(card)
    assert len(queries) == 3
    titles = re.findall(r"^### (.+)$", card.split("## Worked queries", 1)[1], re.MULTILINE)[:3]
    assert titles == [
        "Meetings per level per month",
        "Presiders by province",
        "Requirement categories by CoronaNet type over time",
    ]
    monkeypatch.chdir(built)  # the SQL reads paths relative to the dataset folder
    expected = _expected_outputs()
    for (sql, shown), gold in zip(queries, expected, strict=True):
        ran = [_strings(row) for row in duckdb.sql(sql).fetchall()]
        assert ran == shown, sql
        assert ran == gold, sql
        assert ran, sql  # every query has output on the real corpus


# -- pandas, polars, DuckDB, mlcroissant --


def _parquet(built: Path, config: str) -> list[Path]:
    return sorted((built / "data" / config).glob("*.parquet"))


def _meeting_key(doc_id: str, meeting_id: str) -> tuple[str, str]:
    return doc_id, meeting_id


def test_pandas_finds_names_intervals_keys_and_cross_walk(built: Path) -> None:
    meetings = pd.concat(
        pd.read_parquet(p, dtype_backend="numpy_nullable") for p in _parquet(built, "meetings")
    )
    gold = {_meeting_key(m["doc_id"], m["meeting_id"]): m for m in _gold_meetings()}
    assert len(meetings) == len(gold)
    for row in meetings.itertuples():
        m = gold[row.doc_id, row.meeting_id]
        assert row.level_name == m["level"]
        start = None if pd.isna(row.date_start) else pd.Timestamp(row.date_start).date()
        end = None if pd.isna(row.date_end) else pd.Timestamp(row.date_end).date()
        assert (start, end) == (m["start"], m["end"])
        for key in ("province_iso", "oxcgrt_region", "jurisdiction_code"):
            value = getattr(row, key)
            assert (None if pd.isna(value) else value) == m[key], key
    requirements = pd.concat(
        pd.read_parquet(p, dtype_backend="pyarrow") for p in _parquet(built, "requirements")
    )
    assert pd.api.types.is_integer_dtype(requirements["ordinal"].dtype)
    taxonomy = {c["name"]: c for c in _taxonomy()}
    for row in requirements.itertuples():
        category = taxonomy[row.category_name]
        coronanet = None if pd.isna(row.coronanet_type) else row.coronanet_type
        assert coronanet == category["coronanet"]
        assert list(row.oxcgrt_indicators) == list(category["oxcgrt"])


def test_polars_finds_names_intervals_keys_and_cross_walk(built: Path) -> None:
    meetings = pl.concat([pl.read_parquet(p) for p in _parquet(built, "meetings")])
    assert meetings.schema["date_start"] == pl.Date and meetings.schema["date_end"] == pl.Date
    gold = {_meeting_key(m["doc_id"], m["meeting_id"]): m for m in _gold_meetings()}
    for row in meetings.iter_rows(named=True):
        m = gold[row["doc_id"], row["meeting_id"]]
        assert row["level_name"] == m["level"]
        assert (row["date_start"], row["date_end"]) == (m["start"], m["end"])
        assert row["oxcgrt_region"] == m["oxcgrt_region"]
        assert row["presiders"] == m["presiders"]
    nested = meetings.explode("requirements").unnest("requirements").drop_nulls("category_name")
    taxonomy = {c["name"]: c for c in _taxonomy()}
    for row in nested.iter_rows(named=True):
        assert row["coronanet_type"] == taxonomy[row["category_name"]]["coronanet"]
        assert row["oxcgrt_indicators"] == list(taxonomy[row["category_name"]]["oxcgrt"])


def test_duckdb_joins_requirements_to_places_and_the_taxonomy(built: Path) -> None:
    data = built / "data"
    rows = duckdb.sql(
        f"SELECT r.level_name, r.date_start, r.date_end, r.province_iso, r.oxcgrt_region, "
        f"t.category_name, t.oxcgrt_indicators "
        f"FROM '{data}/requirements/*.parquet' r JOIN '{data}/taxonomy/*.parquet' t "
        "ON r.category = t.category"
    ).fetchall()
    gold = _gold_meetings()
    taxonomy = {c["name"]: c for c in _taxonomy()}
    expected = Counter(
        (m["level"], m["start"], m["end"], m["province_iso"], m["oxcgrt_region"], c)
        for m in gold
        for c in m["categories"]
    )
    assert Counter(row[:6] for row in rows) == expected
    for row in rows:
        assert row[6] == list(taxonomy[row[5]]["oxcgrt"])


def _croissant_records(built: Path, record_set: str) -> list[dict[str, Any]]:
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=str(built / "croissant.json"))
    return [
        {key.split("/", 1)[1]: _decoded(value) for key, value in record.items()}
        for record in dataset.records(record_set)
    ]


def _decoded(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if hasattr(value, "tolist") and not isinstance(value, str):
        return _decoded(value.tolist())
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if value is pd.NaT:
        return None
    if isinstance(value, datetime):  # mlcroissant gives sc:Date as a pandas Timestamp
        return value.date()
    return value


def test_mlcroissant_finds_names_intervals_keys_and_cross_walk(built: Path) -> None:
    gold = {_meeting_key(m["doc_id"], m["meeting_id"]): m for m in _gold_meetings()}
    meetings = _croissant_records(built, "meetings")
    assert len(meetings) == len(gold)
    for record in meetings:
        m = gold[record["doc_id"], record["meeting_id"]]
        assert record["level_name"] == m["level"]
        assert LEVELS[record["level"]] == m["level"]
        assert (record["date_start"], record["date_end"]) == (m["start"], m["end"])
        assert record["province_iso"] == m["province_iso"]
        assert record["oxcgrt_region"] == m["oxcgrt_region"]
    taxonomy = {c["name"]: c for c in _taxonomy()}
    requirements = _croissant_records(built, "requirements")
    assert requirements
    for record in requirements:
        category = taxonomy[record["category_name"]]
        assert record["coronanet_type"] == category["coronanet"]
        assert record["oxcgrt_indicators"] == list(category["oxcgrt"])
    listed = [r["category_name"] for r in _croissant_records(built, "taxonomy")]
    assert listed == list(taxonomy)
