"""The admin page (/admin): off without a token, a token form, then the report with its chart, in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from assistant.core import Assistant
from assistant.testing import ServerThread
from assistant.web.app import build_app
from assistant.web.routes.admin import ADMIN_POLICY

TOKEN = "the-admin-token-of-the-admin-tests"
WAIT = 20_000  # ms

# Declined (off the source's topic) or rated down: what the report groups and counts.
OFF_TOPIC = ("What is the capital of France?", "What is the capital of France?", "Who won the world cup?")
RATED_DOWN = "What stretches help a back spasm?"


def test_the_admin_page_does_not_exist_without_a_token(fake_assistant: Assistant) -> None:
    with TestClient(build_app(fake_assistant, ui=False)) as client:
        page = client.get("/admin")
        assert page.status_code == 404 and page.json() == {"error": "Not found."}
        assert client.get("/api/admin/report").status_code == 404


def test_the_admin_page_is_static_under_a_strict_policy(fake_assistant: Assistant, tmp_path: Path) -> None:
    settings = fake_assistant.settings.replace(admin_token=TOKEN, data_dir=tmp_path)
    with TestClient(build_app(fake_assistant, settings=settings, ui=False)) as client:
        page = client.get("/admin")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert policy.startswith(ADMIN_POLICY) and "frame-ancestors" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text and " style=" not in page.text  # nothing inline
        assert TOKEN not in page.text  # the page knows no token; the reader types it
        assert client.get("/api/admin/report").status_code == 401
        wrong = client.get("/api/admin/report", headers={"Authorization": "Bearer not-the-token-at-all"})
        assert wrong.status_code == 401


@pytest.fixture(scope="module")
def admin_server(fake_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server with an admin token and a store holding declined questions, ratings and a quote marked down."""
    data = tmp_path_factory.mktemp("admin-data")
    settings = fake_assistant.settings.replace(admin_token=TOKEN, data_dir=data, rate_limit=1_000_000)
    server = ServerThread(build_app(fake_assistant.with_settings(data_dir=data), settings=settings))
    url = server.start()
    with httpx.Client(base_url=url, timeout=30) as client:
        for question in OFF_TOPIC:
            assert client.post("/api/ask", json={"question": question}).json()["kind"] == "off_topic"
        answer = client.post("/api/ask", json={"question": RATED_DOWN}).json()
        assert client.post("/api/feedback", json={"id": answer["id"], "rating": "down"}).status_code == 200
        span = answer["snippets"][0]["span_id"]
        marked = client.post("/api/feedback", json={"id": answer["id"], "rating": "down", "span": span})
        assert marked.status_code == 200
        liked = client.post("/api/ask", json={"question": "What causes back spasms?"}).json()
        assert client.post("/api/feedback", json={"id": liked["id"], "rating": "up"}).status_code == 200
    yield url
    server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(WAIT)
    page = context.new_page()
    yield page
    context.close()


def _report(url: str) -> dict[str, Any]:
    response = httpx.get(url + "/api/admin/report", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


@pytest.mark.browser
def test_a_wrong_token_is_refused_and_forgotten(page: Any, admin_server: str) -> None:
    page.goto(admin_server + "/admin")
    page.locator("#token").fill("not-the-admin-token-at-all")
    page.locator("#token").press("Enter")
    expect(page.locator("#admin-status")).to_have_text("That token is not right. Please try again.")
    assert page.locator("#token-form").is_visible() and not page.locator("#report").is_visible()
    assert page.evaluate("sessionStorage.length") == 0


@pytest.mark.browser
def test_the_report_with_the_right_token(page: Any, admin_server: str) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    data = _report(admin_server)
    assert data["groups"] and data["per_day"] and data["unhelpful_quotes"]

    page.goto(admin_server + "/admin")
    page.locator("#token").fill(TOKEN)
    page.locator("#token").press("Enter")
    page.locator("#report").wait_for()
    assert not page.locator("#token-form").is_visible()

    # Ratings.
    ratings = page.locator("#ratings .rating dd").all_inner_texts()
    assert ratings == [str(data["ratings"][key]) for key in ("up", "down", "quote_not_helpful")] == ["1", "1", "1"]

    # The groups, most frequent first, with their examples.
    rows = page.locator("#groups tbody tr")
    assert rows.count() == len(data["groups"])
    counts = [int(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(rows.count())]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2
    assert rows.first.locator(".label").inner_text() == "What is the capital of France?"
    labels = page.locator("#groups .label").all_inner_texts()
    assert RATED_DOWN in labels

    # Questions per day: an SVG bar chart drawn in the page, a bar per day.
    chart = page.locator("#per-day svg")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("rect.bar").count() == len(data["per_day"])
    assert str(sum(d["questions"] for d in data["per_day"])) in chart.locator("title").first.text_content()

    # The quotes marked not helpful, each a link to its passage on the chat page.
    link = page.locator("#quotes a").first
    span = data["unhelpful_quotes"][0]["span"]
    assert link.inner_text() == span
    query = parse_qs(urlsplit(link.get_attribute("href") or "").query)
    doc, offsets = span.rsplit(":", 1)
    assert query == {"doc": [doc], "start": [offsets.split("-")[0]], "end": [offsets.split("-")[1]]}

    # The token stays in this tab's sessionStorage: a reload shows the report again, without the form.
    assert page.evaluate("Object.values(sessionStorage)") == [TOKEN]
    assert page.evaluate("localStorage.length") == 0 and page.context.cookies() == []
    page.reload()
    page.locator("#report").wait_for()
    page.locator("#sign-out").click()
    assert page.evaluate("sessionStorage.length") == 0
    assert page.locator("#token-form").is_visible()
    assert problems == []  # no script error, and nothing the page's policy had to block
