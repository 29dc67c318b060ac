"""How an answer is rendered for the chat page: order, escaping, citations, groups."""

from __future__ import annotations

import html
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qs

from assistant.answer import Answer, Snippet
from assistant.corpus import Span
from assistant.safety import DEFAULT_WORDING, GROUP_LABELS
from assistant.settings import REPO_ROOT
from assistant.web.ui import citation_href, render_answer, render_question, sections


def _snippet(text: str, start: int, group: str | None = None, doc: str = "a.txt") -> Snippet:
    return Snippet(Span(doc, start, start + len(text), text), score=0.5, group=group)


class _Outline(HTMLParser):
    """The answer's elements in document order: (tag, class, href, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.items.append([tag, values.get("class") or "", values.get("href") or "", ""])

    def handle_data(self, data: str) -> None:
        if self.items:
            self.items[-1][3] += data


def _outline(markup: str) -> list[list[str]]:
    parser = _Outline()
    parser.feed(markup)
    return parser.items


def test_urgent_notice_comes_first_then_preamble_then_quotes() -> None:
    answer = Answer("q", covered=True, snippets=(_snippet("Rest.", 0),), urgent=True, red_flags=("fever",))
    classes = [item[1] for item in _outline(render_answer(answer))]
    order = [classes.index(name) for name in ("qa-notice qa-urgent", "qa-preamble", "qa-quote")]
    assert order == sorted(order)
    texts = [item[3] for item in _outline(render_answer(answer))]
    assert DEFAULT_WORDING.urgent_with_quotes in texts and DEFAULT_WORDING.preamble in texts


def test_not_covered_message_is_a_notice_not_a_quote() -> None:
    markup = render_answer(Answer("q", covered=False))
    outline = _outline(markup)
    notice = next(item for item in outline if "qa-not-covered" in item[1])
    assert notice[0] == "div"
    assert any(item[3] == DEFAULT_WORDING.not_covered for item in outline)
    assert "qa-preamble" not in markup  # a decline has nothing to introduce
    assert "blockquote" not in markup and "citation" not in markup


def test_quoted_text_and_titles_are_escaped() -> None:
    nasty = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    answer = Answer("q", covered=True, snippets=(_snippet(nasty, 3),), titles={"a.txt": "<b>Title</b>"})
    markup = render_answer(answer)
    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
    assert html.escape(nasty) in markup
    outline = _outline(markup)
    assert any(item[3] == nasty for item in outline)  # the reader sees the text exactly
    assert any(item[3] == "[1] <b>Title</b>" for item in outline)


def test_question_is_shown_as_text() -> None:
    assert render_question("<b>bold</b> *star*") == '<p class="qa-question">&lt;b&gt;bold&lt;/b&gt; *star*</p>'


def test_citations_are_numbered_and_point_at_their_passage() -> None:
    snippets = (_snippet("One.", 10, doc="dir/a b.txt"), _snippet("Two.", 40, doc="c.txt"))
    answer = Answer("q", covered=True, snippets=snippets, titles={"dir/a b.txt": "Doc A", "c.txt": None})
    citations = [item for item in _outline(render_answer(answer)) if item[1] == "citation"]
    assert [c[3] for c in citations] == ["[1] Doc A", "[2] c.txt"]  # the path stands in for a missing title
    first = parse_qs(citations[0][2].split("?", 1)[1])
    assert first == {"doc": ["dir/a b.txt"], "start": ["10"], "end": ["14"]}
    assert citations[0][2] == citation_href(snippets[0])


def test_differing_advice_is_grouped_under_its_labels() -> None:
    snippets = (
        _snippet("Stretch gently.", 0, "supportive"),
        _snippet("Spasms are common.", 20, None),
        _snippet("Stretching can hurt.", 40, "caution"),
        _snippet("Keep moving.", 60, "supportive"),
    )
    assert [(group, [s.span.start for s in items]) for group, items in sections(snippets)] == [
        (None, [20]),
        ("caution", [40]),
        ("supportive", [0, 60]),
    ]
    outline = _outline(render_answer(Answer("q", covered=True, snippets=snippets)))
    shown = [item[3] for item in outline if item[1] in ("qa-group-label", "qa-quote-text", "citation")]
    assert shown == [
        "Spasms are common.",
        "[1] a.txt",
        GROUP_LABELS["caution"],
        "Stretching can hurt.",
        "[2] a.txt",
        GROUP_LABELS["supportive"],
        "Stretch gently.",
        "[3] a.txt",
        "Keep moving.",
        "[4] a.txt",
    ]


def test_importing_the_web_modules_loads_no_gradio_or_model() -> None:
    code = (
        "import sys, assistant, assistant.web.app, assistant.web.ui, app; "
        "heavy = [m for m in ('gradio', 'torch', 'sentence_transformers') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
