"""The chat page: Gradio Blocks mounted on the server's FastAPI app at ``/``.

Answers are rendered here to HTML (escaped quotes, numbered citations, the
fixed texts of :mod:`assistant.safety` styled apart from quotes). Gradio is
imported inside functions only, so importing this module, or the package, never
loads the web stack.

Citations are ``<a class="citation" href="#source?doc=…&start=…&end=…">``:
Gradio's chat sanitizer drops ``data-`` attributes but keeps ``class`` and
``href``, so the passage to show travels in the link itself. ``chat.js``
intercepts the click and fills ``#source-viewer`` from ``/api/source``.

Answers are drawn from their wire shape, :class:`~assistant.schemas.AnswerOut`,
as the widget draws them from ``/api/ask``. The answer's ``id`` travels as a
class, ``qa-answer-id-<id>``, on the answer's container, for the same reason.
The sanitizer also drops ``aria-`` attributes, so ``chat.js`` adds those (and
the behaviour of the answer's buttons: copy, ratings, suggested questions).

Each quote also has a "Share link", ``?doc=…&start=…&end=…`` on this page:
opened, the page shows that passage in the source viewer.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlencode

from ..answer import Answer, Snippet
from ..errors import AssistantError, QuestionError
from ..safety import CONTEXT_LABEL, DEFAULT_WORDING, GROUP_LABELS, SUGGESTIONS_LABEL, Wording, site_wording
from ..schemas import AnswerOut, SnippetOut
from ..settings import Settings
from . import STATIC_DIR

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

#: The page's title when the source has no name of its own (see :func:`page_title`).
TITLE = "Ask the source"

EXAMPLE_QUESTIONS = (
    "Should I stretch during a back spasm?",
    "What stretches help a back spasm?",
    "How long should I hold a stretch?",
    "What causes back spasms?",
)

EMPTY_STATE = (
    "Ask a question about the source text. Every answer is made of word-for-word quotes; "
    "select a citation such as [1] to read it in context."
)

VIEWER_EMPTY = "Select a citation such as [1] to read the quoted passage in its context here."

#: The chat page's own words around answers (the answers' texts are in assistant.safety).
SHARE_LINK = "Share link"
ORIGINAL_ARTICLE = "Original article"
COPY = "Copy"
HELPFUL = "Helpful"
NOT_HELPFUL = "Not helpful"
BACK_TO_ANSWERS = "Back to the answers"

ChatHistory = list[dict[str, Any]]


# --- Rendering (no Gradio needed) ------------------------------------------


class _Grouped(Protocol):
    @property
    def group(self) -> str | None: ...


#: A snippet or its wire shape: anything with a ``group``.
G = TypeVar("G", bound=_Grouped)


def citation_href(snippet: Snippet | SnippetOut) -> str:
    """The link a citation carries: which document and which characters to show."""
    where = snippet.span if isinstance(snippet, Snippet) else snippet
    return "#source?" + urlencode({"doc": where.doc, "start": where.start, "end": where.end})


def passage_href(snippet: Snippet | SnippetOut) -> str:
    """The shareable link to a passage: this page with ``?doc=…&start=…&end=…``, which opens it in the viewer."""
    where = snippet.span if isinstance(snippet, Snippet) else snippet
    return "?" + urlencode({"doc": where.doc, "start": where.start, "end": where.end})


def page_title(wording: Wording) -> str:
    """The page's (and tab's) title: what the source is, e.g. Ask “Back spasms: stretches and exercises”."""
    return TITLE if wording.source == DEFAULT_WORDING.source else f"Ask {wording.source}"


def empty_state(wording: Wording) -> str:
    """What the empty chat says: the source's topic, and how answers are made."""
    if wording.topic == DEFAULT_WORDING.topic:
        return EMPTY_STATE
    return (
        f"Ask a question about {wording.topic}. Every answer is made of word-for-word quotes from "
        f"{wording.source}; select a citation such as [1] to read it in context."
    )


