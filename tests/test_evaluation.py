"""The evaluation's own logic on tiny made-up outcomes: scoring, the operating point, cross-validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.evaluation import (
    Item,
    Outcome,
    choose,
    cross_validate,
    evaluate,
    fold_of,
    load_questions,
    operating_threshold,
    question_shape,
    tally,
)


def outcome(
    kind: str, coverage: float, texts: tuple[str, ...] = ("a quote",), gold: tuple[str, ...] = ("quote",)
) -> Outcome:
    item = Item("set", kind, f"{kind} {coverage} {texts}", gold if kind == "in_scope" else ())  # type: ignore[arg-type]
    return Outcome(
        item, "plain", coverage, texts, (None,) * len(texts), urgent=kind == "red_flag", not_verbatim=0, boilerplate=0
    )


def test_tally_counts_hits_only_for_answered_questions() -> None:
    outcomes = [
        outcome("in_scope", 0.9, ("the quote here", "other")),
        outcome("in_scope", 0.9, ("other", "the quote here")),
        outcome("in_scope", 0.1, ("the quote here",)),  # declined at 0.5: no hit
        outcome("out_of_scope", 0.2),
        outcome("out_of_scope", 0.7),
        outcome("red_flag", 0.0, ()),
    ]
    figures = tally(outcomes, 0.5)
    assert figures.hit_at_1 == pytest.approx(1 / 3)
    assert figures.hit_at_3 == pytest.approx(2 / 3)
    assert figures.in_scope_answered == pytest.approx(2 / 3)
    assert figures.out_of_scope_declined == pytest.approx(1 / 2)
    assert figures.red_flag_recall == 1.0
    assert figures.urgent_on_ordinary == 0


def test_both_sides_need_each_side_labelled_and_on_gold() -> None:
    item = Item("set", "in_scope", "q", ("x",), caution=("stop now",), support=("keep going",))
    good = Outcome(item, "plain", 1.0, ("stop now", "keep going"), ("caution", "supportive"), False, 0, 0)
    unlabelled = Outcome(item, "plain", 1.0, ("stop now", "keep going"), (None, None), False, 0, 0)
    assert tally([good], 0.0).both_sides_recall == 1.0
    assert tally([unlabelled], 0.0).both_sides_recall == 0.0


def test_operating_threshold_keeps_the_target_answered() -> None:
    outcomes = [outcome("in_scope", c / 10) for c in range(1, 11)]
    threshold = operating_threshold(outcomes, target=0.9)
    assert threshold == pytest.approx(0.2)
    assert tally(outcomes, threshold).in_scope_answered == pytest.approx(0.9)


def test_choose_prefers_the_configuration_that_declines_more() -> None:
    ins = [outcome("in_scope", 0.8 + i / 100) for i in range(10)]
    separable = [*ins, *(outcome("out_of_scope", 0.1) for _ in range(5))]
    mixed = [*ins, *(outcome("out_of_scope", 0.95) for _ in range(5))]
    config_a, config_b = (("w", 0.1),), (("w", 0.9),)
    chosen, threshold = choose({config_a: mixed, config_b: separable}, range(15))
    assert chosen == config_b
    assert tally(separable, threshold).out_of_scope_declined == 1.0


def test_cross_validation_scores_each_question_with_a_choice_made_without_it() -> None:
    ins = [outcome("in_scope", 0.5 + i / 100) for i in range(20)]
    outs = [outcome("out_of_scope", 0.1 + i / 100) for i in range(10)]
    cv = cross_validate({(("w", 1.0),): ins + outs}, folds=5)
    assert len(cv.held_out) == 30
    assert len(cv.fold_choices) == 5
    held = tally(cv.held_out, cv.held_out_threshold)
    assert held.out_of_scope_declined == 1.0


def test_folds_are_stable_and_spread() -> None:
    questions = [f"question {i}" for i in range(200)]
    assert [fold_of(q, 5) for q in questions] == [fold_of(q, 5) for q in questions]
    assert {fold_of(q, 5) for q in questions} == set(range(5))


@pytest.mark.parametrize(
    ("question", "corrected", "shape"),
    [
        ("how long shud i hold it", "how long should i hold it", "texting"),
        ("trap spasm", "trap spasm", "short"),
        ("What causes back spasms?", "What causes back spasms?", "plain"),
        (
            "I slept funny last night and woke up with my upper back in knots. Is that normal?",
            "I slept funny last night and woke up with my upper back in knots. Is that normal?",
            "story",
        ),
    ],
)
def test_question_shapes(question: str, corrected: str, shape: str) -> None:
    assert question_shape(question, corrected) == shape


def test_question_files_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    path.write_text(json.dumps({"in_scope": [{"q": "a?", "gold": ["x"]}], "out_of_scope": ["b?"], "red_flag": [1]}))
    with pytest.raises(AssistantError, match="not a valid question set"):
        load_questions(path)
    with pytest.raises(AssistantError, match="does not exist"):
        load_questions(tmp_path / "missing.json")


def test_evaluate_end_to_end_on_the_fixture_corpus(mini_assistant: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "mini.json"
    path.write_text(
        json.dumps(
            {
                "in_scope": [{"q": "How do I stretch my neck?", "gold": ["neck"]}],
                "out_of_scope": ["What is the capital of France?"],
                "red_flag": ["My neck is stiff and I have a fever"],
            }
        )
    )
    report = evaluate(
        mini_assistant, [load_questions(path)], latency_rounds=0, folds=2, grid={"relative_floor": (0.5,)}
    )
    assert report.sets == ("mini",)
    assert report.pooled_cv.red_flag_recall == 1.0
    assert report.pooled_cv.not_verbatim == 0
    assert "mini" in report.format()
    fixed = evaluate(mini_assistant, [load_questions(path)], latency_rounds=0, tune=False)
    assert fixed.folds == 0 and fixed.pooled_cv == fixed.pooled_in_sample
