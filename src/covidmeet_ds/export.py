"""``covidmeet-ds export``: the corpus as flat, analysis-ready tables for R, Stata and DuckDB.

Six tables, derived from the build's column declarations (:data:`.build.columns.TABLES`), so a
column added there appears here with its description:

- ``meetings``: the ``meetings`` config without its nested lists (one row per gold meeting);
- ``speakers``: one row per speaker per meeting (the ``speakers`` list of the ``meetings``
  config, long), with the meeting's keys;
- ``requirements``: the ``requirements`` config;
- ``documents``: the ``documents`` config without the nested annotations, plus each document's
  split and the gold's quality flags; raw and body text included;
- ``taxonomy``: the ``taxonomy`` config (the categories and their cross-walk);
- ``places``: one row per jurisdiction that appears, with its join keys, its province's name and
  its number of meetings.

Values are names, not codes: a class label is its name, a date is ``YYYY-MM-DD``, an integer is
an integer, a list of strings is one string with its items joined by ``"; "`` (an item holding
``;`` is refused with its place in the annotation, so a split on ``;`` always gives the items
back). ``--format csv`` writes one UTF-8 CSV file per table (RFC 4180 quoting, ``\\n`` line ends,
no BOM; an empty field is null, or an empty list in a list column); ``--format duckdb`` one
``covidmeet_ds.duckdb`` file with one table per export table, the same columns typed
(VARCHAR, INTEGER, DATE, BOOLEAN) and described with ``COMMENT ON``. Both come with
``README.md`` (the codebook), ``export.json`` (tables, files, rows, columns) and ``SHA256SUMS``.

The corpus is validated first (problems: nothing is written); the folder is written beside the
target and swapped in whole (:mod:`.build.staging`), and only a folder an earlier export wrote is
ever replaced. The same inputs give byte-identical CSV files; a DuckDB file holds the same rows.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Literal

from . import __version__
from .models import Annotation
from .problems import Problem, located_problem

FORMATS = ("csv", "duckdb")
DEFAULT_FORMAT = "csv"
LIST_SEPARATOR = "; "
"""How a list of strings is written as one field (split on ``;`` and strip to get the items)."""
IDENTITY = "export.json"
"""The file that marks a folder as an export (the only kind of folder an export replaces)."""
DUCKDB_FILE = "covidmeet_ds.duckdb"
DUCKDB_BATCH_ROWS = 1_000
"""Rows of a table inserted into DuckDB at once."""

Kind = Literal["string", "integer", "date", "boolean", "list"]


class ExportError(Exception):
    """The corpus cannot be exported; nothing was written. ``problems`` are located."""

    def __init__(self, problems: Iterable[Problem], what: str = "problem(s)"):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} {what}; nothing was written")


class ExportUnavailable(Exception):
    """The chosen format needs a package that is not installed."""


# --- the export tables, derived from the build's columns --------------------------------------


@dataclass(frozen=True)
class ExportColumn:
    name: str
    kind: Kind
    description: str


@dataclass(frozen=True)
class ExportTable:
    name: str
    description: str
    columns: tuple[ExportColumn, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def export_kind(shape: Any) -> Kind | None:
    """How a published shape is exported: None for structs and lists of structs (those become
    long tables of their own, or stay in the Parquet configs); a class label is its name."""
    from datasets import ClassLabel, Value

    if shape.fields:
        return None
    if shape.item is not None:
        if shape.item.fields or shape.item.item is not None:
            return None
        if export_kind(shape.item) != "string":
            raise TypeError(f"no flat form for a list of {shape.item.feature}")
        return "list"
    if isinstance(shape.feature, ClassLabel):
        return "string"
    if isinstance(shape.feature, Value):
        kinds: dict[str, Kind] = {
            "string": "string",
            "int32": "integer",
            "int64": "integer",
            "date32": "date",
            "bool": "boolean",
        }
        if shape.feature.dtype in kinds:
            return kinds[shape.feature.dtype]
    raise TypeError(f"no export form for {shape.feature}")


def _described(kind: Kind, description: str) -> str:
    if kind == "list":
        return f"{description} Items joined by `{LIST_SEPARATOR}`; empty: none."
    return description


def export_column(name: str, shape: Any, description: str | None = None) -> ExportColumn | None:
    kind = export_kind(shape)
    if kind is None:
        return None
    return ExportColumn(name, kind, _described(kind, description or shape.description))


def flat_columns(shapes: Mapping[str, Any], names: Iterable[str] | None = None) -> list[Any]:
    """The exportable columns among ``shapes`` (all, or ``names`` in that order); label-name
    siblings are left out, the label itself being exported as its name."""
    chosen = list(shapes) if names is None else list(names)
    columns = []
    for name in chosen:
        shape = shapes[name]
        if shape.names_label:
            continue
        exported = export_column(name, shape)
        if exported is not None:
            columns.append(exported)
    return columns


def _meeting_context() -> tuple[str, ...]:
    """The meeting's columns a speaker row repeats: those a requirement row repeats, and the
    report's publication date."""
    from .build.columns import MEETING_CONTEXT

    return (*MEETING_CONTEXT, "published")


