"""Crawl records → pages: every kind of bad record gives a reason, ids are strings, and the audit
of dropped pages holds only what JSON can (no datatrove needed)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from covidmeet_ds.crawl_records import (
    ID_INVALID,
    ID_MISSING,
    MAX_JSON_DEPTH,
    SURROGATES_REPLACED,
    NoJsonForm,
    Page,
    Skip,
    fields_listed,
    files_changed,
    id_of,
    json_ready,
    json_ready_fields,
    parse_json_line,
    record_page,
)

TEXT = "县里召开疫情防控工作会议。"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"id": "a", "text": "unterminated\n', "not_json"),
        (b"{'id': 'a'}", "not_json"),
        (b"[" * 100_000, "not_json"),  # RecursionError inside json
        (b'{"n": ' + b"1" * 5000 + b"}", "not_json"),  # longer than Python converts
        (b'["a list"]', "not_object"),
        (b'"a string"', "not_object"),
        (b"null", "not_object"),
        (b"42", "not_object"),
        (b'{"text": "\xff\xfe"}', "invalid_utf8"),
        (b'{"text": "\xe5\x8e"}', "invalid_utf8"),  # a character cut in half
        ('{"text": "会"}'.encode("utf-16"), "invalid_utf8"),
    ],
)
def test_a_line_that_is_no_json_object_gives_its_reason(line: bytes, reason: str) -> None:
    result = parse_json_line(line)
    assert isinstance(result, Skip)
    assert result.reason == reason
    assert result.detail


def test_a_byte_order_mark_is_allowed_on_the_first_line_only() -> None:
    line = '\ufeff{"text": "x"}'.encode()
    assert parse_json_line(line, first_line=True) == {"text": "x"}
    assert isinstance(parse_json_line(line), Skip)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (5, "text_not_string"),
        (2.5, "text_not_string"),
        (True, "text_not_string"),
        (["a", "b"], "text_not_string"),
        ({"zh": TEXT}, "text_not_string"),
        (None, "missing_text"),
        (b"\xff\xfe", "invalid_utf8"),
        (bytearray(b"\xc3"), "invalid_utf8"),
    ],
)
def test_a_text_that_is_not_a_string_gives_no_page(value: object, reason: str) -> None:
    result = record_page({"id": "p", "text": value}, "text", "id", "f.jsonl/0")
    assert isinstance(result, Skip)
    assert result.reason == reason
    assert "'text'" in result.detail


def test_a_missing_text_field_gives_no_page() -> None:
    result = record_page({"id": "p", "body": TEXT}, "text", "id", "f.jsonl/0")
    assert result == Skip("missing_text", "no field 'text'")


def test_text_from_utf8_bytes_and_lone_surrogates_are_kept() -> None:
    page = record_page({"text": TEXT.encode()}, "text", "id", "f/0")
    assert isinstance(page, Page) and page.text == TEXT
    page = record_page({"id": "a\ud800", "text": "会\udc00议"}, "text", "id", "f/0")
    assert isinstance(page, Page)
    assert (page.text, page.id) == ("会\ufffd议", "a\ufffd")
    assert page.notes == [SURROGATES_REPLACED, SURROGATES_REPLACED]


@pytest.mark.parametrize(
    ("value", "expected", "notes"),
    [
        ("page-1", "page-1", []),
        (7, "7", []),
        (7.0, "7", []),  # pandas writes an int column with nulls as floats
        (-3, "-3", []),
        (2**70, str(2**70), []),
        (2.5, "2.5", []),
        (Decimal("12"), "12", []),
        (Decimal("12.50"), "12.50", []),
        (b"bytes-id", "bytes-id", []),
        ("x" * 5000, "x" * 5000, []),  # kept whole; log lines cut it
        (None, "f.jsonl/3", [ID_MISSING]),
        ("", "f.jsonl/3", [ID_MISSING]),
        ("  \t", "f.jsonl/3", [ID_MISSING]),
        (math.nan, "f.jsonl/3", [ID_MISSING]),
        (Decimal("NaN"), "f.jsonl/3", [ID_MISSING]),
        (math.inf, "f.jsonl/3", [ID_INVALID]),
        (True, "f.jsonl/3", [ID_INVALID]),
        (False, "f.jsonl/3", [ID_INVALID]),
        ([1, 2], "f.jsonl/3", [ID_INVALID]),
        ({"a": 1}, "f.jsonl/3", [ID_INVALID]),
        (b"\xff", "f.jsonl/3", [ID_INVALID]),
        (date(2020, 3, 2), "f.jsonl/3", [ID_INVALID]),
    ],
)
def test_ids_are_strings_and_unusable_ones_are_file_and_index(
    value: object, expected: str, notes: list[str]
) -> None:
    noted: list[str] = []
    assert id_of(value, "f.jsonl/3", noted) == expected
    assert noted == notes


def test_a_record_without_the_id_field_is_numbered_by_file_and_index() -> None:
    page = record_page({"text": TEXT, "url": "u"}, "text", "id", "part/0.jsonl/12")
    assert isinstance(page, Page)
    assert (page.id, page.notes, page.metadata) == ("part/0.jsonl/12", [ID_MISSING], {"url": "u"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        ("a\ud800", "a\ufffd"),
        (-(2**63), -(2**63)),
        (2**64 - 1, 2**64 - 1),
        (1.5, 1.5),
        (date(2020, 3, 2), "2020-03-02"),
        (datetime(2020, 3, 2, 8, 30, tzinfo=UTC), "2020-03-02T08:30:00+00:00"),
        (time(8, 30), "08:30:00"),
        ((1, [2, {"k": "v"}]), [1, [2, {"k": "v"}]]),
    ],
)
def test_values_with_a_json_form_are_written(value: object, expected: object) -> None:
    assert json_ready(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        b"\x00bytes",
        Decimal("1.5"),
        timedelta(days=1),
        math.nan,
        -math.inf,
        2**64,
        -(2**63) - 1,
        {1: "int key"},
        {"nested": [b"bytes inside"]},
        {1, 2},
        object(),
    ],
)
def test_values_without_a_json_form_are_refused(value: object) -> None:
    with pytest.raises(NoJsonForm):
        json_ready(value)


def test_nesting_deeper_than_the_limit_has_no_json_form() -> None:
    deep: object = "leaf"
    for _ in range(MAX_JSON_DEPTH + 5):
        deep = [deep]
    with pytest.raises(NoJsonForm, match="nested deeper"):
        json_ready(deep)


def test_only_the_fields_without_a_json_form_are_left_out() -> None:
    ready, left_out = json_ready_fields(
        {"url": "u", "raw": b"\x89PNG", "price": Decimal("2.5"), "score": math.nan}
    )
    assert ready == {"url": "u"}
    assert left_out == {"raw": "bytes", "price": "Decimal", "score": "nan"}


def test_files_changed_names_each_file() -> None:
    before = {"a.jsonl": {"bytes": 5, "sha256": "1"}, "b.jsonl": {"bytes": 5, "sha256": "2"}}
    now = {"a.jsonl": {"bytes": 5, "sha256": "9"}, "c.jsonl": {"bytes": 1, "sha256": "3"}}
    assert files_changed(before, now) == [
        "c.jsonl is new",
        "b.jsonl is gone",
        "a.jsonl changed (same size, other content)",
    ]
    assert files_changed({"a.jsonl": 5}, {"a.jsonl": {"bytes": 5, "sha256": "1"}}) == [
        "a.jsonl changed"
    ]


def test_fields_listed_ranks_and_cuts() -> None:
    assert fields_listed({}) == "none"
    assert fields_listed({"text": 2, "id": 3}) == "'id' (3), 'text' (2)"
    many = {f"f{i:02d}": 1 for i in range(35)}
    assert fields_listed(many).endswith(", and 5 more")


def test_files_changed_takes_a_listing_of_another_shape_as_empty() -> None:
    now = {"a.jsonl": {"bytes": 5, "sha256": "1"}}
    assert files_changed(["a.jsonl"], now) == ["a.jsonl is new"]
    assert files_changed(None, now) == ["a.jsonl is new"]
