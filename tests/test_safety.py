import json

import pytest

from assistant.safety import DEFAULT_WORDING, red_flags
from assistant.stance import CAUTION, SUPPORTIVE, stance

from .conftest import DEV_QUESTIONS


@pytest.mark.parametrize(
    "question",
    [
        "I lost control of my bowels after my back started spasming",
        "since yesterday I can't control my bladder and my back hurts",
        "numbness in my groin and lower back pain",
        "my saddle area feels numb",
        "back spasm plus tingling and numbness in both legs",
        "my legs feel weak after the spasm",
        "I fell down the stairs and now my back spasms won't stop",
        "hurt my back in a car accident",
        "my back spasm comes with fever and I feel very sick",
        "back pain and chest pain at the same time",
    ],
)
def test_red_flags_are_detected(question: str) -> None:
    assert red_flags(question)


@pytest.mark.parametrize(
    "question",
    [
        "Can I fall asleep with a back spasm?",
        "What are the causes of irritable bowel syndrome?",
        "Which exercise expands the chest?",
        "Is walking good for back spasms?",
        "How do I stretch my legs and hamstrings?",
        "Can an ice pack help after a workout?",
        "What is the best position for my legs when I sleep?",
    ],
)
def test_ordinary_questions_raise_no_flag(question: str) -> None:
    assert red_flags(question) == []


def test_no_dev_set_question_outside_the_red_flag_list_is_flagged() -> None:
    data = json.loads(DEV_QUESTIONS.read_text())
    ordinary = [item["q"] for item in data["in_scope"]] + data["out_of_scope"]
    assert [q for q in ordinary if red_flags(q)] == []
    assert all(red_flags(q) for q in data["red_flag"])


def test_fixed_texts_are_distinct_and_not_empty() -> None:
    w = DEFAULT_WORDING
    texts = [w.preamble, w.not_covered, w.off_topic, w.urgent_with_quotes, w.urgent_alone, w.disclaimer]
    assert len(set(texts)) == len(texts)
    assert all(len(t) > 40 and "{" not in t for t in texts)
    assert "quotes below" in w.urgent_with_quotes and "quotes" not in w.urgent_alone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stretching can trigger more spasms if the muscle is very sensitive already.", CAUTION),
        ("I recommend you wait until the pain gets better before stretching.", CAUTION),
        ("Do not run on a sprained ankle.", CAUTION),
        ("The best thing you can do for a cramp is stretch.", SUPPORTIVE),
        ("Seek relief by stretching out that part of your body.", SUPPORTIVE),
        ("The upper back is the area between the neck and low back.", None),
    ],
)
def test_stance_of_advice(text: str, expected: str | None) -> None:
    assert stance(text) == expected


def test_wording_comes_from_settings_then_metadata_then_defaults() -> None:
    from assistant.corpus import Document
    from assistant.safety import wording_for

    one = Document("a.txt", "x", "0", title="Shin splints", topic="shin splints", ask="a physiotherapist")
    w = wording_for([one])
    assert w.source == "“Shin splints”" and w.topic == "shin splints" and w.who == "a physiotherapist"
    assert "“Shin splints” does not cover" in w.not_covered.replace("“S", "“S")
    assert "back" not in (w.preamble + w.not_covered + w.off_topic + w.disclaimer).lower()
    two = Document("b.txt", "y", "1", title="Tennis elbow", topic="tennis elbow", ask="a GP")
    many = wording_for([one, two])
    assert many.source == "the source articles" and many.topic == "shin splints and tennis elbow"
    assert many.who == DEFAULT_WORDING.who  # they disagree on who to ask: the neutral default
    assert wording_for([one], who="your club physio").who == "your club physio"
    assert wording_for([]) == DEFAULT_WORDING
