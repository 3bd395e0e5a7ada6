"""``covidmeet-ds build``: publish the corpus as a Hugging Face dataset folder.

The folder holds ``README.md`` (the card, with ``configs`` and ``dataset_info`` front matter),
``data/<config>/<split>-00000-of-00001.parquet``, ``croissant.json``, ``timeline.png``,
``splits.json`` (each document's group and split) and ``SHA256SUMS``. Inputs that fail
``validate`` stop the build before anything is written; the folder is replaced as a whole (see
:mod:`.staging`). Every file is a pure function of the inputs, so two builds are byte-identical.

Memory does not grow with the corpus's text: documents are read one at a time, twice. The first
pass reads only the raw texts, to assign groups and splits (:func:`.splits.assign` keeps a
signature per document, not the text). The second reads each document in full, appends its rows to
the buffer of its (config, split) and forgets it; a buffer is written as one Parquet row group
whenever it reaches ``ROW_GROUP_ROWS`` rows, and the card's figures come from counters filled on
the way (:class:`.card.GoldFigures`).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .. import reader
from ..agreement import AgreementReport
from ..corpus import InputError, Layout
from ..evaluate import EvaluationReport
from ..models import ManifestEntry
from ..problems import Problem, input_problem
from ..reader import SourceDocument
from ..validate import validate_corpus
from .card import (
    LICENSE_LINK,
    TIMELINE,
    GoldFigures,
    SplitStats,
    agreement_markdown,
    data_file,
    evaluation_markdown,
    figures_markdown,
    front_matter,
    prose_problems,
    render_card,
    timeline_png,
)
from .columns import TABLES
from .croissant import croissant
from .features import CONFIG_SHAPES, CONFIGS, SPLITS, config_features, row_encoder
from .queries import QueryResults
from .splits import Assignment, assign
from .staging import MARKER, check_output, sha256_file, staged_directory

DEFAULT_OUT = Path("dist/hf")
BUILD_IDENTITY = "croissant.json"
"""A file only a build writes: a folder whose SHA256SUMS lacks it (an export) is not replaced."""
CARD_SOURCE = "CARD.md"
EVALUATION_REPORT = "reports/evaluation.json"
AGREEMENT_REPORT = "reports/agreement.json"
PARQUET_COMPRESSION = "zstd"
ROW_GROUP_ROWS = 1_000
"""Rows buffered per (config, split) before they are written as one Parquet row group."""
ENCODE_ROWS = 50
"""Rows buffered as Python objects before they are encoded to Arrow (to wait for their group)."""
CONFIG_DESCRIPTIONS = {name: table.description for name, table in TABLES.items()}


class BuildError(Exception):
    """The inputs do not validate; nothing was written."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(f"{len(problems)} validation problem(s); nothing was written")
        self.problems = list(problems)


@dataclass(frozen=True)
class BuildResult:
    out: Path
    stats: SplitStats
    assignments: list[Assignment]
    files: dict[str, str]
    """Every file written (relative POSIX path) with its sha256."""


def iter_manifest(root: Path) -> Iterator[ManifestEntry]:
    """The manifest's entries one at a time, in order (validated inputs only)."""
    return reader.iter_manifest(Layout(root))


def iter_documents(root: Path, progress: bool | None = None) -> Iterator[SourceDocument]:
    """Every manifest document with its text and annotations, one at a time, in manifest order
    (validated inputs only: run :func:`validate_corpus` first)."""
    documents = reader.iter_documents(root)
    yield from tqdm(documents, desc="reading", unit="doc", disable=_quiet(progress))


def load_documents(root: Path, progress: bool | None = None) -> list[SourceDocument]:
    """:func:`iter_documents` as a list (small corpora and benchmarks; the build streams)."""
    return list(iter_documents(root, progress))


@dataclass(frozen=True)
class BuildInputs:
    """What the build reads besides the corpus: the card's prose, the evaluation report and the
    agreement report."""

    prose: str
    evaluation: EvaluationReport | None
    agreement: AgreementReport | None = None


