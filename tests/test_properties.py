"""Property-based tests: no input, however odd, gets anything but verbatim quotes or a clear refusal.

``Assistant.ask`` takes any Unicode text (lone surrogates, control characters,
very long or blank strings) and returns an answer whose every quote is the
document text at its offsets, or raises :class:`QuestionError`; ``/api/ask``
takes any JSON value or raw bytes and answers 200 with verbatim quotes or a 4xx
``{"error": "..."}`` that does not echo the input, never a 5xx.

Both use the fake embedder, so they need no model.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from assistant.answer import Answer
from assistant.core import Assistant
from assistant.errors import QuestionError
from assistant.index import build_index
from assistant.settings import REPO_ROOT, Settings
from assistant.testing import FakeEmbedder
from assistant.web.app import build_app

from .conftest import FIXTURE_CORPUS

#: Longest error message any refusal may carry: enough to say what is wrong, too short to echo a body.
MAX_ERROR_CHARS = 300

PROPERTIES = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no example database: a failure prints its minimal example instead
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- Fixtures: one assistant per module, built as the conftest fixtures build theirs --------------


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """As ``mini_assistant``: the fixture corpus, the fake embedder, the index in a temp folder."""
    root = tmp_path_factory.mktemp("properties-mini")
    corpus = root / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    mini_settings = Settings(corpus_dir=corpus, index_dir=root / "index", model=FakeEmbedder.name, second_model=None)
    embedder = FakeEmbedder()
    build_index(mini_settings, embedder)
    return Assistant.load(mini_settings, embedder=embedder)


@pytest.fixture(scope="module")
def web_assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """As ``fake_assistant`` in tests/web: the real corpus with the fake embedder."""
    embedder = FakeEmbedder()
    web_settings = Settings(
        corpus_dir=REPO_ROOT / "corpus",
        index_dir=tmp_path_factory.mktemp("properties-web-index"),
        model=embedder.name,
        second_model=None,
        # Hundreds of questions from one test client: the rate limit is not what is tested here.
        rate_limit=1_000_000,
    )
    return Assistant(web_settings, embedder, build_index(web_settings, embedder))


@pytest.fixture(scope="module")
def client(web_assistant: Assistant) -> Iterator[TestClient]:
    with TestClient(build_app(web_assistant, ui=False)) as test_client:
        yield test_client


# --- Strategies ------------------------------------------------------------------------------------


def _source_text(directory: Path) -> str:
    return "\n".join(path.read_text("utf-8") for path in sorted(directory.glob("*.txt")))


#: The text of both corpora: passages and words of it make questions that are covered and get quotes.
SOURCE = _source_text(FIXTURE_CORPUS) + "\n" + _source_text(REPO_ROOT / "corpus")
SOURCE_WORDS = sorted(set(SOURCE.split()))

#: Any code point at all: lone surrogates, controls, unassigned and private-use ones included.
any_char = st.characters()
odd_chars = st.sampled_from(
    ["\ud800", "\udfff", "\x00", "\x1b", "\x7f", "\u0085", "\u2028", "\u2029", "\ufeff", "\u200b", "\u202e", "\ufffd",
     "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "\u3000", "İ", "ß", "ﬁ", "\U0001f600", "e\u0301"]
)  # fmt: skip
pieces = st.one_of(st.sampled_from(SOURCE_WORDS), st.text(any_char, max_size=12), odd_chars)


@st.composite
def passages(draw: st.DrawFn) -> str:
    """A passage of the source (often quoted back), with a few odd characters put anywhere in it."""
    start = draw(st.integers(0, len(SOURCE) - 1))
    text = SOURCE[start : start + draw(st.integers(1, 300))]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.one_of(odd_chars, st.text(any_char, max_size=3))) + text[at:]
    return text


questions = st.one_of(
    st.text(any_char),  # anything
    passages(),
    st.lists(pieces, max_size=25).map(" ".join),  # words of the source among odd characters
    st.lists(pieces, max_size=25).map("".join),
    st.text(st.sampled_from(" \t\n\r\x0b\x0c\u00a0\u2028\u3000\x1c\x85"), max_size=50),  # blank
    st.tuples(pieces, st.integers(1, 3000)).map(lambda t: t[0] * t[1]),  # long, around the limit
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(any_char),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(any_char, max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)

#: JSON objects: a question among other keys, or near misses of the key.
json_objects = st.dictionaries(
    st.sampled_from(["question", "Question", "questions", " question", ""]) | st.text(any_char, max_size=10),
    json_values | questions,
    max_size=4,
) | st.builds(
    lambda question, rest: {**rest, "question": question},
    questions,
    st.dictionaries(st.text(), json_values, max_size=3),
)


@st.composite
def mangled_json(draw: st.DrawFn) -> bytes:
    """A JSON request body, encoded some way, with a few bytes overwritten, inserted or cut."""
    value = draw(json_objects | json_values)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
    data = bytearray(text.encode(encoding, errors="replace" if encoding == "latin-1" else "surrogatepass"))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data[at : at + draw(st.integers(0, 2))] = draw(st.binary(max_size=3))
    return bytes(data)


# --- Checks ----------------------------------------------------------------------------------------


def _refusal_is_expected(question: str, limit: int) -> bool:
    """The question ``check_question`` must refuse: not valid text, blank, or over the limit once stripped."""
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        return True
    text = question.strip()
    return not text or len(text) > limit


def _assert_verbatim(answer: Answer, assistant: Assistant) -> None:
    for snippet in answer.snippets:
        text = assistant.documents[snippet.span.doc].text
        assert snippet.span.text == text[snippet.span.start : snippet.span.end]
        assert snippet.span.text
        if snippet.context is not None:
            assert snippet.context.text == text[snippet.context.start : snippet.context.end]
    assert answer.covered == bool(answer.snippets)


def _assert_no_echo(message: str) -> None:
    assert message, "an empty error message"
    assert len(message) <= MAX_ERROR_CHARS, f"an error message of {len(message)} characters: {message[:400]!r}"


def _check_api_response(response: Any, assistant: Assistant) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:1000]}"
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    event(f"{response.status_code}" + (" with quotes" if response.status_code == 200 and body["snippets"] else ""))
    if response.status_code == 200:
        assert body["covered"] == bool(body["snippets"])
        for snippet in body["snippets"]:
            text = assistant.documents[snippet["doc"]].text
            assert snippet["text"] == text[snippet["start"] : snippet["end"]]
            context = snippet["context"]
            if context is not None:
                assert context["text"] == text[context["start"] : context["end"]]
        return
    assert 400 <= response.status_code < 500, response.status_code
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    _assert_no_echo(body["error"])


# --- Assistant.ask ---------------------------------------------------------------------------------


@PROPERTIES
@given(question=questions)
@example("")
@example(" \t\n")
@example("\ud800")
@example("Is a stiff neck \udfff serious?")
@example("\x00\x01\x02 neck pain \x7f")
@example("neck " * 199 + "neck")  # 999 characters: just under the limit
@example("neck " * 300)  # over the limit
@example("\u202eneck\u202c pain\u2028?")
def test_ask_returns_verbatim_quotes_or_a_question_error(mini: Assistant, question: str) -> None:
    limit = mini.settings.max_question_chars
    try:
        answer = mini.ask(question)
    except QuestionError as error:
        event("QuestionError")
        assert _refusal_is_expected(question, limit), f"refused a valid question: {error}"
        _assert_no_echo(str(error))
        if question.strip():
            assert question.strip() not in str(error)
        return
    assert not _refusal_is_expected(question, limit), "answered a question it should refuse"
    event("answered with quotes" if answer.snippets else "answered, not covered")
    assert answer.question == question.strip()
    _assert_verbatim(answer, mini)
    json.dumps(answer.to_dict())  # the wire shape serialises, as the API and the CLI need


# --- /api/ask --------------------------------------------------------------------------------------


@PROPERTIES
@given(body=json_values | json_objects)
@example(None)
@example([])
@example({})
@example("question")
@example({"question": None})
@example({"question": ["neck"]})
@example({"question": float("nan")})
@example({"question": "x" * 5000})
@example({"question": "\ud800"})
@example({"Question": "neck pain"})
@example({"question": "How do I stretch my back?", "extra": [1, 2, {"a": None}]})
def test_api_ask_with_any_json_body(client: TestClient, web_assistant: Assistant, body: Any) -> None:
    response = client.post("/api/ask", content=json.dumps(body), headers={"Content-Type": "application/json"})
    _check_api_response(response, web_assistant)


@PROPERTIES
@given(question=json_values | questions)
def test_api_ask_with_any_question_value(client: TestClient, web_assistant: Assistant, question: Any) -> None:
    body = json.dumps({"question": question})
    response = client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    _check_api_response(response, web_assistant)
    if isinstance(question, str) and response.status_code == 200:
        assert response.json()["question"] == question.strip()


@PROPERTIES
@given(
    body=st.binary(max_size=2000) | mangled_json(),
    content_type=st.sampled_from(["application/json", "text/plain", None]),
)
@example(b"", "application/json")
@example(b"\xff\xfe", "application/json")
@example(b'{"question": "\xff"}', "application/json")
@example(b'{"question": "\\ud800"}', "application/json")
@example(b'{"question": NaN}', "application/json")
@example(b"[" * 5000 + b"]" * 5000, "application/json")  # deeper than the JSON parser's recursion
@example(b"[" * 50_000 + b"]" * 50_000, "application/json")  # over the body limit
@example(b'{"question": "neck"', "application/json")
@example(b'{"question": "Should I stretch during a back spasm?"}', None)
@example(b'{"question": "Should I stretch during a back spasm?"}', "text/plain")
def test_api_ask_with_any_bytes(
    client: TestClient, web_assistant: Assistant, body: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/api/ask", content=body, headers=headers)
    _check_api_response(response, web_assistant)
