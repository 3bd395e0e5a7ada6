"""The published dataset card: YAML front matter generated from the configs' ``Features``, the
prose of ``CARD.md``, a table of every column of every config generated from the column
declarations, figures and a timeline plot computed from the gold, and the worked queries with
their output (:mod:`.queries`).

Links in ``CARD.md`` to files of the repository are written ``repository:PATH`` and rendered as
absolute links to :data:`REPOSITORY_URL`, because the published folder holds only the card, the
data and their metadata.

The figures and the plot are drawn from :class:`GoldFigures`, counters filled one annotation at a
time, so the card never needs every annotation in memory.
"""

from __future__ import annotations

import io
import re
import typing
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from datasets import ClassLabel, DatasetInfo, SplitDict, SplitInfo, Value
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from ..evalset import NOTES as REPORT_SET_NOTES
from ..evaluate import EvaluationReport
from ..models import SCOPE_FIELDS, Annotation, Level
from ..taxonomy import categories, taxonomy_markdown
from .columns import TABLES, descriptions
from .features import CONFIG_SPLITS, CONFIGS, SPLITS, config_features
from .queries import QueryResults, queries_markdown
from .shapes import Shape

PRETTY_NAME = "covidmeet_ds: Chinese COVID-19 prevention-and-control meetings"
REPOSITORY_URL = "https://github.com/covidmeet-ds/covidmeet_ds"
"""The repository (guidelines, schema, code, the procedure for adding reports). A placeholder
until the repository is published: every link of the card to a repository file derives from it."""
REPOSITORY_FILES = f"{REPOSITORY_URL}/blob/main/"
REPOSITORY_LINK = re.compile(r"\]\(repository:([^)\s]*)\)")
"""A Markdown link target ``repository:PATH`` in ``CARD.md``."""
LICENSE = "other"
"""Hub licence id: the data mixes terms (annotations CC BY 4.0, raw texts their publishers')."""
LICENSE_NAME = "cc-by-4.0-annotations-and-publishers-terms-for-texts"
LICENSE_LINK = f"{REPOSITORY_FILES}LICENSE"
TASK_CATEGORIES = ("token-classification", "text-classification")
TIMELINE = "timeline.png"
FIGURES_MARKER = "<!-- figures:"
EVALUATION_MARKER = "<!-- evaluation:"
TAXONOMY_MARKER = "<!-- taxonomy:"
COLUMNS_MARKER = "<!-- columns:"
QUERIES_MARKER = "<!-- queries:"
LEVELS: tuple[str, ...] = typing.get_args(Level)
LEVEL_COLOURS = {
    "national": "#b2182b",
    "provincial": "#ef8a62",
    "prefectural": "#67a9cf",
    "county": "#2166ac",
    "township": "#1b7837",
}


def data_file(config: str, split: str) -> str:
    """Path of one Parquet file inside the dataset folder."""
    return f"data/{config}/{split}-00000-of-00001.parquet"


@dataclass
class SplitStats:
    """Rows and Parquet bytes of each config and split, as written."""

    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    num_bytes: dict[tuple[str, str], int] = field(default_factory=dict)

    def declared(self, config: str) -> list[str]:
        """Splits of ``config`` that have rows. Only these get a Parquet file and a place in the
        card: ``datasets`` refuses to load a declared split with no data ("Instruction 'test'
        corresponds to no data!"), and one empty split would make the whole config unloadable.
        """
        return [split for split in SPLITS if self.rows[config, split]]

    def configs(self) -> list[str]:
        """Configs with at least one row (a config with none cannot be loaded either)."""
        return [config for config in CONFIGS if self.declared(config)]


def size_category(documents: int) -> str:
    """The Hub's ``size_categories`` bin for the number of documents."""
    bins = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"))
    for limit, name in bins:
        if documents < limit:
            return name
    return "100K<n<1M" if documents < 1_000_000 else "n>1M"


