"""Invariants the models carry on their own (no raw text needed)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from covidmeet_ds.models import Manifest, Meeting, MeetingDate, MeetingLevel, Speaker
from covidmeet_ds.taxonomy import categories, category_names, provinces

EVIDENCE = {"quote": "刘家义主持会议", "start": 10, "end": 17}


def date(value: str | None, precision: str, basis: str = "explicit", **extra: Any) -> dict:
    return {"value": value, "precision": precision, "year_basis": basis, **extra} | (
        {"evidence": EVIDENCE} if value else {"note": "the text hides it"}
    )


@pytest.mark.parametrize(
    ("value", "precision"),
    [
        ("2019-12-01", "day"),
        ("2023-12-31", "day"),
        ("2019-12", "month"),
        ("2019", "year"),
        ("2023", "year"),
        ("2020-02-29", "day"),
        (None, "unknown"),
    ],
)
def test_dates_inside_the_window_are_accepted(value: str | None, precision: str) -> None:
    basis = "explicit" if value else "unknown"
    assert MeetingDate.model_validate(date(value, precision, basis)).value == value


@pytest.mark.parametrize(
    ("value", "precision", "message"),
    [
        ("2019-11-30", "day", "outside the plausible window"),
        ("2024-01-01", "day", "outside the plausible window"),
        ("2019-11", "month", "outside the plausible window"),
        ("2018", "year", "outside the plausible window"),
        ("2020-02-30", "day", "not a calendar date"),
        ("2021-02-29", "day", "not a calendar date"),
        ("2020-13", "month", "not a calendar date"),
        ("2020/03/16", "day", "not ISO 8601"),
        ("2020-03-16", "month", "has precision 'day'"),
    ],
)
def test_bad_dates_are_refused(value: str, precision: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MeetingDate.model_validate(date(value, precision))


def test_context_year_needs_a_note_and_null_needs_unknown_basis() -> None:
    with pytest.raises(ValidationError, match="naming the anchor"):
        MeetingDate.model_validate(date("2020-01-26", "day", "context"))
    with pytest.raises(ValidationError, match="year_basis 'unknown'"):
        MeetingDate.model_validate(date(None, "unknown", "context"))


def test_dates_stay_strings_and_types_are_strict() -> None:
    with pytest.raises(ValidationError, match="valid string"):
        MeetingDate.model_validate(date(2020, "year"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="valid integer"):
        MeetingDate.model_validate(date("2020", "year") | {"evidence": EVIDENCE | {"start": "10"}})


@pytest.mark.parametrize("city", ["北京市", "天津市", "上海市", "重庆市"])
def test_province_level_municipalities_are_provincial(city: str) -> None:
    assert MeetingLevel.model_validate(
        {"level": "provincial", "jurisdiction": city, "evidence": EVIDENCE}
    )
    with pytest.raises(ValidationError, match="province-level municipality"):
        MeetingLevel.model_validate(
            {"level": "prefectural", "jurisdiction": city, "evidence": EVIDENCE}
        )


def test_provincial_jurisdiction_must_be_a_full_name() -> None:
    with pytest.raises(ValidationError, match="full name"):
        MeetingLevel.model_validate(
            {"level": "provincial", "jurisdiction": "湖北", "evidence": EVIDENCE}
        )
    with pytest.raises(ValidationError, match="note saying why"):
        MeetingLevel.model_validate({"level": "county", "jurisdiction": None, "evidence": EVIDENCE})


def speaker(**fields: Any) -> dict:
    return {
        "name": "刘家义",
        "titles": ["省委书记"],
        "roles": ["presided"],
        "evidence": EVIDENCE,
    } | fields


def test_speaker_roles_are_a_non_empty_set_and_attended_stands_alone() -> None:
    assert Speaker.model_validate(speaker(roles=["presided", "spoke"]))
    for roles, message in [
        ([], "at least 1"),
        (["spoke", "spoke"], "listed twice"),
        (["attended", "spoke"], "neither presided nor spoke"),
        (["chaired"], "presided"),
    ]:
        with pytest.raises(ValidationError, match=message):
            Speaker.model_validate(speaker(roles=roles))


def test_speaker_name_must_be_in_its_evidence_in_either_script() -> None:
    traditional = {"quote": "劉家義主持會議", "start": 0, "end": 7}
    assert Speaker.model_validate(speaker(evidence=traditional))
    with pytest.raises(ValidationError, match="does not contain the name"):
        Speaker.model_validate(speaker(name="龚正"))
    with pytest.raises(ValidationError, match="note saying why"):
        Speaker.model_validate(speaker(name=None))


def requirement(
    ordinal: int | None, section: int | None = None, text: str = "要做好防控。"
) -> dict:
    return {
        "ordinal": ordinal,
        "section": section,
        "text": text,
        "category": "other",
        "evidence": {"quote": text, "start": 0, "end": len(text)},
    }


def meeting(requirements: list[dict]) -> dict:
    return {
        "meeting_id": "m1",
        "name": None,
        "convener": None,
        "evidence": EVIDENCE,
        "date": date("2020-01-26", "day"),
        "level": {"level": "national", "jurisdiction": "中华人民共和国", "evidence": EVIDENCE},
        "speakers": [],
        "requirements": requirements,
    }


def test_nested_ordinals_run_per_list() -> None:
    rows = [
        requirement(1),
        requirement(1, 1),
        requirement(2, 1),
        requirement(None, 1),
        requirement(2),
        requirement(1, 2),
        requirement(None),
    ]
    assert len(Meeting.model_validate(meeting(rows)).requirements) == 7


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([requirement(1), requirement(3)], "expected 2, found 3"),
        ([requirement(2)], "expected 1, found 2"),
        ([requirement(1), requirement(1, 2)], "section 2 is not the ordinal"),
        ([requirement(1, None, "學(xué)習(xí)")], "pinyin"),
        ([requirement(1, None, "學習")], "Simplified"),
    ],
)
def test_bad_requirement_lists_are_refused(rows: list[dict], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Meeting.model_validate(meeting(rows))


def test_manifest_refuses_paths_and_duplicates() -> None:
    entry = {
        "doc_id": "a-b",
        "file": "a.txt",
        "sha256": "0" * 64,
        "title": "t",
        "source_site": None,
        "source_url": None,
        "script": "simplified",
        "published": "2020-11-04",
        "status": "annotated",
    }
    assert Manifest.model_validate({"documents": [entry]}).documents[0].published.year == 2020
    for bad in [
        {"doc_id": "../x"},
        {"doc_id": "A"},
        {"file": "../a.txt"},
        {"file": "a/b.txt"},
        {"published": "2020-02-30"},
        {"source_url": "javascript:alert(1)"},
    ]:
        with pytest.raises(ValidationError):
            Manifest.model_validate({"documents": [entry | bad]})
    with pytest.raises(ValidationError, match="listed twice"):
        Manifest.model_validate({"documents": [entry, entry | {"file": "b.txt"}]})


def test_taxonomy_maps_every_category() -> None:
    assert len(category_names()) == len(set(category_names())) >= 18
    coronanet = {
        "Anti-Disinformation Measures",
        "COVID-19 Vaccines",
        "Closure and Regulation of Schools",
        "Curfew",
        "Declaration of Emergency",
        "External Border Restrictions",
        "Health Monitoring",
        "Health Resources",
        "Health Testing",
        "Hygiene",
        "Internal Border Restrictions",
        "Lockdown",
        "New Task Force, Bureau or Administrative Configuration",
        "Other Policy Not Listed Above",
        "Public Awareness Measures",
        "Quarantine",
        "Restriction and Regulation of Businesses",
        "Restriction and Regulation of Government Services",
        "Restrictions of Mass Gatherings",
        "Social Distancing",
    }
    oxcgrt = (
        {f"C{i}" for i in range(1, 9)}
        | {f"E{i}" for i in range(1, 5)}
        | {f"H{i}" for i in range(1, 9)}
        | {f"V{i}" for i in range(1, 5)}
    )
    for category in categories():
        assert category.coronanet is None or category.coronanet in coronanet, category.name
        assert set(category.oxcgrt) <= oxcgrt, category.name
        assert category.definition and (category.cues or category.name == "other")
    assert categories()[-1].name == "other"


def test_gazetteer_has_34_provincial_divisions_with_unique_abbreviations() -> None:
    rows = provinces()
    assert len(rows) == 34
    assert len({p.abbreviation for p in rows}) == 34
    assert {p.name for p in rows if p.kind == "municipality"} == {
        "北京市",
        "天津市",
        "上海市",
        "重庆市",
    }


MANIFEST_ENTRY = {
    "doc_id": "qingshi-county-meeting",
    "file": "003_qingshi.txt",
    "sha256": "0" * 64,
    "title": "青石县召开疫情防控工作会议",
    "source_site": None,
    "source_url": None,
    "script": "simplified",
    "status": "annotated",
}


def test_published_is_a_day_written_yyyy_mm_dd() -> None:
    entry = Manifest.model_validate({"documents": [MANIFEST_ENTRY | {"published": "2020-03-06"}]})
    assert entry.documents[0].published.isoformat() == "2020-03-06"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "published",
    [
        20200306,  # lax Pydantic: a Unix time
        1583452800,
        1583452800.0,
        True,
        "20200306",
        "2020-3-6",
        "2020-03-06T08:00:00",
        "2020-03-06 ",
        "２０２０-０３-０６",
        "٢٠٢٠-٠٣-٠٦",
        "2020-W10-5",
        "+2020-03-06",
        b"2020-03-06",
    ],
)
def test_published_refuses_numbers_timestamps_and_other_digits(published: Any) -> None:
    with pytest.raises(ValidationError, match="is not a date written YYYY-MM-DD in ASCII digits"):
        Manifest.model_validate({"documents": [MANIFEST_ENTRY | {"published": published}]})


def test_published_must_be_a_calendar_day() -> None:
    with pytest.raises(ValidationError, match="2020-02-30 is not a calendar date"):
        Manifest.model_validate({"documents": [MANIFEST_ENTRY | {"published": "2020-02-30"}]})


@pytest.mark.parametrize("value", ["２０２０-03-16", "2020-０３", "٢٠٢٠", "２０２０"])
def test_meeting_dates_need_ascii_digits(value: str) -> None:
    precision = {10: "day", 7: "month", 4: "year"}[len(value)]
    with pytest.raises(ValidationError, match="is not ISO 8601"):
        MeetingDate.model_validate(date(value, precision))


@pytest.mark.parametrize("offset", [True, False, 10.0, "10", "１０", None])
def test_offsets_are_strict_integers(offset: Any) -> None:
    with pytest.raises(ValidationError, match="valid integer"):
        MeetingDate.model_validate(
            date("2020", "year") | {"evidence": EVIDENCE | {"start": offset}}
        )


@pytest.mark.parametrize("ordinal", [True, 1.0, "1", "on"])
def test_ordinals_are_strict_integers(ordinal: Any) -> None:
    with pytest.raises(ValidationError, match="valid integer"):
        Meeting.model_validate(meeting([requirement(ordinal)]))