def read_build_inputs(root: Path) -> BuildInputs:
    """``CARD.md``, ``reports/evaluation.json`` and ``reports/agreement.json`` (both optional),
    read and checked before anything is written; raises :class:`BuildError` naming each
    problem."""
    layout = Layout(root)
    problems: list[Problem] = []
    prose = ""
    try:
        prose = reader.read_text(layout, root / CARD_SOURCE)[0]
    except InputError as error:
        problems.append(input_problem(CARD_SOURCE, error))
    else:
        problems += [
            Problem(CARD_SOURCE, *where, "", message) for *where, message in prose_problems(prose)
        ]
    evaluation = None
    if os.path.lexists(root / EVALUATION_REPORT):
        try:
            evaluation = reader.read_json_model(layout, root / EVALUATION_REPORT, EvaluationReport)
        except InputError as error:
            problems.append(input_problem(EVALUATION_REPORT, error))
    agreement = None
    if os.path.lexists(root / AGREEMENT_REPORT):
        try:
            agreement = reader.read_json_model(layout, root / AGREEMENT_REPORT, AgreementReport)
        except InputError as error:
            problems.append(input_problem(AGREEMENT_REPORT, error))
    if problems:
        raise BuildError(problems)
    return BuildInputs(prose, evaluation, agreement)


def _quiet(progress: bool | None) -> bool | None:
    """tqdm's ``disable``: None shows a bar only on a terminal (quiet in CI and in pipes)."""
    return None if progress is None else not progress


def encode_table(config: str, rows: Sequence[dict], first_index: int = 0) -> pa.Table:
    """Rows of one config as an Arrow table with exactly the config's declared schema
    (``first_index``: the position of ``rows[0]`` in its split, for messages)."""
    features = config_features(config)
    expected = [column.name for column in TABLES[config].columns]
    for index, row in enumerate(rows, start=first_index):
        if list(row) != expected:
            raise ValueError(
                f"{config} row {index} has columns {list(row)}, declared {expected}: "
                "a column missing from Parquet would load as all-null (label-name columns are "
                "filled from their label)"
            )
    encode = row_encoder(CONFIG_SHAPES[config])
    return pa.Table.from_pylist([encode(row) for row in rows], schema=features.arrow_schema)


def write_parquet(path: Path, table: pa.Table) -> None:
    """Write ``table`` with the schema it carries (the config's declared one)."""
    with pq.ParquetWriter(path, table.schema, compression=PARQUET_COMPRESSION) as writer:
        writer.write_table(table)


@dataclass
class _RowBuffer:
    """Rows of one Parquet file not written yet: the latest as dicts, the rest as Arrow tables."""

    rows: list[dict] = field(default_factory=list)
    tables: list[pa.Table] = field(default_factory=list)
    count: int = 0
    """Rows held, in both forms."""


