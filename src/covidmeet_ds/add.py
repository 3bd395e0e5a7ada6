"""``covidmeet-ds add``: reports into the corpus, byte for byte, with their manifest entries.

Inputs are text files (each one report, its bytes copied unchanged), JSON Lines files of records
(``{"text": ..., "published": ..., "title": ..., "source_url": ..., "source_site": ...,
"doc_id": ...}``; the text is stored encoded as UTF-8) and output folders of ``covidmeet-ds
crawl`` (the pages it kept, from ``data/*.parquet``). Every report gets:

* a raw file ``raw/NNN_<first 16 hex of its sha256>.txt``: ``NNN`` is the next number after the
  highest prefix in the manifest (the order reports were added, for people), and the hash makes
  the name unique even when two branches add reports with the same number;
* a doc id: the one given (``--doc-id``, a record's ``doc_id``), else ``doc-<first 12 hex of its
  sha256>``, a function of the bytes alone;
* a manifest entry appended to ``raw/manifest.yaml`` by editing its text, so that its comments
  and layout stay as they are.

A report the corpus already holds is refused, naming the document: the same bytes (an exact
duplicate), or a text the split grouping (:func:`.build.splits.assign`) would put in the group of
an earlier document (a near-duplicate: the same report re-posted, re-scripted or spun). Reports
of one call are checked against each other too. Everything is checked before anything is
written, and one call is all or nothing: after writing, the corpus is validated again, and on any
problem (or an interruption) the raw files are removed and the manifest is restored.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from . import strictjson
from .corpus import (
    InputError,
    Layout,
    YamlDocument,
    decode_utf8,
    parse_yaml,
    sha256_bytes,
    write_text_atomic,
)
from .models import Manifest, ManifestEntry
from .problems import Problem, error_message, input_problem
from .reader import iter_manifest, manifest_text, raw_text, read_regular_file

TITLE_MAX = 100
"""Characters of the first line kept as a title when none is given."""
DOC_ID_PREFIX = "doc-"
DOC_ID_HEX = 12
FILE_HEX = 16
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CRAWL_SETTINGS = "crawl.json"
CRAWL_COLUMNS = ("id", "published", "raw_text")
RECORD_FIELDS = ("doc_id", "title", "source_url", "source_site")
"""Fields a JSON Lines record may give besides its text, id and publication date."""
REFUSED_SUFFIXES = {
    ".json": "a JSON Lines file of records ends in .jsonl",
    ".parquet": "give the crawl's OUTPUT folder, not one of its Parquet files",
    ".gz": "decompress it first",
    ".zst": "decompress it first",
    ".bz2": "decompress it first",
    ".xz": "decompress it first",
    ".zip": "decompress it first",
}
"""Suffixes of files that are not one report's text, and what to do instead."""

_FILE_NUMBER = re.compile(r"^([0-9]+)_")


@dataclass(frozen=True)
class AddOptions:
    """What the command line says about the reports."""

    title: str | None = None
    source_url: str | None = None
    doc_id: str | None = None
    published: date | None = None
    source_site: str | None = None
    text_key: str = "text"
    id_key: str = "id"
    published_key: str = "published"
    allow_near_duplicate: bool = False


PER_REPORT_OPTIONS = ("title", "source_url", "doc_id")
"""Options that describe one report: they need exactly one text file."""


@dataclass(frozen=True)
class Page:
    """One report as read from an input, before it becomes a corpus document."""

    file: str
    """The input file (for a crawl's page: its Parquet file and row, ``data/0.parquet#2``)."""
    line: int
    """The record's line in a JSON Lines file; 1 otherwise."""
    where: str
    """How messages name the page: ``page.txt``, ``pages.jsonl:3 (id 'p1')``."""
    data: bytes
    text: str
    given: dict[str, Any] = field(default_factory=dict)
    """Manifest fields the input gives (doc_id, title, source_url, source_site, published)."""

    def problem(self, message: str, field_name: str = "") -> Problem:
        return Problem(self.file, self.line, 1, field_name, message)


