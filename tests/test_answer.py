import dataclasses

import pytest

from assistant.answer import Snippet, _with_both_sides, verified
from assistant.core import Assistant
from assistant.corpus import Span
from assistant.errors import QuestionError
from assistant.safety import Wording, wording_for
from assistant.stance import CAUTION, SUPPORTIVE


def wording(assistant: Assistant) -> Wording:
    return wording_for(assistant.documents.values())


ANSWER_KEYS = {"question", "kind", "preamble", "covered", "message", "suggestions", "urgent", "notice", "snippets"}
SNIPPET_KEYS = {"text", "doc", "start", "end", "score", "group"}


def test_answer_quotes_the_source_verbatim(mini_assistant: Assistant) -> None:
    answer = mini_assistant.ask("Does heat help a stiff neck?")
    data = answer.to_dict()
    assert ANSWER_KEYS <= set(data)
    assert data["kind"] == "answered"
    assert data["preamble"] == wording(mini_assistant).preamble
    assert data["covered"] is True and data["message"] is None
    assert data["urgent"] is False and data["notice"] is None
    assert 1 <= len(data["snippets"]) <= 5
    text = mini_assistant.documents["neck.txt"].text
    for snippet in data["snippets"]:
        assert SNIPPET_KEYS <= set(snippet)
        assert text[snippet["start"] : snippet["end"]] == snippet["text"]
    assert "Heat packs" in data["snippets"][0]["text"]


def test_boilerplate_and_repeats_are_never_quoted(mini_assistant: Assistant) -> None:
    quoted = []
    for q in ["stretching tips on instagram", "Example Media trademark", "stretching a stiff neck", "neck care"]:
        quoted += [s.span.text for s in mini_assistant.ask(q).snippets]
    assert not [t for t in quoted if "Instagram" in t or "trademark" in t or "Media Inc" in t or "certified" in t]
    answer = mini_assistant.ask("Does gentle stretching help a stiff neck?")
    texts = [s.span.text for s in answer.snippets]
    assert len(texts) == len(set(texts))


def test_short_heading_carries_its_neighbours_as_context(mini_assistant: Assistant) -> None:
    answer = mini_assistant.ask("neck rolls")
    heading = next(s for s in answer.snippets if s.span.text == "Neck Rolls.")
    assert heading.context is not None
    assert heading.span.text in heading.context.text
    assert (
        mini_assistant.documents["neck.txt"].text[heading.context.start : heading.context.end] == heading.context.text
    )


def test_both_sides_of_differing_advice_are_labelled(mini_assistant: Assistant) -> None:
    answer = mini_assistant.ask("Should I stretch during a neck spasm?")
    groups = {s.group for s in answer.snippets}
    assert {CAUTION, SUPPORTIVE} <= groups
    labels = {s["group_label"] for s in answer.to_dict()["snippets"] if s["group"]}
    assert len(labels) == 2


def test_both_sides_get_their_best_passages() -> None:
    stances = {1: SUPPORTIVE, 2: SUPPORTIVE, 3: None, 4: SUPPORTIVE, 5: None, 6: CAUTION, 7: CAUTION, 8: CAUTION}
    top = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)]
    further = [(6, 0.4), (7, 0.35), (8, 0.3)]
    # The missing side comes in with its single best passage from further down.
    result = _with_both_sides(top, top, further, stances.get, limit=5)
    assert [row for row, _ in result] == [1, 2, 3, 4, 6]
    # Relevant passages of both sides: two of each, then the best of the rest.
    relevant = [*top, (7, 0.45), (8, 0.44)]
    result = _with_both_sides(top, relevant, further, stances.get, limit=5)
    assert [row for row, _ in result] == [1, 2, 3, 7, 8]
    # Nothing changes when the other side is nowhere among the passages.
    assert _with_both_sides(top, top, [], stances.get, limit=5) == top


def test_unrelated_question_is_declined(mini_assistant: Assistant) -> None:
    answer = mini_assistant.ask("What is the capital of France?")
    assert answer.covered is False
    assert answer.snippets == ()
    data = answer.to_dict()
    assert data["kind"] == "off_topic" and data["message"] == wording(mini_assistant).off_topic
    assert data["preamble"] is None and data["suggestions"] == []