def sections(snippets: Iterable[G]) -> list[tuple[str | None, list[G]]]:
    """Quotes in display order: those on no side first, then each side of differing advice.

    The sides follow the order of ``GROUP_LABELS`` (caution before
    recommendation); within a section, quotes keep their rank. ``embed.js``
    follows the same rule, so citation numbers match across pages.
    """
    snippets = list(snippets)
    order = [None, *GROUP_LABELS, *sorted({s.group for s in snippets if s.group and s.group not in GROUP_LABELS})]
    grouped = [(group, [s for s in snippets if s.group == group]) for group in order]
    return [(group, items) for group, items in grouped if items]


def render_question(question: str) -> str:
    """The person's question as the chat shows it: text, never markup."""
    return f'<p class="qa-question">{html.escape(question)}</p>'


def answer_id_class(answer_id: str) -> str:
    """The class that carries an answer's id in the chat (Gradio's sanitizer drops ``data-`` attributes)."""
    return "qa-answer-id-" + answer_id


def _http_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _render_context(snippet: SnippetOut) -> str:
    """The text around a quote too short to stand alone, the quote marked in it: never styled as a quote."""
    esc = html.escape
    context = snippet.context
    assert context is not None
    lo, hi = snippet.start - context.start, snippet.end - context.start
    if 0 <= lo <= hi <= len(context.text) and context.text[lo:hi] == snippet.text:
        before, after = esc(context.text[:lo]), esc(context.text[hi:])
        text = f'{before}<mark class="qa-context-quote">{esc(snippet.text)}</mark>{after}'
    else:
        text = esc(context.text)
    return (
        f'<div class="qa-context"><p class="qa-context-label">{esc(CONTEXT_LABEL)}</p>'
        f'<p class="qa-context-text">{text}</p></div>'
    )


def _render_quote(snippet: SnippetOut, number: int) -> str:
    esc = html.escape
    title = snippet.title or snippet.doc
    # No text between the footer's elements: each carries its own words (and tests read them one by one).
    footer = [
        f'<a class="citation" href="{esc(citation_href(snippet))}" '
        f'title="Show this passage in the source">[{number}] {esc(title)}</a>',
        f'<a class="qa-share" href="{esc(passage_href(snippet))}" target="_blank" rel="noopener" '
        f'title="This passage on its own page, to share or keep">{esc(SHARE_LINK)}</a>',
    ]
    original = _http_url(snippet.source_url)
    if original is not None:
        footer.append(
            f'<a class="qa-original" href="{esc(original)}" target="_blank" rel="noopener" '
            f'title="{esc(title)}, on its own site (opens in a new tab)">{esc(ORIGINAL_ARTICLE)}</a>'
        )
    footer.append(
        f'<button type="button" class="qa-quote-down" value="{esc(snippet.span_id)}" '
        f'title="This quote is not helpful">{esc(NOT_HELPFUL)}</button>'
    )
    parts = [
        '<div class="qa-quote-item">',
        '<blockquote class="qa-quote">',
        f'<p class="qa-quote-text">{esc(snippet.text)}</p>',
        f"<footer>{''.join(footer)}</footer>",
        "</blockquote>",
    ]
    if snippet.context is not None:
        # A quote too short to stand alone (a bare heading) is never shown without the text around it.
        parts.append(_render_context(snippet))
    parts.append("</div>")
    return "".join(parts)


