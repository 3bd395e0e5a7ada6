"""Label names copied beside class labels, written independently of the package's encoder."""

from __future__ import annotations

from typing import Any

from datasets import ClassLabel, List


def with_label_names(value: Any, feature: Any) -> Any:
    """A decoded value (class labels as names) with each label's name copied to its
    ``<label>_name`` field, as the published features declare them."""
    if isinstance(feature, List):
        return None if value is None else [with_label_names(v, feature.feature) for v in value]
    if not isinstance(feature, dict) or value is None:
        return value
    labels = [key for key, sub in feature.items() if isinstance(sub, ClassLabel)]
    siblings = {f"{key}_name" for key in labels}
    out = {k: with_label_names(value.get(k), f) for k, f in feature.items() if k not in siblings}
    for key in labels:
        out[f"{key}_name"] = value.get(key)
    return out
