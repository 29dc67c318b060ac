"""Loopback helpers shared by the web tests and scripts/screenshots.py."""

from __future__ import annotations

import http.server
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, headless, with nothing reaching for the network on start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class PageServer:
    """Serves one HTML page (``html``, settable) on loopback: a stand-in for a site that embeds the widget."""

    def __init__(self, html: str, host: str = "127.0.0.1") -> None:
        self.html = html
        page = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = page.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def complete_event(client: httpx.Client, url: str) -> str:
    """The data of the ``complete`` event of a Gradio ``call`` stream (or the error event's)."""
    with client.stream("GET", url, timeout=30) as stream:
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                return f"{event}: {line[5:].strip()}"
    raise AssertionError("the stream ended without a result")
