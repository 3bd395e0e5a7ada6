"""Pre-annotate a whole crawl on datatrove: read → keep meeting reports → annotate → Parquet.

``covidmeet-ds crawl`` builds one datatrove pipeline and runs it with the Local, Slurm or Ray
executor; the steps are the same on every executor:

* :class:`CrawlReader` reads JSON Lines (optionally gzip/zstd-compressed) or Parquet. With at
  least as many input files as tasks, each task reads whole files (datatrove's sharding); with
  fewer files, every task reads every file and keeps every ``tasks``-th record, so one big file
  still spreads over all tasks. A record that gives no page (:mod:`.crawl_records`) and a
  damaged file are counted, named in the task log and skipped: they never fail a task.
* :class:`MeetingReportFilter` drops pages that are not reports of a COVID-19 prevention meeting
  held by a Chinese party or government body, with a reason (:mod:`.rules.reports`); dropped pages
  can be written aside (``dropped/``) for audit.
* :class:`AnnotateStep` runs exactly the normalisation and rules of ``covidmeet-ds annotate``.
* :func:`annotation_writer` writes Parquet with the explicit Arrow schema of
  :func:`.build.features.crawl_features`, derived from the Pydantic models like the build's
  (computed where the crawl starts; the tasks need not import ``datasets``).

Before any work the crawl refuses an input with no records, or whose records all lack a field
an option names ("fields seen: …"), and an OUTPUT that is not a folder or lies inside the
input. Output folder: ``data/*.parquet`` (the annotated pages), ``dropped/*.jsonl.gz`` (with
``--audit-dropped``), ``logs/`` (datatrove's completions, stats and task logs, and
``duplicate_ids.tsv``) and ``crawl.json`` (the settings and each input file's sha256; a rerun
with other settings or other input content is refused, a rerun with the same ones skips
finished tasks). This module needs the ``scale`` extra (datatrove); the core package never
imports it.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from datatrove.data import Document, DocumentsPipeline
from datatrove.executor.base import PipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.pipeline.writers import JsonlWriter, ParquetWriter
from datatrove.utils.logging import logger
from fsspec.utils import infer_compression
from pyarrow import ArrowException

from . import __version__
from .annotate import annotate_context, doc_id_for
from .crawl_records import (
    ID_INVALID,
    ID_MISSING,
    SKIP_REASONS,
    SURROGATES_REPLACED,
    Skip,
    count_fields,
    fields_listed,
    file_sha256,
    files_changed,
    json_ready_fields,
    parse_json_line,
    record_page,
    shown,
    stat_key,
)
from .encoding import LabelPlan, encode_row
from .rules.context import ReportContext
from .rules.registry import RuleError, drop_reason, rule_versions
from .rules.reports import DROP_REASONS, prefilter
from .text.normalise import normalise

Executor = Literal["local", "slurm", "ray"]
InputFormat = Literal["jsonl", "parquet"]

SETTINGS_FILE = "crawl.json"
DATA_DIR = "data"
DROPPED_DIR = "dropped"
LOGS_DIR = "logs"
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".json", ".json.gz", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)

RULE_FAILED = "rule_failed"
"""The drop reason of a page on which the report filter raised (logged with the page's id)."""
_CONTEXT = "covidmeet_context"
"""Metadata key: the filter hands its normalised text and meeting spans to the annotate step
(in the same process; never written)."""
_ANNOTATION = "covidmeet_annotation"
_PUBLISHED = "covidmeet_published"
_LEFT_OUT = "covidmeet_left_out"
"""Metadata key of a dropped page: the fields its audit row leaves out, and why."""


class CrawlError(Exception):
    """The crawl cannot start: bad input, or an output folder made with other settings."""


# --- reading ----------------------------------------------------------------------------------

FILE_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, ArrowException)
"""What reading a damaged file raises (bad or truncated gzip, not Parquet, a broken page): the
rest of that file is skipped, counted as an unreadable file and named."""
RECORDS_SAMPLED = 1000
"""Records read to list the fields they have when a finished crawl read no page."""


def input_files(path: Path) -> tuple[Path, list[str], InputFormat]:
    """The folder to read from, the input files in it (sorted, relative) and their format."""
    if not path.exists():
        raise CrawlError(f"{path}: no such file or folder")
    if path.is_file():
        folder, names = path.parent, [path.name]
    elif path.is_dir():
        folder = path
        names = sorted(
            p.relative_to(path).as_posix()
            for p in path.rglob("*")
            if p.is_file() and p.name.endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES)
        )
        if not names:
            raise CrawlError(f"{path}: no *.jsonl[.gz|.zst] or *.parquet files in this folder")
    else:
        raise CrawlError(f"{path}: not a regular file or a folder")
    kinds = {"parquet" if n.endswith(PARQUET_SUFFIXES) else "jsonl" for n in names}
    if len(kinds) > 1:
        raise CrawlError(f"{path}: mixes JSON Lines and Parquet files; crawl one kind at a time")
    if not names[0].endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES):
        raise CrawlError(f"{path}: not JSON Lines (.jsonl) or Parquet (.parquet)")
    for name in names:
        if name.endswith(".zst") and infer_compression(name) is None:
            raise CrawlError(f"{folder / name}: reading .zst files needs `pip install zstandard`")
    return folder, names, kinds.pop()  # type: ignore[return-value]


