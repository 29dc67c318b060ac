"""The chat page, the source viewer and the widget in Debian's Chromium, against real servers on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from assistant.core import Assistant
from assistant.testing import ServerThread
from assistant.web.app import build_app

from .conftest import PageServer, host_page

pytestmark = [pytest.mark.browser, pytest.mark.model]

DOC = "back-spasms-stretches-and-exercises.txt"
QUESTION = "What stretches help a back spasm?"
WAIT = 20_000  # ms; every wait is bounded


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    yield page
    context.close()


def _ask_on_chat_page(page: Any, url: str, question: str) -> None:
    page.goto(url + "/")
    box = page.locator("#chat-input textarea")
    box.fill(question)
    box.press("Enter")
    page.locator("#chat .qa-answer .citation").first.wait_for()


def test_chat_page_answers_with_preamble_quotes_and_citations(
    page: Any, live_server: str, real_assistant: Assistant
) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    _ask_on_chat_page(page, live_server, QUESTION)

    answer = page.locator("#chat .qa-answer").last
    assert answer.locator(".qa-preamble").inner_text() == real_assistant.ask(QUESTION).preamble
    quotes = answer.locator("blockquote.qa-quote")
    expected = real_assistant.ask(QUESTION)
    assert quotes.count() == len(expected.snippets) > 0
    title = real_assistant.documents[DOC].title
    for number in range(quotes.count()):
        quote = quotes.nth(number)
        assert quote.locator(".qa-quote-text").inner_text() in {s.span.text for s in expected.snippets}
        assert quote.locator(".citation").inner_text() == f"[{number + 1}] {title}"
    # The disclaimer stays on the page, and nothing is fetched from outside the machine.
    assert page.locator(".qa-disclaimer").is_visible()
    assert hosts <= {"127.0.0.1"}, hosts


def test_citation_opens_the_passage_in_the_source_viewer(
    page: Any, live_server: str, real_assistant: Assistant
) -> None:
    _ask_on_chat_page(page, live_server, QUESTION)
    quote = page.locator("#chat .qa-answer").last.locator("blockquote.qa-quote").nth(1)
    quoted = quote.locator(".qa-quote-text").inner_text()
    quote.locator(".citation").click()

    mark = page.locator("#source-viewer mark")
    mark.wait_for()
    assert mark.inner_text() == quoted
    assert page.evaluate("location.hash") == ""  # the click was handled, not followed
    # Scrolled into view inside the viewer's text box.
    inside = page.evaluate(
        """() => {
            const m = document.querySelector('#source-viewer mark').getBoundingClientRect();
            const box = document.querySelector('#source-viewer .sv-text').getBoundingClientRect();
            return m.top >= box.top - 1 && m.bottom <= box.bottom + 1 && m.bottom <= innerHeight;
        }"""
    )
    assert inside
    context = page.locator("#source-viewer .sv-text").inner_text()
    assert len(context) > len(quoted) + 200  # there is text around the quote

    page.locator("#source-viewer .sv-whole").click()
    page.locator("#source-viewer .sv-passage").wait_for()
    whole = page.evaluate("document.querySelector('#source-viewer .sv-text').textContent")
    assert whole == real_assistant.documents[DOC].text
    assert page.locator("#source-viewer mark").inner_text() == quoted


def test_whole_source_can_be_read_before_any_citation(page: Any, live_server: str, real_assistant: Assistant) -> None:
    page.goto(live_server + "/")
    page.locator("#source-viewer .sv-whole").click()
    text = page.locator("#source-viewer .sv-text")
    text.wait_for()
    assert page.evaluate("document.querySelector('#source-viewer .sv-text').textContent") == (
        real_assistant.documents[DOC].text
    )


def test_chat_page_fits_a_phone(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        _ask_on_chat_page(page, live_server, QUESTION)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.locator("#chat .citation").first.tap()
        page.locator("#source-viewer mark").wait_for()
        assert page.locator("#source-viewer mark").is_visible()
    finally:
        context.close()


def _shadow(page: Any, script: str) -> Any:
    return page.evaluate(
        f"() => {{ const root = document.querySelector('[data-quote-assistant]').shadowRoot; {script} }}"
    )


def test_widget_on_an_allowed_site(
    page: Any, live_server: str, page_server: Callable[[str], PageServer], real_assistant: Assistant
) -> None:
    site = page_server(
        host_page(live_server + "/widget.js", title="Back spasm quotes", accent="#0f766e", greeting="Hello there.")
    )
    page.goto(f"http://localhost:{site.port}/")  # another origin than the app's 127.0.0.1, and allowed

    launcher = page.locator("[data-assistant-launcher]")
    launcher.wait_for()
    assert launcher.get_attribute("aria-label") == "Back spasm quotes"
    assert _shadow(page, "return getComputedStyle(root.querySelector('.launcher')).backgroundColor") == (
        "rgb(15, 118, 110)"  # the accent, not the host page's red
    )
    launcher.click()
    frame_element = page.locator("[data-assistant-frame]")
    assert urlsplit(frame_element.get_attribute("src")).netloc == urlsplit(live_server).netloc

    frame = page.frame_locator("[data-assistant-frame]")
    expect(frame.locator(".empty")).to_have_text("Hello there.")  # set by embed.js once it has run
    frame.locator("#chat-input").fill(QUESTION)
    frame.locator("#chat-input").press("Enter")
    frame.locator(".answer .citation").first.wait_for()
    assert frame.locator(".answer .preamble").inner_text() == real_assistant.ask(QUESTION).preamble
    assert frame.locator(".answer blockquote.quote").count() == frame.locator(".answer .citation").count() > 0
    assert frame.locator(".answer .citation").first.inner_text().startswith("[1] ")

    quoted = frame.locator(".answer .quote-text").first.inner_text()
    frame.locator(".answer .citation").first.click()
    frame.locator("#source-viewer mark").wait_for()
    assert frame.locator("#source-viewer mark").inner_text() == quoted

    page.keyboard.press("Escape")  # closes the passage
    frame.locator("#source-viewer").wait_for(state="hidden")
    page.keyboard.press("Escape")  # closes the panel
    page.wait_for_function(
        "() => document.querySelector('[data-quote-assistant]').shadowRoot.querySelector('.panel').hidden"
    )
    assert _shadow(page, "return root.activeElement && root.activeElement.hasAttribute('data-assistant-launcher')")
    assert launcher.get_attribute("aria-expanded") == "false"

    launcher.press("Enter")  # reopens from the keyboard, chat kept
    frame.locator(".answer").first.wait_for()
    page.keyboard.press("Escape")
    page.wait_for_function(
        "() => document.querySelector('[data-quote-assistant]').shadowRoot.querySelector('.panel').hidden"
    )


def test_a_site_that_is_not_allowed_cannot_frame_the_chat(
    page: Any, real_assistant: Assistant, page_server: Callable[[str], PageServer]
) -> None:
    allowed = page_server("")
    blocked = page_server("")
    allowed_origin = f"http://localhost:{allowed.port}"
    settings = real_assistant.settings.replace(allowed_origins=[allowed_origin])
    server = ServerThread(build_app(real_assistant, settings=settings, ui=False))
    app_url = server.start()
    try:
        frame_page = f'<!doctype html><title>Framing</title><iframe src="{app_url}/embed" id="f"></iframe>'
        allowed.html = blocked.html = frame_page
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))

        # The allowed site gets the chat: proof that the page can be framed at all.
        page.goto(f"{allowed_origin}/")
        page.frame_locator("#f").locator("#chat-input").wait_for()

        # Same page, another origin (127.0.0.1 instead of localhost): the browser refuses the frame.
        page.goto(f"http://127.0.0.1:{blocked.port}/")
        page.wait_for_function("() => document.getElementById('f') !== null")
        page.wait_for_timeout(1500)
        frame = page.frame_locator("#f")
        assert frame.locator("#chat-input").count() == 0
        embedded = [f for f in page.frames if f.url.startswith(app_url)]
        assert not any(f.evaluate("!!document.getElementById('chat-input')") for f in embedded)
        assert any("frame-ancestors" in text for text in messages), messages
    finally:
        server.stop()


def test_a_rate_limited_question_is_answered_with_a_polite_message(page: Any, fake_assistant: Assistant) -> None:
    from assistant.testing import ServerThread
    from assistant.web.app import build_app

    server = ServerThread(build_app(fake_assistant, settings=fake_assistant.settings.replace(rate_limit=1)))
    url = server.start()
    try:
        _ask_on_chat_page(page, url, "How long should I hold a stretch?")
        box = page.locator("#chat-input textarea")
        box.fill("And what about heat?")
        box.press("Enter")
        notice = page.locator("#chat-refusal")
        notice.wait_for()
        assert notice.inner_text().startswith("Too many questions from your address. Please wait")
    finally:
        server.stop()