"""The meeting's columns repeated on each speaker row, for joins without the meetings table."""

PLACE_KEYS = ("level", "jurisdiction", "jurisdiction_code", "province_iso", "oxcgrt_region")


def _declared_columns(name: str) -> list[str]:
    from .build.columns import TABLES

    return [c.name for c in TABLES[name].columns]


def _shapes(name: str) -> dict[str, Any]:
    from .build.columns import TABLES

    return TABLES[name].shapes


def export_tables() -> dict[str, ExportTable]:
    """The six export tables, in the order they are written."""
    from .build.shapes import field_shape

    meetings = _shapes("meetings")
    speaker_fields = meetings["speakers"].item.fields
    documents = flat_columns(_shapes("documents"), _declared_columns("documents"))
    texts = [c for c in documents if c.name in ("raw_text", "body_text")]
    document_extras = [
        ExportColumn(
            "split", "string", "train, validation or test: the build's split of the document."
        ),
        export_column(
            "quality_flags",
            field_shape(Annotation, "quality_flags"),
            "Noise the gold annotation records in the raw text (quality_flags of the hand "
            "annotation); null for a document without gold.",
        ),
    ]
    tables = [
        ExportTable(
            "meetings",
            "One row per gold meeting (the meetings config without its nested lists: speakers "
            "and requirements are tables of their own).",
            tuple(flat_columns(meetings, _declared_columns("meetings"))),
        ),
        ExportTable(
            "speakers",
            "One row per speaker per meeting, in order of mention, with the meeting's keys.",
            (
                *flat_columns(meetings, ("doc_id", "meeting_id")),
                ExportColumn(
                    "speaker", "integer", "Position among the meeting's speakers (1 = first)."
                ),
                *flat_columns(speaker_fields),
                *flat_columns(meetings, _meeting_context()),
            ),
        ),
        ExportTable(
            "requirements",
            "One row per gold requirement (the requirements config).",
            tuple(flat_columns(_shapes("requirements"), _declared_columns("requirements"))),
        ),
        ExportTable(
            "documents",
            "One row per report: source, split, quality flags, raw and body text (the "
            "documents config without the nested annotations).",
            (
                *(c for c in documents if c not in texts),
                *(c for c in document_extras if c is not None),
                *texts,
            ),
        ),
        ExportTable(
            "taxonomy",
            "One row per requirement category, in class-label order, with its cross-walk.",
            tuple(flat_columns(_shapes("taxonomy"), _declared_columns("taxonomy"))),
        ),
        ExportTable(
            "places",
            "One row per jurisdiction that holds a gold meeting, with its join keys.",
            (
                *flat_columns(meetings, PLACE_KEYS[:3]),
                ExportColumn(
                    "province",
                    "string",
                    "Official name of the province (provincial-level unit) the jurisdiction "
                    "lies in; null for national meetings and when unknown.",
                ),
                *flat_columns(meetings, PLACE_KEYS[3:]),
                ExportColumn("meetings", "integer", "Gold meetings held at this jurisdiction."),
            ),
        ),
    ]
    return {table.name: table for table in tables}


# --- values -----------------------------------------------------------------------------------


def flat_value(kind: Kind, value: Any, where: str) -> Any:
    """A decoded value in its exported form: lists joined, everything else as it is (checked)."""
    if value is None:
        return None
    expected: dict[Kind, type | tuple[type, ...]] = {
        "string": str,
        "integer": int,
        "date": date,
        "boolean": bool,
        "list": list,
    }
    wrong_int = kind == "integer" and isinstance(value, bool)
    if not isinstance(value, expected[kind]) or wrong_int:
        raise TypeError(f"{where}: {kind} column holds {value!r}")
    if kind != "list":
        return value
    for item in value:
        if not isinstance(item, str) or ";" in item:
            raise ValueError(f"{where}: list item {item!r} cannot be joined by {LIST_SEPARATOR!r}")
    return LIST_SEPARATOR.join(value)