def render_answer(answer: Answer | AnswerOut) -> str:
    """One answer as HTML: urgent notice first, then the preamble, then the cited quotes or the decline.

    A decline's suggested questions follow its message, as buttons that ask
    them. Every answer ends with its actions (copy, and a rating) and a status
    line for what they report; ``chat.js`` makes them work.
    """
    if isinstance(answer, Answer):
        answer = AnswerOut.from_answer(answer)
    esc = html.escape
    parts = [f'<div class="qa-answer {esc(answer_id_class(answer.id))}">']
    if answer.notice:
        parts.append(f'<div class="qa-notice qa-urgent" role="alert"><p>{esc(answer.notice)}</p></div>')
    if answer.preamble:
        parts.append(f'<p class="qa-preamble">{esc(answer.preamble)}</p>')
    if answer.message:
        parts.append(f'<div class="qa-notice qa-not-covered" role="status"><p>{esc(answer.message)}</p></div>')
    if answer.suggestions:
        parts.append(f'<div class="qa-suggestions"><p class="qa-suggestions-label">{esc(SUGGESTIONS_LABEL)}</p><ul>')
        parts.extend(
            f'<li><button type="button" class="qa-suggestion">{esc(question)}</button></li>'
            for question in answer.suggestions
        )
        parts.append("</ul></div>")
    number = 0
    for group, items in sections(answer.snippets):
        if group is not None:
            label = items[0].group_label or group
            parts.append(
                f'<section class="qa-group qa-group-{esc(group)}"><h4 class="qa-group-label">{esc(label)}</h4>'
            )
        for snippet in items:
            number += 1
            parts.append(_render_quote(snippet, number))
        if group is not None:
            parts.append("</section>")
    parts.append(
        '<div class="qa-actions">'
        f'<button type="button" class="qa-copy" title="Copy this answer as plain text">{esc(COPY)}</button>'
        '<span class="qa-rate" role="group">'
        f'<button type="button" class="qa-rate-up" value="up" title="This answer is helpful">{esc(HELPFUL)}</button>'
        f'<button type="button" class="qa-rate-down" value="down" title="This answer is not helpful">'
        f"{esc(NOT_HELPFUL)}</button>"
        "</span></div>"
        '<p class="qa-status" role="status"></p>'
    )
    parts.append("</div>")
    return "".join(parts)


def _header_html(wording: Wording) -> str:
    return (
        '<header class="qa-header">'
        f"<h1>{html.escape(page_title(wording))}</h1>"
        f'<p class="qa-disclaimer" role="note">{html.escape(wording.disclaimer)}</p>'
        "</header>"
    )


def _viewer_html() -> str:
    return (
        '<section class="sv" aria-labelledby="sv-heading">'
        '<div class="sv-bar"><h2 id="sv-heading" class="sv-heading" tabindex="-1">Source</h2>'
        # Shown on a narrow screen once a citation is open: back to where the reader was (chat.js).
        f'<button type="button" class="sv-back" hidden>{html.escape(BACK_TO_ANSWERS)}</button></div>'
        f'<div class="sv-body" aria-live="polite"><p class="sv-empty">{html.escape(VIEWER_EMPTY)}</p>'
        '<p class="sv-actions"><button type="button" class="sv-whole">Read the whole source</button></p></div>'
        "</section>"
    )


# --- Gradio ----------------------------------------------------------------


def chat_messages(turns: Iterable[Answer]) -> ChatHistory:
    """The chat as Gradio shows it, rebuilt from the assistant's own answers: a question and its answer per turn."""
    messages: ChatHistory = []
    for answer in turns:
        messages.append({"role": "user", "content": render_question(answer.question)})
        messages.append({"role": "assistant", "content": render_answer(answer)})
    return messages


