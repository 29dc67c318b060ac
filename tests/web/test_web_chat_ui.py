"""The chat page's answers in Debian's Chromium: context, suggestions, copy, share links, start-up, feedback, phone.

Most tests run over the fake embedder (fast); the surrounding-text test needs
the real model, which quotes a bare heading for "What is the pelvic tilt?".
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from assistant.answer import Answer, Snippet
from assistant.core import Assistant
from assistant.corpus import Span
from assistant.index import build_index
from assistant.safety import CONTEXT_LABEL, SUGGESTIONS_LABEL
from assistant.testing import FakeEmbedder, ServerThread
from assistant.web.app import build_app
from assistant.web.ui import page_title, render_answer

from .conftest import CORPUS

DOC = "back-spasms-stretches-and-exercises.txt"
TITLE = "Back spasms: stretches and exercises"
QUESTION = "What stretches help a back spasm?"
TOKEN = "an-admin-token-for-the-chat-tests"
WAIT = 20_000  # ms; every wait is bounded

# Gradio's red marks: the status trackers' "Error" badges and its error toasts.
ERROR_MARKS = "[data-testid='status-tracker'] .error, .toast-body"


# --- Servers and pages ----------------------------------------------------------


@contextmanager
def serve(
    assistant: Assistant,
    tmp_path: Path | None = None,
    *,
    loader: Callable[[], Assistant] | None = None,
    **settings: Any,
) -> Iterator[str]:
    """The full app on loopback; with ``tmp_path``, its feedback store there and an admin token to read it."""
    overrides: dict[str, Any] = {"rate_limit": 1_000_000, **settings}
    if tmp_path is not None:
        overrides.update(data_dir=tmp_path / "data", admin_token=TOKEN)
    app_settings = assistant.settings.replace(**overrides)
    if loader is not None:
        app = build_app(loader=loader, settings=app_settings)
    else:
        app = build_app(assistant.with_settings(**overrides), settings=app_settings)
    server = ServerThread(app)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def declining_server(fake_assistant: Assistant) -> Iterator[str]:
    """A server whose assistant declines every question on the topic, so each answer offers suggestions."""
    strict = fake_assistant.with_settings(cover_threshold=2.0, fused_cover_threshold=2.0)
    with serve(strict) as url:
        yield url


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    context.set_default_timeout(WAIT)
    yield context
    context.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def ask(page: Any, url: str | None, question: str) -> Any:
    """Ask on the chat page (opened at ``url`` first, if given); the new answer's locator."""
    if url is not None:
        page.goto(url + "/")
    before = page.locator("#chat .qa-answer").count()
    box = page.locator("#chat-input textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#chat .qa-answer').length > {before}")
    answer = page.locator("#chat .qa-answer").last
    answer.locator(".qa-actions").wait_for()
    return answer


