"""`build.py serve`: builds, serves on localhost, rebuilds and reloads on change."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import CONTENT, PROJECT, write_files


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def _wait_for(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_serve_rebuilds_on_change_and_tells_open_pages_to_reload(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    write_files(seeds, {"a.txt": "First headline\nA body paragraph."})
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            str(PROJECT / "build.py"),
            "serve",
            "--port",
            str(port),
            "--seeds",
            str(seeds),
            "--content",
            str(content),
            "--output",
            str(tmp_path / "_site"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = _wait_for(lambda: _get(f"{base}/articles/a.html"))
        assert "First headline" in page and "__digest_reload__" in page
        version = _get(f"{base}/__digest_reload__")
        write_files(seeds, {"a.txt": "Second headline\nA body paragraph."})
        _wait_for(lambda: _get(f"{base}/__digest_reload__") != version)
        assert "Second headline" in _get(f"{base}/articles/a.html")
        on_disk = (tmp_path / "_site" / "articles" / "a.html").read_text(encoding="utf-8")
        assert "__digest_reload__" not in on_disk
    finally:
        server.terminate()
        server.wait(timeout=10)
