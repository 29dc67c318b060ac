"""Take the README screenshots of the chat page and the widget (docs/*.png).

    HF_HUB_OFFLINE=1 .venv/bin/python -m scripts.screenshots [--out docs]

Builds the index into a temporary folder (the repository's ``index/`` is left
alone), serves the app and a stand-in host site on loopback, and drives
Debian's Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from assistant.core import Assistant
from assistant.embedding import SentenceTransformerEmbedder
from assistant.index import build_index
from assistant.settings import REPO_ROOT, Settings
from assistant.testing import ServerThread
from assistant.web.app import build_app
from tests.web.support import CHROMIUM, CHROMIUM_ARGS, PageServer

logger = logging.getLogger("screenshots")

# Differing advice in the source, so the screenshot shows both labelled sides.
QUESTION = "Should I stretch during a back spasm?"
WAIT = 20_000


def clinic_page(widget_src: str) -> str:
    """A stand-in for any site that embeds the assistant with one script tag."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Physio clinic</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<style>body{font:17px/1.6 Georgia,serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#333}"
        "h1{color:#0f766e}</style></head><body><h1>Riverside physio clinic</h1>"
        "<p>Opening hours, our team and how to book an appointment. This page stands in for any site "
        "that embeds the assistant with one script tag.</p>"
        f"<script src='{widget_src}' async data-title='Back spasm quotes' data-accent='#0f766e' "
        "data-greeting='Hello! Ask a question; I answer with quotes from the source text.'></script>"
        "</body></html>"
    )


def take(out: Path, app_url: str, site_url: str) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.set_default_timeout(WAIT)
        page.goto(app_url + "/")
        page.get_by_role("button", name=QUESTION).click()
        page.locator("#chat .citation").first.wait_for()
        page.screenshot(path=out / "chat.png")
        page.locator("#chat .citation").first.click()
        page.locator("#source-viewer mark").wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=out / "chat-source.png")
        page.close()

        phone = browser.new_page(viewport={"width": 375, "height": 760}, is_mobile=True, has_touch=True)
        phone.set_default_timeout(WAIT)
        phone.goto(app_url + "/")
        phone.get_by_role("button", name=QUESTION).click()
        phone.locator("#chat .citation").first.wait_for()
        phone.evaluate("window.scrollTo(0, 0)")
        phone.wait_for_timeout(300)
        phone.screenshot(path=out / "chat-phone.png")
        phone.close()

        site = browser.new_page(viewport={"width": 1100, "height": 800})
        site.set_default_timeout(WAIT)
        site.goto(site_url)
        site.locator("[data-assistant-launcher]").click()
        frame = site.frame_locator("[data-assistant-frame]")
        frame.locator("#chat-input").fill(QUESTION)
        frame.locator("#chat-input").press("Enter")
        frame.locator(".answer .citation").first.wait_for()
        site.wait_for_timeout(300)
        site.screenshot(path=out / "widget.png")
        site.close()
        browser.close()
    logger.info("Screenshots written to %s", out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    with tempfile.TemporaryDirectory(prefix="screenshots-index-") as index_dir:
        embedder = SentenceTransformerEmbedder()
        settings = Settings(index_dir=Path(index_dir), model=embedder.name)
        assistant = Assistant(settings, embedder, build_index(settings, embedder))
        server = ServerThread(build_app(assistant))
        app_url = server.start()
        site = PageServer(clinic_page(app_url + "/widget.js"))
        try:
            # "localhost" is another origin than the app's 127.0.0.1, and allowed by default.
            take(args.out, app_url, f"http://localhost:{site.port}/")
        finally:
            site.stop()
            server.stop()


if __name__ == "__main__":
    main()