def check_output(output: Path, input_path: Path) -> None:
    """OUTPUT must be a folder (or not exist yet) outside the input folder."""
    if output.is_symlink() and not output.exists():
        raise CrawlError(f"{output}: a symbolic link to nothing; OUTPUT must be a folder")
    if output.exists() and not output.is_dir():
        raise CrawlError(f"{output}: not a folder (OUTPUT is the folder the crawl writes)")
    if input_path.is_dir():
        source, target = input_path.resolve(), output.resolve()
        if target == source or source in target.parents:
            raise CrawlError(
                f"{output} is inside the input folder {input_path}: the crawl would read its "
                "own output; choose an OUTPUT outside it"
            )


def shard(files: list[str], rank: int, world_size: int) -> tuple[list[str], int, int]:
    """Task ``rank``'s files and the record stride within them: whole files when there are
    enough of them, otherwise every ``world_size``-th record of every file."""
    if len(files) >= world_size:
        return files[rank::world_size], 0, 1
    return files, rank, world_size


_ISO_DAY = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[Tt ].*)?", re.ASCII | re.DOTALL)
"""``YYYY-MM-DD``, alone or followed by a time: not the week dates and basic forms that
``date.fromisoformat`` also takes (``2020-W10-1``, ``20200302``)."""


def published_date(value: Any) -> date | None:
    """A publication date from a crawl field: a date, a datetime, or an ISO string (its day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    day = _ISO_DAY.fullmatch(value) if isinstance(value, str) else None
    if day is None:
        return None
    try:
        return date.fromisoformat(day.group(1))
    except ValueError:  # 2020-02-30
        return None


def _jsonl_records(handle: Any, offset: int, stride: int) -> Iterator[tuple[int, dict | Skip]]:
    """(line index, record or skip) for every ``stride``-th line from ``offset``; blank lines
    are no records."""
    for index, line in enumerate(handle):
        if index % stride == offset and line.strip():
            yield index, parse_json_line(line, first_line=index == 0)


def _row_or_skip(batch: Any, at: int) -> dict | Skip:
    """One Parquet row as a dict, or which fields Python cannot take (bytes that are not UTF-8
    in a string column, a timestamp beyond year 9999)."""
    row, bad, invalid_utf8 = {}, [], False
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        try:
            row[name] = column[at].as_py()
        except (ValueError, OverflowError) as error:  # UnicodeDecodeError is a ValueError
            invalid_utf8 |= isinstance(error, UnicodeDecodeError)
            bad.append(f"{name!r} ({error})")
    if not bad:
        return row
    return Skip("invalid_utf8" if invalid_utf8 else "bad_value", "field " + ", ".join(bad))


def _parquet_records(
    parquet: Any, offset: int, stride: int, batch_size: int
) -> Iterator[tuple[int, dict | Skip]]:
    index = 0
    for batch in parquet.iter_batches(batch_size=batch_size):
        first = (offset - index) % stride
        try:
            rows: list[dict | Skip] = batch.to_pylist()
        except (ValueError, OverflowError):  # some row holds a bad value: find it, keep the rest
            rows = [_row_or_skip(batch, at) for at in range(batch.num_rows)]
        for at in range(first, len(rows), stride):
            yield index + at, rows[at]
        index += batch.num_rows


class CrawlReader(BaseDiskReader):
    """JSON Lines or Parquet records → datatrove documents (text, id, remaining fields).

    A record that gives no page is counted (``skipped_<reason>``) and named in the task log; a
    damaged file is counted (``unreadable_files``), named, and the task goes on."""

    name = "📖 crawl reader"

    def __init__(
        self,
        folder: str,
        files: list[str],
        input_format: InputFormat,
        text_key: str = "text",
        id_key: str = "id",
        batch_size: int = 1000,
    ):
        super().__init__(folder, text_key=text_key, id_key=id_key, recursive=False)
        self.files = files
        self.input_format = input_format
        self.batch_size = batch_size
        self._offset, self._stride = 0, 1
        self._ids_missing: set[str] = set()
        """Files whose first record without an id was logged (a crawl with no ids at all is
        common: the others are counted, not logged)."""

    def _document(self, record: dict | Skip, filepath: str, index: int) -> Document | None:
        where = f"{filepath}:{index + 1}" if self.input_format == "jsonl" else f"{filepath}#{index}"
        page = (
            record
            if isinstance(record, Skip)
            else record_page(record, self.text_key, self.id_key, f"{filepath}/{index}")
        )
        if isinstance(page, Skip):
            self.stat_update(f"skipped_{page.reason}")
            logger.warning(f"{where}: {page.detail}; record skipped ({page.reason})")
            return None
        for note in page.notes:
            self.stat_update(note)
            if note == ID_INVALID or (note == ID_MISSING and filepath not in self._ids_missing):
                further = " (further records of this file without one are counted only)"
                logger.warning(
                    f"{where}: no usable {self.id_key!r} ({note}); id {shown(page.id)}"
                    + (further if note == ID_MISSING else "")
                )
                if note == ID_MISSING:
                    self._ids_missing.add(filepath)
        page.metadata.setdefault("file_path", self.data_folder.resolve_paths(filepath))
        return Document(text=page.text, id=page.id, metadata=page.metadata)

    def _records(self, filepath: str) -> Iterator[tuple[int, dict | Skip]]:
        if self.input_format == "parquet":
            import pyarrow.parquet as pq

            with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as parquet:
                yield from _parquet_records(parquet, self._offset, self._stride, self.batch_size)
        else:
            with self.data_folder.open(filepath, "rb", compression="infer") as f:
                yield from _jsonl_records(f, self._offset, self._stride)

    def read_file(self, filepath: str) -> DocumentsPipeline:
        records, last = self._records(filepath), None
        while True:
            try:  # only reading the file is guarded: a failure elsewhere is no damaged file
                index, record = next(records)
            except StopIteration:
                return
            except FILE_ERRORS as error:
                self.stat_update("unreadable_files")
                after = "at its start" if last is None else f"after record {last}"
                logger.error(
                    f"{filepath}: unreadable {after} ({type(error).__name__}: {error}); "
                    "the rest of this file is skipped"
                )
                return
            last = index
            document = self._document(record, filepath, index)
            if document is not None:
                yield document

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        files, self._offset, self._stride = shard(self.files, rank, world_size)
        for document in self.read_files_shard(files):
            self.update_doc_stats(document)
            yield document


@dataclass
class FieldScan:
    """The fields of the records read before the crawl starts (with how many records have a
    non-null value in each), and what was read."""

    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    not_records: int = 0
    """Lines that are not JSON objects."""
    unreadable: list[str] = field(default_factory=list)
    """Files that could not be read to their end, with the error (the crawl counts them too)."""


def scan_fields(
    folder: Path, files: list[str], fmt: InputFormat, wanted: set[str], limit: int | None = None
) -> FieldScan:
    """Read records until every field in ``wanted`` was seen (all of them when ``wanted`` is
    empty), or ``limit`` records. Parquet answers from the schemas: a column counts once per
    file."""
    import pyarrow.parquet as pq
    from datatrove.io import get_datafolder

    data_folder = get_datafolder(str(folder.resolve()))
    scan = FieldScan()
    for name in files:
        try:
            if fmt == "parquet":
                with data_folder.open(name, "rb") as f, pq.ParquetFile(f) as parquet:
                    scan.records += parquet.metadata.num_rows
                    count_fields([dict.fromkeys(parquet.schema_arrow.names, True)], scan.counts)
                continue
            with data_folder.open(name, "rb", compression="infer") as f:
                for _, record in _jsonl_records(f, 0, 1):
                    if isinstance(record, Skip):
                        scan.not_records += 1
                        continue
                    scan.records += 1
                    count_fields([record], scan.counts)
                    if (wanted and wanted <= scan.counts.keys()) or (
                        limit is not None and scan.records >= limit
                    ):
                        return scan
        except FILE_ERRORS as error:
            scan.unreadable.append(f"{name} ({type(error).__name__}: {error})")
    return scan


def check_fields(settings: CrawlSettings, folder: Path, files: list[str], fmt: InputFormat) -> None:
    """Refuse, before any work, an input with no records, or whose records lack a field the
    options name (the text field always; the id and date fields when given)."""
    options = {settings.text_key: "--text-key"}
    for key, option in ((settings.id_key, "--id-key"), (settings.published_key, "--published-key")):
        if key in settings.required_keys:
            options.setdefault(key, option)
    scan = scan_fields(folder, files, fmt, set(options))
    where = settings.input
    if scan.records == 0 and scan.not_records == 0 and not scan.unreadable:
        raise CrawlError(f"{where}: holds no records ({len(files)} file(s), all empty)")
    missing = [key for key in options if key not in scan.counts]
    if missing:
        named = ", ".join(f"{key!r} ({options[key]})" for key in missing)
        unread = f"; {scan.not_records} line(s) are not JSON objects" if scan.not_records else ""
        if scan.unreadable:
            unread += "; unreadable: " + ", ".join(scan.unreadable)
        raise CrawlError(
            f"{where}: no record has the field {named}; fields seen in {scan.records} "
            f"record(s): {fields_listed(scan.counts)}{unread}"
        )


# --- filtering and annotating ------------------------------------------------------------------


class MeetingReportFilter(BaseFilter):
    """Keep reports of COVID-19 prevention meetings held by a Chinese party or government body;
    drop the rest with a reason from :data:`.rules.reports.DROP_REASONS`."""

    name = "🗞 meeting reports"

    def keep(self, doc: Document) -> bool | tuple[bool, str]:
        reason = prefilter(doc.text)
        if reason is not None:
            return False, reason
        ctx = ReportContext.of(normalise(doc.text))
        reason = drop_reason(ctx)
        if reason is not None:
            return False, reason
        doc.metadata[_CONTEXT] = ctx
        return True

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        try:
            kept = self.keep(doc)
        except Exception as error:  # the boundary: counted, named; the page is dropped
            if isinstance(error, RuleError):
                self.stat_update(f"failed_{error.rule}")
            logger.warning(
                f"{shown(doc.id)}: the report filter failed ({type(error).__name__}: {error})"
            )
            kept = False, RULE_FAILED
        if kept is not True and self.exclusion_writer is not None:
            self.make_auditable(doc)
        return kept

    def make_auditable(self, doc: Document) -> None:
        """Leave in ``doc.metadata`` only what JSON holds; name and count the fields left out
        (their values are not written to the audit; the page is)."""
        fields = {k: v for k, v in doc.metadata.items() if not k.startswith("covidmeet_")}
        ready, left_out = json_ready_fields(fields)
        doc.metadata = ready | ({_LEFT_OUT: left_out} if left_out else {})
        if left_out:
            self.stat_update("audit_fields_left_out", value=len(left_out))
            named = ", ".join(f"'{shown(k, 40)}' ({why})" for k, why in left_out.items())
            logger.warning(f"{shown(doc.id)}: not written to the audit, no JSON form: {named}")


class AnnotateStep(PipelineStep):
    """Annotate each document exactly as ``covidmeet-ds annotate --text`` does."""

    name = "✍ rule annotation"
    type = "✍ - ANNOTATE"

    def __init__(self, published_key: str = "published"):
        super().__init__()
        self.published_key = published_key

    def annotate(self, doc: Document) -> Document:
        published = published_date(doc.metadata.get(self.published_key))
        if published is None and doc.metadata.get(self.published_key) not in (None, ""):
            self.stat_update("unparsed_published")
        filtered: ReportContext | None = doc.metadata.pop(_CONTEXT, None)
        ctx = (
            replace(filtered, published=published)
            if filtered is not None
            else ReportContext.from_raw(doc.text, published)
        )
        annotation = annotate_context(ctx, doc_id=doc_id_for(doc.id, doc.text))
        doc.metadata[_ANNOTATION] = annotation
        doc.metadata[_PUBLISHED] = published
        self.stat_update("meetings", value=len(annotation.meetings))
        self.stat_update(
            "requirements", value=sum(len(m.requirements) for m in annotation.meetings)
        )
        return doc

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
        for doc in data:
            try:
                with self.track_time():
                    self.annotate(doc)
            except Exception as error:  # the boundary: counted, named, reported in the summary
                self.stat_update("failed")
                if isinstance(error, RuleError):
                    self.stat_update(f"failed_{error.rule}")
                logger.warning(f"{shown(doc.id)}: not annotated ({type(error).__name__}: {error})")
                continue
            self.stat_update("annotated")
            yield doc


# --- writing ----------------------------------------------------------------------------------


def crawl_row(doc: Document) -> dict[str, Any]:
    """The decoded output row of an annotated document (plain values, class labels as names)."""
    return {
        "id": doc.id,
        "published": doc.metadata[_PUBLISHED],
        "raw_text": doc.text,
        "annotation": doc.metadata[_ANNOTATION].model_dump(mode="python"),
    }


class AnnotationWriter(ParquetWriter):
    """Parquet of annotated pages, one file per task, with the declared (not inferred) schema.

    The schema and the label plan are computed once by the caller (``datasets`` is not needed
    where the tasks run)."""

    name = "📒 annotated pages"

    def __init__(self, folder: str, schema: Any, labels: dict[str, LabelPlan]):
        super().__init__(
            folder,
            output_filename="${rank}.parquet",
            compression="zstd",
            adapter=_encoded_row,
            schema=schema,
        )
        self.labels = labels


def _encoded_row(writer: AnnotationWriter, doc: Document) -> dict[str, Any]:
    return encode_row(crawl_row(doc), writer.labels)


def annotation_writer(folder: str) -> AnnotationWriter:
    """The writer of the crawl's output, with the Arrow schema of :func:`crawl_features`."""
    from .build.features import CRAWL_SHAPES, crawl_features, label_plan

    return AnnotationWriter(folder, crawl_features().arrow_schema, label_plan(CRAWL_SHAPES))


