"""The widget's chat page (/embed) in Debian's Chromium: follow-ups, context, suggestions, copy, feedback, start-up.

Against real servers on loopback with the fake embedder; where a case needs an
answer the corpus does not give (a quote with context, an original article), the
page's request to /api/ask is answered with a real answer changed for the case.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

from assistant.core import Assistant
from assistant.safety import CONTEXT_LABEL, SUGGESTIONS_LABEL
from assistant.testing import ServerThread
from assistant.web.app import build_app

from .conftest import PageServer, host_page

pytestmark = pytest.mark.browser

WAIT = 20_000  # ms; every wait is bounded
QUESTION = "What stretches help a back spasm?"
FOLLOW_UP = "How long should I hold it?"
# Not covered by the source, with a red flag: the urgent notice, the not-covered message and suggestions.
URGENT_DECLINE = "I have numbness in my legs and lost bladder control"
OFF_TOPIC = "What is the capital of France?"
THANKS = "Thank you for your feedback."


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 420, "height": 800})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    yield page
    context.close()


def _asks(page: Any) -> list[dict[str, Any]]:
    """The bodies the page sends to /api/ask, in order."""
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda request: bodies.append(request.post_data_json) if request.url.endswith("/api/ask") else None,
    )
    return bodies


def _ask(page: Any, question: str) -> Any:
    """Type a question into the widget, wait for its answer, and return that answer's locator."""
    before = page.locator(".answer").count()
    page.locator("#chat-input").fill(question)
    page.locator("#chat-input").press("Enter")
    page.locator(".answer").nth(before).wait_for()
    return page.locator(".answer").nth(before)


def _answer_with(page: Any, change: Callable[[dict[str, Any]], None]) -> None:
    """Answer the page's next questions with the server's real answer, changed by ``change``."""

    def handle(route: Any) -> None:
        response = route.fetch()
        answer = response.json()
        change(answer)
        route.fulfill(response=response, body=json.dumps(answer))

    page.route("**/api/ask", handle)


def test_a_follow_up_sends_the_earlier_questions(page: Any, fake_live_server: str) -> None:
    bodies = _asks(page)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/api/ask") else None)
    page.goto(fake_live_server + "/embed")
    questions = [QUESTION, FOLLOW_UP, "Does heat help?", "What about ice?", "Can yoga help?", "Is walking good?"]
    for question in questions:
        _ask(page, question)

    assert [body["question"] for body in bodies] == questions
    assert bodies[0]["history"] == []
    assert bodies[1]["history"] == [QUESTION]
    assert bodies[2]["history"] == [QUESTION, FOLLOW_UP]
    assert bodies[-1]["history"] == questions[-6:-1]  # the last five, oldest first
    assert statuses == [200] * len(questions)  # the server takes the history
    assert errors == []  # nothing refused by the page's strict policy


