"""The wire shapes: every answer, snippet, passage, source, health report and error, defined once.

The JSON API (its responses and OpenAPI schema), ``assistant ask --json``, the
chat page's HTML (:func:`assistant.web.ui.render_answer`) and the widget
(``embed.js``, which reads ``/api/ask``) all take these models; ``Answer.to_dict()``
is ``AnswerOut.from_answer(answer).model_dump()``. Field order is the JSON's key
order (``notice`` comes before ``snippets`` so clients show it first).

Importing this module is cheap: pydantic only, no web stack, no numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from .answer import Answer, Snippet

__all__ = [
    "AnswerOut",
    "AskRequest",
    "ErrorOut",
    "Health",
    "PassageContext",
    "QuestionErrorOut",
    "SnippetOut",
    "SourceInfo",
    "SourcePassage",
]


class AskRequest(BaseModel):
    """A question for the assistant."""

    question: str = Field(
        description="The question, as text. Leading and trailing spaces are ignored; it must not be empty "
        "or longer than the server's limit (1000 characters by default).",
        examples=["Can stretching make back spasms worse?"],
    )
    history: list[str] | None = Field(
        None,
        max_length=200,
        description="The reader's earlier questions in this conversation, oldest first, so a follow-up "
        '("how long do I hold it?") is answered with them in mind. The server uses the last few '
        "and refuses more than its limit (20 by default).",
        examples=[["How do I do child's pose?"]],
    )


class FeedbackIn(BaseModel):
    """A reader's rating of an answer this server gave, or of one of its quotes."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[0-9a-f]{32}$", description="The answer's id, as /api/ask returned it.")
    rating: Literal["up", "down"]
    span: str | None = Field(
        None, max_length=1000, description="A quote's span_id to mark it not helpful (with rating 'down')."
    )


class PassageContext(BaseModel):
    text: str
    start: int
    end: int


class SnippetOut(BaseModel):
    """One verbatim quote: ``text`` is exactly ``document.text[start:end]``."""

    text: str
    doc: str = Field(description="Path of the source document, relative to the corpus folder.")
    start: int = Field(description="Character offset of the quote in the document (Python string index).")
    end: int
    score: float
    group: str | None = Field(description="Side of differing advice: 'caution' or 'supportive', else null.")
    group_label: str | None
    title: str | None = Field(description="Title of the source document, when known.")
    source_url: str | None = Field(None, description="Address of the original article, when known.")
    span_id: str = Field(description="The quote's id, 'doc:start-end', for feedback on it.")
    context: PassageContext | None = Field(description="The sentences around the quote, when known.")

    @classmethod
    def from_snippet(cls, snippet: Snippet, title: str | None = None, source_url: str | None = None) -> SnippetOut:
        from .feedback import span_id
        from .safety import GROUP_LABELS  # here, so importing the schemas stays cheap

        span, context = snippet.span, snippet.context
        return cls(
            text=span.text,
            doc=span.doc,
            start=span.start,
            end=span.end,
            score=round(snippet.score, 4),
            group=snippet.group,
            group_label=GROUP_LABELS.get(snippet.group) if snippet.group else None,
            title=title,
            source_url=source_url,
            span_id=span_id(span.doc, span.start, span.end),
            context=None
            if context is None
            else PassageContext(text=context.text, start=context.start, end=context.end),
        )


class AnswerOut(BaseModel):
    """An answer: fixed texts around verbatim, cited quotes. ``Answer.to_dict()`` is exactly its dump."""

    id: str = Field(
        description="A fresh random id for this answer (32 hex digits), the same wherever the answer is shown; "
        "for feedback later."
    )
    question: str
    kind: Literal["answered", "not_covered", "off_topic"] = Field(
        description="'answered', or why not: 'not_covered' (on the source's topic, not answered by it) or "
        "'off_topic' (about something else)."
    )
    preamble: str | None = Field(description="The fixed text above the quotes; null on a decline.")
    covered: bool = Field(description="False when the source does not speak to the question.")
    message: str | None = Field(description="The fixed not-covered or off-topic message, or null.")
    suggestions: list[str] = Field(
        description="With a not-covered answer: questions the source does answer (a fixed text around one of "
        "its headings), to offer as one-click questions."
    )
    urgent: bool = Field(description="True when the question mentions a red-flag symptom.")
    notice: str | None = Field(description="The fixed urgent-care notice, or null. Show it first.")
    red_flags: list[str]
    snippets: list[SnippetOut]

    @classmethod
    def from_answer(cls, answer: Answer) -> AnswerOut:
        return cls(
            id=answer.id,
            question=answer.question,
            kind=answer.kind,
            preamble=answer.preamble,
            covered=answer.covered,
            message=answer.message,
            suggestions=list(answer.suggestions),
            urgent=answer.urgent,
            notice=answer.notice,
            red_flags=list(answer.red_flags),
            snippets=[
                SnippetOut.from_snippet(s, answer.titles.get(s.span.doc), answer.urls.get(s.span.doc))
                for s in answer.snippets
            ],
        )


class ErrorOut(BaseModel):
    error: str = Field(description="What went wrong, in words meant for people.")


class QuestionErrorOut(BaseModel):
    """A question that could not be answered, as ``assistant ask --json`` prints it."""

    question: str
    error: str = Field(description="What is wrong with the question, in words meant for people.")


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "documents": 1, "spans": 132}]})

    status: Literal["ok", "loading", "error"]
    documents: int | None = None
    spans: int | None = None


class SourceInfo(BaseModel):
    doc: str
    title: str | None
    source_url: str | None
    chars: int


class SourcePassage(BaseModel):
    """A window of a source document, split around the quoted passage so no client has to slice by offsets.

    ``before + quote + after == document.text[start:end]``. Without a passage
    (no ``start``/``end`` asked) the whole text is in ``before``.
    """

    doc: str
    title: str | None
    source_url: str | None
    chars: int = Field(description="Length of the whole document in characters.")
    start: int = Field(description="Start of the window in the document.")
    end: int = Field(description="End of the window in the document.")
    quote_start: int | None
    quote_end: int | None
    before: str
    quote: str
    after: str
