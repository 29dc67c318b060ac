"""Take the README screenshots of the chat page, the widget and the admin page (docs/*.png).

    HF_HUB_OFFLINE=1 .venv/bin/python -m scripts.screenshots [--out docs] [--only chat admin ...]

Builds the index into a temporary folder (the repository's ``index/`` is left
alone), fills a temporary feedback store with made-up questions and ratings
for the admin page, serves the app and a stand-in host site on loopback, and
drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from assistant.core import Assistant
from assistant.embedding import SentenceTransformerEmbedder
from assistant.feedback import DAY, FILENAME, FeedbackStore
from assistant.index import build_index
from assistant.settings import REPO_ROOT, Settings
from assistant.testing import ServerThread
from assistant.web.app import build_app
from tests.web.support import CHROMIUM, CHROMIUM_ARGS, PageServer

logger = logging.getLogger("screenshots")

# Differing advice in the source, so the screenshot shows both labelled sides.
QUESTION = "Should I stretch during a back spasm?"
WAIT = 20_000
ADMIN_TOKEN = "screenshot-admin-token-not-a-secret"
SHOTS = ("chat", "chat-source", "chat-phone", "widget", "admin")  # chat-phone includes chat-phone-source

# What the admin page's screenshot shows: questions readers asked that the source declined,
# by how many days ago, and ratings. Made up; written straight into a temporary store.
DECLINED = {
    "Can I take ibuprofen for a back spasm?": (0, 0, 1, 2, 2, 4, 6),
    "Is ibuprofen safe for back spasms?": (1, 3),
    "Should I see a chiropractor?": (0, 2, 5),
    "Does magnesium help muscle spasms?": (1, 4),
    "Is a massage good for a back spasm?": (3,),
}
RATINGS = {"up": 9, "down": 2}


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


def fill_store(folder: Path, assistant: Assistant) -> None:
    """A feedback store with the made-up questions and ratings of ``DECLINED`` and ``RATINGS``."""
    clock = [time.time()]
    # The store's clock, moved back to log each question on its day.
    store = FeedbackStore(folder / FILENAME, now=lambda: clock[0])
    today = clock[0]
    number = 0
    for question, days_ago in DECLINED.items():
        for ago in days_ago:
            clock[0] = today - ago * DAY - 3600
            number += 1
            store.record_answer(f"{number:032x}", question, [], covered=False)
    clock[0] = today
    answer = assistant.ask("Can stretching make it worse?")
    spans = [f"{s.span.doc}:{s.span.start}-{s.span.end}" for s in answer.snippets]
    for rating, count in RATINGS.items():
        for _ in range(count):
            number += 1
            store.record_answer(f"{number:032x}", answer.question, spans, covered=True)
            store.add_feedback(f"{number:032x}", rating)
    for times, span in zip((3, 1), spans, strict=False):
        for _ in range(times):  # one reader per vote: each on an answer of its own
            number += 1
            store.record_answer(f"{number:032x}", answer.question, spans, covered=True)
            store.add_feedback(f"{number:032x}", "down", span)
    store.close()


def take(out: Path, app_url: str, site_url: str, only: set[str]) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        if only & {"chat", "chat-source"}:
            context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="light")
            page = context.new_page()
            page.set_default_timeout(WAIT)
            page.goto(app_url + "/")
            page.get_by_role("button", name=QUESTION).click()
            page.locator("#chat .qa-answer .qa-actions").first.wait_for()
            page.wait_for_timeout(300)
            if "chat" in only:
                page.screenshot(path=out / "chat.png")
            page.locator("#chat .citation").first.click()
            page.locator("#source-viewer mark").wait_for()
            page.wait_for_timeout(300)
            if "chat-source" in only:
                page.screenshot(path=out / "chat-source.png")
            context.close()

        if "chat-phone" in only:
            phone = browser.new_context(
                viewport={"width": 375, "height": 760}, is_mobile=True, has_touch=True, color_scheme="light"
            )
            page = phone.new_page()
            page.set_default_timeout(WAIT)
            page.goto(app_url + "/")
            page.get_by_role("button", name=QUESTION).click()
            page.locator("#chat .qa-answer .qa-actions").first.wait_for()
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(300)
            page.screenshot(path=out / "chat-phone.png")
            # A citation opened: the page scrolls down to the viewer, "Back to the answers" at its top.
            page.locator("#chat .citation").first.tap()
            page.locator("#source-viewer mark").wait_for()
            page.evaluate("document.querySelector('#source-viewer').scrollIntoView({block: 'start'})")
            page.wait_for_timeout(300)
            page.screenshot(path=out / "chat-phone-source.png")
            phone.close()

        if "widget" in only:
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

        if "admin" in only:
            admin = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme="light")
            page = admin.new_page()
            page.set_default_timeout(WAIT)
            page.goto(app_url + "/admin")
            page.locator("#token").fill(ADMIN_TOKEN)
            page.locator("#token").press("Enter")
            page.locator("#per-day svg").wait_for()
            page.wait_for_timeout(300)
            page.screenshot(path=out / "admin.png", full_page=True)
            admin.close()
        browser.close()
    logger.info("Screenshots written to %s: %s", out, ", ".join(sorted(only)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs")
    parser.add_argument("--only", nargs="+", choices=SHOTS, default=list(SHOTS), help="the screenshots to take")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    with tempfile.TemporaryDirectory(prefix="screenshots-") as folder:
        embedder = SentenceTransformerEmbedder()
        data = Path(folder) / "data"
        settings = Settings(index_dir=Path(folder) / "index", data_dir=data, model=embedder.name)
        assistant = Assistant(settings, embedder, build_index(settings, embedder))
        fill_store(data, assistant)
        server = ServerThread(build_app(assistant, settings=settings.replace(admin_token=ADMIN_TOKEN)))
        app_url = server.start()
        site = PageServer(clinic_page(app_url + "/widget.js"))
        try:
            # "localhost" is another origin than the app's 127.0.0.1, and allowed by default.
            take(args.out, app_url, f"http://localhost:{site.port}/", set(args.only))
        finally:
            site.stop()
            server.stop()


if __name__ == "__main__":
    main()
