"""A one-report corpus written by us for the Label Studio tests: characters outside the Basic
Multilingual Plane before and inside the spans (🦠 in the headline, 𠀀 in a village name), so
code-point and UTF-16 offsets differ for every region."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import yaml

from .conftest import REPO

DOC_ID = "qingshi-county-dispatch"
TEXT = (
    "🦠青石县召开疫情防控工作调度会\n"
    "2022年3月5日上午，青石县委书记李明远主持召开全县疫情防控工作调度会，"
    "研究部署下一阶段疫情防控工作。县长周文华出席会议并讲话。\n"
    "会议要求，一是要加强𠀀村等重点区域核酸检测，做到应检尽检。"
    "二是要严格落实集中隔离措施，对密切接触者实行闭环管理。"
    "三是要强化督导问责，对工作不力的严肃追责。\n"
)
RAW_FILE = "900_qingshi_dispatch.txt"


def written_corpus(root: Path, status: str = "unannotated") -> Path:
    """A corpus at ``root`` holding only :data:`TEXT` (manifest, raw file, schema)."""
    (root / "raw").mkdir(parents=True)
    (root / "annotations" / "hand").mkdir(parents=True)
    shutil.copytree(REPO / "schema", root / "schema")
    data = TEXT.encode("utf-8")
    (root / "raw" / RAW_FILE).write_bytes(data)
    entry = {
        "doc_id": DOC_ID,
        "file": RAW_FILE,
        "sha256": hashlib.sha256(data).hexdigest(),
        "title": "青石县召开疫情防控工作调度会",
        "source_site": None,
        "source_url": None,
        "script": "simplified",
        "published": "2022-03-06",
        "status": status,
    }
    manifest = yaml.safe_dump({"documents": [entry]}, allow_unicode=True, sort_keys=False)
    (root / "raw" / "manifest.yaml").write_text(manifest, encoding="utf-8")
    return root