def _dropped_row(_writer: Any, doc: Document) -> dict[str, Any]:
    """The audit row: the record's other fields under ``metadata`` (as datatrove's writers put
    them; a field named ``id`` or ``reason`` cannot pass for the page's), made JSON-ready by
    :meth:`MeetingReportFilter.make_auditable`."""
    row = {
        "id": doc.id,
        "reason": doc.metadata.get("filter_reason"),
        "text": doc.text,
        "metadata": {
            key: value
            for key, value in doc.metadata.items()
            if key != "filter_reason" and not key.startswith("covidmeet_")
        },
    }
    if _LEFT_OUT in doc.metadata:
        row["left_out"] = doc.metadata[_LEFT_OUT]
    return row


def dropped_writer(folder: str) -> JsonlWriter:
    """Dropped pages with their reason, for audit."""
    return JsonlWriter(
        folder, output_filename="${rank}.jsonl.gz", compression="gzip", adapter=_dropped_row
    )


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterOptions:
    """What a task asks of a Slurm or Ray cluster."""

    cpus_per_task: int = 1
    mem_per_cpu_gb: float = 2
    partition: str | None = None
    time: str = "04:00:00"
    env_command: str | None = None
    sbatch_args: dict[str, str] = field(default_factory=dict)
    ray_address: str | None = None


