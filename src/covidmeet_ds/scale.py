"""Pre-annotate a whole crawl on datatrove: read → keep meeting reports → annotate → Parquet.

``covidmeet-ds crawl`` builds one datatrove pipeline and runs it with the Local, Slurm or Ray
executor; the steps are the same on every executor:

* :class:`CrawlReader` reads JSON Lines (optionally gzip/zstd-compressed) or Parquet. With at
  least as many input files as tasks, each task reads whole files (datatrove's sharding); with
  fewer files, every task reads every file and keeps every ``tasks``-th record, so one big file
  still spreads over all tasks.
* :class:`MeetingReportFilter` drops pages that are not reports of a COVID-19 prevention meeting
  held by a Chinese party or government body, with a reason (:mod:`.rules.reports`); dropped pages
  can be written aside (``dropped/``) for audit.
* :class:`AnnotateStep` runs exactly the normalisation and rules of ``covidmeet-ds annotate``.
* :func:`annotation_writer` writes Parquet with the explicit Arrow schema of
  :func:`.build.features.crawl_features`, derived from the Pydantic models like the build's
  (computed where the crawl starts; the tasks need not import ``datasets``).

Output folder: ``data/*.parquet`` (the annotated pages), ``dropped/*.jsonl.gz`` (with
``--audit-dropped``), ``logs/`` (datatrove's completions, stats and task logs) and
``crawl.json`` (the settings; a rerun with other settings is refused, a rerun with the same ones
skips finished tasks). This module needs the ``scale`` extra (datatrove); the core package never
imports it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
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

from . import __version__
from .annotate import annotate_context, doc_id_for
from .encoding import LabelPlan, encode_row
from .rules.context import ReportContext
from .rules.registry import RuleError, drop_reason, rule_versions
from .rules.reports import DROP_REASONS, prefilter
from .text import replace_lone_surrogates
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


class CrawlError(Exception):
    """The crawl cannot start: bad input, or an output folder made with other settings."""


# --- reading ----------------------------------------------------------------------------------


def input_files(path: Path) -> tuple[Path, list[str], InputFormat]:
    """The folder to read from, the input files in it (sorted, relative) and their format."""
    if not path.exists():
        raise CrawlError(f"{path}: no such file or folder")
    if path.is_file():
        folder, names = path.parent, [path.name]
    else:
        folder = path
        names = sorted(
            p.relative_to(path).as_posix()
            for p in path.rglob("*")
            if p.is_file() and p.name.endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES)
        )
        if not names:
            raise CrawlError(f"{path}: no *.jsonl[.gz|.zst] or *.parquet files in this folder")
    kinds = {"parquet" if n.endswith(PARQUET_SUFFIXES) else "jsonl" for n in names}
    if len(kinds) > 1:
        raise CrawlError(f"{path}: mixes JSON Lines and Parquet files; crawl one kind at a time")
    if not names[0].endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES):
        raise CrawlError(f"{path}: not JSON Lines (.jsonl) or Parquet (.parquet)")
    return folder, names, kinds.pop()  # type: ignore[return-value]


def shard(files: list[str], rank: int, world_size: int) -> tuple[list[str], int, int]:
    """Task ``rank``'s files and the record stride within them: whole files when there are
    enough of them, otherwise every ``world_size``-th record of every file."""
    if len(files) >= world_size:
        return files[rank::world_size], 0, 1
    return files, rank, world_size


def published_date(value: Any) -> date | None:
    """A publication date from a crawl field: a date, a datetime, or an ISO string (its day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


class CrawlReader(BaseDiskReader):
    """JSON Lines or Parquet records → datatrove documents (text, id, remaining fields)."""

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

    def _record(self, data: dict, filepath: str, index: int) -> Document | None:
        document = self.get_document_from_dict(data, filepath, index)
        if document is None:
            self.stat_update("missing_text")
        else:  # a JSON escape such as "\ud800" is not UTF-8: Parquet and the models refuse it
            text = replace_lone_surrogates(document.text)
            if text != document.text:
                self.stat_update("lone_surrogates_replaced")
                document.text = text
        return document

    def _read_jsonl(self, filepath: str) -> Iterator[Document]:
        with self.data_folder.open(filepath, "r", compression="infer", encoding="utf-8") as f:
            for index, line in enumerate(f):
                if index % self._stride != self._offset or not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as error:
                    self.stat_update("unreadable")
                    print(f"{filepath}:{index + 1}: not JSON ({error}); skipped", file=sys.stderr)
                    continue
                if not isinstance(data, dict):
                    self.stat_update("unreadable")
                    print(f"{filepath}:{index + 1}: not a JSON object; skipped", file=sys.stderr)
                    continue
                document = self._record(data, filepath, index)
                if document is not None:
                    yield document

    def _read_parquet(self, filepath: str) -> Iterator[Document]:
        import pyarrow.parquet as pq

        with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as parquet:
            index = 0
            for batch in parquet.iter_batches(batch_size=self.batch_size):
                rows = batch.to_pylist()
                first = (self._offset - index) % self._stride
                for at in range(first, len(rows), self._stride):
                    document = self._record(rows[at], filepath, index + at)
                    if document is not None:
                        yield document
                index += len(rows)

    def read_file(self, filepath: str) -> DocumentsPipeline:
        if self.input_format == "parquet":
            yield from self._read_parquet(filepath)
        else:
            yield from self._read_jsonl(filepath)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        files, self._offset, self._stride = shard(self.files, rank, world_size)
        for document in self.read_files_shard(files):
            self.update_doc_stats(document)
            yield document


# --- filtering and annotating ------------------------------------------------------------------


class MeetingReportFilter(BaseFilter):
    """Keep reports of COVID-19 prevention meetings held by a Chinese party or government body;
    drop the rest with a reason from :data:`.rules.reports.DROP_REASONS`."""

    name = "🗞 meeting reports"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        reason = prefilter(doc.text)
        if reason is not None:
            return False, reason
        ctx = ReportContext.of(normalise(doc.text))
        try:
            reason = drop_reason(ctx)
        except RuleError as error:  # counted and named; the page is dropped with that reason
            logger.warning(f"{doc.id}: the report filter failed ({error})")
            return False, RULE_FAILED
        if reason is not None:
            return False, reason
        doc.metadata[_CONTEXT] = ctx
        return True


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
                logger.warning(f"{doc.id}: not annotated ({type(error).__name__}: {error})")
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
    return {"id": doc.id, "reason": doc.metadata.get("filter_reason"), "text": doc.text} | {
        key: value
        for key, value in doc.metadata.items()
        if key != "filter_reason" and not key.startswith("covidmeet_")
    }


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


def _fingerprint(settings: CrawlSettings, files: list[str], folder: Path) -> dict[str, Any]:
    """What the output depends on: a rerun must match it to resume."""
    return {
        "input": str(folder.resolve()),
        "files": {name: (folder / name).stat().st_size for name in files},
        "text_key": settings.text_key,
        "id_key": settings.id_key,
        "published_key": settings.published_key,
        "tasks": settings.tasks,
        "audit_dropped": settings.audit_dropped,
        "covidmeet_ds": __version__,
        "rules": rule_versions(),
    }


def _check_settings(output: Path, fingerprint: dict[str, Any]) -> None:
    path = output / SETTINGS_FILE
    if path.is_file():
        try:
            before = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CrawlError(f"{path}: unreadable ({error}); use a new OUTPUT folder") from error
        differ = sorted(
            k for k in fingerprint.keys() | before.keys() if before.get(k) != fingerprint.get(k)
        )
        if differ:
            raise CrawlError(
                f"{output} holds a crawl made with other settings ({', '.join(differ)} differ); "
                "resume with the same input and options, or use a new OUTPUT folder"
            )
        return
    if output.exists() and any(output.iterdir()):
        raise CrawlError(f"{output} is not empty and holds no {SETTINGS_FILE}; use a new folder")
    output.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fingerprint, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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
            mem_per_cpu_gb=int(cluster.mem_per_cpu_gb),
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
    unreadable: int = 0
    seconds: float = 0.0
    read_this_run: int = 0
    not_annotated: int = 0
    submitted: str | None = None
    failure: str | None = None
    """Why the executor stopped before every task finished, if it did."""

    @property
    def docs_per_second(self) -> float | None:
        if not self.read_this_run or self.seconds <= 0:
            return None
        return self.read_this_run / self.seconds


Totals = dict[str, dict[str, float]]
"""Counters per pipeline step (by step name), summed over tasks."""


def task_totals(output: Path, ranks: set[int] | None = None) -> Totals:
    """datatrove's per-task stats (``logs/stats/NNNNN.json``) of finished tasks, or of ``ranks``
    only, summed per step and counter."""
    totals: Totals = defaultdict(lambda: defaultdict(float))
    folder = output / LOGS_DIR / "stats"
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        if ranks is not None and int(path.stem) not in ranks:
            continue
        for step in json.loads(path.read_text(encoding="utf-8")):
            name = step["name"].split(": ", 1)[-1]  # datatrove names them "<type>: <name>"
            for key, value in step["stats"].items():
                totals[name][key] += value["total"] if isinstance(value, dict) else value
    return totals


def summarise(output: Path, tasks: int, ran: list[int], seconds: float) -> CrawlSummary:
    totals = task_totals(output)
    reader = totals.get(CrawlReader.name, {})
    kept_filter = totals.get(MeetingReportFilter.name, {})
    annotate = totals.get(AnnotateStep.name, {})
    this_run = task_totals(output, set(ran))
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
        unreadable=int(reader.get("unreadable", 0)),
        not_annotated=int(annotate.get("failed", 0)),
        seconds=seconds,
        read_this_run=int(this_run.get(CrawlReader.name, {}).get("documents", 0)),
    )


