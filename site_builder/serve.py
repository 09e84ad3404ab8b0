"""``build.py serve``: build, serve on localhost, rebuild on change, reload the open page.

The reload hook is added to HTML as it is served; the files on disk stay
exactly what ``build`` writes.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Callable
from pathlib import Path

RELOAD_PATH = "/__digest_reload__"
RELOAD_SCRIPT = (
    "<script>(function(){var v=null;function poll(){fetch('" + RELOAD_PATH + "')"
    ".then(function(r){return r.text();}).then(function(t){if(v!==null&&t!==v){"
    "location.reload();}v=t;}).catch(function(){}).finally(function(){"
    "setTimeout(poll,700);});}poll();})();</script>"
)


class SiteState:
    """The build number the open pages compare against to know when to reload."""

    def __init__(self) -> None:
        self.version = 0
        self.lock = threading.Lock()

    def bump(self) -> None:
        with self.lock:
            self.version += 1


def make_handler(root: Path, state: SiteState) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.path.split("?")[0] == RELOAD_PATH:
                self._send(str(state.version).encode(), "text/plain")
                return
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if path.suffix == ".html" and path.is_file():
                html = path.read_text(encoding="utf-8")
                html = html.replace("</body>", RELOAD_SCRIPT + "</body>", 1)
                self._send(html.encode(), "text/html; charset=utf-8")
                return
            super().do_GET()

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def watch(folders: list[Path], on_change: Callable[[], None], settle: float = 0.3) -> object:
    """Call ``on_change`` (once per burst of edits) when anything under ``folders`` changes."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    pending = threading.Event()

    class Changed(FileSystemEventHandler):
        def on_any_event(self, event) -> None:  # type: ignore[no-untyped-def]
            if event.event_type in ("created", "modified", "deleted", "moved"):
                pending.set()

    def debounce() -> None:
        while True:
            pending.wait()
            time.sleep(settle)
            pending.clear()
            on_change()

    observer = Observer()
    for folder in folders:
        if folder.is_dir():
            observer.schedule(Changed(), str(folder), recursive=True)
    observer.daemon = True
    observer.start()
    threading.Thread(target=debounce, daemon=True).start()
    return observer


def serve(
    root: Path,
    host: str,
    port: int,
    rebuild: Callable[[], bool],
    watched: list[Path],
    announce: Callable[[str], None] = print,
    after_rebuild: Callable[[], None] = lambda: None,
) -> None:
    """Serve ``root`` until interrupted; rebuild and reload on every change in ``watched``
    (``after_rebuild`` runs once the open pages were told to reload)."""
    state = SiteState()

    def changed() -> None:
        if rebuild():
            state.bump()
        after_rebuild()

    watch(watched, changed)
    handler = functools.partial(make_handler(root, state))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    shown_host = f"[{host}]" if ":" in host else host
    announce(f"Serving {root} at http://{shown_host}:{server.server_port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
