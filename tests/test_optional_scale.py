"""datatrove is an optional extra: the core package never imports it, and `crawl` says how to
install it when it is missing."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO

CORE = (
    "covidmeet_ds.cli",
    "covidmeet_ds.annotate",
    "covidmeet_ds.build",
    "covidmeet_ds.validate",
    "covidmeet_ds.evaluate",
    "covidmeet_ds.rules.reports",
)

BLOCK_DATATROVE = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "datatrove" or name.startswith("datatrove."):
            raise ImportError(f"No module named {name!r}")
sys.meta_path.insert(0, Block())
"""


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )


def test_the_core_package_does_not_import_datatrove() -> None:
    imports = "; ".join(f"import {module}" for module in CORE)
    result = _python(f"{imports}; import sys; print('datatrove' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_crawl_without_the_scale_extra_says_how_to_install_it(tmp_path) -> None:
    code = (
        BLOCK_DATATROVE
        + "from covidmeet_ds.cli import main\n"
        + f"raise SystemExit(main(['crawl', {str(tmp_path)!r}, {str(tmp_path / 'out')!r}]))\n"
    )
    result = _python(code)
    assert result.returncode == 2
    assert "pip install 'covidmeet_ds[scale]'" in result.stderr
    assert not (tmp_path / "out").exists()