def front_matter(stats: SplitStats, documents: int) -> str:
    """The card's YAML front matter (without the ``---`` fences)."""
    card_data = DatasetCardData(
        language=["zh"],
        license=LICENSE,
        license_name=LICENSE_NAME,
        license_link=LICENSE_LINK,
        pretty_name=PRETTY_NAME,
        size_categories=[size_category(documents)],
        task_categories=list(TASK_CATEGORIES),
        annotations_creators=["expert-generated"],
        language_creators=["found"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
    )
    configs = stats.configs()
    infos = {}
    for config in configs:
        splits = SplitDict()
        for split in stats.declared(config):
            splits.add(
                SplitInfo(
                    name=split,
                    num_bytes=stats.num_bytes[config, split],
                    num_examples=stats.rows[config, split],
                )
            )
        size = sum(stats.num_bytes[config, split] for split in SPLITS)
        infos[config] = DatasetInfo(
            features=config_features(config),
            splits=splits,
            download_size=size,
            dataset_size=size,
        )
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    MetadataConfigs(
        {
            config: {
                "data_files": [
                    {"split": split, "path": data_file(config, split)}
                    for split in stats.declared(config)
                ],
                **({"default": True} if config == configs[0] else {}),
            }
            for config in configs
        }
    ).to_dataset_card_data(card_data)
    return card_data.to_yaml()


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _year(value: str | None) -> str:
    return value[:4] if value else "unknown"


@dataclass
class GoldFigures:
    """What the card shows of the gold, counted one annotation at a time (see :meth:`add`).

    Its size is bounded by the taxonomy and the calendar, not by the corpus: counters by level,
    year and category, and the distinct (level, date) points of the timeline.
    """

    annotations: int = 0
    meetings: int = 0
    speakers: int = 0
    meetings_by_level: Counter[str] = field(default_factory=Counter)
    requirements_by_level: Counter[str] = field(default_factory=Counter)
    meetings_by_year: Counter[str] = field(default_factory=Counter)
    requirements_by_year: Counter[str] = field(default_factory=Counter)
    requirements_by_category: Counter[str] = field(default_factory=Counter)
    dates: dict[tuple[str, str], None] = field(default_factory=dict)
    """Each distinct (level, date value) of a dated meeting, in the order first met."""
    undated: int = 0
    out_of_scope: Counter[str] = field(default_factory=Counter)
    """Per field (dates, levels, …), the gold annotations that leave it unannotated."""
    report_kinds: Counter[str] = field(default_factory=Counter)

    def add(self, annotation: Annotation) -> None:
        """Count one gold annotation."""
        self.annotations += 1
        self.out_of_scope.update(set(SCOPE_FIELDS) - set(annotation.fields_in_scope))
        if annotation.report_kind is not None:
            self.report_kinds[annotation.report_kind.kind] += 1
        for meeting in annotation.meetings:
            level = NOT_ANNOTATED if meeting.level is None else meeting.level.level
            value = None if meeting.date is None else meeting.date.value
            self.meetings += 1
            self.speakers += len(meeting.speakers)
            self.meetings_by_level[level] += 1
            self.requirements_by_level[level] += len(meeting.requirements)
            year = NOT_ANNOTATED if meeting.date is None else _year(value)
            self.meetings_by_year[year] += 1
            self.requirements_by_year[year] += len(meeting.requirements)
            self.requirements_by_category.update(r.category for r in meeting.requirements)
            if value and meeting.level is not None:
                self.dates.setdefault((level, value))
            else:
                self.undated += 1


NOT_ANNOTATED = "not annotated"
"""The row of a level or year table for meetings whose levels or dates are out of scope."""


def scope_markdown(figures: GoldFigures) -> list[str]:
    """What the card says about partial annotations and report kinds (nothing when all gold
    covers every field)."""
    lines = []
    if figures.report_kinds:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(figures.report_kinds.items()))
        lines += [f"Report kinds of the gold (`documents.report_kind`): {kinds}.", ""]
    if figures.out_of_scope:
        partial = ", ".join(f"{name} in {n}" for name, n in sorted(figures.out_of_scope.items()))
        lines += [
            f"Partial annotations: some gold leaves fields unannotated ({partial} "
            "document(s)). A field out of an annotation's scope is not annotated, never "
            '"none": in `meetings` its list is null (not []), its level or date null, and the '
            "`requirements` config holds only documents whose requirements are in scope; the "
            "counts above leave those fields out (rows `not annotated`).",
            "",
        ]
    return lines


