"""Follow-up questions: which lean on the conversation, what they borrow, and that nothing else changes.

The rules are tried on an article they were not written from (shin splints),
including questions that must stand alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversations import evaluate_conversations, load_conversations
from assistant.core import Assistant
from assistant.errors import AssistantError, QuestionError
from assistant.followup import leans_on_history, resolve
from assistant.query import QueryProcessor

OTHER = Path(__file__).parent / "data" / "other" / "article.txt"


@pytest.fixture(scope="module")
def shins() -> QueryProcessor:
    return QueryProcessor([OTHER.read_text("utf-8")])


@pytest.mark.parametrize(
    "question",
    [
        "how long should I ice them for?",
        "and for runners?",
        "what about heat?",
        "how often?",
        "why?",
        "how do I start?",
        "is that safe?",
        "also, do I need new shoes for it?",
        "But does it work?",
    ],
)
def test_questions_that_lean_on_the_conversation(shins: QueryProcessor, question: str) -> None:
    assert leans_on_history(shins.process(question))


@pytest.mark.parametrize(
    "question",
    [
        "What causes shin splints?",
        "Should I ice my shins after running?",
        "Are shin splints common in dancers?",
        "stress fracture?",
        "sciatica?",  # a word the source never uses is still the question's own subject
        "Do compression socks help shin splints?",
        "Anderson?",
    ],
)
def test_questions_that_stand_alone(shins: QueryProcessor, question: str) -> None:
    assert not leans_on_history(shins.process(question))


def test_a_follow_up_borrows_the_subject_and_keeps_its_own_words_first(shins: QueryProcessor) -> None:
    resolved = resolve(shins, "how long should I ice them for?", ["What helps shin splints heal?"])
    assert set(resolved.carried) & {"shin", "splints"}
    query = resolved.for_search(shins)
    assert query.raw == "how long should I ice them for?"
    words = list(query.focus_words)
    lent = [w for w in words if w in {"shin", "splints"}]
    assert lent
    assert words.index("ice") < min(words.index(w) for w in lent)  # the question's own words lead


def test_a_chain_keeps_the_subject_it_started_with(shins: QueryProcessor) -> None:
    resolved = resolve(shins, "and how often?", ["calf raises?", "how do I do them?"])
    assert "calf" in resolved.carried or "raises" in resolved.carried


def test_without_history_or_when_standing_alone_nothing_is_borrowed(shins: QueryProcessor) -> None:
    assert resolve(shins, "how long do I hold it?").carried == ()
    alone = resolve(shins, "What causes shin splints?", ["Should I ice my shins?"])
    assert alone.carried == ()
    assert alone.for_search(shins) is alone.query


def test_everyday_words_are_not_lent(shins: QueryProcessor) -> None:
    resolved = resolve(shins, "what about heat?", ["What helps shin splints right now?"])
    assert "right" not in resolved.carried
    assert "helps" not in resolved.carried


def test_ask_uses_history_and_shows_the_question_as_typed(mini_assistant: Assistant) -> None:
    alone = mini_assistant.ask("how long do I hold it?")
    followed = mini_assistant.ask("how long do I hold it?", ["How do I stretch my hamstrings?"])
    assert followed.question == "how long do I hold it?"
    assert [s.span.text for s in followed.snippets] != [s.span.text for s in alone.snippets] or not alone.covered


def test_history_that_does_not_lean_changes_nothing(mini_assistant: Assistant) -> None:
    question = "Should I stretch during a back spasm?"
    assert (
        mini_assistant.ask(question, ["Is heat good for cramps?"]).to_dict()["snippets"]
        == (mini_assistant.ask(question).to_dict()["snippets"])
    )


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ("how do I stretch?", "must be a list"),
        ([1, 2], "must be text"),
        (["   "], "type a question"),
        (["x" * 5000], "too long"),
        (["q?"] * 500, "Too many earlier questions"),
    ],
)
def test_bad_history_is_refused_clearly(mini_assistant: Assistant, history: object, message: str) -> None:
    with pytest.raises(QuestionError, match=message):
        mini_assistant.ask("how long do I hold it?", history)  # type: ignore[arg-type]


def test_only_the_last_few_questions_are_used(mini_assistant: Assistant) -> None:
    limit = mini_assistant.settings.max_followup_questions
    many = ["What is a back spasm?"] * (limit + 3)
    assert mini_assistant.check_history(many) == many[-limit:]
    off = mini_assistant.with_settings(max_followup_questions=0)
    assert off.check_history(many) == []


def test_red_flags_are_judged_on_the_readers_own_words(mini_assistant: Assistant) -> None:
    # An earlier red flag does not make a later ordinary question urgent.
    answer = mini_assistant.ask("and how long do I hold it?", ["I can't feel my legs and can't pee"])
    assert not answer.urgent


def test_conversation_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"conversations": [{"kind": "follow_up", "turns": ["only one"], "gold": ["x"]}]}')
    with pytest.raises(AssistantError, match="at least two questions"):
        load_conversations(bad)
    bad.write_text('{"conversations": [{"kind": "sideways", "turns": ["a", "b"], "gold": ["x"]}]}')
    with pytest.raises(AssistantError, match="kind must be"):
        load_conversations(bad)


def test_conversation_figures_compare_with_and_without_history(mini_assistant: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        '{"conversations": ['
        '{"kind": "follow_up", "turns": ["How do I stretch my hamstrings?", "how long do I hold it?"], '
        '"gold": ["zzz never in any quote"]},'
        '{"kind": "new_topic", "turns": ["Is heat good?", "Should I stretch during a back spasm?"], '
        '"gold": ["stretch"]}]}'
    )
    figures = evaluate_conversations(mini_assistant, load_conversations(path))
    assert figures["follow_up"].conversations == 1
    assert figures["follow_up"].hit_at_5 == 0.0
    assert figures["new_topic"].hit_at_1 == figures["new_topic"].alone_hit_at_1


def test_eval_command_reads_conversation_files(mini_assistant: Assistant, tmp_path: Path) -> None:
    from assistant.cli import _conversation_figures, build_parser

    path = tmp_path / "c.json"
    path.write_text(
        '{"conversations": [{"kind": "follow_up", "turns": ["How do I stretch my hamstrings?", "how long?"], '
        '"gold": ["hamstring"]}]}'
    )
    args = build_parser().parse_args(["eval", "--conversations", str(path)])
    assert set(_conversation_figures(mini_assistant, args)) == {"follow_up"}
    # Another corpus: the back-spasm conversations do not apply, and none are asked.
    other = build_parser().parse_args(["eval", "--corpus", str(tmp_path)])
    assert _conversation_figures(mini_assistant, other) == {}