def build_blocks(ask: Callable[[str, Sequence[str]], Answer], settings: Settings) -> gr.Blocks:
    """The chat page. ``ask`` answers one question or raises an AssistantError with a message for people.

    The conversation lives on the server, in Gradio's per-session state, as the
    assistant's own answers (the last ``settings.max_history_turns``). The chat
    component is an output only: nothing a browser sends as "history" is ever
    read, echoed or turned into a file. ``ask`` gets the session's earlier
    questions, oldest first, from that state, so a follow-up leans on them.
    """
    import gradio as gr

    limit = settings.max_history_turns
    wording = site_wording(settings)

    def respond(question: object, turns: tuple[Answer, ...] | None) -> tuple[ChatHistory, tuple[Answer, ...], str]:
        try:
            if not isinstance(question, str):
                raise QuestionError("The question must be text.")
            answer = ask(question, [turn.question for turn in turns or ()])
        except AssistantError as exc:
            # Shown as a notice in the page; gradio_client raises it as an AppError.
            raise gr.Error(str(exc), print_exception=False) from exc
        kept = (*(turns or ()), answer)[-limit:]
        return chat_messages(kept), kept, ""

    with gr.Blocks(title=page_title(wording), analytics_enabled=False) as blocks:
        gr.HTML(_header_html(wording), elem_id="qa-header", js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="Answers",
                    show_label=False,
                    height=560,
                    # chat.js scrolls each new answer to its top instead: the urgent
                    # notice comes first and must not scroll out of sight.
                    autoscroll=False,
                    # Answers are HTML built here from escaped text; markdown would
                    # reinterpret quoted characters such as * and _.
                    render_markdown=False,
                    sanitize_html=True,
                    placeholder=html.escape(empty_state(wording)),
                    feedback_options=None,
                    # Gradio's copy button copies an answer's HTML; each answer has its own
                    # "Copy" (plain text, chat.js) instead.
                    buttons=[],
                    layout="bubble",
                )
                conversation = gr.State(())
                question = gr.Textbox(
                    elem_id="chat-input",
                    label="Your question",
                    placeholder="Type a question about the source text",
                    max_length=settings.max_question_chars,
                    submit_btn="Ask",
                    lines=1,
                    max_lines=4,
                )
                with gr.Row(elem_id="examples", elem_classes="qa-examples"):
                    for text in EXAMPLE_QUESTIONS:
                        button = gr.Button(text, size="sm", variant="secondary", min_width=0)
                        button.click(
                            partial(respond, text),
                            [conversation],
                            [chatbot, conversation, question],
                            api_visibility="private",
                        )
            with gr.Column(scale=2, min_width=300):
                gr.HTML(_viewer_html(), elem_id="source-viewer", js_on_load=None)
        question.submit(
            respond,
            [question, conversation],
            [chatbot, conversation, question],
            api_name="ask",
            api_description="Ask a question (plain text). Returns this session's conversation, the quoted, cited "
            "answer last (HTML built by the server), and an empty string for the input box.",
            show_progress="minimal",
        )
    return blocks


#: Seconds Gradio's queue sleeps between looks at an empty queue. Gradio's own is 1 ms on Linux: an idle
#: server's event loop then wakes ~900 times a second (measured by its context switches), and each wake
#: takes the GIL from the threads answering /api/ask and from the model thread between its torch calls.
#: At 10 ms a chat question waits at most 10 ms more to start, next to the ~50 ms of its answer.
QUEUE_POLL_SECONDS = 0.01


def quieten_queue(blocks: Any) -> None:
    """Make Gradio's queue look for work every :data:`QUEUE_POLL_SECONDS` instead of every millisecond.

    Gradio has no setting for it; the attribute is checked, so a Gradio that renames it fails loudly.
    """
    queue = blocks._queue
    if not isinstance(getattr(queue, "sleep_when_free", None), float):
        raise RuntimeError("Gradio's queue has no sleep_when_free: check QUEUE_POLL_SECONDS against this Gradio")
    queue.sleep_when_free = QUEUE_POLL_SECONDS


def mount_ui(
    app: FastAPI, ask: Callable[[str, Sequence[str]], Answer], settings: Settings, static_path: str
) -> FastAPI:
    """Mount the chat page at ``/`` of ``app``; call after every other route is added (``/`` catches the rest)."""
    import gradio as gr

    static = static_path.strip("/")
    head = f'<script src="{static}/source-viewer.js" defer></script>\n<script src="{static}/chat.js" defer></script>'
    blocks = build_blocks(ask, settings)
    # A bounded queue: past queue_size waiting questions the page says it is busy.
    blocks.queue(max_size=settings.queue_size, default_concurrency_limit=2)
    quieten_queue(blocks)
    app.state.gradio_functions = len(blocks.fns)
    # How many values each function takes, by fn_index and by API name: a call with another count is refused.
    app.state.gradio_inputs = {
        **{("fn", index): len(fn.inputs) for index, fn in blocks.fns.items()},
        **{("api", fn.api_name): len(fn.inputs) for fn in blocks.fns.values() if fn.api_name},
    }
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        server_name=settings.host,
        server_port=settings.port,
        footer_links=["api"],
        # Health questions are private: do not keep a history of them in the browser.
        run_history=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        theme=gr.themes.Soft(),
        css_paths=[STATIC_DIR / "chat.css"],
        head=head,
        max_file_size=1,
    )