@dataclass(frozen=True)
class CrawlSettings:
    input: Path
    output: Path
    text_key: str = "text"
    id_key: str = "id"
    published_key: str = "published"
    tasks: int = 1
    workers: int = 1
    executor: Executor = "local"
    audit_dropped: bool = False
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    required_keys: tuple[str, ...] = ()
    """Fields some record must have, besides the text field (the id and date fields the user
    named): the crawl is refused otherwise."""


FILE_STATS = "file_stats"
"""crawl.json key: each input file's :func:`.crawl_records.stat_key` when it was hashed; an
unchanged key spares hashing the file again on a resume (not compared)."""


def input_digests(
    folder: Path, files: list[str], known: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, list[int]]]:
    """Each input file's size and sha256, and its stat key. A file whose stat key is the one in
    ``known`` (a previous run's ``file_stats`` and ``files``) keeps its recorded digest."""
    stats = {name: stat_key(folder / name) for name in files}
    recorded_files, recorded_stats = known.get("files"), known.get(FILE_STATS)
    recorded_files = recorded_files if isinstance(recorded_files, dict) else {}
    recorded_stats = recorded_stats if isinstance(recorded_stats, dict) else {}

    def digest(name: str) -> dict[str, Any]:
        recorded = recorded_files.get(name)
        if recorded_stats.get(name) == stats[name] and isinstance(recorded, dict):
            return recorded
        try:
            return {"bytes": stats[name][0], "sha256": file_sha256(folder / name)}
        except OSError as error:
            raise CrawlError(f"{folder / name}: unreadable ({error.strerror or error})") from error

    with ThreadPoolExecutor(max_workers=min(8, len(files))) as pool:
        digests = dict(zip(files, pool.map(digest, files), strict=True))
    return digests, stats


