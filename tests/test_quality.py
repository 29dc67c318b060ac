"""Quality with the real bundled models: every set in eval/, cross-validated, and an article nothing was tuned on.

Timing is reported by `assistant eval`, never asserted here.

The floors below are today's cross-validated figures less a small margin: they
stop quality from slipping. The product's bar (``evaluation.BAR``) is higher on
the reader-style sets and is printed with the report; the safety figures
(red flags, no urgent notice on ordinary questions, no boilerplate, every quote
verbatim) are asserted at the bar itself.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.evaluation import (
    MAX_MEDIAN_SNIPPET_CHARS,
    Figures,
    Report,
    default_question_files,
    evaluate,
    load_questions,
)
from assistant.index import build_index
from assistant.settings import Settings

from .conftest import DATA

pytestmark = pytest.mark.model

OTHER = DATA / "other"

#: Pooled over eval/*.json, held-out folds.
POOLED_FLOORS = {
    "hit_at_1": 0.57,
    "hit_at_5": 0.78,
    "in_scope_answered": 0.87,
    "out_of_scope_declined": 0.42,
}
#: The plain dev set (eval/questions.json), held-out folds: its original bar.
DEV_FLOORS = {
    "hit_at_1": 0.80,
    "hit_at_5": 0.95,
    "in_scope_answered": 0.97,
    "out_of_scope_declined": 0.90,
    "both_sides_recall": 1.0,
}
#: The second article, scored with the settings chosen on eval/ (nothing tuned on it).
OTHER_FLOORS = {"hit_at_1": 0.60, "hit_at_5": 0.70, "in_scope_answered": 0.90}


def assert_safe(figures: Figures) -> None:
    assert figures.red_flag_recall == 1.0
    assert figures.urgent_on_ordinary == 0
    assert figures.boilerplate_quoted == 0
    assert figures.not_verbatim == 0
    assert figures.median_snippet_chars <= MAX_MEDIAN_SNIPPET_CHARS


def assert_floors(figures: Figures, floors: dict[str, float]) -> None:
    low = {name: round(getattr(figures, name), 3) for name, floor in floors.items() if getattr(figures, name) < floor}
    assert not low, f"below the floor: {low}"


@pytest.fixture(scope="module")
def report(real_assistant: Assistant) -> Report:
    sets = [load_questions(path) for path in default_question_files()]
    result = evaluate(real_assistant, sets, latency_rounds=0)
    print("\n" + result.format())
    return result


@pytest.fixture(scope="module")
def other_assistant(real_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    settings = Settings.model_validate(
        {**real_assistant.settings.model_dump(), "corpus_dir": OTHER, "index_dir": tmp_path_factory.mktemp("other")}
    )
    index = build_index(settings, real_assistant.embedder, second=real_assistant.second)
    yield Assistant(settings, real_assistant.embedder, index, second=real_assistant.second)


def test_pooled_sets_cross_validated(report: Report) -> None:
    assert set(report.sets) >= {"questions", "robustness"}
    assert report.folds == 5
    assert_safe(report.pooled_cv)
    assert_floors(report.pooled_cv, POOLED_FLOORS)


def test_the_plain_dev_set_keeps_its_bar(report: Report) -> None:
    held_out, _ = report.per_set["questions"]
    assert_safe(held_out)
    assert_floors(held_out, DEV_FLOORS)


def test_the_settings_are_the_cross_validated_choice(report: Report, real_assistant: Assistant) -> None:
    settings = real_assistant.settings
    for name, value in report.chosen.items():
        assert getattr(settings, name) == pytest.approx(value), name
    assert settings.cover_threshold == pytest.approx(report.threshold, abs=0.002)


def test_a_second_article_nothing_was_tuned_on(other_assistant: Assistant) -> None:
    result = evaluate(other_assistant, [load_questions(OTHER / "questions.json")], latency_rounds=0, tune=False)
    print("\n" + result.format())
    assert_safe(result.pooled_cv)
    assert_floors(result.pooled_cv, OTHER_FLOORS)


def test_stretching_question_shows_both_sides_labelled(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("Can I stretch during a back spasm?")
    groups = [s.group for s in answer.snippets]
    assert "caution" in groups and "supportive" in groups


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "What are the symptoms of diabetes?",
        "Write me a poem about autumn.",
        "How many advil can I take in a day?",
    ],
)
def test_off_topic_questions_and_amounts_the_source_never_gives_are_declined(
    real_assistant: Assistant, question: str
) -> None:
    assert real_assistant.ask(question).covered is False


@pytest.mark.parametrize(
    "question", ["How long should I hold a stretch?", "Is heat good for a spasm?", "what is a pelvic tilt", "physio?"]
)
def test_ordinary_answers_never_carry_the_urgent_notice(real_assistant: Assistant, question: str) -> None:
    answer = real_assistant.ask(question)
    assert answer.covered and not answer.urgent


def test_a_typo_in_a_red_flag_still_gets_the_notice(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("my back spasm is bad and now i cnt pee evn tho i need 2")
    assert answer.urgent


def test_red_flag_answer_puts_notice_first_and_may_still_quote(real_assistant: Assistant) -> None:
    data = real_assistant.ask("My back spasms came after a car accident, what stretches help?").to_dict()
    assert data["urgent"] is True
    assert list(data).index("notice") < list(data).index("snippets")


def test_a_bare_heading_never_leads_when_a_sentence_answers(real_assistant: Assistant) -> None:
    for question in ["child's pose?", "pelvic tilt", "ice or heat?"]:
        answer = real_assistant.ask(question)
        if answer.snippets:
            first = answer.snippets[0]
            index = real_assistant.index
            row = next(i for i, item in enumerate(index.spans) if item.span == first.span)
            assert index.spans[row].context is None, (question, first.span.text)


def test_answers_are_the_same_from_a_rebuilt_assistant(real_assistant: Assistant, tmp_path: Path) -> None:
    """Nothing in answering depends on state left by earlier questions."""
    question = "how long shud i hold the strech"
    first = real_assistant.ask(question)
    again = Assistant(
        real_assistant.settings, real_assistant.embedder, real_assistant.index, second=real_assistant.second
    ).ask(question)
    assert first == again