def csv_field(value: Any) -> str:
    """An exported value as CSV text: null empty, dates ISO, booleans true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- rows ---------------------------------------------------------------------------------------


def separator_problems(annotation: Annotation, file: str, yaml_document: Any) -> list[Problem]:
    """Items of the gold that a list column would join and that hold ``;`` (presiders' names,
    titles), located in the annotation file."""
    problems = []
    for m, meeting in enumerate(annotation.meetings):
        for s, speaker in enumerate(meeting.speakers):
            items: list[tuple[tuple, str]] = [
                (("titles", t), title) for t, title in enumerate(speaker.titles)
            ]
            if speaker.name is not None and "presided" in speaker.roles:
                items.append((("name",), speaker.name))
            for rest, value in items:
                if ";" in value:
                    loc = ("meetings", m, "speakers", s, *rest)
                    problems.append(
                        located_problem(
                            file,
                            yaml_document,
                            loc,
                            f"{value!r} holds ';', which separates the items of a list in the "
                            "export; write each title separately, and a name without ';'",
                        )
                    )
    return problems


@dataclass
class Places:
    """The jurisdictions met so far, with their keys and number of meetings."""

    counts: Counter[tuple[Any, ...]] = field(default_factory=Counter)

    def add(self, meeting_row: Mapping[str, Any]) -> None:
        self.counts[tuple(meeting_row[key] for key in PLACE_KEYS)] += 1

    def rows(self) -> Iterator[dict[str, Any]]:
        """One row per jurisdiction: by level (contract order), province, then code and name."""
        from .build.shapes import CLASS_LABELS

        levels = CLASS_LABELS["level"]
        names = province_names()

        def order(keys: tuple[Any, ...]) -> tuple:
            level, jurisdiction, code, iso, _ = keys
            return (levels.index(level), iso or "", code or "", jurisdiction or "")

        for keys in sorted(self.counts, key=order):
            row = dict(zip(PLACE_KEYS, keys, strict=True))
            row["province"] = names.get(row["province_iso"])
            row["meetings"] = self.counts[keys]
            yield row


def province_names() -> dict[str | None, str]:
    """Official name of each provincial unit, by its ISO 3166-2 code."""
    from .joinkeys import province_keys
    from .places import gazetteer

    by_code = gazetteer().by_code
    return {keys.iso_3166_2: by_code[code].name for code, keys in province_keys().items()}


def document_rows(
    document: Any, split: str, places: Places
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, decoded row) of one document, in text order; counts its places."""
    from .build.columns import DOCUMENTS, MEETINGS, REQUIREMENTS

    for meeting in MEETINGS.rows(document):
        yield "meetings", meeting
        places.add(meeting)
        for position, speaker in enumerate(meeting["speakers"], start=1):
            yield (
                "speakers",
                {
                    "doc_id": meeting["doc_id"],
                    "meeting_id": meeting["meeting_id"],
                    "speaker": position,
                    **speaker,
                    **{key: meeting[key] for key in _meeting_context()},
                },
            )
    for requirement in REQUIREMENTS.rows(document):
        yield "requirements", requirement
    hand = document.hand
    for row in DOCUMENTS.rows(document):
        row["split"] = split
        row["quality_flags"] = None if hand is None else list(hand.quality_flags)
        yield "documents", row


def static_rows() -> Iterator[tuple[str, dict[str, Any]]]:
    from .build.columns import TAXONOMY

    for row in TAXONOMY.static_rows():
        yield "taxonomy", row


# --- writers --------------------------------------------------------------------------------------


class CsvWriter:
    """One ``<table>.csv`` per table, written row by row."""

    def __init__(self, folder: Path, tables: Mapping[str, ExportTable]):
        self.files: dict[str, str] = {name: f"{name}.csv" for name in tables}
        self._handles: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        for name, table in tables.items():
            handle = (folder / self.files[name]).open("w", encoding="utf-8", newline="")
            self._handles[name] = handle
            self._writers[name] = csv.writer(handle, lineterminator="\n")
            self._writers[name].writerow(table.names)

    def add(self, table: str, values: list[Any]) -> None:
        self._writers[table].writerow([csv_field(v) for v in values])

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()