@dataclass(frozen=True)
class Added:
    """A document ``add`` wrote (or would write): its entry and how its fields were found."""

    entry: ManifestEntry
    page: Page
    notes: tuple[str, ...] = ()
    draft: str | None = None
    """The draft annotation written for it (``annotations/draft/<doc_id>.yaml``), if any."""

    @property
    def where(self) -> str:
        return self.page.where

    @property
    def text(self) -> str:
        return self.page.text


@dataclass
class AddResult:
    """What ``add`` did: the documents added, or the problems that stopped it (nothing added)."""

    added: list[Added] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    corpus_invalid: bool = False
    """The corpus did not validate before anything was tried."""


# --- reading the inputs -------------------------------------------------------------------


def _problem(where: str, line: int, message: str, column: int = 1, field_name: str = "") -> Problem:
    return Problem(where, line, column, field_name, message)


def read_inputs(paths: Sequence[Path], options: AddOptions) -> tuple[list[Page], list[Problem]]:
    """Every page of every input, and the problems found reading them."""
    pages: list[Page] = []
    problems: list[Problem] = []
    for path in paths:
        shown = str(path)
        if path.is_dir():
            found, found_problems = read_crawl_output(path)
        elif path.name.lower().endswith(JSONL_SUFFIXES):
            found, found_problems = read_jsonl(path, options)
        elif (reason := _refused_suffix(path)) is not None:
            found, found_problems = [], [_problem(shown, 1, f"not a text file: {reason}")]
        else:
            found, found_problems = read_text_file(path)
        pages += found
        problems += found_problems
    return pages, problems


