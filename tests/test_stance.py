"""Stance cues and advice questions, on sentences from other health topics than the corpus."""

from __future__ import annotations

import pytest

from assistant.stance import CAUTION, SUPPORTIVE, asks_for_advice, stance


@pytest.mark.parametrize(
    "sentence",
    [
        "Do not run on a sprained ankle until you can walk without pain.",
        "Avoid ice directly on the skin, as it can cause frostbite.",
        "Stop cycling if your knee swells.",
        "Heavy lifting can worsen a hernia.",
        "Never take two painkillers that contain paracetamol at once.",
        "Pushing through shin pain risks a stress fracture.",
        "Wait until the swelling goes down before you stretch the calf.",
        "Using a foam roller on a fresh bruise may aggravate it.",
    ],
)
def test_warnings_are_caution(sentence: str) -> None:
    assert stance(sentence) == CAUTION


@pytest.mark.parametrize(
    "sentence",
    [
        "Heat helps reduce the risk of cramps.",
        "Good shoes lower the chance of injury on long walks.",
        "Warming up helps prevent injury.",
        "Regular stretching can help you avoid strain in the neck.",
        "Gentle walking is one of the best things you can do for knee pain.",
        "Some soreness is normal after the first session.",
        "Ideally, you'll want to walk for twenty minutes a day.",
        "Aim for three sessions a week.",
        "Try a cold compress for a tension headache.",
        "Staying active speeds up recovery, so keep moving.",
    ],
)
def test_recommendations_are_supportive(sentence: str) -> None:
    assert stance(sentence) == SUPPORTIVE


@pytest.mark.parametrize(
    "sentence",
    [
        "The knee joint is where the thigh bone meets the shin bone.",
        "Plantar fasciitis affects the thick band of tissue under the foot.",
        "Lie on your back with your knees bent.",
        "Tension headaches feel like a tight band around the head.",
        "Calf Raise.",
    ],
)
def test_descriptions_and_instructions_take_no_side(sentence: str) -> None:
    assert stance(sentence) is None


@pytest.mark.parametrize(
    "question",
    [
        "Should I run with shin splints?",
        "is it ok to keep cycling or am I going to make it worse?",
        "My physio says rest, my coach says train through it. Who's right?",
        "no pain no gain right?",
        "Is it worth trying a knee brace?",
        "would icing it be a good idea",
        "can I push through the pain in my heel",
        "Am I overdoing it with three runs a week?",
        "Is swimming safe for a sore shoulder?",
    ],
)
def test_questions_asking_whether_to_do_something(question: str) -> None:
    assert asks_for_advice(question)


@pytest.mark.parametrize(
    "question",
    [
        "What is plantar fasciitis?",
        "How do I do a calf raise?",
        "Where is the trapezius muscle?",
        "Why do shin splints happen?",
        "What causes tension headaches?",
        "How long should I hold the stretch?",
    ],
)
def test_questions_asking_for_facts_or_steps(question: str) -> None:
    assert not asks_for_advice(question)


def test_permission_is_supportive() -> None:
    assert stance("This is a gentle walk that you can do in the first week after a sprain.") == SUPPORTIVE
    assert stance("These can be done at home every day.") == SUPPORTIVE


@pytest.mark.parametrize(
    ("sentence", "side"),
    [
        # Harm that follows, and evidence against: cautions.
        ("Ignoring a sore wrist can lead to a long-term tendon problem.", CAUTION),
        ("Playing on with a mild strain may turn it into a full tear.", CAUTION),
        ("Magnet bracelets have not been shown to ease arthritis pain.", CAUTION),
        ("There is little good evidence that cracking your knuckles causes arthritis.", CAUTION),
        # Permission, comparison, carrying on and plain instructions: recommendations.
        ("You do not need to stop cycling with a mild knee ache.", SUPPORTIVE),
        ("Swimming is better than running while the tendon heals.", SUPPORTIVE),
        ("Most people can keep working with a tension headache.", SUPPORTIVE),
        ("Wrap it in a cold towel for ten minutes.", SUPPORTIVE),
        ("Massage your calves gently after a long walk.", SUPPORTIVE),
    ],
)
def test_more_ways_of_warning_and_recommending(sentence: str, side: str) -> None:
    assert stance(sentence) == side


@pytest.mark.parametrize(
    "question",
    [
        "does icing my wrist every night stop the swelling",
        "are knee sleeves worth wearing",
        "is a foam roller worth it",
    ],
)
def test_more_questions_asking_whether(question: str) -> None:
    assert asks_for_advice(question)
