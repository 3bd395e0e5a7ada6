"""Label Studio round trip: pre-annotated tasks out, corrected annotations back in as gold.

``covidmeet-ds labelstudio export`` writes the labelling config and one task per report with the
rules' output as predictions; ``covidmeet-ds labelstudio import`` reads a Label Studio JSON
export back into ``annotations/hand/``. The package speaks Label Studio's file formats only: it
never imports Label Studio, which runs as its own server (in its own environment).
"""

from __future__ import annotations

from .commands import export_tasks
from .config import label_config
from .importer import ImportOutcome, import_export, plan_import
from .tasks import task_for

__all__ = [
    "ImportOutcome",
    "export_tasks",
    "import_export",
    "label_config",
    "plan_import",
    "task_for",
]
