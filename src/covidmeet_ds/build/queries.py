"""The card's worked queries: DuckDB SQL over the published Parquet files, and their output
computed by the build in Python from the same rows it writes.

The build does not run DuckDB (it is not a build dependency): each :class:`WorkedQuery` pairs its
SQL with a pure-Python equivalent that counts the decoded rows as they are written. A test runs
the SQL from the built card with DuckDB and checks it gives exactly the table the card shows, and
that both agree with counts made from the gold YAML. The SQL reads paths relative to the dataset
folder, so it runs from there (``duckdb`` in the folder, or ``os.chdir``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .shapes import CLASS_LABELS

LEVELS = CLASS_LABELS["level"]
CATEGORIES = CLASS_LABELS["category"]
NULL = "NULL"
"""How a null cell is shown in the card (as DuckDB shows it)."""


@dataclass(frozen=True)
class WorkedQuery:
    title: str
    explanation: str
    sql: str
    table: str
    """The config whose rows the Python equivalent counts."""
    count: Callable[[Mapping[str, Any]], list[tuple]]
    """The keys one decoded row adds 1 to (none when the query leaves the row out)."""
    columns: tuple[str, ...]
    order: Callable[[tuple, int], tuple]
    """Sort key of (keys, count), the SQL's ORDER BY."""


def _month_of_meeting(row: Mapping[str, Any]) -> list[tuple]:
    start: date | None = row["date_start"]
    end: date | None = row["date_end"]
    if start is None or end is None or (start.year, start.month) != (end.year, end.month):
        return []
    return [(f"{start.year:04d}-{start.month:02d}", row["level"])]


def _presiders_by_province(row: Mapping[str, Any]) -> list[tuple]:
    province = row["province_iso"]
    if province is None:
        return []
    return [(province, name) for name in row["presiders"]]


def _categories_by_type(row: Mapping[str, Any]) -> list[tuple]:
    start: date | None = row["date_start"]
    if start is None:
        return []
    return [(start.year, row["coronanet_type"], row["category"])]


QUERIES: tuple[WorkedQuery, ...] = (
    WorkedQuery(
        title="Meetings per level per month",
        explanation="Meetings whose date interval lies within one month (dated to the day or the "
        "month; those dated only to the year, or undated, are left out), by month and level.",
        sql="""SELECT strftime(date_start, '%Y-%m') AS month, level_name, count(*) AS meetings
FROM read_parquet('data/meetings/*.parquet')
WHERE date_trunc('month', date_start) = date_trunc('month', date_end)
GROUP BY month, level, level_name
ORDER BY month, level;""",
        table="meetings",
        count=_month_of_meeting,
        columns=("month", "level_name", "meetings"),
        order=lambda keys, n: (keys[0], LEVELS.index(keys[1])),
    ),
    WorkedQuery(
        title="Presiders by province",
        explanation="Who presided over meetings in each province (ISO 3166-2; national meetings "
        "and those whose province is unknown have none), most meetings first.",
        sql="""SELECT province_iso, presider, count(*) AS meetings
FROM (
    SELECT province_iso, unnest(presiders) AS presider
    FROM read_parquet('data/meetings/*.parquet')
)
WHERE province_iso IS NOT NULL
GROUP BY province_iso, presider
ORDER BY province_iso, meetings DESC, presider;""",
        table="meetings",
        count=_presiders_by_province,
        columns=("province_iso", "presider", "meetings"),
        order=lambda keys, n: (keys[0], -n, keys[1]),
    ),
    WorkedQuery(
        title="Requirement categories by CoronaNet type over time",
        explanation="Requirements of dated meetings by the year of the meeting, the CoronaNet "
        "policy type of their category (NULL: no CoronaNet type) and the category.",
        sql="""SELECT year(date_start) AS year, coronanet_type, category_name,
       count(*) AS requirements
FROM read_parquet('data/requirements/*.parquet')
WHERE date_start IS NOT NULL
GROUP BY year, coronanet_type, category, category_name
ORDER BY year, coronanet_type NULLS LAST, category;""",
        table="requirements",
        count=_categories_by_type,
        columns=("year", "coronanet_type", "category_name", "requirements"),
        order=lambda keys, n: (keys[0], keys[1] is None, keys[1] or "", CATEGORIES.index(keys[2])),
    ),
)


@dataclass
class QueryResults:
    """The worked queries' counts, filled one decoded row at a time (see :meth:`add`)."""

    counts: list[Counter[tuple]] = field(default_factory=lambda: [Counter() for _ in QUERIES])

    def add(self, table: str, row: Mapping[str, Any]) -> None:
        for query, counter in zip(QUERIES, self.counts, strict=True):
            if query.table == table:
                counter.update(query.count(row))

    def rows(self, index: int) -> list[tuple]:
        """The output rows of query ``index``, as the SQL orders them."""
        query, counter = QUERIES[index], self.counts[index]
        ordered = sorted(counter.items(), key=lambda item: query.order(*item))
        return [(*keys, n) for keys, n in ordered]


def cell(value: Any) -> str:
    """A result value as the card shows it (null as NULL, ``|`` escaped)."""
    return NULL if value is None else str(value).replace("|", "\\|")


def markdown_table(columns: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def queries_markdown(results: QueryResults) -> str:
    """The worked-queries section body: each query's SQL and its output."""
    parts = [
        "Run them with DuckDB from the dataset folder (`duckdb` there, or `duckdb.sql(...)` in "
        "Python after `os.chdir`). The output under each query is computed by the build from "
        "the rows it publishes, and a test checks that DuckDB gives the same.",
    ]
    for index, query in enumerate(QUERIES):
        rows = results.rows(index)
        output = markdown_table(query.columns, rows) if rows else "(no rows yet)"
        parts.append(
            f"### {query.title}\n\n{query.explanation}\n\n```sql\n{query.sql}\n```\n\n{output}"
        )
    return "\n\n".join(parts)


__all__ = ["NULL", "QUERIES", "QueryResults", "WorkedQuery", "cell", "queries_markdown"]
