"""covidmeet_ds: annotated Chinese reports of COVID-19 prevention-and-control meetings.

The Python API (see the README's "Python API")::

    import covidmeet_ds

    covidmeet_ds.validate_corpus(".")  # list of located problems, [] when valid
    documents = covidmeet_ds.load_corpus(".")  # manifest entry, texts, gold and rule annotations
    annotation = covidmeet_ds.annotate_text(text, published=date(2020, 3, 1))
    evaluation = covidmeet_ds.evaluate_predictions("predictions.jsonl", split="test")
    print(evaluation.markdown())

The names are imported on first use, so ``import covidmeet_ds`` stays light (no Pydantic, no
``datasets``, no pyarrow until something needs them).
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("covidmeet_ds")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

if TYPE_CHECKING:
    from .api import (
        annotate_text,
        iter_corpus,
        load_corpus,
        read_predictions,
        split_assignments,
        validate_corpus,
    )
    from .errors import CorpusInvalid, NothingToScore, PredictionsInvalid, ProblemsFound
    from .evaluate import Scores
    from .models import Annotation, ManifestEntry
    from .predictions import PredictionEvaluation, evaluate_predictions
    from .problems import Problem
    from .published import annotation_from_row
    from .reader import SourceDocument

_EXPORTS = {
    "annotate_text": "api",
    "iter_corpus": "api",
    "load_corpus": "api",
    "read_predictions": "api",
    "split_assignments": "api",
    "validate_corpus": "api",
    "evaluate_predictions": "predictions",
    "PredictionEvaluation": "predictions",
    "Scores": "evaluate",
    "Annotation": "models",
    "ManifestEntry": "models",
    "Problem": "problems",
    "annotation_from_row": "published",
    "SourceDocument": "reader",
    "CorpusInvalid": "errors",
    "NothingToScore": "errors",
    "PredictionsInvalid": "errors",
    "ProblemsFound": "errors",
}
"""Public name → the module that defines it (imported on first use)."""


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "Annotation",
    "CorpusInvalid",
    "ManifestEntry",
    "NothingToScore",
    "PredictionEvaluation",
    "PredictionsInvalid",
    "Problem",
    "ProblemsFound",
    "Scores",
    "SourceDocument",
    "__version__",
    "annotate_text",
    "annotation_from_row",
    "evaluate_predictions",
    "iter_corpus",
    "load_corpus",
    "read_predictions",
    "split_assignments",
    "validate_corpus",
]