def render_summary(summary: CrawlSummary) -> str:
    data_files = f"{(summary.output / DATA_DIR).as_posix()}/*.parquet"
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
            f"({summary.failure}); task logs in {summary.output / LOGS_DIR}/logs/. "
            "Run the same command again to retry them: finished tasks are skipped."
        )
    elif summary.ran == 0:
        lines.append(f"all {summary.tasks} tasks were already complete; nothing to do")
    lines.append(f"tasks: {summary.completed}/{summary.tasks} complete ({summary.ran} run now)")
    lines.append(
        f"read: {summary.read} documents"
        + (f" ({summary.unreadable} unreadable records skipped)" if summary.unreadable else "")
    )
    lines.append(f"kept: {summary.kept} meeting reports")
    dropped = sum(summary.dropped.values())
    lines.append(f"dropped: {dropped}")
    for reason, count in summary.dropped.items():
        lines.append(f"  {reason:<20} {count:>10}")
    lines.append(f"meetings found: {summary.meetings} ({summary.requirements} requirements)")
    if summary.not_annotated:
        lines.append(
            f"not annotated: {summary.not_annotated} kept pages whose annotation failed "
            f"(page ids in {summary.output / LOGS_DIR}/logs/)"
        )
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


def crawl(settings: CrawlSettings, progress: bool | None = None) -> CrawlSummary:
    """Run (or resume) the crawl; on Slurm, submit it and return at once."""
    if settings.tasks < 1 or settings.workers < 1:
        raise CrawlError("--tasks and --workers must be at least 1")
    folder, files, fmt = input_files(settings.input)
    executor = make_executor(settings, pipeline(settings, folder, files, fmt))
    _check_settings(settings.output, _fingerprint(settings, files, folder))
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
    "crawl",
    "crawl_row",
    "dropped_writer",
    "input_files",
    "make_executor",
    "pipeline",
    "published_date",
    "render_summary",
    "shard",
    "start_ray",
    "summarise",
]
