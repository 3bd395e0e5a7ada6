"""Report sets outside the corpus: the format, the loader's errors, the scorer's known values.

Every report here is invented (names, places and sentences are ours).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from covidmeet_ds.cli import main
from covidmeet_ds.evalset import (
    EvalSetError,
    ItemPrediction,
    PredictedMeeting,
    ReportSet,
    align,
    failure_patterns,
    fold_width,
    load_report_sets,
    merge_sets,
    render_set_markdown,
    score_baseline,
    score_predictions,
    score_rules,
)
from covidmeet_ds.models import Annotation

DEVSET = Path(__file__).parents[1].parent / "shared" / "devset"

PROVINCIAL = (
    "3月5日下午,云泽省召开全省疫情防控工作会议。省委书记周望川主持会议并讲话。"
    "会议要求,一是加强联防联控,落实四方责任;二是做好物资保障。"
)
COUNTY = (
    "2月9日,禾田县召开疫情防控工作调度会。县长林晓禾主持会议。会议强调,要严格社区管控。"
    "2月10日,禾田县委常委会召开会议,研究部署复工复产,县委书记高远讲话。"
)
NEGATIVE = "4月1日,某市召开春季植树工作会议,部署绿化工作。"

REPORTS = [
    {"id": "p1", "pub_date": "2020-03-06 08:00:00", "title": "全省会议", "text": PROVINCIAL},
    {"id": "c1", "pub_date": "2020-02-11", "title": "县里两个会议", "text": COUNTY},
    {"id": "n1", "pub_date": "2020-04-02", "title": "植树", "text": NEGATIVE, "url": None},
]

GOLD: dict[str, Any] = {
    "p1": {
        "pub_date": "2020-03-06",
        "prevention_meeting": True,
        "meetings": [
            {
                "dates": ["2020-03-05"],
                "level": "provincial",
                "convener": "云泽省",
                "jurisdiction": "云泽省",
                "people": [{"name": "周望川", "roles": ["presided", "spoke"]}],
                "unnamed_speaker": False,
                "directive_anchors": ["加强联防联控，落实", "做好物资保障"],
            }
        ],
    },
    "c1": {
        "pub_date": "2020-02-11",
        "prevention_meeting": True,
        "meetings": [
            {
                "dates": ["2020-02-09"],
                "level": "county",
                "convener": "禾田县",
                "people": [{"name": "林晓禾", "roles": ["presided"]}],
                "unnamed_speaker": False,
                "directive_anchors": ["严格社区管控"],
            },
            {
                "dates": ["2020-02-10", "2020-02"],
                "level": "county",
                "convener": "禾田县委常委会",
                "people": [{"name": "高远", "roles": ["spoke"]}],
                "unnamed_speaker": False,
                "directive_anchors": [],
            },
        ],
    },
    "n1": {
        "pub_date": "2020-04-02",
        "prevention_meeting": False,
        "why": "植树会议",
        "reason": "not_epidemic",
    },
}


def write_set(folder: Path, reports=REPORTS, gold=GOLD, name: str = "mini") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in reports]
    (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = yaml.safe_dump(gold, allow_unicode=True, sort_keys=False)
    (folder / f"{name}-gold.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def mini(tmp_path: Path) -> ReportSet:
    (report_set,) = load_report_sets(write_set(tmp_path / "sets"))
    return report_set


def meeting(
    date_value: str | None,
    level: str,
    convener: str,
    people=(),
    requirements=(),
    jurisdiction: str | None = None,
    unnamed: bool = False,
) -> PredictedMeeting:
    return PredictedMeeting(
        date=date_value,
        level=level,
        jurisdiction=jurisdiction,
        convener=convener,
        people=tuple(people),
        unnamed_speaker=unnamed,
        requirements=tuple(requirements),
    )


P1 = meeting(
    "2020-03-05",
    "provincial",
    "云泽省",
    [("周望川", "presided"), ("周望川", "spoke")],
    ["加强联防联控,落实四方责任", "做好物资保障"],
    jurisdiction="云泽省",
)
C1 = meeting("2020-02-09", "county", "禾田县", [("林晓禾", "presided")], ["要严格社区管控"])
C2 = meeting("2020-02-10", "county", "禾田县委常委会", [("高远", "spoke")])


def perfect() -> dict[str, ItemPrediction]:
    return {
        "p1": ItemPrediction((P1,)),
        "c1": ItemPrediction((C1, C2)),
        "n1": ItemPrediction((), drop_reason="not_epidemic"),
    }


def end_to_end(metrics: dict[str, Any], key: str) -> Any:
    return metrics[key]["end_to_end"]


# --- Loading -------------------------------------------------------------------------------------


def test_a_set_loads_in_file_order_with_publication_days(mini: ReportSet) -> None:
    assert mini.name == "mini"
    assert [item.report.id for item in mini.items] == ["p1", "c1", "n1"]
    assert mini.items[0].report.published == date(2020, 3, 6)
    assert mini.items[0].gold.meetings[0].gives_jurisdiction
    assert not mini.items[1].gold.meetings[0].gives_jurisdiction


def test_a_misspelt_gold_field_names_file_line_and_field(tmp_path: Path) -> None:
    gold = json.loads(json.dumps(GOLD))
    gold["c1"]["meetings"][1]["levle"] = gold["c1"]["meetings"][1].pop("level")
    folder = write_set(tmp_path / "sets", gold=gold)
    with pytest.raises(EvalSetError) as raised:
        load_report_sets(folder)
    problems = raised.value.problems
    fields = {p.field for p in problems}
    assert "c1.meetings[1].levle" in fields and "c1.meetings[1].level" in fields
    misspelt = next(p for p in problems if p.field.endswith("levle"))
    assert misspelt.file.endswith("mini-gold.yaml")
    lines = (folder / "mini-gold.yaml").read_text(encoding="utf-8").splitlines()
    assert "levle:" in lines[misspelt.line - 1]
    assert "unknown field 'levle'" in str(raised.value)


def test_a_bad_report_line_names_its_line_and_field(tmp_path: Path) -> None:
    reports = [*REPORTS[:2], {**REPORTS[2], "pub_date": "April 2"}]
    with pytest.raises(EvalSetError) as raised:
        load_report_sets(write_set(tmp_path / "sets", reports=reports))
    (problem,) = raised.value.problems
    assert problem.file.endswith("mini.jsonl")
    assert (problem.line, problem.field) == (3, "pub_date")


def test_a_line_separator_inside_a_report_is_text_not_a_line_break(tmp_path: Path) -> None:
    reports = [dict(REPORTS[0]), *REPORTS[1:2], {**REPORTS[2], "pub_date": "April 2"}]
    reports[0]["text"] = "\u2028" + reports[0]["text"] + "\u0085\u2029"
    folder = tmp_path / "sets"
    write_set(folder, reports=reports)
    jsonl = folder / "mini.jsonl"
    # written as is (not escaped), as a scraper writing UTF-8 JSON would
    jsonl.write_text(jsonl.read_text(encoding="utf-8").replace("\\u2028", "\u2028"), "utf-8")
    with pytest.raises(EvalSetError) as raised:
        load_report_sets(folder)
    (problem,) = raised.value.problems
    assert (problem.line, problem.field) == (3, "pub_date")


@pytest.mark.timeout(60)
def test_a_report_file_that_is_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "sets")
    (folder / "mini.jsonl").unlink()
    os.mkfifo(folder / "mini.jsonl")
    with pytest.raises(EvalSetError, match="not a regular file: it is a FIFO"):
        load_report_sets(folder)


def test_unknown_reason_negative_with_meetings_and_bad_dates_are_refused(tmp_path: Path) -> None:
    gold = json.loads(json.dumps(GOLD))
    gold["n1"]["reason"] = "boring"
    gold["p1"]["meetings"][0]["dates"] = ["2020-02-30"]
    gold["c1"]["prevention_meeting"] = False
    with pytest.raises(EvalSetError) as raised:
        load_report_sets(write_set(tmp_path / "sets", gold=gold))
    fields = {p.field for p in raised.value.problems}
    assert {"n1.reason", "p1.meetings[0].dates", "c1"} <= fields


def test_missing_gold_and_orphan_ids_are_errors(tmp_path: Path) -> None:
    folder = write_set(tmp_path / "sets")
    (folder / "mini-gold.yaml").rename(folder / "other-gold.yaml")
    with pytest.raises(EvalSetError, match=r"no reports file other\.jsonl"):
        load_report_sets(folder)
    folder = write_set(tmp_path / "more", gold={k: v for k, v in GOLD.items() if k != "n1"})
    with pytest.raises(EvalSetError, match="no gold for this report"):
        load_report_sets(folder)


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match=r"no <name>\.jsonl"):
        load_report_sets(tmp_path)


# --- Scoring known values ------------------------------------------------------------------------


def test_perfect_predictions_score_one_everywhere(mini: ReportSet) -> None:
    scores = score_predictions(mini, perfect())
    metrics = scores.metrics()
    assert metrics["meetings"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert metrics["filter"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    for key in ("date", "level", "jurisdiction", "unnamed_speaker"):
        assert metrics[key] == {"matched": 1.0, "end_to_end": 1.0}, key
    for key in ("presider", "people"):
        assert end_to_end(metrics, key)["f1"] == 1.0
    assert metrics["anchors"]["recall"] == {"matched": 1.0, "end_to_end": 1.0}
    assert metrics["anchors"]["requirements_per_anchor"]["end_to_end"] == 1.0  # 3 / 3
    assert scores.failures == []
    assert scores.total.jurisdiction.total == 1  # only p1's gold gives it
    assert scores.total.confusion == {("prevention meeting", "kept"): 2, ("not_epidemic",) * 2: 1}


def test_a_missing_meeting_lowers_recall_and_end_to_end_only(mini: ReportSet) -> None:
    predictions = {**perfect(), "c1": ItemPrediction((C1,))}
    scores = score_predictions(mini, predictions)
    metrics = scores.metrics()
    assert metrics["meetings"]["recall"] == pytest.approx(2 / 3)
    assert metrics["meetings"]["precision"] == 1.0
    assert metrics["date"] == {"matched": 1.0, "end_to_end": pytest.approx(2 / 3)}
    people = metrics["people"]
    assert people["matched"]["recall"] == 1.0
    assert people["end_to_end"]["recall"] == pytest.approx(3 / 4)
    assert metrics["presider"]["end_to_end"]["recall"] == 1.0  # the missed meeting had none
    assert [(f.item_id, f.field) for f in scores.failures] == [("c1", "meetings")]
    assert scores.metrics("county")["meetings"]["recall"] == pytest.approx(1 / 2)
    assert scores.metrics("provincial")["meetings"]["recall"] == 1.0


def test_a_meeting_on_a_negative_item_is_a_false_positive(mini: ReportSet) -> None:
    spurious = meeting("2020-04-01", "prefectural", "某市", [("某人", "presided")])
    predictions = {**perfect(), "n1": ItemPrediction((spurious,), drop_reason=None)}
    scores = score_predictions(mini, predictions)
    metrics = scores.metrics()
    assert metrics["meetings"]["precision"] == pytest.approx(3 / 4)
    assert metrics["presider"]["end_to_end"]["precision"] == pytest.approx(2 / 3)
    assert metrics["presider"]["matched"]["precision"] == 1.0
    assert metrics["filter"]["precision"] == pytest.approx(2 / 3)
    assert scores.total.confusion[("not_epidemic", "kept")] == 1
    assert scores.metrics("prefectural")["meetings"]["precision"] == 0.0
    assert failure_patterns(scores.failures)[("meetings", "spurious")] == 1


def test_full_width_anchor_matches_half_width_requirement_and_back(mini: ReportSet) -> None:
    assert fold_width("加强联防联控，落实（一）１２") == "加强联防联控,落实(一)12"
    assert fold_width("。、“”") == "。、“”"
    full_width_text = PredictedMeeting(
        **{
            **P1.__dict__,
            "requirements": (fold_width("加强联防联控，落实四方责任"), "做好物资保障"),
        }
    )
    scores = score_predictions(mini, {**perfect(), "p1": ItemPrediction((full_width_text,))})
    assert scores.metrics()["anchors"]["recall"]["end_to_end"] == 1.0
    cut = PredictedMeeting(**{**P1.__dict__, "requirements": ("加强联防联控",)})
    scores = score_predictions(mini, {**perfect(), "p1": ItemPrediction((cut,))})
    assert scores.metrics()["anchors"]["recall"]["end_to_end"] == pytest.approx(1 / 3)


def test_dates_count_only_when_listed_and_jurisdiction_only_where_given(mini) -> None:
    month_only = PredictedMeeting(**{**C2.__dict__, "date": "2020-02"})
    wrong_month = PredictedMeeting(**{**C1.__dict__, "date": "2020-02", "jurisdiction": "别处"})
    scores = score_predictions(mini, {**perfect(), "c1": ItemPrediction((wrong_month, month_only))})
    metrics = scores.metrics()
    assert metrics["date"]["matched"] == pytest.approx(2 / 3)  # 2020-02 is listed for C2 only
    assert metrics["jurisdiction"]["matched"] == 1.0  # c1's gold gives no jurisdiction


def test_alignment_prefers_agreement_then_order() -> None:
    gold = [
        GoldLike("2020-02-09", "county", "禾田县"),
        GoldLike("2020-02-10", "county", "禾田县委常委会"),
    ]
    second, first = (
        meeting("2020-02-10", "county", "禾田县委常委会"),
        meeting("2020-02-09", "county", "禾田县"),
    )
    assert align(gold, [second, first]) == [(0, 1), (1, 0)]
    assert align(gold, [meeting(None, "national", "x"), meeting(None, "national", "y")]) == [
        (0, 0),
        (1, 1),
    ]


def GoldLike(date_value: str, level: str, convener: str):
    from covidmeet_ds.evalset import GoldMeeting

    return GoldMeeting(
        dates=[date_value],
        level=level,
        convener=convener,
        people=[],
        unnamed_speaker=False,
        directive_anchors=[],
    )


def _annotation(text: str, meetings: list[dict[str, Any]]) -> Annotation:
    """A valid annotation of ``text``: each meeting given by its quote, date and level."""

    def evidence(quote: str) -> dict[str, Any]:
        start = text.index(quote)
        return {"quote": quote, "start": start, "end": start + len(quote)}

    return Annotation.model_validate(
        {
            "doc_id": "report",
            "annotator": "rule",
            "annotator_version": "test",
            "rules": ["test:000000000000"],
            "raw_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "meetings": [
                {
                    "meeting_id": f"m{i + 1}",
                    "name": None,
                    "convener": m["convener"],
                    "evidence": evidence(m["quote"]),
                    "date": {
                        "value": m["date"],
                        "precision": "day",
                        "year_basis": "publication",
                        "evidence": evidence(m["date_quote"]),
                    },
                    "level": {
                        "level": m["level"],
                        "jurisdiction": m.get("jurisdiction"),
                        "evidence": evidence(m["convener"]),
                        "note": None if m.get("jurisdiction") else "not named",
                    },
                    "speakers": [
                        {
                            "name": name,
                            "titles": [],
                            "roles": list(roles),
                            "evidence": evidence(name),
                        }
                        for name, roles in m["people"]
                    ],
                    "requirements": [
                        {
                            "ordinal": None,
                            "section": None,
                            "text": r,
                            "category": "other",
                            "evidence": evidence(r),
                        }
                        for r in m["requirements"]
                    ],
                }
                for i, m in enumerate(meetings)
            ],
            "quality_flags": [],
        }
    )


def test_score_rules_runs_the_callables_with_the_publication_day(mini) -> None:
    seen: list[date | None] = []

    def annotate(text: str, published: date | None) -> Annotation:
        seen.append(published)
        if text == PROVINCIAL:
            return _annotation(
                text,
                [
                    {
                        "quote": "云泽省召开全省疫情防控工作会议",
                        "date": "2020-03-05",
                        "date_quote": "3月5日下午",
                        "convener": "云泽省",
                        "level": "provincial",
                        "jurisdiction": None,
                        "people": [("周望川", ("presided", "spoke"))],
                        "requirements": ["加强联防联控,落实四方责任", "做好物资保障"],
                    }
                ],
            )
        return _annotation(text, [])

    def keep(text: str, published: date | None) -> str | None:
        return None if "疫情" in text else "not_epidemic"

    scores = score_rules(mini, annotate, keep)
    assert seen == [date(2020, 3, 6), date(2020, 2, 11), date(2020, 4, 2)]
    metrics = scores.metrics()
    assert metrics["meetings"]["recall"] == pytest.approx(1 / 3)
    assert metrics["jurisdiction"]["matched"] == 0.0  # null is not 云泽省
    assert metrics["anchors"]["recall"]["matched"] == 1.0
    assert metrics["filter"]["f1"] == 1.0


def test_baseline_is_given_the_gold_meetings(mini) -> None:
    def guess(text: str, published: date | None) -> PredictedMeeting:
        return PredictedMeeting(date=published.isoformat() if published else None, level="county")

    scores = score_baseline(mini, guess, frozenset({"date", "level"}))
    metrics = scores.metrics()
    assert metrics["meetings"] is None and metrics["filter"] is None
    assert metrics["level"]["end_to_end"] == pytest.approx(2 / 3)
    assert metrics["date"]["end_to_end"] == 0.0
    assert all(f.field in ("date", "level") for f in scores.failures)


def test_markdown_has_both_views_levels_and_the_confusion(mini) -> None:
    results = {"rules": score_predictions(mini, perfect())}
    markdown = render_set_markdown("mini", results, "rules")
    assert "| rules | end to end | 3 | 3 | 1.00 / 1.00 / 1.00 |" in markdown
    assert "| rules | matched meetings only |" in markdown
    assert "| provincial | end to end |" in markdown and "| county |" in markdown
    assert "| not_epidemic | 0 | 1 |" in markdown


def test_sets_scored_with_other_rules_are_left_out() -> None:
    previous = {"old": {"rules_fingerprint": "a"}, "same": {"rules_fingerprint": "b"}}
    merged, stale = merge_sets(previous, {"new": {"rules_fingerprint": "b"}}, "b")
    assert list(merged) == ["new", "same"] and stale == ["old"]


# --- The development set, through the command line -----------------------------------------------


@pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared/devset is not present")
def test_evaluate_devset_gives_figures_in_range_and_tables(repo_copy: Path, capsys) -> None:
    status = main(["evaluate", "--root", str(repo_copy), "--no-peers", "--devset", str(DEVSET)])
    assert status == 0
    out = capsys.readouterr().out
    assert "**Report set `xwlb-dev`**" in out and "| rules | end to end |" in out
    report = json.loads((repo_copy / "reports" / "evaluation.json").read_text(encoding="utf-8"))
    entry = report["sets"]["xwlb-dev"]
    assert "markdown" in entry and entry["rules_fingerprint"]
    values = list(_numbers(entry["annotators"]["rules"]["total"]["metrics"]))
    assert values and all(0.0 <= value <= 1.0 for key, value in values if "per_anchor" not in key)
    assert "text" not in json.dumps(entry["annotators"])  # figures only


def _numbers(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        for part, item in value.items():
            yield from _numbers(item, f"{key}.{part}")
    elif isinstance(value, float | int) and not isinstance(value, bool):
        yield key, value


def test_card_shows_seed_figures_as_development_and_the_sets_beside_them(mini, tmp_path) -> None:
    from covidmeet_ds.build.card import evaluation_markdown
    from covidmeet_ds.evalset import set_report
    from covidmeet_ds.evaluate import EvaluationReport

    entry = set_report("mini", {"rules": score_predictions(mini, perfect())}, "rules", "f")
    data = json.loads(json.dumps({"markdown": "SEED TABLE\n", "sets": {"mini": entry}}))
    section = evaluation_markdown(EvaluationReport.model_validate(data))
    assert section.index("### Seed reports (development figures)") < section.index("SEED TABLE")
    assert section.index("SEED TABLE") < section.index("**Report set `mini`**")
    assert "### Report sets outside the corpus" in section


def test_a_failing_annotator_stops_the_evaluation_naming_the_item(mini) -> None:
    def annotate(text: str, published: date | None) -> Annotation:
        raise KeyError("a cue")

    with pytest.raises(RuntimeError, match=rf"^{mini.name}/{mini.items[0].report.id}: "):
        score_rules(mini, annotate, lambda text, published: None)