def _refused_suffix(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return REFUSED_SUFFIXES.get(suffix)


def read_text_file(path: Path) -> tuple[list[Page], list[Problem]]:
    """A text file: one report, its bytes as they are (strict UTF-8, no BOM, not empty)."""
    shown = str(path)
    try:
        data = read_regular_file(path)
    except InputError as error:
        return [], [input_problem(shown, error)]
    problem = _text_problem(data, shown)
    if problem is not None:
        return [], [problem]
    return [Page(shown, 1, shown, data, data.decode("utf-8"))], []


def _text_problem(data: bytes, where: str, line: int = 1, field_name: str = "") -> Problem | None:
    """Why ``data`` cannot be a raw file (what ``validate`` refuses), or None."""
    if not data.strip():
        return _problem(where, line, "the text is empty", field_name=field_name)
    try:
        decode_utf8(data)
    except InputError as error:
        if line == 1 and not field_name:
            return input_problem(where, error)
        return _problem(where, line, error.message, field_name=field_name)
    return None


def _encoded_text(
    text: str, where: str, line: int, key: str
) -> tuple[bytes | None, Problem | None]:
    """A record's text as the raw file's bytes (UTF-8), or why it cannot be one."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as error:
        return None, _problem(
            where,
            line,
            f"character {error.start + 1} is a lone surrogate "
            f"(U+{ord(text[error.start]):04X}), which UTF-8 cannot hold",
            field_name=key,
        )
    return data, _text_problem(data, where, line, key)


def read_jsonl(path: Path, options: AddOptions) -> tuple[list[Page], list[Problem]]:
    """A JSON Lines file: one report per record (blank lines are no records)."""
    shown = str(path)
    try:
        content = decode_utf8(read_regular_file(path))
    except InputError as error:
        return [], [input_problem(shown, error)]
    pages: list[Page] = []
    problems: list[Problem] = []
    for number, line in enumerate(content.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            record = strictjson.loads(line)
        except json.JSONDecodeError as error:
            problems.append(_problem(shown, number, f"not JSON: {error.msg}", error.colno))
            continue
        except (ValueError, RecursionError) as error:  # StrictJsonError is a ValueError
            problems.append(_problem(shown, number, f"not a record: {error}"))
            continue
        if not isinstance(record, dict):
            problems.append(_problem(shown, number, "not a record: a JSON object is expected"))
            continue
        page, problem = _record_page(record, shown, number, options)
        if problem is not None:
            problems.append(problem)
        elif page is not None:
            pages.append(page)
    if not pages and not problems:
        problems.append(_problem(shown, 1, "holds no records"))
    return pages, problems


def _record_page(
    record: dict[str, Any], where: str, line: int, options: AddOptions
) -> tuple[Page | None, Problem | None]:
    known = {options.text_key, options.id_key, options.published_key, *RECORD_FIELDS}
    unknown = sorted(set(record) - known)
    if unknown:
        listed = ", ".join(repr(k) for k in unknown)
        accepted = ", ".join(repr(k) for k in sorted(known))
        return None, _problem(where, line, f"unknown field(s) {listed}; a record has {accepted}")
    if options.text_key not in record:
        return None, _problem(where, line, f"no {options.text_key!r} field (the report's text)")
    text = record[options.text_key]
    if not isinstance(text, str):
        return None, _problem(
            where, line, f"{options.text_key!r} must be a string", field_name=options.text_key
        )
    data, problem = _encoded_text(text, where, line, options.text_key)
    if problem is not None or data is None:
        return None, problem
    given: dict[str, Any] = {}
    for key in RECORD_FIELDS:
        if record.get(key) is not None:
            given[key] = record[key]
    if record.get(options.published_key) is not None:
        given["published"] = record[options.published_key]
    label = _record_label(record.get(options.id_key))
    return Page(where, line, f"{where}:{line}{label}", data, text, given), None


def _record_label(value: Any) -> str:
    """`` (id 'x')`` naming a record in messages, when it has an id."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    shown = str(value)
    return f" (id {shown[:40]!r})"


def read_crawl_output(folder: Path) -> tuple[list[Page], list[Problem]]:
    """The pages a ``covidmeet-ds crawl`` kept: ``OUTPUT/data/*.parquet``, in file order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shown = str(folder)
    if not (folder / CRAWL_SETTINGS).is_file():
        return [], [
            _problem(
                shown,
                1,
                f"not a crawl output folder (no {CRAWL_SETTINGS}): give text files, .jsonl "
                "files or the OUTPUT folder of `covidmeet-ds crawl`",
            )
        ]
    files = sorted((folder / "data").glob("*.parquet"))
    if not files:
        return [], [_problem(shown, 1, "the crawl kept no page (no data/*.parquet)")]
    pages: list[Page] = []
    problems: list[Problem] = []
    for path in files:
        name = str(path)
        try:
            data = read_regular_file(path)
        except InputError as error:
            problems.append(input_problem(name, error))
            continue
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError) as error:
            problems.append(_problem(name, 1, f"cannot be read as Parquet: {error}"))
            continue
        missing = [c for c in CRAWL_COLUMNS if c not in table.column_names]
        if missing:
            problems.append(
                _problem(name, 1, f"not a crawl output file: no column(s) {', '.join(missing)}")
            )
            continue
        for index, row in enumerate(table.select(list(CRAWL_COLUMNS)).to_pylist()):
            page, problem = _crawl_page(row, f"{name}#{index}")
            if problem is not None:
                problems.append(problem)
            elif page is not None:
                pages.append(page)
    if not pages and not problems:
        problems.append(_problem(shown, 1, "the crawl kept no page"))
    return pages, problems


def _crawl_page(row: dict[str, Any], where: str) -> tuple[Page | None, Problem | None]:
    text = row["raw_text"]
    label = _record_label(row["id"])
    if not isinstance(text, str):
        return None, _problem(where, 1, "raw_text is not a string", field_name="raw_text")
    data, problem = _encoded_text(text, where, 1, "raw_text")
    if problem is not None or data is None:
        return None, problem
    given = {"published": row["published"]} if row["published"] is not None else {}
    return Page(where, 1, where + label, data, text, given), None


# --- manifest entries -----------------------------------------------------------------------


def default_doc_id(sha256: str) -> str:
    """The doc id of a report given none: a function of its bytes."""
    return f"{DOC_ID_PREFIX}{sha256[:DOC_ID_HEX]}"


def raw_file_name(number: int, sha256: str) -> str:
    return f"{number:03d}_{sha256[:FILE_HEX]}.txt"


def next_file_number(entries: Iterable[ManifestEntry]) -> int:
    """One more than the highest ``NNN_`` prefix of the manifest's raw files (0 for none)."""
    numbers = [int(m.group(1)) for e in entries if (m := _FILE_NUMBER.match(e.file))]
    return max(numbers, default=-1) + 1


def first_line_title(text: str) -> tuple[str, int, int] | None:
    """(title, line number, length of the line) from the text's first non-blank line, cut to
    :data:`TITLE_MAX` characters; None when every line is blank."""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped:
            return stripped[:TITLE_MAX], number, len(stripped)
    return None


def script_of(text: str) -> str:
    """``traditional`` or ``simplified``, decided as normalisation flags a Traditional body."""
    from .text.normalise import normalise  # OpenCC and the cues: only when a report is added

    return "traditional" if "traditional" in normalise(text).flags else "simplified"


_OPTION_NAMES = {
    "doc_id": "--doc-id",
    "title": "--title",
    "source_url": "--source-url",
    "source_site": "--source-site",
    "published": "--published",
}


def _same_value(key: str, given: Any, option: Any) -> bool:
    if key == "published" and isinstance(given, str) and isinstance(option, date):
        return given == option.isoformat()
    return given == option


def _merged_fields(page: Page, options: AddOptions) -> tuple[dict[str, Any], list[Problem]]:
    """The page's own fields with the options filled in; an option that contradicts a value the
    input gives is a problem, never silently preferred."""
    values = dict(page.given)
    problems = []
    for key, name in _OPTION_NAMES.items():
        option = getattr(options, key)
        if option is None:
            continue
        if key in values and not _same_value(key, values[key], option):
            problems.append(
                page.problem(
                    f"the input gives {key} {values[key]!r} but {name} says {str(option)!r}", key
                )
            )
        else:
            values[key] = option
    return values, problems


def _title_problem(title: Any) -> str | None:
    if isinstance(title, str) and not title.strip():
        return "the title is blank"
    if isinstance(title, str) and len(title.splitlines()) > 1:
        return "the title is one line (a headline): it holds a line break"
    return None


def make_entry(
    page: Page, options: AddOptions, file_name: str, status: str
) -> tuple[Added | None, list[Problem]]:
    """The manifest entry of ``page``, checked by the model, or the problems that prevent it."""
    values, problems = _merged_fields(page, options)
    sha256 = sha256_bytes(page.data)
    notes = []
    if "title" not in values:
        found = first_line_title(page.text)
        if found is None:
            problems.append(page.problem("no line to take a title from: give --title"))
        else:
            title, number, length = found
            cut = f", first {TITLE_MAX} of {length} characters" if length > TITLE_MAX else ""
            notes.append(f"title from line {number}{cut}: {title}")
            values["title"] = title
    elif (why := _title_problem(values["title"])) is not None:
        problems.append(page.problem(why, "title"))
        values.pop("title")  # said: the model is not asked again
    fields = {
        "doc_id": values.get("doc_id", default_doc_id(sha256)),
        "file": file_name,
        "sha256": sha256,
        "title": values.get("title", ""),
        "source_site": values.get("source_site"),
        "source_url": values.get("source_url"),
        "script": script_of(page.text),
        "published": values.get("published"),
        "status": status,
    }
    try:
        entry = ManifestEntry.model_validate(fields)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            if item["loc"] == ("title",) and "title" not in values:
                continue  # already said: no line to take a title from, or a bad one
            key = str(item["loc"][0]) if item["loc"] else ""
            problems.append(page.problem(error_message(item), key))
        return None, problems
    if entry.published is not None and entry.published > date.today():
        problems.append(page.problem(f"published {entry.published} is in the future", "published"))
    if problems:
        return None, problems
    return Added(entry, page, tuple(notes)), []


# --- duplicates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NearDuplicate:
    page: int
    """Index of the new page."""
    other: str
    """The doc id (or, for a page of the same call, ``#index``) it duplicates most closely."""
    similarity: float
    group: str
    split: str


def _new_key(index: int) -> str:
    return f"#{index}"  # never a doc id (DOC_ID_PATTERN has no '#')


def near_duplicates(
    existing: Callable[[], Iterator[tuple[str, str]]], texts: Sequence[str]
) -> list[NearDuplicate]:
    """The new texts the split grouping puts in the group of an earlier document, each with the
    earlier document most like it.

    ``existing`` gives the corpus's ``(doc_id, raw text)`` pairs in manifest order (called again
    for the documents of the groups found, so no text is held); ``texts`` are appended after
    them, in order, exactly as the next build will group them.
    """
    from .build.splits import assign, signature, similarity

    new = [(_new_key(i), text) for i, text in enumerate(texts)]
    assignments = assign(_chain(existing(), new))
    by_key = {a.doc_id: a for a in assignments}
    joined = {
        i: by_key[key]
        for i, (key, _) in enumerate(new)
        if by_key[key].group != key  # it joined the group of an earlier document
    }
    if not joined:
        return []
    groups = {a.group for a in joined.values()}
    members = [a.doc_id for a in assignments if a.group in groups]
    wanted = set(members)
    signatures = {
        doc_id: signature(text) for doc_id, text in _chain(existing(), new) if doc_id in wanted
    }
    found = []
    for i, assignment in joined.items():
        key = _new_key(i)
        earlier = members[: members.index(key)]
        candidates = [m for m in earlier if by_key[m].group == assignment.group]
        best = max(candidates, key=lambda m: similarity(signatures[key], signatures[m]))
        score = similarity(signatures[key], signatures[best])
        found.append(NearDuplicate(i, best, score, assignment.group, assignment.split))
    return found


def _chain(*parts: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for part in parts:
        yield from part


def _duplicate_problems(
    added: Sequence[Added], existing: Sequence[ManifestEntry]
) -> tuple[list[Problem], set[int]]:
    """Exact duplicates (the same bytes) and doc ids already taken, in the corpus or the call;
    and the indices of the exact duplicates."""
    by_sha = {e.sha256: e for e in existing}
    by_id = {e.doc_id: e for e in existing}
    first_sha: dict[str, Added] = {}
    first_id: dict[str, Added] = {}
    problems: list[Problem] = []
    exact: set[int] = set()
    for index, item in enumerate(added):
        entry, page = item.entry, item.page
        if entry.sha256 in by_sha:
            other = by_sha[entry.sha256]
            exact.add(index)
            problems.append(
                page.problem(
                    f"already in the corpus: the same bytes as {other.doc_id} (raw/{other.file})"
                )
            )
            continue  # its doc id, if the default, is the same report's: nothing more to say
        if entry.sha256 in first_sha:
            exact.add(index)
            problems.append(
                page.problem(f"the same bytes as {first_sha[entry.sha256].where}, added once")
            )
        first_sha.setdefault(entry.sha256, item)
        if entry.doc_id in by_id:
            taken = f"doc_id {entry.doc_id!r} is taken by raw/{by_id[entry.doc_id].file}"
            problems.append(page.problem(taken, "doc_id"))
        elif entry.doc_id in first_id and entry.sha256 != first_id[entry.doc_id].entry.sha256:
            also = f"doc_id {entry.doc_id!r} is also given to {first_id[entry.doc_id].where}"
            problems.append(page.problem(also, "doc_id"))
        first_id.setdefault(entry.doc_id, item)
    return problems, exact


# --- the manifest's text ------------------------------------------------------------------


def _documents_node(doc: YamlDocument) -> yaml.Node:
    for key, value in doc.root.value:
        if key.value == "documents":
            return value
    raise InputError("the manifest has no 'documents' list")


def _item_prefix(text: str, item: yaml.Node) -> str:
    """The text before the first item's first key on its line (``"  - "``)."""
    start = item.start_mark.index
    prefix = text[text.rfind("\n", 0, start) + 1 : start]
    if not re.fullmatch(r" *- +", prefix):
        raise InputError(
            "cannot tell how the documents list is indented: write each entry as `- doc_id: ...`",
            *doc_position(text, start),
        )
    return prefix


def doc_position(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


_PLAIN_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def yaml_scalar(value: Any) -> str:
    """One value as a YAML scalar on one line, read back as the same value."""
    if value is None:
        return "null"
    if isinstance(value, str) and _PLAIN_DAY.fullmatch(value):
        return value  # a day stays a string for the corpus's strict loader, as in the seeds
    plain = yaml.safe_dump(value, allow_unicode=True, width=float("inf"))
    plain = plain.removesuffix("\n...\n").removesuffix("\n")
    if "\n" not in plain and _reads_back(plain, value):
        return plain
    # PyYAML's choice of plain or quoted follows YAML 1.1; the corpus reads strictly (`12e4`
    # is a number, U+0085 breaks a line): double quotes with escapes read back in every case
    quoted = yaml.safe_dump(
        value, allow_unicode=False, width=float("inf"), default_style='"'
    ).removesuffix("\n")
    if "\n" in quoted or not _reads_back(quoted, value):
        raise InputError(f"{value!r} cannot be written as a one-line YAML value")
    return quoted


def _reads_back(scalar: str, value: Any) -> bool:
    try:
        data = parse_yaml(f"value: {scalar}\n").data
    except InputError:
        return False
    return data == {"value": value}


def entry_lines(entry: ManifestEntry, prefix: str) -> list[str]:
    """The entry as the manifest's lines, keys in the model's order."""
    indent = " " * len(prefix)
    values = entry.model_dump(mode="json")
    return [
        f"{prefix if i == 0 else indent}{key}: {yaml_scalar(value)}"
        for i, (key, value) in enumerate(values.items())
    ]


def appended_manifest(text: str, entries: Sequence[ManifestEntry]) -> str:
    """The manifest's text with ``entries`` appended to its list, everything else unchanged.

    Raises :class:`InputError` when the result would not read back as the old entries followed
    by ``entries`` (so a manifest written by hand in an unusual layout is refused, never
    damaged)."""
    doc = parse_yaml(text)
    old = Manifest.model_validate(doc.data).documents
    node = _documents_node(doc)
    newline = "\r\n" if "\r\n" in text else "\n"
    if isinstance(node, yaml.SequenceNode) and node.flow_style and not node.value:
        # `documents: []`: the list becomes a block list
        start, end = node.start_mark.index, node.end_mark.index
        text = text[:start].rstrip(" ") + text[end:]
        prefix = "  - "
    elif isinstance(node, yaml.SequenceNode) and not node.flow_style:
        prefix = _item_prefix(text, node.value[0])
    else:
        raise InputError(
            "the documents list is written in flow style ([...]): write it as a block list "
            "(`- doc_id: ...`, one key a line)",
            *doc_position(text, node.start_mark.index),
        )
    if text and not text.endswith("\n"):
        text += newline
    lines = [line for entry in entries for line in entry_lines(entry, prefix)]
    result = text + newline.join(lines) + newline
    try:
        written = Manifest.model_validate(parse_yaml(result).data).documents
    except ValidationError as error:
        raise InputError(f"the new entries would not read back: {error}") from None
    if written != [*old, *entries]:
        raise InputError("the new entries would not read back as written")
    return result


# --- adding -------------------------------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def _inputs_in_raw(layout: Layout, paths: Sequence[Path]) -> list[Problem]:
    return [
        _problem(
            str(path),
            1,
            "is inside raw/: add copies the report into raw/ itself; keep the file elsewhere "
            "and give that path",
        )
        for path in paths
        if _inside(path, layout.raw_dir)
    ]


def _per_report_option_problems(pages: Sequence[Page], options: AddOptions) -> list[Problem]:
    named = [_OPTION_NAMES[key] for key in PER_REPORT_OPTIONS if getattr(options, key) is not None]
    if named and len(pages) != 1:
        return [
            Problem(
                named[0],
                1,
                1,
                "",
                f"{', '.join(named)} describe(s) one report, but {len(pages)} are given: "
                "put each report's values in a JSON Lines record instead",
            )
        ]
    return []


def plan_additions(
    root: Path, paths: Sequence[Path], options: AddOptions, status: str = "unannotated"
) -> AddResult:
    """Read and check everything ``add`` would write, writing nothing."""
    from .validate import validate_corpus

    layout = Layout(root)
    result = AddResult()
    result.problems = _inputs_in_raw(layout, paths)
    if result.problems:
        return result
    corpus_problems = validate_corpus(root)
    if corpus_problems:
        return AddResult(problems=corpus_problems, corpus_invalid=True)
    pages, problems = read_inputs(paths, options)
    problems += _per_report_option_problems(pages, options) if not problems else []
    existing = list(iter_manifest(layout))
    number = next_file_number(existing)
    added: list[Added] = []
    for index, page in enumerate(pages):
        file_name = raw_file_name(number + index, sha256_bytes(page.data))
        item, entry_problems = make_entry(page, options, file_name, status)
        problems += entry_problems
        if item is not None:
            added.append(item)
    if problems:
        return AddResult(problems=problems)
    problems, exact = _duplicate_problems(added, existing)
    problems += _raw_file_problems(layout, added)
    for near in near_duplicates(lambda: _corpus_texts(layout), [a.text for a in added]):
        if near.page in exact:
            continue  # refused already, as the same bytes
        item = added[near.page]
        other = _shown_other(near.other, added, existing)
        if options.allow_near_duplicate:
            added[near.page] = replace(
                item,
                notes=(
                    *item.notes,
                    f"near-duplicate of {other} (similarity {near.similarity:.2f}): "
                    f"joins its group {near.group!r}, split {near.split}",
                ),
            )
            continue
        problems.append(
            item.page.problem(
                f"near-duplicate of {other}: estimated similarity {near.similarity:.2f}, at or "
                f"above the split grouping's {_near_threshold()} (the same report re-posted, "
                "re-scripted or spun); pass --allow-near-duplicate to add it to that group"
            )
        )
    return AddResult(added=[] if problems else added, problems=problems)


def _near_threshold() -> float:
    from .build.splits import NEAR_DUPLICATE

    return NEAR_DUPLICATE


def _shown_other(key: str, added: Sequence[Added], existing: Sequence[ManifestEntry]) -> str:
    if key.startswith("#"):
        return added[int(key[1:])].where
    file = next(e.file for e in existing if e.doc_id == key)
    return f"{key} (raw/{file})"


def _corpus_texts(layout: Layout) -> Iterator[tuple[str, str]]:
    for entry in iter_manifest(layout):
        yield entry.doc_id, raw_text(layout, entry)


def _raw_file_problems(layout: Layout, added: Sequence[Added]) -> list[Problem]:
    return [
        item.page.problem(f"raw/{item.entry.file} already exists; it is not in the manifest")
        for item in added
        if os.path.lexists(layout.raw_dir / item.entry.file)
    ]


def _create_file(path: Path, data: bytes) -> None:
    """Write a new file (never replacing one), with the permissions the umask gives."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@dataclass
class _Written:
    """What a call has written so far, to be undone on any problem."""

    created: list[Path] = field(default_factory=list)
    manifest_before: str | None = None

    def undo(self, layout: Layout) -> None:
        if self.manifest_before is not None and manifest_text(layout) != self.manifest_before:
            write_text_atomic(layout.manifest, self.manifest_before)
        for path in reversed(self.created):
            path.unlink(missing_ok=True)


DraftWriter = Callable[[Added], tuple[Path, str]]
"""Given an added document, the path and text of its draft annotation; raises
:class:`DraftError` when there can be none."""


class DraftError(Exception):
    """A document's draft cannot be made (a rule failed, the contract refuses its output)."""


def rule_draft_writer(root: Path, annotated_by: str) -> DraftWriter:
    """Drafts pre-filled from the rules of this version (``annotations/draft/<doc_id>.yaml``).

    The rules run on the raw text with the manifest's publication date, exactly as ``annotate``
    runs them; for a page of a crawl's output that is the annotation the crawl wrote, unless the
    rules or the date changed since (the crawl's own annotation is not reused: its doc_id is the
    page id, and its rule versions may be older)."""
    layout = Layout(root)

    def write(item: Added) -> tuple[Path, str]:
        from .annotate import annotate_text
        from .drafts import draft_from_rules, draft_yaml
        from .rules.registry import RuleError
        from .validate import evidence_problem, iter_evidence

        entry = item.entry
        path = layout.annotation_path("draft", entry.doc_id)
        for folder in ("draft", "hand"):
            taken = layout.annotation_path(folder, entry.doc_id)
            if os.path.lexists(taken):
                raise DraftError(f"{layout.relative(taken)} already exists")
        try:
            rule = annotate_text(item.text, doc_id=entry.doc_id, published=entry.published)
            draft = draft_from_rules(rule, annotated_by)
        except (RuleError, ValidationError) as error:
            raise DraftError(f"no draft from the rules: {error}") from None
        for loc, evidence in iter_evidence(draft):
            message = evidence_problem(item.text, f"raw/{entry.file}", evidence)
            if message is not None:
                raise DraftError(f"the draft's {'.'.join(map(str, loc))}: {message}")
        return path, draft_yaml(draft)

    return write


def add_reports(
    root: Path,
    paths: Sequence[Path],
    options: AddOptions,
    draft: DraftWriter | None = None,
) -> AddResult:
    """Add the reports of ``paths`` to the corpus at ``root``: all of them, or none.

    Returns the documents added, or the problems that stopped the call (then nothing was
    written). With ``draft``, each document also gets the draft annotation it returns, and the
    manifest status ``draft``."""
    layout = Layout(root)
    plan = plan_additions(root, paths, options, "draft" if draft else "unannotated")
    if plan.problems:
        return plan
    drafts: list[tuple[Path, str]] = []
    problems = []
    for index, item in enumerate(plan.added if draft else []):
        try:
            path, text = draft(item)
        except DraftError as error:
            problems.append(item.page.problem(str(error)))
            continue
        drafts.append((path, text))
        plan.added[index] = replace(item, draft=layout.relative(path))
    if problems:
        return AddResult(problems=problems)
    written = _Written()
    try:
        before = manifest_text(layout)
        after = appended_manifest(before, [item.entry for item in plan.added])
        for item in plan.added:
            path = layout.raw_dir / item.entry.file
            _create_file(path, item.page.data)
            written.created.append(path)
        for path, text in drafts:
            path.parent.mkdir(parents=True, exist_ok=True)
            _create_file(path, text.encode("utf-8"))
            written.created.append(path)
        written.manifest_before = before
        write_text_atomic(layout.manifest, after)
        from .validate import validate_corpus

        problems = validate_corpus(root)
    except InputError as error:
        written.undo(layout)
        return AddResult(problems=[input_problem(layout.relative(layout.manifest), error)])
    except OSError as error:  # a full disk, a read-only folder: named, and nothing is left
        written.undo(layout)
        where = layout.relative(Path(error.filename)) if error.filename else str(root)
        reason = error.strerror or str(error)
        return AddResult(problems=[_problem(where, 1, f"cannot be written: {reason}")])
    except BaseException:
        written.undo(layout)
        raise
    if problems:
        written.undo(layout)
        return AddResult(problems=problems)
    return plan


__all__ = [
    "AddOptions",
    "AddResult",
    "Added",
    "DraftError",
    "add_reports",
    "appended_manifest",
    "default_doc_id",
    "first_line_title",
    "near_duplicates",
    "plan_additions",
    "raw_file_name",
    "read_inputs",
    "rule_draft_writer",
    "script_of",
]