DUCKDB_TYPES: dict[Kind, str] = {
    "string": "VARCHAR",
    "list": "VARCHAR",
    "integer": "INTEGER",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def import_duckdb() -> Any:
    """The ``duckdb`` module, or :class:`ExportUnavailable` saying how to install it."""
    try:
        import duckdb
    except ImportError as error:
        raise ExportUnavailable(
            f"--format duckdb needs the duckdb package ({error}): "
            "pip install 'covidmeet_ds[export]', or use --format csv"
        ) from error
    return duckdb


class DuckDbWriter:
    """One DuckDB file with one table per export table, filled in batches."""

    def __init__(self, folder: Path, tables: Mapping[str, ExportTable]):
        duckdb = import_duckdb()
        self.tables = dict(tables)
        self.files = {name: DUCKDB_FILE for name in tables}
        self._connection = duckdb.connect(str(folder / DUCKDB_FILE))
        self._buffers: dict[str, list[list[Any]]] = {name: [] for name in tables}
        for name, table in tables.items():
            columns = ", ".join(f"{_quoted(c.name)} {DUCKDB_TYPES[c.kind]}" for c in table.columns)
            self._connection.execute(f"CREATE TABLE {_quoted(name)} ({columns})")
            self._connection.execute(
                f"COMMENT ON TABLE {_quoted(name)} IS {_literal(table.description)}"
            )
            for c in table.columns:
                self._connection.execute(
                    f"COMMENT ON COLUMN {_quoted(name)}.{_quoted(c.name)} "
                    f"IS {_literal(c.description)}"
                )

    def add(self, table: str, values: list[Any]) -> None:
        buffer = self._buffers[table]
        buffer.append(values)
        if len(buffer) >= DUCKDB_BATCH_ROWS:
            self._flush(table)

    def _flush(self, table: str) -> None:
        import pyarrow as pa

        rows = self._buffers[table]
        if not rows:
            return
        types = {"string": pa.string(), "list": pa.string(), "integer": pa.int32()}
        types |= {"date": pa.date32(), "boolean": pa.bool_()}
        columns = self.tables[table].columns
        batch = pa.table(
            {c.name: pa.array([r[i] for r in rows], types[c.kind]) for i, c in enumerate(columns)}
        )
        self._connection.register("export_batch", batch)
        self._connection.execute(f"INSERT INTO {_quoted(table)} SELECT * FROM export_batch")
        self._connection.unregister("export_batch")
        self._buffers[table] = []

    def close(self) -> None:
        for table in self.tables:
            self._flush(table)
        self._connection.execute("CHECKPOINT")
        self._connection.close()


# --- the codebook ---------------------------------------------------------------------------------


def codebook(tables: Mapping[str, ExportTable], rows: Mapping[str, int], fmt: str) -> str:
    """``README.md`` of an export: what the folder holds, the conventions, every column."""
    files = (
        "one UTF-8 CSV file per table (`<table>.csv`)"
        if fmt == "csv"
        else f"`{DUCKDB_FILE}`, one table per export table (columns described with COMMENT ON)"
    )
    lines = [
        "# covidmeet_ds: analysis-ready tables",
        "",
        f"Written by `covidmeet-ds export` (covidmeet_ds {__version__}): {files}.",
        "",
        "- Names, not codes: a class label (`level`, `category`) is its name.",
        "- Dates are ISO `YYYY-MM-DD`; `date` keeps the reduced precision of the report "
        "(`2020-03`), and `date_start`/`date_end` give the interval it covers.",
        f"- A list of strings is one field, its items joined by `{LIST_SEPARATOR}` "
        "(no item holds `;`).",
        "- Null is an empty field in CSV (and an empty list in a list column); integers are "
        "integers.",
        "- Join keys: `jurisdiction_code` (6-digit division code), `province_iso` "
        "(ISO 3166-2), `oxcgrt_region` (OxCGRT RegionCode, `CHN` for national meetings).",
        "",
    ]
    for name, table in tables.items():
        lines += [f"## {name} ({rows.get(name, 0)} rows)", "", table.description, ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for c in table.columns:
            description = c.description.replace("|", "\\|")
            lines.append(f"| `{c.name}` | {c.kind} | {description} |")
        lines.append("")
    return "\n".join(lines)


# --- the export -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    out: Path
    format: str
    rows: dict[str, int]
    files: dict[str, str]
    """Every file written (relative POSIX path) with its sha256."""


def _writer(fmt: str, folder: Path, tables: Mapping[str, ExportTable]) -> Any:
    if fmt == "csv":
        return CsvWriter(folder, tables)
    if fmt == "duckdb":
        return DuckDbWriter(folder, tables)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _located_separator_problems(root: Path, document: Any) -> list[Problem]:
    """Separator problems of a document's gold, located in its file (read again only then)."""
    from .corpus import Layout
    from .reader import read_yaml

    if document.hand is None or not separator_problems(document.hand, "", None):
        return []
    layout = Layout(root)
    path = layout.annotation_path("hand", document.entry.doc_id)
    return separator_problems(document.hand, layout.relative(path), read_yaml(layout, path))


def write_export(
    folder: Path, root: Path, fmt: str, documents: Iterable[Any], splits: Mapping[str, str]
) -> tuple[dict[str, int], list[Problem]]:
    """Write every table into ``folder``, reading ``documents`` once; returns the rows per table
    and the problems found (when there are any, the folder is to be discarded)."""
    tables = export_tables()
    rows: Counter[str] = Counter()
    problems: list[Problem] = []
    places = Places()
    writer = _writer(fmt, folder, tables)

    def emit(name: str, row: Mapping[str, Any], where: str) -> None:
        table = tables[name]
        values = [flat_value(c.kind, row[c.name], f"{where}: {c.name}") for c in table.columns]
        writer.add(name, values)
        rows[name] += 1

    try:
        for document in documents:
            found = _located_separator_problems(root, document)
            if found:
                problems += found
                continue
            doc_id = document.entry.doc_id
            for name, row in document_rows(document, splits[doc_id], places):
                emit(name, row, f"{name} of {doc_id}")
        for name, row in static_rows():
            emit(name, row, name)
        for row in places.rows():
            emit("places", row, "places")
    finally:
        writer.close()
    counts = {name: rows[name] for name in tables}
    files = sorted(set(writer.files.values()))
    (folder / "README.md").write_text(codebook(tables, counts, fmt), encoding="utf-8", newline="\n")
    identity = {
        "format": fmt,
        "covidmeet_ds": __version__,
        "list_separator": LIST_SEPARATOR,
        "tables": {
            name: {"file": writer.files[name], "rows": counts[name], "columns": table.names}
            for name, table in tables.items()
        },
        "files": files,
    }
    (folder / IDENTITY).write_text(
        json.dumps(identity, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    return counts, problems


def _write_failures(fmt: str) -> tuple[type[BaseException], ...]:
    """What writing can fail with for want of room or rights: OSError, and DuckDB's own errors
    (a full disk inside DuckDB is a ``duckdb.IOException``, not an OSError)."""
    if fmt == "duckdb":
        return (OSError, import_duckdb().Error)
    return (OSError,)


def export(root: Path, out: Path, fmt: str = DEFAULT_FORMAT) -> ExportResult:
    """Validate the corpus under ``root`` and write its tables to ``out`` in ``fmt``.

    Raises :class:`ExportError` (validation problems, or gold values that cannot be written
    flat), :class:`ExportUnavailable` (``duckdb`` without the package) and
    :class:`.build.staging.StagingError` (``out`` may not be replaced); nothing is written then.
    """
    from .build import iter_documents
    from .build.staging import MARKER, check_output, sha256_file, staged_directory
    from .predictions import split_assignments
    from .validate import validate_corpus

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "duckdb":
        import_duckdb()
    where = {"command": "export", "option": "--to", "identity": IDENTITY}
    check_output(out, protect=(root,), **where)
    problems = validate_corpus(root)
    if problems:
        raise ExportError(problems, "validation problem(s)")
    splits = split_assignments(root)
    try:
        with staged_directory(out, protect=(root,), **where) as folder:
            counts, problems = write_export(folder, root, fmt, iter_documents(root), splits)
            if problems:
                raise ExportError(problems, "value(s) that cannot be written flat")
            files = {
                path.relative_to(folder).as_posix(): sha256_file(path)
                for path in sorted(folder.rglob("*"))
                if path.is_file()
            }
            sums = "".join(f"{sha}  {relative}\n" for relative, sha in sorted(files.items()))
            (folder / MARKER).write_text(sums, encoding="utf-8", newline="\n")
    except _write_failures(fmt) as error:
        problem = Problem(
            str(getattr(error, "filename", None) or out),
            1,
            1,
            "",
            f"cannot write the export: {getattr(error, 'strerror', None) or error}; "
            "the previous output is unchanged",
        )
        raise ExportError([problem], "write problem(s)") from error
    return ExportResult(out=out, format=fmt, rows=counts, files=files)


def summary(result: ExportResult) -> str:
    """Rows per table and where they are."""
    width = max(len(name) for name in result.rows)
    lines = [f"{name:<{width}}  {count:>8}" for name, count in result.rows.items()]
    lines.append(f"{len(result.files) + 1} files written to {result.out}/ ({result.format})")
    return "\n".join(lines)


__all__ = [
    "DEFAULT_FORMAT",
    "FORMATS",
    "LIST_SEPARATOR",
    "ExportColumn",
    "ExportError",
    "ExportResult",
    "ExportTable",
    "ExportUnavailable",
    "export",
    "export_tables",
    "summary",
]