def report(url: str) -> dict[str, Any]:
    response = httpx.get(url + "/api/admin/report", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


# --- Rendering, without a browser ---------------------------------------------------


def test_a_quote_with_context_is_rendered_with_its_surrounding_text_marked() -> None:
    text = "Intro. Pelvic Tilt. Lie on your back."
    heading = Span("a.txt", 7, 19, text[7:19])
    snippet = Snippet(heading, score=0.5, context=Span("a.txt", 0, len(text), text))
    markup = render_answer(Answer("q", covered=True, snippets=(snippet,)))
    quote_end = markup.index("</blockquote>")
    context = markup.index('<div class="qa-context">')
    assert context > quote_end  # below the quote, outside it
    assert f'<p class="qa-context-label">{CONTEXT_LABEL}</p>' in markup
    assert (
        '<p class="qa-context-text">Intro. <mark class="qa-context-quote">Pelvic Tilt.</mark> Lie on your back.</p>'
        in (markup)
    )


def test_the_chat_asks_with_the_sessions_earlier_questions(fake_assistant: Assistant) -> None:
    from assistant.web.ui import build_blocks

    calls: list[tuple[str, list[str]]] = []

    def ask(question: str, history: Sequence[str]) -> Answer:
        calls.append((question, list(history)))
        return fake_assistant.ask(question, history)

    settings = fake_assistant.settings.replace(max_history_turns=2)
    blocks = build_blocks(ask, settings)
    (respond,) = [fn.fn for fn in blocks.fns.values() if fn.api_name == "ask"]
    assert respond is not None
    turns: tuple[Answer, ...] = ()
    for question in ("How do I do the pelvic tilt?", "How long do I hold it?", "And how often?"):
        _, turns, _ = respond(question, turns)
    assert calls == [
        ("How do I do the pelvic tilt?", []),
        ("How long do I hold it?", ["How do I do the pelvic tilt?"]),
        ("And how often?", ["How do I do the pelvic tilt?", "How long do I hold it?"]),
    ]
    assert [turn.question for turn in turns] == ["How long do I hold it?", "And how often?"]  # the last 2 kept


def test_the_page_is_titled_by_its_source(fake_assistant: Assistant) -> None:
    from assistant.safety import site_wording

    assert page_title(site_wording(fake_assistant.settings)) == f"Ask “{TITLE}”"
    assert page_title(site_wording(fake_assistant.settings.replace(corpus_dir=Path("/nonexistent")))) == (
        "Ask the source"
    )


# --- In the browser ----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.model
def test_a_short_quote_is_shown_with_its_surrounding_text(
    page: Any, live_server: str, real_assistant: Assistant
) -> None:
    question = "What is the pelvic tilt?"
    expected = [s for s in real_assistant.ask(question).snippets if s.context is not None]
    assert expected, "the model no longer quotes a bare heading here; pick another question"
    answer = ask(page, live_server, question)

    items = answer.locator(".qa-quote-item:has(.qa-context)")
    assert items.count() == len(expected)
    for number, snippet in enumerate(expected):
        item = items.nth(number)
        assert item.locator(".qa-quote-text").inner_text() == snippet.span.text
        context = item.locator(".qa-context")
        assert context.locator(".qa-context-label").inner_text().casefold() == CONTEXT_LABEL.casefold()
        assert snippet.context is not None
        assert context.locator(".qa-context-text").text_content() == snippet.context.text
        assert context.locator("mark").inner_text() == snippet.span.text
        expect(context).to_have_attribute("aria-label", CONTEXT_LABEL)
        # Below the quote, and not styled as one: outside the blockquote, no quotation marks, no accent bar.
        assert context.evaluate("node => node.closest('blockquote') === null")
        text = context.locator(".qa-context-text")
        assert text.evaluate("node => getComputedStyle(node, '::before').content") in ("none", "normal")
        quote_box = item.locator("blockquote").bounding_box()
        context_box = context.bounding_box()
        assert quote_box is not None and context_box is not None and context_box["y"] >= quote_box["y"] + 10
        assert context.evaluate("node => getComputedStyle(node).borderLeftStyle") != "solid"


@pytest.mark.browser
def test_a_suggested_question_is_asked_by_click_or_keyboard(page: Any, declining_server: str) -> None:
    answer = ask(page, declining_server, "Does magnesium help a back spasm?")
    assert answer.locator(".qa-suggestions-label").inner_text() == SUGGESTIONS_LABEL
    choices = answer.locator("button.qa-suggestion")
    assert choices.count() >= 2
    first, second = choices.nth(0).inner_text(), choices.nth(1).inner_text()

    choices.nth(0).click()
    page.wait_for_function("document.querySelectorAll('#chat .qa-answer').length === 2")
    assert page.locator("#chat .qa-question").last.inner_text() == first
    assert page.locator("#chat-input textarea").input_value() == ""

    page.locator("#chat .qa-answer").first.locator("button.qa-suggestion").nth(1).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#chat .qa-answer').length === 3")
    assert page.locator("#chat .qa-question").last.inner_text() == second


@pytest.mark.browser
def test_copy_gives_the_answer_as_plain_text(
    context: Any, page: Any, fake_live_server: str, fake_assistant: Assistant
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=fake_live_server)
    answer = ask(page, fake_live_server, QUESTION)
    expected = fake_assistant.ask(QUESTION)
    # Gradio's own copy button (it copies the HTML) is gone; each answer has its own.
    assert page.locator("#chat [aria-label='Copy message']").count() == 0
    answer.locator("button.qa-copy").click()
    expect(answer.locator(".qa-status")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")

    assert "<" not in copied and ">" not in copied
    assert copied.startswith(expected.preamble + "\n\n")
    shown = [answer.locator(".qa-quote-text").nth(i).inner_text() for i in range(len(expected.snippets))]
    for number, text in enumerate(shown, start=1):
        snippet = next(s.span for s in expected.snippets if s.span.text == text)
        link = f"{fake_live_server}/?doc={DOC}&start={snippet.start}&end={snippet.end}"
        assert f"“{text}”\n[{number}] {TITLE}\n{link}" in copied


@pytest.mark.browser
def test_a_share_link_opens_the_passage_on_a_new_page(context: Any, page: Any, fake_live_server: str) -> None:
    answer = ask(page, fake_live_server, QUESTION)
    quote = answer.locator(".qa-quote-item").nth(1)
    quoted = quote.locator(".qa-quote-text").inner_text()
    share = quote.locator("a.qa-share")
    assert share.get_attribute("target") == "_blank"
    assert "noopener" in (share.get_attribute("rel") or "")
    # No label on the page carries markup (Gradio labels messages with their HTML).
    labels = page.evaluate("[...document.querySelectorAll('[aria-label]')].map(n => n.getAttribute('aria-label'))")
    assert labels and not [label for label in labels if "<" in label or ">" in label]

    with context.expect_page() as opened:
        share.click()
    shared = opened.value
    shared.locator("#source-viewer mark").wait_for()
    assert shared.locator("#source-viewer mark").inner_text() == quoted
    assert "doc=" in shared.url and "start=" in shared.url
    assert shared.locator(ERROR_MARKS).filter(visible=True).count() == 0


@pytest.mark.browser
def test_a_citation_links_to_the_original_article_when_it_has_one(
    page: Any, tmp_path: Path, fake_assistant: Assistant
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    meta = corpus / DOC.replace(".txt", ".json")
    metadata = json.loads(meta.read_text("utf-8"))
    meta.write_text(json.dumps({**metadata, "source_url": "https://example.org/back-spasms"}), "utf-8")
    settings = fake_assistant.settings.replace(corpus_dir=corpus, index_dir=tmp_path / "index")
    embedder = FakeEmbedder()
    assistant = Assistant(settings, embedder, build_index(settings, embedder))
    with serve(assistant) as url:
        answer = ask(page, url, QUESTION)
        original = answer.locator("a.qa-original").first
        assert original.get_attribute("href") == "https://example.org/back-spasms"
        assert original.get_attribute("target") == "_blank"
        assert "noopener" in (original.get_attribute("rel") or "")
        assert answer.locator("a.qa-original").count() == answer.locator("a.citation").count()


@pytest.mark.browser
def test_the_page_waits_while_the_model_loads_then_enables_itself(
    context: Any, page: Any, fake_assistant: Assistant
) -> None:
    loaded = threading.Event()

    def loader() -> Assistant:
        loaded.wait(60)
        return fake_assistant

    with serve(fake_assistant, loader=loader) as url:
        try:
            # A shared passage, opened while loading: shown once the assistant is ready.
            page.goto(f"{url}/?doc={DOC}&start=11043&end=11204")
            box = page.locator("#chat-input textarea")
            box.wait_for()
            page.wait_for_function("document.querySelector('#chat-input textarea').disabled")
            note = page.locator("#chat-ready")
            assert "getting ready" in note.inner_text()
            assert box.get_attribute("aria-describedby") == "chat-ready"
            assert page.locator("#chat-input .submit-button").is_disabled()
            assert all(b.is_disabled() for b in page.locator("#examples button").all())
            page.wait_for_timeout(1500)  # a few health checks later: still waiting, and no error marks
            assert box.is_disabled()
            assert page.locator(ERROR_MARKS).filter(visible=True).count() == 0
            assert page.locator("#chat-refusal").count() == 0 or page.locator("#chat-refusal").inner_text() == ""
        finally:
            loaded.set()
        page.wait_for_function("!document.querySelector('#chat-input textarea').disabled")
        assert note.inner_text() == ""
        page.locator("#source-viewer mark").wait_for()
        assert page.locator("#source-viewer mark").inner_text() == fake_assistant.documents[DOC].text[11043:11204]
        answer = ask(page, None, QUESTION)
        assert answer.locator("blockquote").count() > 0
        assert page.locator(ERROR_MARKS).filter(visible=True).count() == 0


@pytest.mark.browser
def test_a_refusal_shows_no_red_error_marks(page: Any, fake_assistant: Assistant) -> None:
    with serve(fake_assistant, rate_limit=1) as url:
        first = ask(page, url, "How long should I hold a stretch?")
        box = page.locator("#chat-input textarea")
        box.fill("And what about heat?")
        box.press("Enter")
        notice = page.locator("#chat-refusal")
        page.wait_for_function("(document.getElementById('chat-refusal') || {}).textContent")
        assert notice.inner_text().startswith("Too many questions from your address.")
        page.wait_for_timeout(1000)
        assert page.locator(ERROR_MARKS).filter(visible=True).count() == 0
        assert first.is_visible()  # the chat is not covered by Gradio's error overlay


@pytest.mark.browser
def test_thumbs_and_not_helpful_are_recorded_once(page: Any, fake_assistant: Assistant, tmp_path: Path) -> None:
    with serve(fake_assistant, tmp_path) as url:
        posts: list[dict[str, Any]] = []
        page.on(
            "request",
            lambda request: (
                posts.append(json.loads(request.post_data or "{}")) if request.url.endswith("/api/feedback") else None
            ),
        )
        answer = ask(page, url, QUESTION)
        answer_id = next(
            c.removeprefix("qa-answer-id-")
            for c in answer.get_attribute("class").split()
            if c.startswith("qa-answer-id-")
        )
        up, down = answer.locator("button.qa-rate-up"), answer.locator("button.qa-rate-down")
        expect(up).to_have_attribute("aria-pressed", "false")
        expect(down).to_have_attribute("aria-pressed", "false")
        up.click()
        status = answer.locator(".qa-status")
        page.wait_for_function(
            "document.querySelector('#chat .qa-answer .qa-status').textContent === 'Thank you for your feedback.'"
        )
        assert up.get_attribute("aria-pressed") == "true" and down.get_attribute("aria-pressed") == "false"
        assert up.get_attribute("aria-disabled") == down.get_attribute("aria-disabled") == "true"
        down.click(force=True)  # one vote per answer: the buttons say so (aria-disabled) and ignore a click
        up.click(force=True)

        quote_down = answer.locator("button.qa-quote-down").first
        span = quote_down.get_attribute("value")
        quote_down.press("Enter")  # from the keyboard
        page.wait_for_function("document.querySelector('#chat .qa-quote-down').getAttribute('aria-pressed') === 'true'")
        page.wait_for_timeout(500)
        assert status.inner_text() == "Thank you for your feedback."
        assert posts == [
            {"id": answer_id, "rating": "up", "span": None},
            {"id": answer_id, "rating": "down", "span": span},
        ]
        data = report(url)
        assert data["ratings"] == {"up": 1, "down": 0, "quote_not_helpful": 1}
        assert data["unhelpful_quotes"] == [{"span": span, "count": 1}]

        # Gradio redraws the chat with the next answer: the votes stay shown.
        ask(page, None, "What causes back spasms?")
        first = page.locator("#chat .qa-answer").first
        assert first.locator("button.qa-rate-up").get_attribute("aria-pressed") == "true"
        assert first.locator("button.qa-quote-down").first.get_attribute("aria-pressed") == "true"
        assert page.locator("#chat .qa-answer").last.locator("button.qa-rate-up").get_attribute("aria-pressed") == (
            "false"
        )


@pytest.mark.browser
def test_feedback_the_server_refuses_is_reported_politely(page: Any, fake_live_server: str) -> None:
    refusal = {"error": "That answer is unknown or too old to rate."}
    page.route(
        "**/api/feedback",
        lambda route: route.fulfill(status=404, content_type="application/json", body=json.dumps(refusal)),
    )
    answer = ask(page, fake_live_server, QUESTION)
    down = answer.locator("button.qa-rate-down")
    down.click()
    status = answer.locator(".qa-status")
    page.wait_for_function("document.querySelector('#chat .qa-answer .qa-status').textContent !== ''")
    assert status.inner_text() == "Sorry, your feedback was not sent. That answer is unknown or too old to rate."
    assert "qa-status-error" in (status.get_attribute("class") or "")
    # Not counted as a vote: the buttons can be used again.
    assert down.get_attribute("aria-pressed") == "false" and down.get_attribute("aria-disabled") == "false"


@pytest.mark.browser
def test_on_a_phone_back_to_the_answers_returns_to_the_citation(browser: Any, fake_live_server: str) -> None:
    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, color_scheme="light"
    )
    phone.set_default_timeout(WAIT)
    page = phone.new_page()
    try:
        answer = ask(page, fake_live_server, QUESTION)
        back = page.locator("#source-viewer .sv-back")
        assert not back.is_visible()
        citation = answer.locator("a.citation").nth(1)
        href = citation.get_attribute("href")
        citation.tap()
        page.locator("#source-viewer mark").wait_for()
        assert back.is_visible() and back.inner_text() == "Back to the answers"
        back.tap()
        page.wait_for_function("document.activeElement && document.activeElement.matches('a.citation')")
        assert page.evaluate("document.activeElement.getAttribute('href')") == href
        assert page.evaluate(
            "(() => { const r = document.activeElement.getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= innerHeight; })()"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

        # In light mode the Ask button is a filled button, not bare text.
        ask_button = page.locator("#chat-input .submit-button")
        background = ask_button.evaluate("node => getComputedStyle(node).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")
        box = ask_button.bounding_box()
        assert box is not None and box["height"] >= 32 and box["width"] >= 44
    finally:
        phone.close()


@pytest.mark.browser
def test_the_page_says_what_the_source_is_about(page: Any, fake_live_server: str, fake_assistant: Assistant) -> None:
    from assistant.safety import site_wording

    wording = site_wording(fake_assistant.settings)
    page.goto(fake_live_server + "/")
    page.locator("#chat-input textarea").wait_for()
    assert page.title() == f"Ask “{TITLE}”"
    assert page.locator(".qa-header h1").inner_text() == f"Ask “{TITLE}”"
    assert wording.topic in page.locator("#chat").inner_text()


def test_the_mounted_chat_queue_polls_every_10_ms_not_every_1(fake_assistant: Assistant) -> None:
    from starlette.routing import Mount

    from assistant.web.app import build_app
    from assistant.web.ui import QUEUE_POLL_SECONDS, quieten_queue

    app = build_app(fake_assistant, ui=True)
    (gradio_app,) = [r.app for r in app.routes if isinstance(r, Mount) and hasattr(r.app, "get_blocks")]
    assert gradio_app.get_blocks()._queue.sleep_when_free == QUEUE_POLL_SECONDS == 0.01

    class Renamed:
        _queue = object()  # a Gradio whose queue lost the attribute

    with pytest.raises(RuntimeError, match="sleep_when_free"):
        quieten_queue(Renamed())
