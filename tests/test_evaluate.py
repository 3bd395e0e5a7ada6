"""The evaluation: scoring against the real gold, the report, and the off-the-shelf peers."""

from __future__ import annotations

import copy
import json
import math
import socket
from collections.abc import Callable
from typing import Any

import pytest

from covidmeet_ds.evaluate import (
    FIELDS,
    RULES,
    MeetingItem,
    Prediction,
    RequirementItem,
    Scores,
    align_meetings,
    align_requirements,
    render_markdown,
    report_json,
    score,
    write_report,
)
from covidmeet_ds.models import Annotation

from .conftest import REPO
from .rules_helpers import Seed, load_seeds

HUBEI = "cri-hubei-provincial-teleconference"
SHANDONG = "mirror-shandong-standing-committee"


@pytest.fixture(scope="module")
def seeds() -> dict[str, Seed]:
    """The seed reports and their gold."""
    return {seed.doc_id: seed for seed in load_seeds()}


@pytest.fixture(scope="module")
def hand(seeds: dict[str, Seed]) -> dict[str, Annotation]:
    return {doc_id: seed.gold for doc_id, seed in seeds.items()}


def edited(gold: Annotation, edit: Callable[[dict[str, Any]], None]) -> Annotation:
    """A copy of ``gold`` changed through its plain data, validated again by the models."""
    data = copy.deepcopy(gold.model_dump(mode="python"))
    edit(data)
    return Annotation.model_validate(data)


def replace(hand: dict[str, Annotation], doc_id: str, edit: Callable[[dict[str, Any]], None]):
    return {**hand, doc_id: edited(hand[doc_id], edit)}