class SplitWriters:
    """One Parquet file per (config, split), written as rows arrive.

    Rows are buffered per file and written as row groups of ``row_group_rows`` rows; while they
    wait, every ``ENCODE_ROWS`` of them are encoded to Arrow, which holds a report in a fraction of
    the memory its Python objects take. A file is opened with its first row group, so a split that
    gets no rows gets no file (see :meth:`.card.SplitStats.declared`). A corpus smaller than one
    row group gives the same bytes as writing each split's table at once.
    """

    def __init__(self, folder: Path, row_group_rows: int | None = None):
        self.folder = folder
        self.row_group_rows = row_group_rows or ROW_GROUP_ROWS
        self.buffers: dict[tuple[str, str], _RowBuffer] = {}
        self.written: Counter[tuple[str, str]] = Counter()
        self.writers: dict[tuple[str, str], pq.ParquetWriter] = {}

    def __enter__(self) -> SplitWriters:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()

    def add(self, config: str, split: str, row: dict) -> None:
        buffer = self.buffers.setdefault((config, split), _RowBuffer())
        buffer.rows.append(row)
        buffer.count += 1
        if len(buffer.rows) >= ENCODE_ROWS:
            self._encode(config, split, buffer)
        if buffer.count >= self.row_group_rows:
            self._flush(config, split)

    def _encode(self, config: str, split: str, buffer: _RowBuffer) -> None:
        first = self.written[config, split] + buffer.count - len(buffer.rows)
        buffer.tables.append(encode_table(config, buffer.rows, first_index=first))
        buffer.rows = []

    def _flush(self, config: str, split: str) -> None:
        buffer = self.buffers.pop((config, split), None)
        if buffer is None or not buffer.count:
            return
        if buffer.rows:
            self._encode(config, split, buffer)
        table = pa.concat_tables(buffer.tables)
        writer = self.writers.get((config, split))
        if writer is None:
            path = self.folder / data_file(config, split)
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(path, table.schema, compression=PARQUET_COMPRESSION)
            self.writers[config, split] = writer
        writer.write_table(table)
        self.written[config, split] += buffer.count

    def finish(self) -> tuple[SplitStats, dict[str, str]]:
        """Write what is buffered and close every file; returns the split stats and the hash of
        each Parquet file."""
        stats = SplitStats()
        hashes: dict[str, str] = {}
        for config in CONFIGS:
            for split in SPLITS:
                self._flush(config, split)
                writer = self.writers.pop((config, split), None)
                stats.rows[config, split] = self.written[config, split]
                stats.num_bytes[config, split] = 0
                if writer is None:
                    continue
                writer.close()
                relative = data_file(config, split)
                stats.num_bytes[config, split] = (self.folder / relative).stat().st_size
                hashes[relative] = sha256_file(self.folder / relative)
        return stats, hashes


def _citation(prose: str) -> str:
    start = prose.find("```bibtex")
    if start < 0:
        return "covidmeet_ds maintainers (2026). covidmeet_ds."
    start = prose.index("\n", start) + 1
    return prose[start : prose.index("```", start)].strip()


def _summary_paragraph(prose: str) -> str:
    after = prose.split("## Summary", 1)[-1].strip()
    return " ".join(after.split("\n\n", 1)[0].split())


def _write_rows(
    folder: Path, documents: Iterable[SourceDocument], splits: dict[str, str]
) -> tuple[SplitStats, dict[str, str], GoldFigures, QueryResults, date | None]:
    """The Parquet files, and what is counted on the way: the gold's figures, the worked
    queries' output and the latest publication date of a report (None when no report shows
    one). Tables that do not come from documents (the taxonomy) are written whole, to their
    first split."""
    figures = GoldFigures()
    queries = QueryResults()
    latest: date | None = None
    with SplitWriters(folder) as writers:
        for document in documents:
            split = splits[document.entry.doc_id]
            for table in TABLES.values():
                for row in table.rows(document):
                    queries.add(table.name, row)
                    writers.add(table.name, split, row)
            if document.hand is not None:
                figures.add(document.hand)
            published = document.entry.published
            if published is not None and (latest is None or published > latest):
                latest = published
        for table in TABLES.values():
            for row in table.static_rows():
                writers.add(table.name, table.splits[0], row)
        stats, hashes = writers.finish()
    return stats, hashes, figures, queries, latest


