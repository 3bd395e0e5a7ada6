"""The Label Studio labelling config: which tags there are and which region each one belongs to.

Every value of an annotation is a region over the raw text (a ``span`` label) or a per-region
control attached to one: the meeting passage carries its name, the date expression its ISO value
and year basis, the level evidence its level and jurisdiction, the speaker clause the person's
name, titles and roles, the requirement its category and ordinals. Meeting membership is explicit:
every region names its meeting in the per-region ``meeting`` choice (m1, m2 …), which may be left
empty when the report has a single meeting. Report kind, quality flags and notes are
document-level controls.

Everything here is derived from the models and the taxonomy, so a new category or role appears in
the config without editing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args
from xml.sax.saxutils import quoteattr

from ..models import Level, QualityFlag, ReportKindName, Role
from ..taxonomy import category_names

TEXT = "text"
"""The name of the ``<Text>`` tag every region is over (``to_name`` of every result)."""
SPAN = "span"
"""The ``<Labels>`` tag whose label says what a region is."""

SPAN_LABELS = {
    "meeting": "#e6550d",
    "date": "#3182bd",
    "level": "#31a354",
    "convener": "#756bb1",
    "speaker": "#de2d26",
    "requirement": "#fd8d3c",
    "report kind": "#636363",
}
"""Span labels and their highlight colours."""

MAX_MEETINGS = 20
"""Meeting ids offered by the ``meeting`` choice (m1 … m20)."""
MEETING_KEYS = tuple(f"m{n}" for n in range(1, MAX_MEETINGS + 1))

TIMES_OF_DAY = ("morning", "afternoon", "evening")
YEAR_BASES = ("explicit", "publication", "context", "unknown")


@dataclass(frozen=True)
class Control:
    """One control tag: its LS result type, the span labels it may be attached to (empty for a
    document-level control) and, for choices, the values offered."""

    name: str
    tag: str
    result_type: str
    regions: tuple[str, ...]
    values: tuple[str, ...] = ()
    multiple: bool = False


def _category_values() -> tuple[str, ...]:
    return tuple(category_names())


CONTROLS = (
    Control("meeting", "Choices", "choices", tuple(SPAN_LABELS)[:-1], MEETING_KEYS),
    Control("meeting_name", "TextArea", "textarea", ("meeting",)),
    Control("date_value", "TextArea", "textarea", ("date",)),
    Control("time_of_day", "Choices", "choices", ("date",), TIMES_OF_DAY),
    Control("year_basis", "Choices", "choices", ("date",), YEAR_BASES),
    Control("level", "Choices", "choices", ("level",), get_args(Level)),
    Control("jurisdiction", "TextArea", "textarea", ("level",)),
    Control("speaker_name", "TextArea", "textarea", ("speaker",)),
    Control("titles", "TextArea", "textarea", ("speaker",)),
    Control("roles", "Choices", "choices", ("speaker",), get_args(Role), multiple=True),
    Control("category", "Choices", "choices", ("requirement",), _category_values()),
    Control("ordinal", "Number", "number", ("requirement",)),
    Control("section", "Number", "number", ("requirement",)),
    Control("note", "TextArea", "textarea", ("meeting", "date", "level", "speaker")),
    Control("report_kind", "Choices", "choices", (), get_args(ReportKindName)),
    Control("quality_flags", "Choices", "choices", (), get_args(QualityFlag), multiple=True),
    Control("notes", "TextArea", "textarea", ()),
)
CONTROL_BY_NAME = {control.name: control for control in CONTROLS}

HINTS = {
    "meeting": "Which meeting this region belongs to (may stay empty with one meeting)",
    "meeting_name": "Meeting name as the text calls it (empty: unnamed)",
    "date_value": "Date: YYYY-MM-DD, YYYY-MM or YYYY (empty: the year cannot be established)",
    "jurisdiction": "Jurisdiction, official full name (empty: not named; say why in the note)",
    "speaker_name": "Name in Simplified script (empty: hidden; say why in the note)",
    "titles": "One title per line, Simplified script",
    "note": "Note (on a meeting: why it has no date region)",
    "notes": "Notes on the report",
}


def _control_xml(control: Control, indent: str) -> str:
    attributes = [f"name={quoteattr(control.name)}", f"toName={quoteattr(TEXT)}"]
    if control.regions:
        attributes.append('perRegion="true"')
    if control.tag == "Choices":
        attributes.append(f'choice="{"multiple" if control.multiple else "single"}"')
        attributes.append('showInline="true"')
        if control.name in ("meeting", "category"):
            attributes.append('layout="select"')
    if control.tag == "TextArea":
        hint = HINTS.get(control.name, control.name)
        attributes.append(f"placeholder={quoteattr(hint)}")
        if control.name != "titles":
            attributes.append('maxSubmissions="1"')
        attributes.append('editable="true"')
    if control.tag == "Number":
        attributes.append('min="1"')
    opening = f"{indent}<{control.tag} {' '.join(attributes)}"
    if not control.values:
        return opening + "/>"
    choices = "".join(f"{indent}  <Choice value={quoteattr(v)}/>\n" for v in control.values)
    return f"{opening}>\n{choices}{indent}</{control.tag}>"


def _header(text: str, indent: str) -> str:
    return f'{indent}<Header value={quoteattr(text)} size="6"/>'


def _labelled(control: Control, indent: str) -> list[str]:
    """A control with a header naming it (a text area shows its hint as placeholder)."""
    if control.tag == "TextArea":
        return [_control_xml(control, indent)]
    title = HINTS.get(control.name, control.name.replace("_", " "))
    return [_header(title, indent), _control_xml(control, indent)]


def label_config() -> str:
    """The labelling config (XML) for Label Studio's project settings."""
    labels = "".join(
        f"    <Label value={quoteattr(label)} background={quoteattr(colour)}/>\n"
        for label, colour in SPAN_LABELS.items()
    )
    lines = [
        "<View>",
        '  <Header value="$doc_id"/>',
        f'  <Labels name="{SPAN}" toName="{TEXT}">',
        labels.rstrip("\n"),
        "  </Labels>",
        f'  <Text name="{TEXT}" value="$text" granularity="symbol"/>',
    ]
    shared = [c for c in CONTROLS if len(c.regions) > 1]  # a tag name occurs once in a config
    lines.append('  <View visibleWhen="region-selected">')
    for control in shared:
        lines.extend(_labelled(control, "    "))
    lines.append("  </View>")
    for label in SPAN_LABELS:
        controls = [c for c in CONTROLS if c.regions == (label,)]
        if not controls:
            continue
        lines.append(
            f'  <View visibleWhen="region-selected" whenTagName="{SPAN}" '
            f"whenLabelValue={quoteattr(label)}>"
        )
        for control in controls:
            lines.extend(_labelled(control, "    "))
        lines.append("  </View>")
    lines.append(_header("Report", "  "))
    for control in CONTROLS:
        if not control.regions:
            lines.extend(_labelled(control, "  "))
    lines.append("</View>")
    return "\n".join(lines) + "\n"


__all__ = [
    "CONTROLS",
    "CONTROL_BY_NAME",
    "MAX_MEETINGS",
    "MEETING_KEYS",
    "SPAN",
    "SPAN_LABELS",
    "TEXT",
    "Control",
    "label_config",
]
