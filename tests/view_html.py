"""Read back what ``covidmeet_ds.view`` writes, with the standard library's HTML parser: the text
of an element, and every ``<mark>`` with its attributes and text. Used by the unit tests; the
browser tests read the same things from Chromium's live DOM."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"meta", "br", "link", "img", "input", "hr", "wbr"}


@dataclass
class Element:
    tag: str
    attributes: dict[str, str]
    parts: list[str | Element] = field(default_factory=list)

    def text(self) -> str:
        """``textContent``: the text of the element and its descendants, in order. The mark
        standing for U+0000 (class ``nul``) is read back as U+0000."""
        if "nul" in self.attributes.get("class", "").split():
            return "\x00"
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def iter(self, tag: str | None = None):
        for part in self.parts:
            if isinstance(part, Element):
                if tag is None or part.tag == tag:
                    yield part
                yield from part.iter(tag)

    def find(self, tag: str, **attributes: str) -> Element:
        for element in self.iter(tag):
            if all(
                element.attributes.get(k.rstrip("_").replace("_", "-")) == v
                for k, v in attributes.items()
            ):
                return element
        raise LookupError(f"no <{tag}> with {attributes}")


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].parts.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if self.stack[-1].tag != tag:  # the writer must close what it opened, in order
            raise AssertionError(f"</{tag}> closes <{self.stack[-1].tag}>")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def parse(markup: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    if len(builder.stack) != 1:
        raise AssertionError(f"unclosed elements: {[e.tag for e in builder.stack[1:]]}")
    return builder.root


@dataclass(frozen=True)
class MarkRead:
    annotator: str
    field: str
    start: int
    end: int
    evidence_start: int
    evidence_end: int
    text: str
    id: str | None
    classes: tuple[str, ...]


def marks(root: Element) -> list[MarkRead]:
    """Every ``<mark>`` in document order."""
    return [
        MarkRead(
            m.attributes["data-annotator"],
            m.attributes["data-field"],
            int(m.attributes["data-start"]),
            int(m.attributes["data-end"]),
            int(m.attributes["data-evidence-start"]),
            int(m.attributes["data-evidence-end"]),
            m.text(),
            m.attributes.get("id"),
            tuple(m.attributes["class"].split()),
        )
        for m in root.iter("mark")
    ]


@dataclass(frozen=True)
class Expected:
    """One evidence as the annotation gives it."""

    annotator: str
    field: str
    start: int
    end: int
    quote: str


def check_marks(raw: str, expected: list[Expected], found: list[MarkRead]) -> None:
    """The marks land on the quoted characters: each mark's text is ``raw[start:end]``, and the
    pieces of each evidence are contiguous, cover exactly its offsets, join into its quote, and
    the first holds its anchor id. No mark stands for anything else."""
    from covidmeet_ds.view import anchor_id

    pieces: dict[tuple[str, str], list[MarkRead]] = {}
    for mark in found:
        assert mark.text == raw[mark.start : mark.end], mark
        pieces.setdefault((mark.annotator, mark.field), []).append(mark)
    assert sorted(pieces) == sorted((e.annotator, e.field) for e in expected)
    for evidence in expected:
        own = sorted(pieces[evidence.annotator, evidence.field], key=lambda m: m.start)
        assert raw[evidence.start : evidence.end] == evidence.quote, evidence
        assert own[0].start == evidence.start and own[-1].end == evidence.end, (evidence, own)
        assert all(a.end == b.start for a, b in itertools.pairwise(own)), own
        assert "".join(m.text for m in own) == evidence.quote, (evidence, own)
        assert {(m.evidence_start, m.evidence_end) for m in own} == {(evidence.start, evidence.end)}
        assert [m.id for m in own if m.id] == [anchor_id(evidence.annotator, evidence.field)]
