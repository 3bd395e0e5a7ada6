"""``covidmeet-ds view``: the HTML of the review pages (pure) and the command (folder, refusals).

Texts here are written for the tests (invented county and names). The pages are rendered in a
real browser in ``test_view_browser.py``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from covidmeet_ds.build.staging import MARKER, StagingError
from covidmeet_ds.cli import main
from covidmeet_ds.evaluate import from_annotation, score_document
from covidmeet_ds.models import Annotation
from covidmeet_ds.reader import iter_documents
from covidmeet_ds.view import (
    IDENTITY,
    DocumentView,
    Span,
    anchor_id,
    compare,
    escape_text,
    evidence_spans,
    iter_evidence,
    marked_text,
    render_document,
    render_index,
    write_view,
)

from .conftest import REPO, tree_snapshot
from .hand_fields import HAND_FIELDS
from .view_html import Expected, check_marks, marks, parse

SHA = "0" * 64

# Written for these tests: markup characters, CR LF line ends, characters outside the BMP (😷 and
# 🧪 are one code point each, two UTF-16 units), and a requirement that ends the text.
RAW = (
    "<b>青禾县</b> & \"新闻\" '快讯'\r\n"
    "3月5日上午，青禾县召开疫情防控工作会议。\r\n"
    "县委书记林晓川主持会议并讲话😷。县长周明远出席。\r\n"
    '会议要求，一是加强<核酸>检测&排查；二是做好"物资"保障🧪'
)


def _evidence(quote: str, occurrence: int = 0) -> dict[str, Any]:
    start = -1
    for _ in range(occurrence + 1):
        start = RAW.index(quote, start + 1)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def _meeting(**changes: Any) -> dict[str, Any]:
    meeting: dict[str, Any] = {
        "meeting_id": "m1",
        "name": "疫情防控工作会议",
        "convener": None,
        # crosses the first speaker's evidence: it ends inside it
        "evidence": _evidence("3月5日上午，青禾县召开疫情防控工作会议。\r\n县委书记林晓川"),
        "date": {
            "value": "2020-03-05",
            "precision": "day",
            "time_of_day": "morning",
            "year_basis": "publication",
            "evidence": _evidence("3月5日上午"),
        },
        "level": {"level": "county", "jurisdiction": "青禾县", "evidence": _evidence("青禾县", 1)},
        "speakers": [
            {
                "name": "林晓川",
                "titles": ["县委书记"],
                "roles": ["presided", "spoke"],
                "evidence": _evidence("县委书记林晓川主持会议并讲话😷"),
            },
            {
                "name": "周明远",
                "titles": ["县长"],
                "roles": ["attended"],
                "evidence": _evidence("县长周明远出席"),
            },
        ],
        "requirements": [
            {
                "ordinal": 1,
                "section": None,
                "text": "加强<核酸>检测&排查",
                "category": "testing_screening",
                "evidence": _evidence("一是加强<核酸>检测&排查"),
            },
            {
                "ordinal": 2,
                "section": None,
                "text": '做好"物资"保障🧪',
                "category": "supplies_prices",
                "evidence": _evidence('二是做好"物资"保障🧪'),
            },
        ],
    }
    meeting.update(changes)
    return meeting


def _annotation(annotator: str, meetings: list[dict], flags: tuple[str, ...] = ()) -> Annotation:
    return Annotation.model_validate(
        {
            "doc_id": "qinghe-county",
            "annotator": annotator,
            "annotator_version": "1.0",
            "rules": ["speakers:0"] if annotator == "rule" else [],
            "raw_sha256": SHA,
            "meetings": meetings,
            "quality_flags": list(flags),
            **(HAND_FIELDS if annotator == "hand" else {}),
        }
    )


def _expected(annotation: Annotation) -> list[Expected]:
    return [
        Expected(annotation.annotator, path, e.start, e.end, e.quote)
        for _, path, e in iter_evidence(annotation)
    ]


def _panel_text(page: str, annotator: str) -> str:
    return parse(page).find("div", class_="raw", data_annotator=annotator).text()


# --- the text and its marks --------------------------------------------------------------------


def test_every_evidence_lands_on_its_quote_in_the_written_text() -> None:
    hand = _annotation("hand", [_meeting()])
    page = render_document(DocumentView("qinghe-county", "标题", RAW, (hand,)))
    root = parse(page)
    check_marks(RAW, _expected(hand), marks(root))
    assert _panel_text(page, "hand") == RAW


def test_crossing_spans_become_nested_pieces() -> None:
    hand = _annotation("hand", [_meeting()])
    found = marks(parse(marked_text(RAW, evidence_spans(hand))))
    meeting = [m for m in found if m.field == "meetings[0]"]
    speaker = [m for m in found if m.field == "meetings[0].speakers[0]"]
    # the meeting ends inside the speaker's evidence: one of them is split in two
    assert len(meeting) + len(speaker) == 3
    assert "".join(m.text for m in speaker) == "县委书记林晓川主持会议并讲话😷"


def test_a_span_inside_another_is_one_nested_element() -> None:
    hand = _annotation("hand", [_meeting()])
    root = parse(marked_text(RAW, evidence_spans(hand)))
    meeting = root.find("mark", data_field="meetings[0]")
    inner = [m.attributes["data-field"] for m in meeting.iter("mark")]
    assert inner[:2] == ["meetings[0].date", "meetings[0].level"]
    date = root.find("mark", data_field="meetings[0].date")
    assert date.text() == "3月5日上午" and list(date.iter("mark")) == []


def test_markup_characters_are_escaped_in_text_and_attributes() -> None:
    raw = "a<b>&\"c\"'d'</b>"
    spans = [Span("hand", "meetings[0]", "meeting", 1, len(raw), raw[1:], label='<x> & "y"')]
    markup = marked_text(raw, spans)
    assert "<b>" not in markup and "</b>" not in markup
    assert "&lt;b&gt;&amp;&quot;c&quot;&#x27;d&#x27;&lt;/b&gt;" in markup
    assert 'title="hand meetings[0] · &lt;x&gt; &amp; &quot;y&quot;"' in markup
    assert marks(parse(markup))[0].text == raw[1:]


@pytest.mark.parametrize("text", ["a\r\nb", "\r", "a\rb\r\n\r\nc\r"])
def test_carriage_returns_survive_the_html_parser(text: str) -> None:
    markup = escape_text(text)
    assert "\r" not in markup  # a literal CR would become LF (or vanish before LF) when parsed
    assert markup.count("&#13;") == text.count("\r")
    assert parse(f"<p>{markup}</p>").text() == text


def test_a_span_at_the_very_end_and_one_at_the_very_start() -> None:
    raw = "起头中间结尾🧪"
    spans = [
        Span("hand", "meetings[0]", "meeting", 0, 2, "起头"),
        Span("hand", "meetings[0].requirements[0]", "requirement", 4, 7, "结尾🧪"),
    ]
    root = parse(marked_text(raw, spans))
    assert [(m.text, m.start, m.end) for m in marks(root)] == [("起头", 0, 2), ("结尾🧪", 4, 7)]
    assert root.text() == raw


def test_offsets_are_code_points_not_utf16_units() -> None:
    raw = "😷会议🧪要求𠀀。"  # three characters outside the BMP
    spans = [
        Span("hand", "meetings[0]", "meeting", 1, 3, "会议"),
        Span("hand", "meetings[0].speakers[0]", "speaker", 3, 4, "🧪"),
        Span("hand", "meetings[0].requirements[0]", "requirement", 4, 7, "要求𠀀"),
    ]
    found = marks(parse(marked_text(raw, spans)))
    assert [m.text for m in found] == ["会议", "🧪", "要求𠀀"]


def test_nul_is_shown_as_a_visible_mark() -> None:
    raw = "前\x00后"
    root = parse(marked_text(raw, [Span("hand", "meetings[0]", "meeting", 0, 3, raw)]))
    assert "\x00" not in marked_text(raw, [])
    assert root.find("span", class_="nul").parts == ["\u2400"]
    assert root.text() == raw  # read back: the nul mark stands for U+0000


def test_identical_spans_of_two_fields_both_get_marks() -> None:
    raw = "青禾县召开会议"
    spans = [
        Span("hand", "meetings[0]", "meeting", 0, 7, raw),
        Span("hand", "meetings[0].level", "level", 0, 3, "青禾县"),
        Span("hand", "meetings[0].speakers[0]", "speaker", 0, 3, "青禾县"),
    ]
    found = marks(parse(marked_text(raw, spans)))
    assert [m.field for m in found] == [s.field for s in spans]  # longest outside, then in order
    check_marks(
        raw, [Expected(s.annotator, s.field, s.start, s.end, s.quote) for s in spans], found
    )


@pytest.mark.parametrize(("start", "end"), [(0, 0), (3, 2), (-1, 2), (0, 99)])
def test_a_span_outside_the_text_is_refused_with_its_field(start: int, end: int) -> None:
    with pytest.raises(ValueError, match=r"hand meetings\[0\]\.level: evidence"):
        marked_text("青禾县召开会议", [Span("hand", "meetings[0].level", "level", start, end, "x")])


ALPHABET = st.sampled_from(list("青禾<>&\"'\r\n\x00 😷𠀀a"))


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    text = draw(st.text(ALPHABET, min_size=1, max_size=40))
    bounds = st.tuples(st.integers(0, len(text) - 1), st.integers(1, len(text))).filter(
        lambda b: b[0] < b[1]
    )
    ranges = draw(st.lists(bounds, max_size=8))
    return text, [
        Span("rule", f"meetings[0].requirements[{i}]", "requirement", a, b, text[a:b])
        for i, (a, b) in enumerate(ranges)
    ]


@settings(max_examples=300, deadline=None)
@given(text_and_spans())
def test_any_spans_over_any_text_land_on_their_characters(case: tuple[str, list[Span]]) -> None:
    text, spans = case
    root = parse(f"<div>{marked_text(text, spans)}</div>")  # the parser checks the nesting
    assert root.text() == text
    expected = [Expected(s.annotator, s.field, s.start, s.end, s.quote) for s in spans]
    check_marks(text, expected, marks(root))


# --- hand against rules ------------------------------------------------------------------------


def _statuses(annotator: str, annotation: Annotation, rule: Annotation, hand: Annotation) -> dict:
    differences = compare(hand, rule)
    return {
        path: differences.get(annotator, path).status for _, path, _ in iter_evidence(annotation)
    }


def test_identical_annotations_agree_everywhere() -> None:
    hand, rule = _annotation("hand", [_meeting()]), _annotation("rule", [_meeting()])
    differences = compare(hand, rule)
    assert set(_statuses("hand", hand, rule, hand).values()) == {"agrees"}
    assert set(_statuses("rule", rule, rule, hand).values()) == {"agrees"}
    assert differences.get("hand", "meetings[0].speakers[1]").partner == "meetings[0].speakers[1]"
    assert [differences.count(s) for s in ("missed", "extra", "differs")] == [0, 0, 0]


def test_a_meeting_the_rules_missed_marks_everything_in_it() -> None:
    second = _meeting(meeting_id="m2", evidence=_evidence("县长周明远出席"), speakers=[])
    second["requirements"] = []
    second["date"] = {"value": None, "precision": "unknown", "year_basis": "unknown", "note": "无"}
    hand = _annotation("hand", [_meeting(), second])
    rule = _annotation("rule", [_meeting()])
    statuses = _statuses("hand", hand, rule, hand)
    assert {p: s for p, s in statuses.items() if p.startswith("meetings[1]")} == {
        "meetings[1]": "missed",
        "meetings[1].level": "missed",
    }
    assert compare(hand, rule).get("hand", "meetings[1].date").status == "missed"  # no evidence
    swapped = _statuses("rule", hand, hand, rule)  # the same meeting, seen as the rules' extra
    assert swapped["meetings[1]"] == "extra"


def test_values_that_differ_carry_both_sides() -> None:
    hand = _annotation("hand", [_meeting()])
    changed = _meeting(convener="县委")
    changed["level"] = {**changed["level"], "level": "township", "jurisdiction": None, "note": "?"}
    changed["speakers"][0] = {**changed["speakers"][0], "roles": ["spoke"]}
    changed["requirements"][1] = {**changed["requirements"][1], "category": "other"}
    rule = _annotation("rule", [changed])
    differences = compare(hand, rule)
    assert differences.get("hand", "meetings[0]").values == {"convener": ("—", "县委")}
    assert differences.get("hand", "meetings[0].level").values == {
        "level": ("county", "township"),
        "jurisdiction": ("青禾县", "—"),
    }
    assert differences.get("rule", "meetings[0].level").values["level"] == ("township", "county")
    assert differences.get("hand", "meetings[0].date").status == "agrees"
    assert differences.get("hand", "meetings[0].speakers[0]").values == {
        "roles": ("presided、spoke", "spoke")
    }
    assert differences.get("hand", "meetings[0].speakers[1]").status == "agrees"
    assert differences.get("hand", "meetings[0].requirements[1]").values == {
        "category": ("supplies_prices", "other")
    }
    # convener, level and jurisdiction, roles, category; nothing missed or extra
    assert [differences.count(s) for s in ("missed", "extra", "differs")] == [0, 0, 5]


def test_titles_and_roles_compare_as_sets_as_the_evaluation_scores_them() -> None:
    hand = _annotation("hand", [_meeting()])
    changed = _meeting()
    changed["speakers"][0] = {**changed["speakers"][0], "roles": ["spoke", "presided"]}
    rule = _annotation("rule", [changed])
    assert compare(hand, rule).get("hand", "meetings[0].speakers[0]").status == "agrees"


def test_speakers_and_requirements_only_on_one_side() -> None:
    hand = _annotation("hand", [_meeting()])
    fewer = _meeting()
    fewer["speakers"] = fewer["speakers"][1:]  # 林晓川 missed
    fewer["requirements"] = [
        fewer["requirements"][0],
        {  # overlaps the second gold requirement by less than IoU 0.5: no match
            "ordinal": None,
            "section": None,
            "text": "保障",
            "category": "supplies_prices",
            "evidence": _evidence("保障"),
        },
    ]
    rule = _annotation("rule", [fewer])
    differences = compare(hand, rule)
    assert differences.get("hand", "meetings[0].speakers[0]").status == "missed"
    assert differences.get("hand", "meetings[0].speakers[1]").partner == "meetings[0].speakers[0]"
    assert differences.get("hand", "meetings[0].requirements[1]").status == "missed"
    assert differences.get("rule", "meetings[0].requirements[1]").status == "extra"
    assert differences.get("hand", "meetings[0].requirements[0]").status == "agrees"


def test_quality_flags_on_one_side_are_listed() -> None:
    hand = _annotation("hand", [_meeting()], ("boilerplate", "spun"))
    rule = _annotation("rule", [_meeting()], ("spun", "html"))
    assert compare(hand, rule).flags == {"hand": ("boilerplate",), "rule": ("html",)}


def _documents_with_both() -> list:
    return [d for d in iter_documents(REPO) if d.hand is not None and d.rule is not None]


@pytest.mark.parametrize("document", _documents_with_both(), ids=lambda d: d.entry.doc_id)
def test_marks_agree_with_the_evaluation_counts_on_the_corpus(document) -> None:
    hand, rule = document.hand, document.rule
    counts = score_document(from_annotation(hand), from_annotation(rule))
    differences = compare(hand, rule)

    def count(annotator: str, pattern: str, status: str, value: str | None = None) -> int:
        return sum(
            1
            for (who, path), mark in differences.marks.items()
            if who == annotator
            and re.fullmatch(pattern, path)
            and mark.status == status
            and (value is None or value in mark.values)
        )

    meeting, speaker, requirement = (
        r"meetings\[\d+\]",
        r".*speakers\[\d+\]",
        r".*requirements\[\d+\]",
    )
    assert count("hand", meeting, "missed") == counts.gold_meetings - counts.matched_meetings
    assert count("rule", meeting, "extra") == counts.predicted_meetings - counts.matched_meetings
    assert count("hand", speaker, "missed") == counts.name_fn
    assert count("rule", speaker, "extra") == counts.name_fp
    assert count("hand", requirement, "missed") == counts.requirement_fn
    assert count("rule", requirement, "extra") == counts.requirement_fp
    assert count("hand", requirement, "differs", "category") == (
        counts.requirement_tp - counts.category_correct
    )
    for name in ("name", "convener"):
        assert count("hand", meeting, "differs", name) == (
            counts.matched_meetings - getattr(counts, f"{name}_correct")
        )
    assert count("hand", meeting + r"\.level", "differs", "level") == (
        counts.matched_meetings - counts.level_correct
    )
    assert count("hand", meeting + r"\.date", "differs", "value") == (
        counts.matched_meetings - counts.date_correct
    )


# --- the page ----------------------------------------------------------------------------------


def test_page_is_self_contained_utf8_chinese_html() -> None:
    hand, rule = _annotation("hand", [_meeting()]), _annotation("rule", [_meeting(convener="县")])
    page = render_document(DocumentView("qinghe-county", "青禾<县>", RAW, (hand, rule)))
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh">')
    assert '<meta charset="utf-8">' in page and "<style>" in page
    assert not re.search(r"<script|<link|src=|url\(|@import|https?://", page)
    assert "青禾&lt;县&gt;" in page
    for annotator in ("hand", "rule"):
        assert _panel_text(page, annotator) == RAW


def test_every_link_of_the_list_leads_to_an_element_of_the_page() -> None:
    hand = _annotation("hand", [_meeting()])
    rule = _annotation("rule", [_meeting(speakers=[])])
    root = parse(render_document(DocumentView("qinghe-county", "标题", RAW, (hand, rule))))
    ids = {e.attributes["id"] for e in root.iter() if "id" in e.attributes}
    links = [a.attributes["href"] for a in root.iter("a") if a.attributes["href"].startswith("#")]
    assert links and {link[1:] for link in links} <= ids
    assert anchor_id("rule", "meetings[0].speakers[0]") not in ids
    # the two speakers the rules missed are marked in the hand panel's text and list
    missed = [m for m in marks(root) if "st-missed" in m.classes]
    assert {m.field for m in missed} == {"meetings[0].speakers[0]", "meetings[0].speakers[1]"}


def test_index_lists_every_document_with_a_link() -> None:
    hand, rule = _annotation("hand", [_meeting()]), _annotation("rule", [])
    views = [
        DocumentView("qinghe-county", "青禾", RAW, (hand, rule)),
        DocumentView("index", "a doc_id that could collide", RAW, ()),
    ]
    root = parse(render_index(views))
    links = [a.attributes["href"] for a in root.iter("a")]
    assert links == ["documents/qinghe-county.html", "documents/index.html"]
    cells = [td.text() for td in root.iter("td")]
    assert cells[:7] == ["qinghe-county", "青禾", "1", "0", "5", "0", "0"]  # m1, 2 + 2 items
    assert cells[7:] == ["index", "a doc_id that could collide", "—", "—", "—", "—", "—"]


# --- the command -------------------------------------------------------------------------------


def test_view_writes_a_page_per_document_an_index_and_its_identity(tmp_path: Path) -> None:
    out = tmp_path / "view"
    doc_ids = [d.entry.doc_id for d in iter_documents(REPO)][:2]
    assert main(["view", "--root", str(REPO), *doc_ids, doc_ids[0], "--out", str(out)]) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    pages = sorted(f"documents/{d}.html" for d in doc_ids)
    assert written == sorted([*pages, "index.html", IDENTITY, MARKER])
    identity = json.loads((out / IDENTITY).read_text(encoding="utf-8"))
    assert identity["documents"] == doc_ids
    assert sorted(p.name for p in tmp_path.iterdir()) == ["view"]  # no staging folder left
    before = tree_snapshot(out)
    assert main(["view", "--root", str(REPO), *doc_ids, "--out", str(out)]) == 0
    assert tree_snapshot(out) == before  # the same inputs give the same bytes


def test_an_unknown_document_stops_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "view"
    assert main(["view", "--root", str(REPO), "no-such-doc", "other", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "raw/manifest.yaml:1:1: no document with doc_id 'no-such-doc'" in captured.out
    assert "'other'" in captured.out and "view stopped: 2 unknown document(s)" in captured.err
    assert not out.exists()


def test_an_invalid_annotation_of_a_viewed_document_stops_it(
    repo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # a seed's rule annotation (a report added later may have no meeting, so no offset to break)
    path = repo_copy / "annotations" / "rule" / "cri-hubei-provincial-teleconference.yaml"
    text = path.read_text(encoding="utf-8")
    start = re.search(r"start: (\d+)", text)
    assert start is not None
    path.write_text(text.replace(start.group(), f"start: {int(start[1]) + 1}", 1), "utf-8")
    out = tmp_path / "view"
    assert main(["view", "--root", str(repo_copy), path.stem, "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert f"annotations/rule/{path.name}:" in captured.out
    assert "view stopped" in captured.err and not out.exists()
    # another document, with valid annotations, can still be viewed
    hand = (repo_copy / "annotations" / "hand").glob("*.yaml")
    other = next(p.stem for p in hand if p.stem != path.stem)
    assert main(["view", "--root", str(repo_copy), other, "--out", str(out)]) == 0


def test_a_changed_raw_file_stops_the_view(repo_copy: Path, tmp_path: Path) -> None:
    raw = next((repo_copy / "raw").glob("*.txt"))
    raw.write_bytes(raw.read_bytes() + b"x")
    out = tmp_path / "view"
    assert main(["view", "--root", str(repo_copy), "--out", str(out)]) == 1
    assert not out.exists()


@pytest.mark.parametrize("kind", ["foreign-file", "export", "added-file", "edited-page"])
def test_refuses_a_folder_it_did_not_write(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    if kind == "foreign-file":
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    elif kind == "export":
        from covidmeet_ds.export import export

        export(REPO, out)
    else:
        write_view(REPO, [], out)
        if kind == "added-file":
            (out / "documents" / "mine.html").write_text("<p>mine</p>", encoding="utf-8")
        else:
            page = next((out / "documents").glob("*.html"))
            page.write_text(page.read_text(encoding="utf-8") + "<!-- -->", encoding="utf-8")
    before = tree_snapshot(out)
    assert main(["view", "--root", str(REPO), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert "view stopped" in error and str(out) in error
    assert "covidmeet-ds export" not in error
    assert tree_snapshot(out) == before


def test_an_export_never_replaces_a_view(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    write_view(REPO, [], out)
    before = tree_snapshot(out)
    assert main(["export", "--root", str(REPO), "--to", str(out)]) == 1
    assert "export.json" in capsys.readouterr().err
    assert tree_snapshot(out) == before


@pytest.mark.parametrize("where", ["root", "parent"])
def test_refuses_the_corpus_root_or_a_folder_holding_it(where: str, repo_copy: Path) -> None:
    target = repo_copy if where == "root" else repo_copy.parent
    before = tree_snapshot(repo_copy)
    with pytest.raises(StagingError, match="corpus root"):
        write_view(repo_copy, [], target)
    assert tree_snapshot(repo_copy) == before


def test_a_failure_while_writing_keeps_the_previous_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    write_view(REPO, [], out)
    before = tree_snapshot(out)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", "index.html")

    monkeypatch.setattr("covidmeet_ds.view.write_pages", full_disk)
    assert main(["view", "--root", str(REPO), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "index.html:1:1: cannot write the pages: No space left on device" in captured.out
    assert "the previous output is unchanged" in captured.out
    assert tree_snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_document_without_annotations_shows_its_text(repo_copy: Path, tmp_path: Path) -> None:
    document = next(iter(iter_documents(repo_copy)))
    manifest = repo_copy / "raw" / "manifest.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("status: annotated", "status: unannotated", 1), "utf-8")
    for annotator in ("hand", "rule"):
        (repo_copy / "annotations" / annotator / f"{document.entry.doc_id}.yaml").unlink()
    out = tmp_path / "view"
    assert main(["view", "--root", str(repo_copy), document.entry.doc_id, "--out", str(out)]) == 0
    page = parse((out / "documents" / f"{document.entry.doc_id}.html").read_text("utf-8"))
    assert page.find("div", class_="raw").text() == document.raw_text
    assert marks(page) == []