def figures_markdown(figures: GoldFigures, documents: int, stats: SplitStats) -> str:
    """Counts computed from the gold: per level, per year, per category, and per split."""
    years = figures.meetings_by_year
    category_counts = figures.requirements_by_category
    total_requirements = sum(category_counts.values())
    parts = [
        f"- **{documents}** documents ({figures.annotations} with gold annotations), "
        f"**{figures.meetings}** meetings, **{figures.speakers}** speakers, "
        f"**{total_requirements}** requirements.",
        "",
        *scope_markdown(figures),
        "By level:",
        "",
        _table(
            ("level", "meetings", "requirements"),
            [
                (lv, figures.meetings_by_level[lv], figures.requirements_by_level[lv])
                for lv in (*LEVELS, NOT_ANNOTATED)
                if lv in LEVELS or figures.meetings_by_level[lv]
            ],
        ),
        "",
        "By year of the meeting:",
        "",
        _table(
            ("year", "meetings", "requirements"),
            [(y, years[y], figures.requirements_by_year[y]) for y in sorted(years)],
        ),
        "",
        "By requirement category (taxonomy order):",
        "",
        _table(
            ("category", "requirements", "share"),
            [
                (
                    c.name,
                    category_counts[c.name],
                    f"{category_counts[c.name] / total_requirements:.1%}"
                    if total_requirements
                    else "–",
                )
                for c in categories()
            ],
        ),
        "",
        "Rows per config and split:",
        "",
        _table(
            ("config", *SPLITS),
            [(config, *(stats.rows[config, s] for s in SPLITS)) for config in CONFIGS],
        ),
        "",
        *_empty_splits_note(stats),
        f"![Meetings by date, coloured by level]({TIMELINE})",
    ]
    return "\n".join(parts)


def _empty_splits_note(stats: SplitStats) -> list[str]:
    empty = [
        f"`{config}/{split}`"
        for config in CONFIGS
        for split in CONFIG_SPLITS[config]
        if split not in stats.declared(config)
    ]
    if not empty:
        return []
    return [
        f"Empty so far, and therefore not declared in this card's `configs`: {', '.join(empty)}. "
        "`datasets` cannot load a declared split that has no rows, so a split appears when the "
        "first document hashed to it is added; no document already published ever moves.",
        "",
    ]


def evaluation_markdown(report: EvaluationReport | None) -> str:
    """The evaluation section from ``reports/evaluation.json`` (None when there is none yet):
    the seed tables (development figures: the rules were written on those reports), then the
    table of each report set outside the corpus, with its baseline."""
    if report is None:
        return (
            "No rule annotations have been evaluated yet: this section is filled from "
            "`reports/evaluation.json`, written by `covidmeet-ds evaluate`."
        )
    sections = [
        "### Seed reports (development figures)\n\n"
        "The rules were written on these reports: their figures show what the rules were fitted "
        "to, not how they generalise.\n\n" + report.markdown
    ]
    if report.sets:
        sections.append(
            "### Report sets outside the corpus\n\n"
            "Reports that are not in the corpus, labelled by reading (meeting or not, dates, "
            "level, jurisdiction, people and roles, the first characters of each directive), "
            "scored by `covidmeet-ds evaluate` (`--devset DIR` for sets kept outside the "
            "repository), with a naive baseline in the same table."
        )
    for _, entry in sorted(report.sets.items()):
        sections.append(entry.markdown.rstrip("\n"))
    if report.sets:
        sections.append(REPORT_SET_NOTES)
    return "\n\n".join(section.rstrip("\n") for section in sections) + "\n"


def type_name(shape: Shape) -> str:
    """A published shape in words: ``string``, ``int32``, ``class label``, ``list of …``."""
    if shape.item is not None:
        return f"list of {type_name(shape.item)}"
    if shape.fields:
        return "struct"
    if isinstance(shape.feature, ClassLabel):
        return "class label"
    if isinstance(shape.feature, Value):
        return shape.feature.dtype
    raise TypeError(f"no name for the feature {shape.feature!r}")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _column_rows(name: str, shape: Shape, description: str) -> list[tuple[str, str, str, str]]:
    """The row of one column, then one row per field of its struct (or list of structs)."""
    rows = [(f"`{name}`", type_name(shape), "yes" if shape.nullable else "no", description)]
    inner, path = (shape.item, f"{name}[]") if shape.item is not None else (shape, name)
    for field_name, child in inner.fields.items():
        rows.append(
            (
                f"`{path}.{field_name}`",
                type_name(child),
                "yes" if child.nullable else "no",
                child.description,
            )
        )
    return rows


def columns_markdown() -> str:
    """One table per config: every column (and the fields of nested ones) with its type, whether
    it can be null and its description, from the column declarations."""
    parts = []
    for config, table in TABLES.items():
        described = descriptions(table)
        rows = [
            row
            for name, shape in table.shapes.items()
            for row in _column_rows(name, shape, described[name])
        ]
        header = f"### `{config}`\n\n{table.description}\n\n"
        parts.append(
            header
            + _table(
                ("column", "type", "null", "description"),
                [(c, t, n, _cell(d)) for c, t, n, d in rows],
            )
        )
    return "\n\n".join(parts)