def write_dataset(
    folder: Path,
    inputs: BuildInputs,
    documents: Iterable[SourceDocument],
    assignments: Sequence[Assignment],
    progress: bool | None = None,
) -> tuple[SplitStats, dict[str, str]]:
    """Write every published file into ``folder``, reading ``documents`` once, one at a time
    (one per assignment, in the same order); returns the split stats and file hashes."""
    splits = {a.doc_id: a.split for a in assignments}
    bar = tqdm(
        documents, total=len(assignments), desc="writing", unit="doc", disable=_quiet(progress)
    )
    stats, hashes, figures, queries, latest_published = _write_rows(folder, bar, splits)
    count = len(assignments)
    (folder / TIMELINE).write_bytes(timeline_png(figures))
    card = render_card(
        inputs.prose,
        front_matter(stats, count),
        figures_markdown(figures, count, stats),
        evaluation_markdown(inputs.evaluation),
        queries,
        agreement_markdown(inputs.agreement, figures.annotations),
    )
    (folder / "README.md").write_text(card, encoding="utf-8", newline="\n")
    metadata = croissant(
        name="covidmeet_ds",
        description=_summary_paragraph(inputs.prose),
        license_url=LICENSE_LINK,
        cite_as=_citation(inputs.prose),
        file_hashes=hashes,
        splits={config: stats.declared(config) for config in stats.configs()},
        config_descriptions=CONFIG_DESCRIPTIONS,
        # the newest report's date: derived from the data, so rebuilds stay byte-identical
        date_published=latest_published,
    )
    (folder / "croissant.json").write_text(
        json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    records = [{"doc_id": a.doc_id, "group": a.group, "split": a.split} for a in assignments]
    (folder / "splits.json").write_text(
        json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    files = {
        path.relative_to(folder).as_posix(): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    sums = "".join(f"{sha}  {relative}\n" for relative, sha in sorted(files.items()))
    (folder / MARKER).write_text(sums, encoding="utf-8", newline="\n")
    return stats, files


def build(root: Path, out: Path = DEFAULT_OUT, progress: bool | None = None) -> BuildResult:
    """Validate the corpus under ``root`` and publish it to ``out`` (relative to the cwd).

    Nothing is written unless every input reads and validates (:class:`BuildError`) and ``out``
    may be replaced (:class:`.staging.StagingError`); a failure while writing (a full disk, a
    read-only folder) is a :class:`BuildError` too, and leaves the previous output whole."""
    check_output(out, protect=(root,), identity=BUILD_IDENTITY)
    problems = validate_corpus(root)
    if problems:
        raise BuildError(problems)
    inputs = read_build_inputs(root)
    layout = Layout(root)
    raw_texts = (
        (entry.doc_id, reader.raw_text(layout, entry))
        for entry in tqdm(
            iter_manifest(root), desc="grouping", unit="doc", disable=_quiet(progress)
        )
    )
    assignments = assign(raw_texts)
    documents = (reader.read_document(layout, entry) for entry in iter_manifest(root))
    try:
        with staged_directory(out, protect=(root,), identity=BUILD_IDENTITY) as folder:
            stats, files = write_dataset(folder, inputs, documents, assignments, progress)
    except OSError as error:
        where = error.filename or out
        raise BuildError(
            [
                Problem(
                    str(where),
                    1,
                    1,
                    "",
                    f"cannot write the output: {error.strerror or error}; "
                    "the previous output is unchanged",
                )
            ]
        ) from error
    return BuildResult(out=out, stats=stats, assignments=assignments, files=files)


def summary(result: BuildResult) -> str:
    """One screen: rows per config and split, where the output is, and how to load it."""
    width = max(len(c) for c in CONFIGS)
    lines = [f"{'config':<{width}}  " + "  ".join(f"{s:>10}" for s in SPLITS)]
    for config in CONFIGS:
        counts = "  ".join(f"{result.stats.rows[config, s]:>10}" for s in SPLITS)
        lines.append(f"{config:<{width}}  {counts}")
    groups = len({a.group for a in result.assignments})
    lines += [
        "",
        f"{len(result.assignments)} documents in {groups} groups; "
        f"{len(result.files) + 1} files written to {result.out}/",
        "load it with:",
        "  from datasets import load_dataset",
        f'  meetings = load_dataset("{result.out.as_posix()}", "meetings")',
    ]
    return "\n".join(lines)


__all__ = [
    "DEFAULT_OUT",
    "ROW_GROUP_ROWS",
    "BuildError",
    "BuildInputs",
    "BuildResult",
    "SplitWriters",
    "build",
    "encode_table",
    "iter_documents",
    "iter_manifest",
    "load_documents",
    "read_build_inputs",
    "summary",
    "write_dataset",
    "write_parquet",
]
