"""The review pages rendered in headless Chromium: in the live DOM, every highlight holds exactly
the characters its evidence quotes, for every evidence of every annotation of the corpus.

Needs Debian's ``chromium`` (``apt-get install -y --no-install-recommends chromium``; CI's
``.ci/run`` installs it) and ``playwright`` (the dev extra), which drives that Chromium and never
downloads a browser of its own."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from covidmeet_ds.cli import main
from covidmeet_ds.reader import iter_documents
from covidmeet_ds.view import COLOURS, DocumentView, iter_evidence, page_path, render_document

from .conftest import REPO
from .test_view import RAW, _annotation, _meeting
from .view_html import Expected, MarkRead, check_marks

CHROMIUM = Path(os.environ.get("COVIDMEET_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

READ_MARKS = """els => els.map(e => ({
  annotator: e.dataset.annotator, field: e.dataset.field,
  start: Number(e.dataset.start), end: Number(e.dataset.end),
  evidence_start: Number(e.dataset.evidenceStart), evidence_end: Number(e.dataset.evidenceEnd),
  text: e.textContent, id: e.id || null, classes: Array.from(e.classList),
  kind: e.dataset.kind, background: getComputedStyle(e).backgroundColor,
  boxes: e.getClientRects().length,
}))"""

BROKEN_LINKS = """() => Array.from(document.querySelectorAll('a[href^="#"]'))
  .map(a => a.getAttribute('href'))
  .filter(href => document.getElementById(decodeURIComponent(href.slice(1))) === null)"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A page of a headless Chromium with a fresh profile, and the URLs it requested."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: install it with "
            "`apt-get install -y --no-install-recommends chromium` (CI's .ci/run does), or set "
            "COVIDMEET_CHROMIUM to its path"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        pytest.fail(f"playwright is missing ({error}): pip install -e '.[dev]'")
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS
        )
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        try:
            yield page, requested
        finally:
            context.close()


def _marks(page: Any) -> tuple[list[MarkRead], list[dict]]:
    found = page.eval_on_selector_all("mark", READ_MARKS)
    reads = [
        MarkRead(
            m["annotator"],
            m["field"],
            m["start"],
            m["end"],
            m["evidence_start"],
            m["evidence_end"],
            m["text"],
            m["id"],
            tuple(m["classes"]),
        )
        for m in found
    ]
    return reads, found


def _check_page(page: Any, raw: str, annotations: list) -> None:
    reads, found = _marks(page)
    expected = [
        Expected(a.annotator, path, e.start, e.end, e.quote)
        for a in annotations
        for _, path, e in iter_evidence(a)
    ]
    check_marks(raw, expected, reads)
    for mark in found:
        assert mark["background"] == COLOURS[mark["kind"]], mark  # coloured by kind, by CSS
        assert mark["boxes"] > 0, mark  # laid out on screen
    for annotation in annotations:
        panel = f'div.raw[data-annotator="{annotation.annotator}"]'
        assert page.eval_on_selector(panel, "e => e.textContent") == raw
    assert page.evaluate(BROKEN_LINKS) == []
    assert page.evaluate("() => document.scripts.length") == 0  # highlights need no JS


@pytest.fixture(scope="module")
def corpus_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("view") / "pages"
    assert main(["view", "--root", str(REPO), "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("document", list(iter_documents(REPO)), ids=lambda d: d.entry.doc_id)
def test_highlights_land_on_the_quoted_characters_of_the_corpus(
    document: Any, corpus_pages: Path, browser: tuple[Any, list[str]]
) -> None:
    page, requested = browser
    requested.clear()
    url = (corpus_pages / page_path(document.entry.doc_id)).as_uri()
    page.goto(url)
    annotations = [a for a in (document.hand, document.rule) if a is not None]
    _check_page(page, document.raw_text, annotations)
    assert requested == [url]  # self-contained: nothing else is fetched


def test_written_text_with_crlf_markup_and_emoji_in_the_browser(
    tmp_path: Path, browser: tuple[Any, list[str]]
) -> None:
    page, _ = browser
    hand = _annotation("hand", [_meeting()])
    rule = _annotation("rule", [_meeting(speakers=[])])
    path = tmp_path / "page.html"
    view = DocumentView("qinghe-county", "青禾<县>", RAW, (hand, rule))
    path.write_text(render_document(view), encoding="utf-8")
    page.goto(path.as_uri())
    _check_page(page, RAW, [hand, rule])
    assert "\r\n" in page.eval_on_selector('div.raw[data-annotator="hand"]', "e => e.textContent")
    assert page.title() == "qinghe-county: 青禾<县>"


def test_index_links_to_every_page(corpus_pages: Path, browser: tuple[Any, list[str]]) -> None:
    page, _ = browser
    page.goto((corpus_pages / "index.html").as_uri())
    hrefs = page.eval_on_selector_all("a", "els => els.map(a => a.href)")
    expected = [(corpus_pages / page_path(d.entry.doc_id)).as_uri() for d in iter_documents(REPO)]
    assert hrefs == expected
    for href in hrefs:
        page.goto(href)
        back = page.eval_on_selector("a", "a => a.href")
        assert back == (corpus_pages / "index.html").as_uri()