def repository_links(prose: str) -> str:
    """``](repository:PATH)`` links as absolute links to the repository's files."""
    return REPOSITORY_LINK.sub(lambda found: f"]({REPOSITORY_FILES}{found.group(1)})", prose)


def render_card(
    prose: str, front: str, figures: str, evaluation: str, queries: QueryResults
) -> str:
    """``CARD.md`` with its markers filled, repository links made absolute and editors'
    comments dropped, behind the YAML front matter."""
    body = _fill(prose, FIGURES_MARKER, figures)
    body = _fill(body, EVALUATION_MARKER, evaluation)
    body = _fill(body, TAXONOMY_MARKER, taxonomy_markdown())
    body = _fill(body, COLUMNS_MARKER, columns_markdown())
    body = _fill(body, QUERIES_MARKER, queries_markdown(queries))
    body = repository_links(body)
    body = re.sub(r"<!--.*?-->\n*", "", body, flags=re.DOTALL)
    return f"---\n{front.rstrip()}\n---\n\n{body.strip()}\n"


CARD_MARKERS = (
    FIGURES_MARKER,
    EVALUATION_MARKER,
    TAXONOMY_MARKER,
    COLUMNS_MARKER,
    QUERIES_MARKER,
)


def prose_problems(prose: str) -> list[tuple[int, int, str]]:
    """What keeps ``CARD.md`` from being filled in: (line, column, message) of each marker that
    is missing or never closed."""
    problems = []
    for marker in CARD_MARKERS:
        start = prose.find(marker)
        if start < 0:
            problems.append((1, 1, f"CARD.md has no {marker} … --> marker"))
        elif prose.find("-->", start) < 0:
            line = prose.count("\n", 0, start) + 1
            column = start - (prose.rfind("\n", 0, start) + 1) + 1
            problems.append((line, column, f"the {marker} marker is never closed with -->"))
    return problems


def _fill(prose: str, marker: str, content: str) -> str:
    start = prose.find(marker)
    if start < 0:
        raise ValueError(f"CARD.md has no {marker} … --> marker")
    end = prose.index("-->", start) + len("-->")
    return prose[:start] + content + prose[end:]


def _plot_date(value: str) -> tuple[date, bool]:
    """A meeting date as a point on the axis, and whether it is exact to the day."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return date(*parts), True
    if len(parts) == 2:
        return date(parts[0], parts[1], 15), False
    return date(parts[0], 7, 1), False


def timeline_png(figures: GoldFigures) -> bytes:
    """Meetings by date, one row per level; hollow markers for month or year precision. A date
    met by several meetings of one level is one marker."""
    from matplotlib.dates import DateFormatter, MonthLocator
    from matplotlib.figure import Figure

    points: dict[str, list[tuple[date, bool]]] = {level: [] for level in LEVELS}
    for level, value in figures.dates:
        points[level].append(_plot_date(value))
    figure = Figure(figsize=(8, 3.2), dpi=100)
    axes = figure.add_subplot()
    for row, level in enumerate(LEVELS):
        for exact in (True, False):
            xs = [d for d, is_exact in points[level] if is_exact == exact]
            if xs:
                axes.scatter(
                    xs,
                    [row] * len(xs),
                    s=60,
                    color=LEVEL_COLOURS[level],
                    facecolors=LEVEL_COLOURS[level] if exact else "none",
                    label=level if exact or not any(e for _, e in points[level]) else None,
                )
    axes.set_yticks(range(len(LEVELS)), LEVELS)
    axes.set_ylim(-0.6, len(LEVELS) - 0.4)
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MonthLocator(bymonth=(1, 7)))
    axes.xaxis.set_major_formatter(DateFormatter("%Y-%m"))
    axes.grid(axis="x", alpha=0.3)
    note = "filled: exact day; hollow: month or year only"
    if figures.undated:
        note += f"; undated: {figures.undated}"
    axes.set_title(f"Meetings by date and level ({note})", fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


__all__ = [
    "LICENSE",
    "LICENSE_LINK",
    "LICENSE_NAME",
    "REPOSITORY_URL",
    "GoldFigures",
    "SplitStats",
    "columns_markdown",
    "data_file",
    "evaluation_markdown",
    "figures_markdown",
    "front_matter",
    "render_card",
    "repository_links",
    "size_category",
    "timeline_png",
]
