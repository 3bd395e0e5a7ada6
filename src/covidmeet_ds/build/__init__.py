"""``covidmeet-ds build``: publish the corpus as a Hugging Face dataset folder.

The folder holds ``README.md`` (the card, with ``configs`` and ``dataset_info`` front matter),
``data/<config>/<split>-00000-of-00001.parquet``, ``croissant.json``, ``timeline.png``,
``splits.json`` (each document's group and split) and ``SHA256SUMS``. Inputs that fail
``validate`` stop the build before anything is written; the folder is replaced as a whole (see
:mod:`.staging`). Every file is a pure function of the inputs, so two builds are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from ..corpus import Layout, parse_yaml, read_text
from ..models import Annotation, Manifest
from ..text.normalise import normalise
from ..validate import Problem, validate_corpus
from .card import (
    LICENSE,
    TIMELINE,
    SplitStats,
    data_file,
    evaluation_markdown,
    figures_markdown,
    front_matter,
    render_card,
    timeline_png,
)
from .croissant import croissant
from .features import CONFIGS, SPLITS, config_features
from .rows import ROWS, SourceDocument
from .splits import Assignment, assign
from .staging import MARKER, staged_directory

DEFAULT_OUT = Path("dist/hf")
CARD_SOURCE = "CARD.md"
EVALUATION_REPORT = "reports/evaluation.json"
PARQUET_COMPRESSION = "zstd"
CONFIG_DESCRIPTIONS = {
    "meetings": "One row per gold meeting: date, level, jurisdiction, speakers, requirements.",
    "requirements": "One row per gold requirement, with its meeting's level and date.",
    "documents": "One row per report: source, raw and body text, gold and rule annotations.",
}


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


def _load_annotation(path: Path) -> Annotation | None:
    if not path.is_file():
        return None
    return Annotation.model_validate(parse_yaml(read_text(path)[0]).data)


def load_documents(root: Path, progress: bool | None = None) -> list[SourceDocument]:
    """Every manifest document with its text and annotations, in manifest order (validated
    inputs only: run :func:`validate_corpus` first)."""
    layout = Layout(root)
    manifest = Manifest.model_validate(parse_yaml(read_text(layout.manifest)[0]).data)
    documents = []
    for entry in tqdm(manifest.documents, desc="reading", unit="doc", disable=_quiet(progress)):
        raw_text = read_text(layout.raw_dir / entry.file)[0]
        documents.append(
            SourceDocument(
                entry=entry,
                raw_text=raw_text,
                text=normalise(raw_text).text,
                hand=_load_annotation(layout.annotation_path("hand", entry.doc_id)),
                rule=_load_annotation(layout.annotation_path("rule", entry.doc_id)),
            )
        )
    return documents


def _quiet(progress: bool | None) -> bool | None:
    """tqdm's ``disable``: None shows a bar only on a terminal (quiet in CI and in pipes)."""
    return None if progress is None else not progress


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encode_table(config: str, rows: Sequence[dict]) -> pa.Table:
    """Rows of one config as an Arrow table with exactly the config's declared schema."""
    features = config_features(config)
    expected = list(features)
    for index, row in enumerate(rows):
        if list(row) != expected:
            raise ValueError(
                f"{config} row {index} has columns {list(row)}, declared {expected}: "
                "a column missing from Parquet would load as all-null"
            )
    encoded = [features.encode_example(row) for row in rows]
    return pa.Table.from_pylist(encoded, schema=features.arrow_schema)


def write_parquet(path: Path, table: pa.Table) -> None:
    """Write ``table`` with the schema it carries (the config's declared one)."""
    with pq.ParquetWriter(path, table.schema, compression=PARQUET_COMPRESSION) as writer:
        writer.write_table(table)


def _write_parquet(
    folder: Path, documents: Sequence[SourceDocument], splits: dict[str, str], bar: tqdm
) -> tuple[SplitStats, dict[str, str]]:
    stats = SplitStats()
    hashes: dict[str, str] = {}
    for config in CONFIGS:
        make_rows = ROWS[config]
        for split in SPLITS:
            rows = [
                row
                for document in documents
                if splits[document.entry.doc_id] == split
                for row in make_rows(document)
            ]
            table = encode_table(config, rows)  # checks the columns even when there are none
            stats.rows[config, split] = len(rows)
            stats.num_bytes[config, split] = 0
            bar.update()
            if not rows:
                continue  # see SplitStats.declared: datasets cannot load an empty split
            relative = data_file(config, split)
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            write_parquet(path, table)
            stats.num_bytes[config, split] = path.stat().st_size
            hashes[relative] = _sha256(path)
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


def write_dataset(
    folder: Path,
    root: Path,
    documents: Sequence[SourceDocument],
    assignments: Sequence[Assignment],
    progress: bool | None = None,
) -> tuple[SplitStats, dict[str, str]]:
    """Write every published file into ``folder``; returns the split stats and file hashes."""
    splits = {a.doc_id: a.split for a in assignments}
    gold = [d.hand for d in documents if d.hand is not None]
    prose = (root / CARD_SOURCE).read_text(encoding="utf-8")
    steps = len(CONFIGS) * len(SPLITS) + 4
    with tqdm(total=steps, desc="writing", unit="file", disable=_quiet(progress)) as bar:
        stats, hashes = _write_parquet(folder, documents, splits, bar)
        (folder / TIMELINE).write_bytes(timeline_png(gold))
        bar.update()
        card = render_card(
            prose,
            front_matter(stats, len(documents)),
            figures_markdown(gold, len(documents), stats),
            evaluation_markdown(root / EVALUATION_REPORT),
        )
        (folder / "README.md").write_text(card, encoding="utf-8", newline="\n")
        bar.update()
        metadata = croissant(
            name="covidmeet_ds",
            description=_summary_paragraph(prose),
            license_url=f"https://spdx.org/licenses/{LICENSE.upper()}.html",
            cite_as=_citation(prose),
            file_hashes=hashes,
            splits={config: stats.declared(config) for config in stats.configs()},
            config_descriptions=CONFIG_DESCRIPTIONS,
        )
        (folder / "croissant.json").write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        bar.update()
        records = [{"doc_id": a.doc_id, "group": a.group, "split": a.split} for a in assignments]
        (folder / "splits.json").write_text(
            json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        bar.update()
    files = {
        path.relative_to(folder).as_posix(): _sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    sums = "".join(f"{sha}  {relative}\n" for relative, sha in sorted(files.items()))
    (folder / MARKER).write_text(sums, encoding="utf-8", newline="\n")
    return stats, files


def build(root: Path, out: Path = DEFAULT_OUT, progress: bool | None = None) -> BuildResult:
    """Validate the corpus under ``root`` and publish it to ``out`` (relative to the cwd)."""
    problems = validate_corpus(root)
    if problems:
        raise BuildError(problems)
    documents = load_documents(root, progress)
    assignments = assign((d.entry.doc_id, d.raw_text) for d in documents)
    with staged_directory(out) as folder:
        stats, files = write_dataset(folder, root, documents, assignments, progress)
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
    "BuildError",
    "BuildResult",
    "build",
    "encode_table",
    "load_documents",
    "summary",
    "write_dataset",
    "write_parquet",
]