def test_a_quote_with_context_is_shown_with_the_text_around_it(
    page: Any, fake_live_server: str, fake_assistant: Assistant
) -> None:
    changed: list[dict[str, Any]] = []

    def add_context(answer: dict[str, Any]) -> None:
        first = answer["snippets"][0]
        text = fake_assistant.documents[first["doc"]].text
        start, end = max(0, first["start"] - 60), min(len(text), first["end"] + 60)
        first["context"] = {"text": text[start:end], "start": start, "end": end}
        first["source_url"] = "https://example.org/back-spasms"
        changed.append(first)

    _answer_with(page, add_context)
    page.goto(fake_live_server + "/embed")
    answer = _ask(page, QUESTION)
    (snippet,) = changed

    assert answer.locator(".context").count() == 1  # quotes without context show none
    item = answer.locator(".quote-item").filter(has=page.locator(".context"))
    assert item.locator("blockquote .quote-text").inner_text() == snippet["text"]
    context = item.locator(".context")
    assert context.is_visible()
    assert context.locator(".context-label").inner_text().lower() == CONTEXT_LABEL.lower()  # shown in capitals
    assert context.locator(".context-label").text_content() == CONTEXT_LABEL
    assert context.locator(".context-text").text_content() == snippet["context"]["text"]
    assert context.locator(".context-quote").text_content() == snippet["text"]  # the quote marked in it
    # Below the quote, outside it, and not styled as a quote: no quotation marks, not the quote's accent bar.
    assert item.evaluate(
        """item => {
            const quote = item.querySelector('blockquote'), context = item.querySelector('.context');
            const text = context.querySelector('.context-text');
            return !quote.contains(context)
                && (quote.compareDocumentPosition(context) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0
                && getComputedStyle(text, '::before').content === 'none'
                && getComputedStyle(context).borderLeftColor !== getComputedStyle(quote).borderLeftColor;
        }"""
    )

    # The citation opens the viewer; the quote also links to its passage on the chat page and to the original.
    footer = item.locator("footer")
    assert footer.locator("a.citation").get_attribute("href", timeout=WAIT).startswith("#source?")
    assert footer.locator("a.passage-link").get_attribute("href") == (
        f"{fake_live_server}/?doc={quote(snippet['doc'], safe='')}&start={snippet['start']}&end={snippet['end']}"
    )
    original = footer.locator("a.original")
    assert original.get_attribute("href") == "https://example.org/back-spasms"
    assert original.get_attribute("target") == "_blank"
    assert "noopener" in (original.get_attribute("rel") or "").split()
    assert answer.locator("a.original").count() == 1  # only where source_url is set

    # Copied, the quote keeps its context too.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=fake_live_server)
    answer.locator("button.copy").click()
    page.wait_for_function("() => document.querySelector('.answer-status').textContent === 'Copied.'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"{CONTEXT_LABEL}: \u201c{snippet['context']['text']}\u201d" in copied
    assert "Original article: https://example.org/back-spasms" in copied


def test_a_decline_has_no_preamble_and_its_suggestions_ask(page: Any, fake_live_server: str) -> None:
    bodies = _asks(page)
    page.goto(fake_live_server + "/embed")
    answer = _ask(page, URGENT_DECLINE)

    # The urgent notice first, then the decline's message; no preamble above a decline.
    first = answer.locator(":scope > *").first
    assert "urgent" in (first.get_attribute("class") or "").split()
    assert answer.locator(".not-covered").is_visible()
    assert answer.locator(".preamble").count() == 0
    assert answer.locator(".suggestions-label").inner_text() == SUGGESTIONS_LABEL
    suggestions = answer.locator("button.suggestion")
    offered = suggestions.all_inner_texts()
    assert len(offered) > 0
    labelled = answer.locator(".suggestion-list").get_attribute("aria-labelledby")
    assert answer.locator(f"#{labelled}").inner_text() == SUGGESTIONS_LABEL

    # From the keyboard: focus a suggestion and press Enter; it is asked as a question of its own.
    suggestions.first.focus()
    page.keyboard.press("Enter")
    page.locator(".answer").nth(1).wait_for()
    assert page.locator(".question").nth(1).inner_text() == offered[0]
    assert bodies[-1] == {"question": offered[0], "history": [URGENT_DECLINE]}
    assert page.locator(".answer").nth(1).locator(".preamble").count() == 1  # an answer has its preamble

    off_topic = _ask(page, OFF_TOPIC)
    assert off_topic.locator(".preamble").count() == 0
    assert off_topic.locator(".not-covered").is_visible()
    assert off_topic.locator(".suggestion").count() == 0


def test_copy_gives_the_answer_as_plain_text(page: Any, fake_live_server: str, fake_assistant: Assistant) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=fake_live_server)
    page.goto(fake_live_server + "/embed")
    with page.expect_response(lambda r: r.url.endswith("/api/ask")) as asked:
        answer = _ask(page, QUESTION)
    data = asked.value.json()
    answer.locator("button.copy").click()
    page.locator(".answer-status").first.wait_for(state="visible")
    assert answer.locator(".answer-status").inner_text() == "Copied."
    copied = page.evaluate("navigator.clipboard.readText()")

    assert "<" not in copied and ">" not in copied
    assert copied.startswith(data["preamble"])
    shown = answer.locator(".quote-text").all_inner_texts()
    titles = answer.locator(".citation").all_inner_texts()
    for number, (text, title) in enumerate(zip(shown, titles, strict=True), 1):
        snippet = next(s for s in data["snippets"] if s["text"] == text)
        link = f"{fake_live_server}/?doc={quote(snippet['doc'], safe='')}&start={snippet['start']}&end={snippet['end']}"
        assert f"\u201c{text}\u201d\n{title}\n{link}\n" in copied
        assert title.startswith(f"[{number}] ")
    # Every quote's share link is the chat page's passage URL.
    links = answer.locator("a.passage-link")
    assert links.count() == len(shown)
    assert links.first.get_attribute("href") in copied
    # No markup in any accessible name.
    labels = page.evaluate("[...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))")
    assert labels and not any("<" in label or ">" in label for label in labels)


def test_feedback_on_an_answer_and_a_quote_is_sent_once(page: Any, fake_live_server: str) -> None:
    sent: list[dict[str, Any]] = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/feedback") else None)
    page.goto(fake_live_server + "/embed")
    with page.expect_response(lambda r: r.url.endswith("/api/ask")) as asked:
        answer = _ask(page, QUESTION)
    data = asked.value.json()

    up, down = answer.locator("button.rate-up"), answer.locator("button.rate-down")
    assert up.get_attribute("aria-pressed") == down.get_attribute("aria-pressed") == "false"
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as rated:
        up.click()
    assert rated.value.status == 200, rated.value.text()
    assert rated.value.json() == {"ok": True}
    assert sent == [{"id": data["id"], "rating": "up", "span": None}]
    assert up.get_attribute("aria-pressed") == "true"
    assert answer.locator(".answer-status").inner_text() == THANKS
    assert down.is_disabled() and up.is_disabled()  # aria-disabled: still focusable, but one vote per answer
    down.click(force=True)
    up.click(force=True)
    page.wait_for_timeout(300)
    assert len(sent) == 1 and down.get_attribute("aria-pressed") == "false"

    # "Not helpful" on the first quote, with its span id.
    first = answer.locator(".quote-item").first
    text = first.locator(".quote-text").inner_text()
    snippet = next(s for s in data["snippets"] if s["text"] == text)
    span = snippet.get("span_id", f"{snippet['doc']}:{snippet['start']}-{snippet['end']}")
    unhelpful = first.locator("button.not-helpful")
    assert unhelpful.get_attribute("aria-label") == "Not helpful: quote 1"
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as marked:
        unhelpful.click()
    assert marked.value.status == 200, marked.value.text()
    assert sent[-1] == {"id": data["id"], "rating": "down", "span": span}
    assert unhelpful.get_attribute("aria-pressed") == "true"
    unhelpful.click(force=True)
    page.wait_for_timeout(300)
    assert len(sent) == 2