def test_red_flag_sets_urgent_notice(mini_assistant: Assistant) -> None:
    data = mini_assistant.ask("My neck is stiff and I have a fever").to_dict()
    assert data["urgent"] is True
    w = wording(mini_assistant)
    assert data["notice"] == (w.urgent_with_quotes if data["snippets"] else w.urgent_alone)
    assert data["red_flags"] == ["fever or chills"]


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "type a question"), ("   \n\t", "type a question"), ("x" * 1001, "too long"), (None, "must be text")],
)
def test_bad_questions_get_a_clear_error(mini_assistant: Assistant, question: object, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        mini_assistant.ask(question)  # type: ignore[arg-type]


def test_question_at_the_length_limit_is_answered(mini_assistant: Assistant) -> None:
    question = ("neck " * 200)[:1000]
    assert mini_assistant.ask(question).question == question.strip()


def test_quote_that_does_not_match_its_source_is_dropped(mini_assistant: Assistant) -> None:
    text = mini_assistant.documents["neck.txt"].text
    good = Snippet(Span("neck.txt", 0, 10, text[0:10]), 1.0)
    shifted = Snippet(Span("neck.txt", 1, 11, text[0:10]), 1.0)
    forged = Snippet(Span("neck.txt", 0, 10, "Stretch it"), 1.0)
    unknown = Snippet(Span("other.txt", 0, 10, text[0:10]), 1.0)
    bad_context = dataclasses.replace(good, context=Span("neck.txt", 0, 20, "not the source text!"))
    assert verified([good, shifted, forged, unknown, bad_context], mini_assistant.index) == [good]


def test_a_tampered_document_in_memory_yields_no_quote(mini_assistant: Assistant) -> None:
    """If the text in memory no longer matches the spans, nothing is quoted."""
    doc = mini_assistant.index.documents["neck.txt"]
    mini_assistant.index.documents["neck.txt"] = dataclasses.replace(doc, text=doc.text.upper())
    answer = mini_assistant.ask("Does heat help a stiff neck?")
    assert answer.snippets == ()
    assert answer.covered is False


def test_each_case_gets_the_fixed_texts_that_fit_it(mini_assistant: Assistant) -> None:
    answered = mini_assistant.ask("Does heat help a stiff neck?")
    assert (answered.kind, answered.preamble, answered.message) == ("answered", wording(mini_assistant).preamble, None)
    off = mini_assistant.ask("What is a good banana bread recipe?")
    assert (off.kind, off.preamble, off.suggestions) == ("off_topic", None, ())
    assert off.message == wording(mini_assistant).off_topic
    urgent = mini_assistant.ask("My neck is stiff and I have a fever")
    w = wording(mini_assistant)
    assert urgent.notice == (w.urgent_with_quotes if urgent.snippets else w.urgent_alone)
    # Urgent with nothing to quote: the notice does not point at quotes that are not there.
    alone = dataclasses.replace(urgent, covered=False, snippets=())
    assert alone.notice == wording(mini_assistant).urgent_alone and "quotes" not in alone.notice


def test_a_decline_on_the_topic_offers_questions_from_the_sources_headings(mini_assistant: Assistant) -> None:
    from assistant.answer import heading_label

    labels = {heading_label(item.span.text) for item in mini_assistant.index.spans if item.context is not None} - {None}
    # The fake embedder's scores say little about coverage: decline by setting the bar out of reach.
    strict = mini_assistant.with_settings(cover_threshold=2.0, fused_cover_threshold=2.0)
    declined = strict.ask("Does magnesium help a stiff neck?")
    assert declined.kind == "not_covered" and declined.message == wording(mini_assistant).not_covered
    assert 1 <= len(declined.suggestions) <= 3
    for suggestion in declined.suggestions:
        assert any(f"about {label}?" in suggestion for label in labels)


@pytest.mark.model
def test_every_question_a_decline_can_offer_is_answered(real_assistant: Assistant) -> None:
    from assistant.answer import heading_label
    from assistant.safety import SUGGESTION_QUESTION

    labels = {heading_label(i.span.text) for i in real_assistant.index.spans if i.context is not None} - {None}
    assert len(labels) >= 3
    unanswered = [
        label for label in labels if not real_assistant.ask(SUGGESTION_QUESTION.format(heading=label)).covered
    ]
    assert unanswered == []


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Child’s Pose.", "Child’s Pose"),
        ("Back extensions.", "Back extensions"),
        ("Ice or heat.", None),  # sentence case past two words: could as well be an instruction
        ("Take small steps.", None),
        ("Calf Raises", "Calf Raises"),
        ("Upper Back and Neck Stretch", "Upper Back and Neck Stretch"),
        ("Breathe out as you roll.", None),
        ("Hold for 30 seconds;", None),  # an instruction, not a heading
        ("Repeat 2 to 4 times.", None),
        ("and then the other side.", None),
        ("Lie on your back with your knees bent and feet flat.", None),
    ],
)
def test_heading_labels(text: str, label: str | None) -> None:
    from assistant.answer import heading_label

    assert heading_label(text) == label