def flat(metrics: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out |= {f"{key}.{part}": number for part, number in value.items()}
        else:
            out[key] = value
    return out


def pairs_and_names(hand: dict[str, Annotation]) -> tuple[int, int, int]:
    """(speaker (name, role) pairs, speakers, requirements) in the whole gold."""
    meetings = [m for a in hand.values() for m in a.meetings]
    pairs = sum(len(s.roles) for m in meetings for s in m.speakers)
    speakers = sum(len(m.speakers) for m in meetings)
    return pairs, speakers, sum(len(m.requirements) for m in meetings)


# --- Gold against itself -------------------------------------------------------------------------


def test_gold_loads_with_safe_load(hand: dict[str, Annotation]) -> None:
    """Dates are quoted in the gold YAML, so yaml.safe_load keeps them strings (strict models)."""
    assert len(hand) == 5
    values = [m.date.value for a in hand.values() for m in a.meetings]
    assert all(value is None or isinstance(value, str) for value in values)


def test_gold_against_itself_scores_one_everywhere(hand: dict[str, Annotation]) -> None:
    scores = score(hand, hand)
    assert scores.fields == frozenset(FIELDS)
    total = flat(scores.metrics())
    assert total and all(value == 1.0 for value in total.values()), total
    for doc_id in hand:
        per_doc = flat(scores.metrics(doc_id))
        # a document without speakers has undefined speaker metrics, never a score below 1
        assert all(value in (1.0, None) for value in per_doc.values()), (doc_id, per_doc)
    assert scores.total.gold_meetings == scores.total.matched_meetings == 7


# --- One change at a time ------------------------------------------------------------------------


def test_removing_a_speaker_with_two_roles_lowers_recall_by_two_pairs(hand) -> None:
    pairs, speakers, _ = pairs_and_names(hand)
    gold_speaker = hand[SHANDONG].meetings[0].speakers[0]
    assert sorted(gold_speaker.roles) == ["presided", "spoke"]

    def drop_first_speaker(data: dict[str, Any]) -> None:
        del data["meetings"][0]["speakers"][0]

    metrics = score(hand, replace(hand, SHANDONG, drop_first_speaker)).metrics()
    assert metrics["speakers"]["recall"] == pytest.approx((pairs - 2) / pairs)
    assert metrics["speakers"]["precision"] == 1.0
    assert metrics["speaker_names"]["recall"] == pytest.approx((speakers - 1) / speakers)
    assert metrics["speaker_names"]["precision"] == 1.0
    for key in ("date", "year", "level", "jurisdiction", "category"):
        assert metrics[key] == 1.0
    assert metrics["requirements"]["f1"] == 1.0


def test_a_wrong_role_is_a_pair_miss_and_false_positive_but_keeps_the_name(hand) -> None:
    pairs, _, _ = pairs_and_names(hand)

    def presided_becomes_spoke(data: dict[str, Any]) -> None:
        speaker = data["meetings"][1]["speakers"][1]  # 黄楚平, presided
        assert speaker["roles"] == ["presided"]
        speaker["roles"] = ["spoke"]

    metrics = score(hand, replace(hand, HUBEI, presided_becomes_spoke)).metrics()
    assert metrics["speakers"]["recall"] == pytest.approx((pairs - 1) / pairs)
    assert metrics["speakers"]["precision"] == pytest.approx((pairs - 1) / pairs)
    assert metrics["speaker_names"]["f1"] == 1.0


def test_shifted_requirement_is_a_miss_and_a_false_positive(hand) -> None:
    _, _, requirements = pairs_and_names(hand)

    def shift_last_requirement(data: dict[str, Any]) -> None:
        evidence = data["meetings"][-1]["requirements"][-1]["evidence"]
        shift = math.ceil(0.6 * (evidence["end"] - evidence["start"]))  # IoU = 0.4 / 1.6
        evidence["start"] += shift
        evidence["end"] += shift

    predicted = replace(hand, HUBEI, shift_last_requirement)
    scores = score(hand, predicted)
    counts = scores.documents[HUBEI]
    assert (counts.requirement_fp, counts.requirement_fn) == (1, 1)
    metrics = scores.metrics()
    expected = (requirements - 1) / requirements
    assert metrics["requirements"]["precision"] == pytest.approx(expected)
    assert metrics["requirements"]["recall"] == pytest.approx(expected)
    assert metrics["category"] == 1.0


def test_small_shift_with_iou_at_least_half_still_matches(hand) -> None:
    def shift_a_little(data: dict[str, Any]) -> None:
        evidence = data["meetings"][-1]["requirements"][-1]["evidence"]
        shift = (evidence["end"] - evidence["start"]) // 4  # IoU = 0.75 / 1.25 = 0.6
        evidence["start"] += shift
        evidence["end"] += shift

    metrics = score(hand, replace(hand, HUBEI, shift_a_little)).metrics()
    assert metrics["requirements"]["f1"] == 1.0


def test_swapped_categories_lower_category_accuracy_only(hand) -> None:
    _, _, requirements = pairs_and_names(hand)

    def swap_first_two_categories(data: dict[str, Any]) -> None:
        items = data["meetings"][0]["requirements"]
        assert items[0]["category"] != items[1]["category"]
        items[0]["category"], items[1]["category"] = items[1]["category"], items[0]["category"]

    metrics = flat(score(hand, replace(hand, SHANDONG, swap_first_two_categories)).metrics())
    assert metrics.pop("category") == pytest.approx((requirements - 2) / requirements)
    assert all(value == 1.0 for value in metrics.values()), metrics


def test_extra_predicted_meeting_lowers_precision_not_recall(hand) -> None:
    pairs, speakers, requirements = pairs_and_names(hand)
    extra = hand[HUBEI].meetings[1]

    def duplicate_second_meeting(data: dict[str, Any]) -> None:
        data["meetings"].append({**copy.deepcopy(data["meetings"][1]), "meeting_id": "m3"})

    metrics = score(hand, replace(hand, HUBEI, duplicate_second_meeting)).metrics()
    assert metrics["meetings"]["precision"] == pytest.approx(7 / 8)
    assert metrics["meetings"]["recall"] == 1.0
    extra_pairs = sum(len(s.roles) for s in extra.speakers)
    assert metrics["speakers"]["precision"] == pytest.approx(pairs / (pairs + extra_pairs))
    assert metrics["speaker_names"]["precision"] == pytest.approx(
        speakers / (speakers + len(extra.speakers))
    )
    assert metrics["requirements"]["precision"] == pytest.approx(
        requirements / (requirements + len(extra.requirements))
    )
    for key in ("speakers", "speaker_names", "requirements"):
        assert metrics[key]["recall"] == 1.0
    for key in ("date", "year", "level", "jurisdiction", "category"):
        assert metrics[key] == 1.0


def test_missing_document_is_all_misses(hand) -> None:
    predicted = {doc_id: a for doc_id, a in hand.items() if doc_id != HUBEI}
    scores = score(hand, predicted)
    counts = scores.documents[HUBEI]
    assert counts.matched_meetings == counts.date_correct == counts.speaker_tp == 0
    assert counts.requirement_fn == sum(len(m.requirements) for m in hand[HUBEI].meetings)
    assert scores.metrics(HUBEI)["date"] == 0.0
    assert scores.metrics()["date"] == pytest.approx(5 / 7)
    assert scores.metrics()["requirements"]["precision"] == 1.0


def test_wrong_year_counts_against_date_and_year(hand) -> None:
    def next_year(data: dict[str, Any]) -> None:
        date = data["meetings"][0]["date"]
        date["value"] = "2021" + date["value"][4:]

    metrics = score(hand, replace(hand, SHANDONG, next_year)).metrics()
    assert metrics["date"] == metrics["year"] == pytest.approx(6 / 7)
    assert metrics["level"] == 1.0


# --- Alignment on synthetic items ----------------------------------------------------------------


def test_alignment_prefers_the_largest_overlap_then_level_and_date() -> None:
    gold = [
        MeetingItem(0, 10, date="2020-02-01", level="provincial"),
        MeetingItem(50, 60, date="2020-02-03", level="county"),
    ]
    predicted = [
        MeetingItem(8, 30, date="2020-02-01", level="provincial"),  # overlaps gold 0 by 2
        MeetingItem(2, 9, date="2020-02-01", level="provincial"),  # overlaps gold 0 by 7
        MeetingItem(100, 110, date="2020-02-03", level="county"),  # no overlap, same level/date
    ]
    assert align_meetings(gold, predicted) == [(0, 1), (1, 2)]


def test_alignment_never_matches_on_a_missing_level() -> None:
    gold = [MeetingItem(0, 10)]
    assert align_meetings(gold, [MeetingItem(20, 30)]) == []


def test_requirement_alignment_is_one_to_one_by_best_iou() -> None:
    gold = [RequirementItem(0, 10, "a"), RequirementItem(10, 20, "b")]
    predicted = [RequirementItem(1, 10, "a"), RequirementItem(0, 10, "a"), RequirementItem(11, 21)]
    assert align_requirements(gold, predicted) == [(0, 1), (1, 2)]


def test_score_of_a_prediction_with_some_fields_marks_the_others_na(hand) -> None:
    dates_only = {
        doc_id: Prediction(
            meetings=tuple(
                MeetingItem(m.evidence.start, m.evidence.end, date=m.date.value)
                for m in annotation.meetings
            ),
            fields=frozenset({"date", "year"}),
        )
        for doc_id, annotation in hand.items()
    }
    metrics = score(hand, dates_only).metrics()
    assert metrics["date"] == metrics["year"] == 1.0
    assert all(metrics[key] is None for key in FIELDS if key not in ("date", "year"))


# --- Report --------------------------------------------------------------------------------------


def test_markdown_has_annotators_and_rules_per_document(hand) -> None:
    results: dict[str, Scores] = {RULES: score(hand, hand), "peer": score(hand, {})}
    markdown = render_markdown(results)
    assert "| rules | 7 | 1.00 / 1.00 / 1.00 |" in markdown
    assert "| peer | 7 | – / 0.00 / 0.00 |" in markdown
    assert "**Seed reports, rules per document**: meetings and speakers" in markdown
    assert "**Seed reports, rules per level**: requirements and quality flags" in markdown
    assert "| provincial |" in markdown
    assert "development figures" in markdown
    for doc_id in hand:
        assert f"| `{doc_id}` |" in markdown
    assert markdown.endswith("\n")


def test_report_is_deterministic_json_with_markdown(hand, tmp_path) -> None:
    results = {RULES: score(hand, hand)}
    path = tmp_path / "reports" / "evaluation.json"
    write_report(path, results)
    first = path.read_bytes()
    write_report(path, {RULES: score(dict(reversed(list(hand.items()))), hand)})
    assert path.read_bytes() == first
    text = first.decode("utf-8")
    assert text.endswith("}\n") and text == report_json(results)
    data = json.loads(text)
    assert data["markdown"] == render_markdown(results)
    rules = data["annotators"][RULES]
    assert rules["total"]["metrics"]["requirements"]["f1"] == 1.0
    assert set(rules["documents"]) == set(hand)
    assert text == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert "IoU ≥ 0.5" in text  # non-ASCII kept as is (ensure_ascii=False)


# --- Peers ---------------------------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a network connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a peer tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_jionlp_dates_offline_on_a_seed(seeds, hand, offline) -> None:
    pytest.importorskip("jionlp", reason="peer package jionlp is not installed")
    from covidmeet_ds.peers import DATE_FIELDS, jionlp_dates

    seed = seeds[HUBEI]
    prediction = jionlp_dates(seed.gold, seed.raw, seed.published)
    assert prediction.fields == DATE_FIELDS
    assert len(prediction.meetings) == len(seed.gold.meetings)
    assert all(m.speakers == () and m.level is None for m in prediction.meetings)
    # 11月3日下午 resolved against the publication date 2020-11-04
    assert prediction.meetings[0].date == "2020-11-03"
    scores = score({HUBEI: seed.gold}, {HUBEI: prediction})
    assert scores.metrics()["speakers"] is None
    assert scores.metrics()["year"] == 1.0


def test_jionlp_is_quiet_on_every_seed(seeds, offline, capfd) -> None:
    """jionlp logs tracebacks of expressions it cannot parse; the peer keeps them quiet."""
    pytest.importorskip("jionlp", reason="peer package jionlp is not installed")
    from covidmeet_ds.peers import jionlp_dates

    for seed in seeds.values():
        prediction = jionlp_dates(seed.gold, seed.raw, seed.published)
        values = [m.date for m in prediction.meetings if m.date is not None]
        assert all(len(value) in (4, 7, 10) for value in values)
    out, err = capfd.readouterr()
    assert "Traceback" not in err and out == ""


def test_jionlp_without_publication_date_still_returns_iso_values(seeds, offline) -> None:
    pytest.importorskip("jionlp", reason="peer package jionlp is not installed")
    from covidmeet_ds.peers import jionlp_date

    value = jionlp_date("3月16日下午,召开全市疫情防控工作会议。", None)
    assert value is not None and value.endswith("-03-16")
    assert jionlp_date("", None) is None
    assert jionlp_date("没有时间的句子", None) is None


@pytest.mark.parametrize("peer", ["jieba_speakers", "jiojio_speakers"])
def test_speaker_peers_offline_on_a_seed(seeds, offline, peer: str) -> None:
    pytest.importorskip("jieba" if peer == "jieba_speakers" else "jiojio", reason="not installed")
    from covidmeet_ds import peers

    seed = seeds[HUBEI]
    prediction = getattr(peers, peer)(seed.gold, seed.raw)
    assert prediction.fields == peers.SPEAKER_FIELDS
    assert len(prediction.meetings) == len(seed.gold.meetings)
    for predicted, gold in zip(prediction.meetings, seed.gold.meetings, strict=True):
        assert (predicted.start, predicted.end) == (gold.evidence.start, gold.evidence.end)
        assert all(s.roles == ("spoke",) and s.name for s in predicted.speakers)
        assert predicted.requirements == ()
    names = {s.name for s in prediction.meetings[1].speakers}
    assert "黄楚平" in names  # a plain 'title + name + 主持会议' clause
    metrics = score({HUBEI: seed.gold}, {HUBEI: prediction}).metrics()
    assert metrics["date"] is None and metrics["requirements"] is None
    assert 0 < metrics["speaker_names"]["recall"] <= 1


def test_missing_peer_package_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from covidmeet_ds import peers

    real_import = builtins.__import__

    def no_such_package(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "jionlp_missing_for_test":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_such_package)
    with pytest.raises(peers.PeerUnavailable, match="pip install jionlp jieba"):
        peers._import("jionlp_missing_for_test")


def test_the_committed_report_scores_the_committed_rule_annotations() -> None:
    """How well the rules do is what `evaluate` measures and the card reports; a test only
    checks that the committed report is current (the seeds are development data, and a correct
    report added to the corpus must not turn CI red)."""
    from covidmeet_ds.build import load_documents

    documents = load_documents(REPO, progress=False)
    gold = {d.entry.doc_id: d.hand for d in documents if d.hand is not None}
    rules = {d.entry.doc_id: d.rule for d in documents if d.rule is not None}
    fresh = score(gold, rules).to_dict()["total"]
    report = json.loads((REPO / "reports" / "evaluation.json").read_text(encoding="utf-8"))
    assert report["annotators"]["rules"]["total"] == fresh, (
        "reports/evaluation.json is stale: run `covidmeet-ds evaluate` and commit it"
    )