def _fingerprint(
    settings: CrawlSettings, folder: Path, digests: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """What the output depends on: a rerun must match it to resume."""
    return {
        "input": str(folder.resolve()),
        "files": digests,
        "text_key": settings.text_key,
        "id_key": settings.id_key,
        "published_key": settings.published_key,
        "tasks": settings.tasks,
        "audit_dropped": settings.audit_dropped,
        "covidmeet_ds": __version__,
        "rules": rule_versions(),
    }


def previous_settings(output: Path) -> dict[str, Any] | None:
    """The settings an earlier run recorded in OUTPUT, if there are any."""
    path = output / SETTINGS_FILE
    if not path.is_file():
        return None
    try:
        before = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:  # ValueError: not JSON or UTF-8
        raise CrawlError(f"{path}: unreadable ({error}); use a new OUTPUT folder") from error
    if not isinstance(before, dict):
        raise CrawlError(f"{path}: not a crawl's settings; use a new OUTPUT folder")
    return before


def _check_settings(
    output: Path, fingerprint: dict[str, Any], before: dict[str, Any] | None, stats: dict
) -> None:
    """Resume only a crawl of the same input content with the same settings; start a new one
    only in a new or empty folder (and record its settings)."""
    if before is not None:
        before = {k: v for k, v in before.items() if k != FILE_STATS}
        differ = sorted(
            k for k in fingerprint.keys() | before.keys() if before.get(k) != fingerprint.get(k)
        )
        if differ == ["files"]:
            changes = files_changed(before.get("files"), fingerprint["files"])
            raise CrawlError(
                f"{output} holds a crawl of other input: {'; '.join(changes)}. Resume with the "
                "input the crawl started with, or use a new OUTPUT folder"
            )
        if differ:
            raise CrawlError(
                f"{output} holds a crawl made with other settings ({', '.join(differ)} differ); "
                "resume with the same input and options, or use a new OUTPUT folder"
            )
        return
    if output.exists() and any(output.iterdir()):
        raise CrawlError(f"{output} is not empty and holds no {SETTINGS_FILE}; use a new folder")
    text = json.dumps(
        fingerprint | {FILE_STATS: stats}, ensure_ascii=False, indent=2, sort_keys=True
    )
    path = output / SETTINGS_FILE
    tmp = path.with_suffix(".json.tmp")
    try:
        output.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as error:
        raise CrawlError(f"{output}: cannot write the crawl's settings ({error})") from error


def pipeline(settings: CrawlSettings, folder: Path, files: list[str], fmt: InputFormat) -> list:
    """The crawl's datatrove steps, the same for every executor."""
    output = settings.output.resolve()
    audit = dropped_writer(str(output / DROPPED_DIR)) if settings.audit_dropped else None
    return [
        CrawlReader(str(folder.resolve()), files, fmt, settings.text_key, settings.id_key),
        MeetingReportFilter(exclusion_writer=audit),
        AnnotateStep(settings.published_key),
        annotation_writer(str(output / DATA_DIR)),
    ]


def _default_env_command() -> str | None:
    if sys.prefix != sys.base_prefix:  # running from a virtual environment: jobs use it too
        return f"source {Path(sys.prefix) / 'bin' / 'activate'}"
    return None


def make_executor(settings: CrawlSettings, steps: list) -> PipelineExecutor:
    logs = str((settings.output / LOGS_DIR).resolve())
    cluster = settings.cluster
    if settings.executor == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(
            steps, tasks=settings.tasks, workers=settings.workers, logging_dir=logs
        )
    if settings.executor == "slurm":
        from datatrove.executor import SlurmPipelineExecutor

        if not cluster.partition:
            raise CrawlError("--executor slurm needs --partition")
        return SlurmPipelineExecutor(
            steps,
            tasks=settings.tasks,
            workers=settings.workers,
            time=cluster.time,
            partition=cluster.partition,
            cpus_per_task=cluster.cpus_per_task,
            mem_per_cpu_gb=math.ceil(cluster.mem_per_cpu_gb),  # Slurm takes whole GB here
            job_name="covidmeet-crawl",
            env_command=cluster.env_command or _default_env_command(),
            sbatch_args=dict(cluster.sbatch_args),
            logging_dir=logs,
        )
    from datatrove.executor import RayPipelineExecutor

    return RayPipelineExecutor(
        steps,
        tasks=settings.tasks,
        workers=settings.workers,
        logging_dir=logs,
        cpus_per_task=cluster.cpus_per_task,
        mem_per_cpu_gb=cluster.mem_per_cpu_gb,
    )


def start_ray(address: str | None) -> None:
    """Connect to a Ray cluster (``address``, or ``RAY_ADDRESS``) or start a local one."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no telemetry calls home
    import ray

    if not ray.is_initialized():
        ray.init(
            address=address or os.environ.get("RAY_ADDRESS"),
            include_dashboard=False,
            log_to_driver=False,
        )


def completed_tasks(output: Path) -> int:
    completions = output / LOGS_DIR / "completions"
    return sum(1 for _ in completions.iterdir()) if completions.is_dir() else 0


class _TaskProgress:
    """A bar of finished tasks, polled from datatrove's completion markers."""

    def __init__(self, output: Path, tasks: int, disable: bool | None):
        from tqdm.auto import tqdm

        self.output = output
        self.bar = tqdm(
            total=tasks, initial=completed_tasks(output), desc="tasks", unit="task", disable=disable
        )
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self.done.wait(0.5):
            self.bar.update(completed_tasks(self.output) - self.bar.n)

    def __enter__(self) -> _TaskProgress:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()
        self.bar.update(completed_tasks(self.output) - self.bar.n)
        self.bar.close()


# --- summary ----------------------------------------------------------------------------------

DUPLICATES_FILE = "duplicate_ids.tsv"
"""In OUTPUT/logs/: each id that more than one output row has, with how many rows have it."""


@dataclass
class CrawlSummary:
    output: Path
    tasks: int
    completed: int
    ran: int
    """Tasks this run executed (0 when all were done already, or when jobs were submitted)."""
    read: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    meetings: int = 0
    requirements: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    """Records that gave no page, per reason (:data:`.crawl_records.SKIP_REASONS`)."""
    ids_generated: dict[str, int] = field(default_factory=dict)
    """Pages given ``FILE/INDEX`` as id: ``id_missing``, ``id_invalid``."""
    surrogates_replaced: int = 0
    unreadable_files: int = 0
    audit_left_out: int = 0
    """Field values not written to the audit of dropped pages (no JSON form)."""
    duplicate_rows: int = 0
    """Output rows whose id an earlier row (in rank order) has too."""
    duplicates_unchecked: str | None = None
    seconds: float = 0.0
    read_this_run: int = 0
    not_annotated: int = 0
    submitted: str | None = None
    failure: str | None = None
    """Why the executor stopped before every task finished, if it did."""
    nothing_read: str | None = None
    """Why a finished crawl read no page at all (then it failed: a wrong field, most likely)."""

    @property
    def docs_per_second(self) -> float | None:
        if not self.read_this_run or self.seconds <= 0:
            return None
        return self.read_this_run / self.seconds

    @property
    def succeeded(self) -> bool:
        return self.submitted is not None or (
            self.completed == self.tasks and self.nothing_read is None
        )


Totals = dict[str, dict[str, float]]
"""Counters per pipeline step (by step name), summed over tasks."""


def task_totals(output: Path, ranks: set[int] | None = None) -> Totals:
    """datatrove's per-task stats (``logs/stats/NNNNN.json``) of finished tasks, or of ``ranks``
    only, summed per step and counter."""
    totals: Totals = defaultdict(lambda: defaultdict(float))
    folder = output / LOGS_DIR / "stats"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        if ranks is not None and (not path.stem.isascii() or not path.stem.isdigit()):
            continue  # not a task's file
        if ranks is not None and int(path.stem) not in ranks:
            continue
        for name, stats in _task_stats(path):
            for key, value in stats.items():
                totals[name][key] += value
    return totals


def _task_stats(path: Path) -> list[tuple[str, dict[str, float]]]:
    """One task's stats file as (step name, {counter: total}); a damaged file is a
    :class:`CrawlError` naming it and saying how to run its task again."""
    try:
        steps = json.loads(path.read_text(encoding="utf-8"))
        parsed = []
        for step in steps:
            name = step["name"].split(": ", 1)[-1]  # datatrove names them "<type>: <name>"
            stats = {
                key: float(value["total"] if isinstance(value, dict) else value)
                for key, value in step["stats"].items()
            }
            parsed.append((name, stats))
        return parsed
    except (
        OSError,
        UnicodeDecodeError,
        RecursionError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
    ) as error:
        raise CrawlError(
            f"{path} is damaged ({type(error).__name__}: {error}): delete it and the task's file "
            f"in {path.parent.parent / 'completions'} to run that task again"
        ) from None


def count_duplicate_ids(output: Path) -> tuple[int, str | None]:
    """Output rows whose id another row has (all rows are kept: which copy is right is not the
    crawl's to decide), listed in ``logs/duplicate_ids.tsv``; or why they could not be counted.

    Only the ``id`` column is read. Ids repeat when the input repeats them, or when a record's
    id is a number equal to another's (``7``, ``"7"``, ``7.0``)."""
    import pyarrow.parquet as pq

    counts: Counter[str] = Counter()
    for path in sorted((output / DATA_DIR).glob("*.parquet")):
        try:
            counts.update(pq.read_table(path, columns=["id"]).column("id").to_pylist())
        except (OSError, ArrowException) as error:
            return 0, f"{path}: unreadable ({type(error).__name__}: {error})"
    repeated = {page_id: n for page_id, n in counts.items() if n > 1}
    listing = output / LOGS_DIR / DUPLICATES_FILE
    if repeated:
        lines = "".join(f"{json.dumps(i, ensure_ascii=False)}\t{n}\n" for i, n in repeated.items())
        try:
            listing.write_text(lines, encoding="utf-8")
        except OSError as error:
            return sum(repeated.values()) - len(repeated), f"{listing}: not written ({error})"
    return sum(repeated.values()) - len(repeated), None


def summarise(output: Path, tasks: int, ran: list[int], seconds: float) -> CrawlSummary:
    totals = task_totals(output)
    reader = totals.get(CrawlReader.name, {})
    kept_filter = totals.get(MeetingReportFilter.name, {})
    annotate = totals.get(AnnotateStep.name, {})
    this_run = task_totals(output, set(ran))
    duplicates, unchecked = count_duplicate_ids(output)
    return CrawlSummary(
        output=output,
        tasks=tasks,
        completed=completed_tasks(output),
        ran=len(ran),
        read=int(reader.get("documents", 0)),
        kept=int(kept_filter.get("forwarded", 0)),
        dropped={
            reason: int(kept_filter[f"dropped_{reason}"])
            for reason in (*DROP_REASONS, RULE_FAILED)
            if kept_filter.get(f"dropped_{reason}")
        },
        meetings=int(annotate.get("meetings", 0)),
        requirements=int(annotate.get("requirements", 0)),
        skipped={
            reason: int(reader[f"skipped_{reason}"])
            for reason in SKIP_REASONS
            if reader.get(f"skipped_{reason}")
        },
        ids_generated={
            note: int(reader[note]) for note in (ID_MISSING, ID_INVALID) if reader.get(note)
        },
        surrogates_replaced=int(reader.get(SURROGATES_REPLACED, 0)),
        unreadable_files=int(reader.get("unreadable_files", 0)),
        audit_left_out=int(kept_filter.get("audit_fields_left_out", 0)),
        duplicate_rows=duplicates,
        duplicates_unchecked=unchecked,
        not_annotated=int(annotate.get("failed", 0)),
        seconds=seconds,
        read_this_run=int(this_run.get(CrawlReader.name, {}).get("documents", 0)),
    )


def _per_reason(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in counts.items())


def render_summary(summary: CrawlSummary) -> str:
    data_files = f"{(summary.output / DATA_DIR).as_posix()}/*.parquet"
    task_logs = f"{summary.output / LOGS_DIR}/logs/"
    if summary.submitted is not None:
        return (
            f"submitted Slurm job {summary.submitted} for {summary.tasks - summary.completed} "
            f"of {summary.tasks} tasks; logs in {summary.output / LOGS_DIR}/.\n"
            "Run the same command again after the job ends: finished tasks are skipped and the "
            "summary is printed."
        )
    lines = []
    if summary.failure is not None:
        lines.append(
            f"{summary.tasks - summary.completed} of {summary.tasks} tasks did not finish "
            f"({summary.failure}); task logs in {task_logs}. "
            "Run the same command again to retry them: finished tasks are skipped."
        )
    elif summary.ran == 0:
        lines.append(f"all {summary.tasks} tasks were already complete; nothing to do")
    if summary.nothing_read is not None:
        lines.append(f"no page was read: {summary.nothing_read}")
    lines.append(f"tasks: {summary.completed}/{summary.tasks} complete ({summary.ran} run now)")
    lines.append(f"read: {summary.read} documents")
    if summary.skipped:
        lines.append(
            f"skipped: {sum(summary.skipped.values())} records that give no page "
            f"({_per_reason(summary.skipped)}; each named in {task_logs})"
        )
    if summary.unreadable_files:
        lines.append(
            f"unreadable files: {summary.unreadable_files} (read up to the damage, the rest "
            f"skipped; named in {task_logs})"
        )
    if summary.ids_generated:
        lines.append(
            f"ids generated: {sum(summary.ids_generated.values())} pages had no usable id and "
            f"are named FILE/INDEX ({_per_reason(summary.ids_generated)})"
        )
    if summary.surrogates_replaced:
        lines.append(
            f"lone surrogates replaced by U+FFFD: in {summary.surrogates_replaced} texts or ids"
        )
    lines.append(f"kept: {summary.kept} meeting reports")
    dropped = sum(summary.dropped.values())
    lines.append(f"dropped: {dropped}")
    for reason, count in summary.dropped.items():
        lines.append(f"  {reason:<20} {count:>10}")
    if summary.audit_left_out:
        lines.append(
            f"audit: {summary.audit_left_out} field values with no JSON form left out of "
            f"{summary.output / DROPPED_DIR}/ (named in {task_logs})"
        )
    lines.append(f"meetings found: {summary.meetings} ({summary.requirements} requirements)")
    if summary.not_annotated:
        lines.append(
            f"not annotated: {summary.not_annotated} kept pages whose annotation failed "
            f"(page ids in {task_logs})"
        )
    if summary.duplicate_rows:
        lines.append(
            f"duplicate ids: {summary.duplicate_rows} output rows repeat the id of another row "
            f"(all kept; ids in {summary.output / LOGS_DIR / DUPLICATES_FILE})"
        )
    if summary.duplicates_unchecked is not None:
        lines.append(f"duplicate ids: not counted ({summary.duplicates_unchecked})")
    rate = summary.docs_per_second
    if rate is not None:
        lines.append(
            f"speed: {summary.read_this_run} documents in {summary.seconds:.1f} s, "
            f"{rate:,.0f} docs/s"
        )
    lines.append(f"output: {summary.output / DATA_DIR}/*.parquet")
    lines += [
        "load it with:",
        "  from datasets import load_dataset",
        f'  crawl = load_dataset("parquet", data_files="{data_files}")',
    ]
    return "\n".join(lines)


def nothing_read(
    summary: CrawlSummary, settings: CrawlSettings, folder: Path, files: list[str], fmt: InputFormat
) -> str | None:
    """Why a finished crawl that read no page failed, with the fields its records have."""
    if summary.completed < summary.tasks or summary.read > 0:
        return None
    scan = scan_fields(folder, files, fmt, set(), limit=RECORDS_SAMPLED)
    skipped = sum(summary.skipped.values())
    why = f"{skipped} records skipped ({_per_reason(summary.skipped)})" if skipped else "no record"
    return (
        f"{why}; is {settings.text_key!r} (--text-key) the field holding the page text? Fields "
        f"seen in the first {scan.records} record(s): {fields_listed(scan.counts)}"
    )


def crawl(settings: CrawlSettings, progress: bool | None = None) -> CrawlSummary:
    """Run (or resume) the crawl; on Slurm, submit it and return at once."""
    if settings.tasks < 1 or settings.workers < 1:
        raise CrawlError("--tasks and --workers must be at least 1")
    check_output(settings.output, settings.input)
    folder, files, fmt = input_files(settings.input)
    before = previous_settings(settings.output)
    check_fields(settings, folder, files, fmt)
    executor = make_executor(settings, pipeline(settings, folder, files, fmt))
    digests, stats = input_digests(folder, files, before or {})
    _check_settings(settings.output, _fingerprint(settings, folder, digests), before, stats)
    output = settings.output
    pending = executor.get_incomplete_ranks()
    if settings.executor == "ray" and pending:
        start_ray(settings.cluster.ray_address)
    started = time.perf_counter()
    if settings.executor == "slurm":
        executor.run()
        summary = summarise(output, settings.tasks, [], 0.0)
        job = getattr(executor, "job_id", None)
        if pending and job not in (None, -1):
            summary.submitted = str(job)
        else:
            summary.nothing_read = nothing_read(summary, settings, folder, files, fmt)
        return summary
    failure = None
    if pending:
        with _TaskProgress(output, settings.tasks, None if progress is None else not progress):
            try:
                executor.run()
            except Exception as error:  # a task failed: report it, keep what finished
                failure = f"{type(error).__name__}: {error}"
    seconds = time.perf_counter() - started
    summary = summarise(output, settings.tasks, pending, seconds)
    if failure is None and summary.completed < settings.tasks:
        failure = "some tasks did not report completion"
    summary.failure = failure
    summary.nothing_read = nothing_read(summary, settings, folder, files, fmt)
    return summary


__all__ = [
    "RULE_FAILED",
    "AnnotateStep",
    "ClusterOptions",
    "CrawlError",
    "CrawlReader",
    "CrawlSettings",
    "CrawlSummary",
    "MeetingReportFilter",
    "annotation_writer",
    "check_fields",
    "check_output",
    "count_duplicate_ids",
    "crawl",
    "crawl_row",
    "dropped_writer",
    "input_digests",
    "input_files",
    "make_executor",
    "pipeline",
    "published_date",
    "render_summary",
    "scan_fields",
    "shard",
    "start_ray",
    "summarise",
]