def test_refused_feedback_is_explained_and_can_be_given_again(page: Any, fake_live_server: str) -> None:
    refusal = "That answer is unknown or too old to rate."
    page.route(
        "**/api/feedback",
        lambda route: route.fulfill(status=404, content_type="application/json", body=json.dumps({"error": refusal})),
    )
    page.goto(fake_live_server + "/embed")
    answer = _ask(page, QUESTION)
    down = answer.locator("button.rate-down")
    down.click()
    status = answer.locator(".answer-status")
    page.wait_for_function("() => document.querySelector('.answer-status').textContent !== ''")
    assert status.inner_text() == refusal
    assert "status-error" in (status.get_attribute("class") or "").split()
    assert down.get_attribute("aria-pressed") == "false" and down.get_attribute("aria-disabled") is None

    page.unroute("**/api/feedback")
    with page.expect_response(lambda r: r.url.endswith("/api/feedback")) as rated:
        down.click()
    assert rated.value.status == 200
    page.wait_for_function(f"() => document.querySelector('.answer-status').textContent === {THANKS!r}")
    assert "status-error" not in (status.get_attribute("class") or "").split()


def test_a_refused_question_is_explained_politely(page: Any, fake_assistant: Assistant) -> None:
    server = ServerThread(build_app(fake_assistant, settings=fake_assistant.settings.replace(rate_limit=1), ui=False))
    url = server.start()
    try:
        page.goto(url + "/embed")
        _ask(page, QUESTION)
        page.locator("#chat-input").fill(FOLLOW_UP)
        page.locator("#chat-input").press("Enter")
        problem = page.locator(".error")
        problem.wait_for()
        assert problem.get_attribute("role") == "alert"
        assert problem.inner_text().startswith("Too many questions from your address. Please wait")
        assert page.locator(".pending").count() == 0 and not page.locator("#ready-note").is_visible()
    finally:
        server.stop()


def test_a_question_asked_while_the_server_loads_is_answered_once_it_is_ready(
    page: Any, fake_assistant: Assistant
) -> None:
    gate = threading.Event()

    def load() -> Assistant:
        gate.wait(60)
        return fake_assistant

    server = ServerThread(build_app(loader=load, settings=fake_assistant.settings, ui=False))
    url = server.start()
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/api/ask") else None)
    try:
        page.goto(url + "/embed")
        note = page.locator("#ready-note")
        note.wait_for(state="visible")
        assert page.locator("#chat-input").get_attribute("aria-describedby") == "ready-note"

        page.locator("#chat-input").fill(QUESTION)
        page.locator("#chat-input").press("Enter")
        page.wait_for_function("() => document.querySelector('.pending') !== null")
        page.wait_for_timeout(2500)  # a few polls of /healthz
        assert statuses == [503]
        assert note.is_visible() and page.locator(".pending").is_visible()
        assert page.locator(".error").count() == 0

        gate.set()
        page.locator(".answer").first.wait_for()
        assert statuses == [503, 200]
        note.wait_for(state="hidden")
        assert page.locator("#chat-input").get_attribute("aria-describedby") is None
        assert page.locator(".error, .pending").count() == 0
    finally:
        gate.set()
        server.stop()


def test_the_framed_widget_copies_and_follows_up(
    page: Any, fake_live_server: str, page_server: Callable[[str], PageServer]
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    bodies = _asks(page)
    site = page_server(host_page(fake_live_server + "/widget.js"))
    page.goto(f"http://localhost:{site.port}/")
    page.locator("[data-assistant-launcher]").click()
    assert "clipboard-write" in (page.locator("[data-assistant-frame]").get_attribute("allow") or "")

    frame = page.frame_locator("[data-assistant-frame]")
    for number, question in enumerate((QUESTION, FOLLOW_UP)):
        frame.locator("#chat-input").fill(question)
        frame.locator("#chat-input").press("Enter")
        frame.locator(".answer").nth(number).wait_for()
    assert bodies[1]["history"] == [QUESTION]

    answer = frame.locator(".answer").nth(1)
    answer.locator("button.copy").click()
    frame.locator(".answer-status", has_text="Copied.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")  # the host page reads what the frame wrote
    assert copied.startswith(answer.locator(".preamble").inner_text())
    assert "[1] " in copied and "<" not in copied
