"""The card's worked queries: the build's Python counts equal what DuckDB's SQL gives on the
same rows, for rows of every kind the queries treat apart (dates to the day, month or year,
undated; provinces known or not; several presiders, shared and tied counts; a category with no
CoronaNet type), written as the build writes them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from covidmeet_ds.build import encode_table, write_parquet
from covidmeet_ds.build.card import data_file
from covidmeet_ds.build.columns import MEETINGS, REQUIREMENTS, crosswalk
from covidmeet_ds.build.queries import QUERIES, QueryResults, cell, queries_markdown
from covidmeet_ds.reader import iter_documents

from .conftest import REPO

DATES = [
    ("2020-03-16", date(2020, 3, 16), date(2020, 3, 16)),
    ("2020-03", date(2020, 3, 1), date(2020, 3, 31)),
    ("2020-02", date(2020, 2, 1), date(2020, 2, 29)),
    ("2021", date(2021, 1, 1), date(2021, 12, 31)),
    (None, None, None),
]
PLACES = [
    ("national", None, "CHN"),
    ("provincial", "CN-HB", "CHN_HB"),
    ("prefectural", "CN-HB", "CHN_HB"),
    ("county", "CN-SD", "CHN_SD"),
    ("township", None, None),
    ("provincial", "CN-HK", None),
]
PRESIDERS = [[], ["王立新"], ["王立新", "李青禾"], ["赵一"], ["李青禾"]]
CATEGORIES = ["political_mobilisation", "testing_screening", "vaccination", "other"]


def _variants() -> tuple[list[dict], list[dict]]:
    """Meeting and requirement rows built from a real row, varied over every case above."""
    document = next(d for d in iter_documents(REPO) if d.hand and d.hand.meetings)
    meeting = next(MEETINGS.rows(document))
    requirement = next(REQUIREMENTS.rows(document))
    meetings, requirements = [], []
    for index in range(len(DATES) * len(PLACES)):
        value, start, end = DATES[index % len(DATES)]
        level, iso, oxcgrt = PLACES[index % len(PLACES)]
        common = {
            "meeting_id": f"m{index}",
            "date": value,
            "date_start": start,
            "date_end": end,
            "level": level,
            "province_iso": iso,
            "oxcgrt_region": oxcgrt,
        }
        meetings.append({**meeting, **common, "presiders": PRESIDERS[index % len(PRESIDERS)]})
        category = CATEGORIES[index % len(CATEGORIES)]
        requirements.append({**requirement, **common, "category": category, **crosswalk(category)})
    return meetings, requirements


def _write(folder: Path, config: str, rows: list[dict]) -> None:
    path = folder / data_file(config, "train")
    path.parent.mkdir(parents=True)
    write_parquet(path, encode_table(config, rows))


def test_python_counts_equal_duckdb_on_every_kind_of_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meetings, requirements = _variants()
    _write(tmp_path, "meetings", meetings)
    _write(tmp_path, "requirements", requirements)
    results = QueryResults()
    for row in meetings:
        results.add("meetings", row)
    for row in requirements:
        results.add("requirements", row)
    monkeypatch.chdir(tmp_path)
    for index, query in enumerate(QUERIES):
        expected = [tuple(cell(v) for v in row) for row in results.rows(index)]
        got = [tuple(cell(v) for v in row) for row in duckdb.sql(query.sql).fetchall()]
        assert got == expected, query.title
        assert len(got) > 2, query.title
    # what each query leaves out, and keeps
    months = {row[0] for row in results.rows(0)}
    assert months == {"2020-03", "2020-02"}  # a year-only date and undated: left out
    provinces = {row[0] for row in results.rows(1)}
    assert provinces == {"CN-HB", "CN-SD", "CN-HK"}
    assert any(row[1] is None for row in results.rows(2))  # no CoronaNet type
    assert {row[0] for row in results.rows(2)} == {2020, 2021}


def test_an_empty_result_says_so_in_the_card() -> None:
    text = queries_markdown(QueryResults())
    assert text.count("(no rows yet)") == len(QUERIES)
    for query in QUERIES:
        assert f"```sql\n{query.sql}\n```" in text


def test_cells_show_null_and_escape_the_table_bar() -> None:
    assert cell(None) == "NULL"
    assert cell(3) == "3"
    assert cell("a|b") == "a\\|b"
