"""A real Label Studio server for the round-trip test: started from its own virtual environment
on 127.0.0.1 with SQLite in a temporary folder, and spoken to over HTTP only.

Label Studio pins Django, numpy < 2.3, pyarrow < 25 and some 150 packages that would downgrade
ours, so it lives in its own environment (``.venv-labelstudio``, made by the set-up command);
``COVIDMEET_LABEL_STUDIO`` may name another ``label-studio`` executable.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import REPO

ENVIRONMENT_VARIABLE = "COVIDMEET_LABEL_STUDIO"
DEFAULT_EXECUTABLE = REPO / ".venv-labelstudio" / "bin" / "label-studio"
INSTALL_HINT = (
    "python3 -m venv .venv-labelstudio && "
    ".venv-labelstudio/bin/pip install -r tools/labelstudio-requirements.txt"
)
STARTUP_SECONDS = 420
"""First start migrates a new SQLite database: about a minute on 2 cores, more on a slow disk."""
TOKEN = "covidmeet-test-token-0123456789"
USER = "annotator@example.org"


def executable() -> Path | None:
    named = os.environ.get(ENVIRONMENT_VARIABLE)
    path = Path(named) if named else DEFAULT_EXECUTABLE
    return path if path.is_file() and os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LabelStudio:
    """A running server and a token-authenticated JSON client."""

    url: str
    process: subprocess.Popen
    log: Path

    def call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
            data=None if body is None else json.dumps(body).encode("utf-8"),
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:2000]
            raise AssertionError(f"{method} {path}: HTTP {error.code}: {detail}") from None
        return json.loads(text) if text else None

    def download(self, path: str) -> bytes:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Token {TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read()


def _environment(data_dir: Path) -> dict[str, str]:
    """A clean environment: Label Studio reads unprefixed names too (USERNAME, PASSWORD), and
    must not reach the network (version check, error reporting, analytics)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
    }


def start(binary: Path, data_dir: Path) -> LabelStudio:
    port = free_port()
    log = data_dir / "label-studio.log"
    command = [
        str(binary),
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--username",
        USER,
        "--password",
        "covidmeet-test-password",
        "--user-token",
        TOKEN,
        "--enable-legacy-api-token",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_environment(data_dir),
            cwd=data_dir,
            start_new_session=True,  # its own process group: stopped whole at teardown
        )
    server = LabelStudio(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Label Studio exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=5) as response:
                if response.status == 200:
                    server.call("GET", "/api/projects")  # the token works
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)  # not listening yet
    stop(server)
    raise RuntimeError(f"Label Studio did not answer within {STARTUP_SECONDS} s:\n{_tail(log)}")


def stop(server: LabelStudio) -> None:
    """Stop the server's process group (it was started in a session of its own)."""
    if server.process.poll() is not None:
        return
    os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])
