"""Red-flag detection: rules (no model) and similarity to written symptom descriptions (real model).

OWN_* and MORE_* were written alongside the rules, so figures on them are
in-sample; HELD_OUT_* were written once the rules were settled. The shared
development sets are eval/questions.json and eval/robustness.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from assistant.embedding import Embedder, SentenceTransformerEmbedder
from assistant.redflags import (
    DEFAULT_THRESHOLD,
    SYMPTOM_NAMES,
    SYMPTOMS,
    RedFlagMatcher,
    normalise,
    red_flags,
    symptom_cues,
)
from assistant.safety import red_flags as safety_red_flags

from .conftest import DEV_QUESTIONS

NAME = {s.key: s.name for s in SYMPTOMS}
# The shared reader-style set, as copied into eval/.
SHARED_ROBUSTNESS = DEV_QUESTIONS.parent / "robustness.json"

# (question, key of the symptom it describes). Typos, texting, slang, first person, other body parts.
OWN_RED_FLAGS: list[tuple[str, str]] = [
    ("since my back went i keep wetting myself and dont notice till after", "bladder_bowel"),
    ("cnt pee properly since sat, bladder feels full but nothin comes out", "bladder_bowel"),
    ("lost control of my bladder on the way home, back has been bad all week", "bladder_bowel"),
    ("pooed myself without realising, back pain for days now", "bladder_bowel"),
    ("i have to strain to pee and the stream is really weak since my back pain started", "bladder_bowel"),
    ("cant feel when i need a wee anymore and my lower back is agony", "bladder_bowel"),
    ("im leaking wee when i stand up, never had that before this back pain", "bladder_bowel"),
    ("my bum n inner thighs feel numbb like after the dentist", "saddle"),
    ("when i wipe after the toilet i cant feel the paper, and my back is killing me", "saddle"),
    ("pins and needles round my private parts since my back flared up", "saddle"),
    ("my groin went numb after my back gave out", "saddle"),
    ("since my back went i cant get an erection and down below feels dead", "saddle"),
    ("both legz r tingly and weak since my back seized", "legs"),
    ("my legs keep giving way when i walk, started after lifting at work", "legs"),
    ("numbness spreading down both my legs from my lower back", "legs"),
    ("i cant feel my feet properly and its creeping up my legs", "legs"),
    ("my legs feel like jelly and wont hold me up since the spasm", "legs"),
    ("shin splints are the least of it, my whole left leg has gone numb", "legs"),
    ("neck pain and now weakness in both my legs, is that related?", "legs"),
    ("cant lift my right foot properly, it drags and i keep tripping over my toes", "foot_drop"),
    ("my foot flops down when i walk since the sciatica started", "foot_drop"),
    ("my toes wont lift and my foot slaps down on the pavement", "foot_drop"),
    ("back spasms and a fevr of 38.5, shivering under the duvet", "fever"),
    ("lower back agony plus chils and sweats at night", "fever"),
    ("hot and shivery with this back ache, could it be an infection", "fever"),
    ("my knee is fine but i've got a high temp and my back is killing me", "fever"),
    ("fell off a ladder clearing the gutters and my back has been spasming since", "trauma"),
    ("came off my motorbike last week, had a nasty fall, now my lower back keeps locking up", "trauma"),
    ("got t-boned at a junction, now neck and back pain", "trauma"),
    ("slipped on ice and landed hard on my tailbone, cant sit", "trauma"),
    ("hit by a car while cycling, my back is agony", "trauma"),
    ("neck pain after a car accident, is it whiplash?", "trauma"),
    ("i was tackled in rugby and heard a crack in my back", "trauma"),
    ("crushing pain in my chest that goes into my left arm while my upper back spasms", "chest"),
    ("pain between my shoulder blades plus my chest feels really heavy and im short of breath", "chest"),
    ("tightness across my chest and my jaw aches, back is sore too", "chest"),
    ("chest hurts n my left arm feels numb, upper back spasm too", "chest"),
    ("ive dropped 8kg in two months without dieting and my back aches all the time", "weight_loss"),
    ("the weight is just falling off me and my back hurts", "weight_loss"),
    ("losing weight for no reason and a constant backache", "weight_loss"),
    ("had prostate cancer treated 3 years ago, now new lower back pain that wont go", "cancer"),
    ("im on chemo for lymphoma and my back started spasming, ok to stretch?", "cancer"),
    ("i have a history of breast cancer and my spine hurts", "cancer"),
    ("the pain is way worse at night and lying down doesnt help at all", "night_pain"),
    ("back pain wakes me up every night, nothing eases it", "night_pain"),
    ("my back pain never eases even when im resting in bed", "night_pain"),
]

# Ordinary questions that mention body parts or look-alike words but describe no red flag.
OWN_ORDINARY: list[str] = [
    "my knee gives a little click when I squat, should I worry?",
    "my hamstrings feel tight and weak after running, which stretch helps?",
    "I fell asleep on the sofa and woke up with a stiff neck",
    "I fell out of the habit of stretching, how do I get back into it?",
    "I fell off the wagon with my exercise plan, how do I restart?",
    "is the chest opener stretch good for posture?",
    "my chest muscles feel tight from sitting hunched, what stretch helps?",
    "I lost my balance in the warrior pose, how do I stay steady?",
    "I've been trying to lose weight, will that help my back?",
    "I lost weight on purpose last year and my back feels better, should I keep exercising?",
    "what temperature should the heat pack be?",
    "I crashed out on the sofa after the gym, is sitting bad for back spasms?",
    "my legs shake during the plank, is that normal?",
    "I get tingling in my fingers when I type, is that from my upper back?",
    "my neck feels weak when I hold my head up for the chin tuck",
    "does ice help shin splints?",
    "I feel a pull in my inner thigh during the butterfly stretch",
    "how long should I hold the knee to chest stretch?",
    "my bum muscles ache after the bridge exercise, normal?",
    "is it normal to need the toilet more when I drink more water?",
    "my feet get cold in winter, does that affect back spasms?",
    "I had a cold last week, can I restart my stretches?",
    "my toes cramp up during the cobra stretch",
    "which stretch helps a tight groin after football?",
    "does sitting on the toilet too long cause back pain?",
    "my knee buckled a bit doing lunges, should I stop?",
    "weak core muscles and lower back pain, which exercise first?",
    "does carrying my toddler cause my back spasms?",
    "my shin hurts after running on concrete, could it be my back?",
    "I sleep badly because my mattress is old, could it cause back spasms?",
    "my back is stiffer in the morning than at night, why?",
    "do I breathe in or out during the chest expansion?",
    "how many kg should I lift for the rows?",
    "I've lost motivation to do my exercises, any tips?",
    "my physio said my glutes are weak, which exercise helps?",
    "I dropped a weight on my foot at the gym, can I still do the stretches?",
    "my aunt works in cancer research and says walking helps backs, true?",
    "the exercise made me feel hot and sweaty, is that ok?",
    "is it normal to feel a stretch down the back of my leg?",
    "knee pain going down stairs, what helps?",
    "I slipped a disc years ago, can I do these?",
    "my heart rate goes up during the exercises, is that fine?",
    "hurts to sit on the loo because of my back spasm",
    "i cnt do the side plank, my arms r too weak",
    "wat stretch is gud for a stiff neck n shoulders",
    "does the bridge help weak glutes and thighs?",
    "no fever or numbness, just a stiff lower back, should I stretch?",
    "my legs ache after leg day, can I still do back stretches?",
    "I feel the burn in my thighs during wall sits",
    "I went down on one knee for the lunge and it hurt my knee",
    "how do I stop my neck hurting during crunches?",
    "my wee one climbs on my back while I stretch, is that ok?",
]


# More red flags written while checking the rules (also in-sample).
MORE_RED_FLAGS: list[str] = [
    "i havent been able to go to the toilet properly for a day, cant empty my bladder",
    "urine just dribbles out and i cant stop it",
    "pissed myself in my sleep last night and my back is agony",
    "cant hold my poo in since the back spasm",
    "peeing is weird, i cant tell if im going or not",
    "numb between my legs since yesterday",
    "my fanny feels numb and my back is killing me",
    "my balls and bum are tingly and numb",
    "no feeling in my backside when i sit on the toilet",
    "saddle anaesthesia?",
    "my legs wont work properly",
    "im struggling to walk because my legs feel so weak",
    "my right leg is weak and getting weaker every day",
    "both feet are numb and tingly",
    "numbness from my bum down to my ankle",
    "my leg keeps collapsing under me",
    "i cant stand up my legs just buckle",
    "my foot wont lift when i walk, i keep catching my toes",
    "drop foot since back pain",
    "im tripping over my own feet since my back went",
    "i have a temp of 38.9 and back ache",
    "feel shivery and sweaty with this lower back pain",
    "got a fever n bad back",
    "high temprature and back spasm",
    "chillls and my back hurts",
    "fell from a roof 2 days ago, back still hurts",
    "came off a horse and landed on my back",
    "i got hit by a bus",
    "was in a bad car smash",
    "got knocked off my bike by a car",
    "took a hard tackle in football and my back is killing me",
    "slipped down the stairs and hit my back on the step",
    "pain going down my left arm and chest pressure",
    "my chest is tight and i cant breathe properly",
    "feels like someone is sitting on my chest",
    "back and chest pain together",
    "jaw pain and upper back pain together",
    "lost 10 pounds without trying",
    "dropped a dress size without trying and my back hurts",
    "i've been losing weight without dieting",
    "had leukaemia as a kid, now back pain",
    "cancer survivor with new back pain",
    "finished radiotherapy last year, now back pain",
    "the pain is worse when i lie down at night",
    "pain keeps me awake all night no matter what position",
    "its constant even when resting",
    "my back hurts more at night than in the day",
    "cnt fel my legz",
    "my legs r numm",
    "feva and chilz",
    "i cant pee n my bak hurts",
    "cant lift my toes up",
    "my leg's gone dead and weak",
]

# More look-alikes written while checking the rules (also in-sample).
MORE_ORDINARY: list[str] = [
    "my calves feel tight after running",
    "what's the best stretch for a stiff lower back after a long drive?",
    "i was in the car for 5 hours and my back is stiff",
    "does cycling help back pain?",
    "my bike seat makes my bum sore",
    "is it ok to stretch my chest after bench press?",
    "my chest is sore from push ups",
    "i feel weak after being ill with flu, can i exercise?",
    "my feet hurt after standing all day",
    "i get numb fingers in the cold",
    "my hands tingle when I sleep on my arm",
    "i had a fall out with my gym buddy lol",
    "can falling asleep on the couch cause back pain?",
    "how to avoid falling over during single leg balance?",
    "i'm scared of falling during the yoga pose",
    "is it ok to do exercises when i have a cold and runny nose",
    "can a cold make back spasms worse",
    "my back is hot to touch after the heat pack, is that normal",
    "what are the symptoms of a slipped disc?",
    "can sciatica make my leg hurt?",
    "does sciatica go away on its own?",
    "my left knee aches when i climb stairs",
    "my ankle is weak since i sprained it last year",
    "is weakness in the core a cause of back pain?",
    "what is cauda equina syndrome?",
    "i heard back pain can be cancer, is that true?",
    "my grandad died of cancer, should i worry about my back?",
    "i want to lose a stone before summer, will it help my back?",
    "i'm losing weight on a diet, is that good for spasms?",
    "does losing weight reduce back pain?",
    "the night before a race my back always tightens up",
    "i sleep on my side at night, is that ok?",
    "what's a good position to sleep in with back pain?",
    "i wake up stiff every morning",
    "is a heating pad safe to use overnight?",
    "my back clicks when i twist",
    "my jaw clicks when i chew",
    "my arm is sore after my vaccine",
    "i tackled the garden today and now my back aches",
    "i tackled a big DIY job and my back hurts",
    "we had a crash course in pilates",
    "my computer crashed and I lost my exercise plan",
    "the stock market crashed and i'm stressed, can stress cause spasms?",
    "i dropped my phone during the plank",
    "can I do the stretches after a c-section?",
    "how do i stretch my groin safely?",
    "my bum goes to sleep when i sit on hard chairs",
    "pee breaks at work make me stand up, is that good for my back?",
    "i need to pee a lot at night, is that why i sleep badly?",
    "my bladder is weak since having kids, can i do the pelvic tilt?",
    "can i do crunches with a weak pelvic floor?",
    "i'm pregnant and my back hurts",
    "my back hurts when i cough",
    "hurts to sneeze with this back spasm",
    "it hurts when I take a deep breath after stretching my ribs",
    "my heart races when my back spasms",
    "i get chest acne from sweating at the gym",
    "my legs are heavy after the long run",
    "my legs are sore after the stairs at work",
    "my legs are tired and achy after hiking",
    "my feet and ankles swell on long flights",
    "can't touch my toes, any tips?",
    "i can't reach my feet when i stretch",
    "can't lift my arm above my head since my shoulder spasm",
    "my foot hits the floor first in the lunge, is that correct?",
    "in the cobra pose my feet stay on the floor",
    "my toes point outward when i squat",
    "does tight hips cause back pain?",
    "my hip pain wakes me up when I lie on that side",
    "my shoulder aches at night when i lie on it",
    "my back feels better after a night's rest",
    "my back aches after a night on a bad mattress",
    "the pain eases off when i lie down",
    "my back pain goes away when i rest, is that a spasm?",
    "my whole body aches after the gym",
    "feeling numb about my chronic pain, any advice",
    "is tingling a sign of nerve damage?",
    "how long does numbness last after an injection at the dentist?",
    "i bruised my tailbone years ago, can i do these?",
    "i was rear ending my own goals lol",
    "my back spasm started after i sneezed",
    "whats the chance my spasm is something serious?",
    "is it dangerous to ignore a back spasm?",
    "my mum has osteoporosis, can she do the bridge?",
    "my neck is stiff and i have a headache",
    "i have a headache after the stretches",
    "my stomach hurts after the ab exercises",
    "i feel sick after the exercises",
    "i get dizzy when i stand up from the stretch",
    "my vision goes blurry in the downward dog",
]

# Written after the rules were settled and never used to change them: the only held-out phrasings.
# Rules alone are expected to miss some; these measure what the similarity signal adds.
HELD_OUT_RED_FLAGS: list[str] = [
    "everything below my waist at the back feels like cotton wool",
    "my bladder doesn't seem to empty properly anymore",
    "i had an accident in my trousers at work and didn't even feel it coming",
    "going to the loo feels different, like I can't sense it",
    "the skin where I'd sit on a bike seat has no sensation",
    "my legs don't feel like mine since this morning",
    "i keep stumbling because my right leg won't do what i tell it",
    "my foot won't come up when I walk, it just scrapes along",
    "my toes won't point up at all",
    "burning up and shaking with a sore back",
    "temperature keeps spiking and my spine is tender",
    "sweating through the sheets every night with back pain",
    "came off a trampoline onto my neck",
    "a heavy box fell on my back at work",
    "was in a pile-up on the motorway",
    "dropped two storeys when the scaffolding gave way",
    "pressure like a belt round my ribs and down my left arm",
    "my heart feels funny and my upper back is killing me",
    "pain behind my breastbone and in my shoulder blades",
    "my trousers are baggy and I haven't changed what I eat",
    "i've gone from 12 to 10 stone since christmas without meaning to",
    "the oncologist discharged me last year and now my back hurts",
    "had a tumour removed from my kidney, now lower back pain",
    "my myeloma is in remission but my back is sore",
    "it's worst at 3am and nothing I do helps",
    "can't find any position that eases it, day or night",
    "I can't pass water since this morning",
    "my husband says I've been walking oddly and my legs feel numb",
    "sensation is gone in my inner legs and bottom",
    "my back gave out and now I can't control when I need to go",
]

# Held-out look-alikes, written with HELD_OUT_RED_FLAGS.
HELD_OUT_ORDINARY: list[str] = [
    "the foot of my bed is too high, does that matter for my back?",
    "my legs are longer than my torso, does that affect stretching?",
    "what does the bladder have to do with core muscles?",
    "I fell for a fad diet and now want real exercises",
    "my chest stretch is lopsided, one side feels tighter",
    "I feel the stretch in my bum and the back of my thigh",
    "how do I keep my feet flat on the floor during the bridge?",
    "can I do the exercises with a weight vest?",
    "I'm recovering from a cold and my back is a bit stiff",
    "do hot showers help back spasms at night?",
    "is it normal for my toes to curl during the stretch?",
    "my arm goes numb if I hold the doorframe stretch too long",
    "I crash on the sofa every evening, could that be the cause?",
    "my glutes feel weak on one side, which exercise balances them?",
    "will losing a few pounds take pressure off my lower back?",
    "my grandmother has a sore back, what gentle stretches could she do?",
    "my back hurts after I sit on the toilet scrolling my phone",
    "I lose all sense of time when I stretch, is that mindfulness?",
    "is swimming good for shin pain and back pain?",
    "can tight calves pull on my lower back?",
    "what is the difference between a spasm and a cramp?",
    "how do I stop my knees caving in when I squat?",
    "my partner's snoring keeps me up at night and my back is stiff",
    "is it bad that my heart rate is 150 during the exercises?",
    "my chest feels open and loose after the doorway stretch",
    "I sweat a lot during yoga, should I drink more?",
    "my hamstring twinges when I lift my leg in the stretch",
    "I tripped up on the wording, what does lumbar mean?",
    "what age do back spasms usually start?",
    "my feet are flat, could that give me back pain?",
]


def _shared() -> dict[str, list[str]]:
    """The shared development sets, as copied into eval/."""
    data = json.loads(DEV_QUESTIONS.read_text())
    sets = {
        "questions.red_flag": list(data["red_flag"]),
        "questions.ordinary": [item["q"] for item in data["in_scope"]] + list(data["out_of_scope"]),
    }
    rob = json.loads(SHARED_ROBUSTNESS.read_text())
    sets["robustness.red_flag"] = list(rob["red_flag"])
    sets["robustness.ordinary_not_urgent"] = list(rob["ordinary_not_urgent"])
    sets["robustness.ordinary"] = [item["q"] if isinstance(item, dict) else item for item in rob["in_scope"]] + list(
        rob["out_of_scope"]
    )
    return sets


# --------------------------------------------------------------------------- #
# Rules (no model)
# --------------------------------------------------------------------------- #


def test_one_list_with_sources_and_descriptions() -> None:
    assert len(SYMPTOM_NAMES) == len(set(SYMPTOM_NAMES)) == len(SYMPTOMS) == 13
    for symptom in SYMPTOMS:
        assert "NICE" in symptom.source or "NHS" in symptom.source
        assert len(symptom.descriptions) >= 5
        assert symptom.rules


def test_safety_keeps_exporting_red_flags() -> None:
    assert safety_red_flags is red_flags


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("cnt pee", "cant pee"),
        ("i cannot feel", "i cant feel"),
        ("numbb legz", "numb legs"),
        ("fevr n chils", "fever and chills"),
        ("fvr", "fever"),
        ("rear-ended", "rear ended"),
        ("a wee bit sore", "a little bit sore"),
        ("one week ago", "one week ago"),
        ("I fell", "i fell"),
        ("did it ever hurt", "did it ever hurt"),
    ],
)
def test_normalise_folds_typing_without_touching_real_words(typed: str, folded: str) -> None:
    assert normalise(typed).strip() == folded


@pytest.mark.parametrize(("question", "key"), OWN_RED_FLAGS)
def test_own_red_flags_name_their_symptom(question: str, key: str) -> None:
    assert NAME[key] in red_flags(question)


@pytest.mark.parametrize("question", OWN_ORDINARY)
def test_own_ordinary_questions_raise_no_flag(question: str) -> None:
    assert red_flags(question) == []


@pytest.mark.parametrize("question", MORE_RED_FLAGS)
def test_more_red_flags_are_flagged(question: str) -> None:
    assert red_flags(question)


@pytest.mark.parametrize("question", MORE_ORDINARY)
def test_more_ordinary_questions_raise_no_flag(question: str) -> None:
    assert red_flags(question) == []


def test_held_out_figures_for_rules_alone() -> None:
    # Measured once when the lists were written: 9/30 red flags, 1/30 false positive
    # ("my partner's snoring keeps me up at night", since fixed, so that one is no longer held out).
    assert sum(bool(red_flags(q)) for q in HELD_OUT_RED_FLAGS) >= 9
    assert [q for q in HELD_OUT_ORDINARY if red_flags(q)] == []


def test_shared_sets() -> None:
    sets = _shared()
    for name, questions in sets.items():
        flagged = [q for q in questions if red_flags(q)]
        if name.endswith("red_flag"):
            assert flagged == questions, name
        else:
            assert flagged == [], name


def test_union_over_typed_and_corrected_texts() -> None:
    typed = "my back hurts and my lgs feel numbbb and i had a hiigh tmperture"
    corrected = "my back hurts and my legs feel numb and i had a high temperature"
    assert set(red_flags(typed)) <= set(red_flags(typed, corrected))
    assert red_flags("my back hurts", corrected) == [NAME["legs"], NAME["fever"]]
    assert red_flags("my back hurts", "and I can't pee") == [NAME["bladder_bowel"]]
    assert red_flags("my back hurts", "my neck hurts") == []


def test_names_follow_the_list_order() -> None:
    found = red_flags("had cancer before, now a fever and both legs are weak")
    assert found == [NAME["legs"], NAME["fever"], NAME["cancer"]]


@pytest.mark.parametrize(
    "question",
    ["I don't have a fever, just a sore back", "no numbness or tingling in my legs, only stiffness"],
)
def test_denied_symptoms_are_not_flagged(question: str) -> None:
    assert red_flags(question) == []


def test_symptom_cues_name_words_not_symptoms() -> None:
    assert NAME["chest"] in symptom_cues("does the chest expansion exercise help breathing")
    assert red_flags("does the chest expansion exercise help breathing") == []


# --------------------------------------------------------------------------- #
# Similarity (fake and real embedder)
# --------------------------------------------------------------------------- #


class _TableEmbedder:
    """Unit vectors from a lookup: each description is the axis of its symptom; any other text points nowhere."""

    def __init__(self) -> None:
        self.calls = 0
        self.axis = {d: i for i, s in enumerate(SYMPTOMS) for d in s.descriptions}

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), len(SYMPTOMS) + 1), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, self.axis.get(text, len(SYMPTOMS))] = 1.0
        return out


def test_matcher_embeds_descriptions_once_and_thresholds() -> None:
    embedder = _TableEmbedder()
    matcher = RedFlagMatcher(embedder, threshold=0.5, require_cue=False)
    assert embedder.calls == 1
    fever_axis = np.zeros(len(SYMPTOMS) + 1, dtype=np.float32)
    fever_axis[[s.key for s in SYMPTOMS].index("fever")] = 1.0
    assert matcher.match(fever_axis) == [NAME["fever"]]
    mixed = fever_axis * 0.4 + np.eye(len(SYMPTOMS) + 1, dtype=np.float32)[-1] * 0.9
    assert matcher.match(mixed / np.linalg.norm(mixed)) == []
    assert embedder.calls == 1


def test_matcher_with_cue_needs_a_symptom_word() -> None:
    matcher = RedFlagMatcher(_TableEmbedder(), threshold=0.5)
    fever_axis = np.zeros(len(SYMPTOMS) + 1, dtype=np.float32)
    fever_axis[[s.key for s in SYMPTOMS].index("fever")] = 1.0
    assert matcher.match(fever_axis) == []
    assert matcher.match(fever_axis, ["my back hurts"]) == []
    assert matcher.match(fever_axis, ["my back hurts", "i feel hot and cold"]) == [NAME["fever"]]


Embedded = tuple[bool, float]  # (rules flag the question, best similarity among symptoms the question names)


@pytest.fixture(scope="session")
def real_embedder() -> Iterator[Embedder]:
    """The bundled MiniLM, loaded once for this module's model tests."""
    yield SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def real_matcher(real_embedder: Embedder) -> RedFlagMatcher:
    return RedFlagMatcher(real_embedder)


def _features(matcher: RedFlagMatcher, embedder: Embedder, questions: list[str]) -> list[Embedded]:
    vectors = embedder.embed(questions)
    out = []
    for question, vector in zip(questions, vectors, strict=True):
        scores = matcher.scores(vector)
        named = symptom_cues(question)
        out.append((bool(red_flags(question)), max((scores[n] for n in named), default=-1.0)))
    return out


def _flagged(rows: list[Embedded], threshold: float) -> int:
    return sum(rules or similarity >= threshold for rules, similarity in rows)


def _choose(red: list[Embedded], ordinary: list[Embedded]) -> float:
    """Fewest false positives first, then most red flags; the lowest such threshold (errs towards urgent)."""
    grid = [round(0.40 + 0.01 * i, 2) for i in range(56)]
    best = max((-_flagged(ordinary, t), _flagged(red, t)) for t in grid)
    return min(t for t in grid if (-_flagged(ordinary, t), _flagged(red, t)) == best)


def cross_validate(red: list[Embedded], ordinary: list[Embedded], folds: int = 5) -> list[dict[str, float]]:
    """Per fold: the chosen threshold, and recall / false-positive rate in-sample and on the held-out fold."""
    results = []
    for k in range(folds):
        train_r = [x for i, x in enumerate(red) if i % folds != k]
        test_r = [x for i, x in enumerate(red) if i % folds == k]
        train_o = [x for i, x in enumerate(ordinary) if i % folds != k]
        test_o = [x for i, x in enumerate(ordinary) if i % folds == k]
        t = _choose(train_r, train_o)
        results.append(
            {
                "threshold": t,
                "train_recall": _flagged(train_r, t) / len(train_r),
                "train_fp": _flagged(train_o, t) / len(train_o),
                "test_recall": _flagged(test_r, t) / len(test_r),
                "test_fp": _flagged(test_o, t) / len(test_o),
            }
        )
    return results


@pytest.mark.model
def test_real_model_descriptions_match_their_own_symptom(real_embedder: Embedder, real_matcher: RedFlagMatcher) -> None:
    for symptom in SYMPTOMS:
        vectors = real_embedder.embed(list(symptom.descriptions))
        for text, vector in zip(symptom.descriptions, vectors, strict=True):
            assert symptom.name in real_matcher.match(vector, [text]), text


@pytest.mark.model
def test_real_model_adds_no_false_positive(real_embedder: Embedder, real_matcher: RedFlagMatcher) -> None:
    ordinary = OWN_ORDINARY + MORE_ORDINARY + HELD_OUT_ORDINARY
    ordinary += [q for name, qs in _shared().items() if not name.endswith("red_flag") for q in qs]
    vectors = real_embedder.embed(ordinary)
    flagged = [q for q, v in zip(ordinary, vectors, strict=True) if red_flags(q) or real_matcher.match(v, [q])]
    assert flagged == []


@pytest.mark.model
def test_real_model_widens_recall_on_held_out_phrasings(real_embedder: Embedder, real_matcher: RedFlagMatcher) -> None:
    vectors = real_embedder.embed(HELD_OUT_RED_FLAGS)
    by_rules = {q for q in HELD_OUT_RED_FLAGS if red_flags(q)}
    by_both = {
        q for q, v in zip(HELD_OUT_RED_FLAGS, vectors, strict=True) if red_flags(q) or real_matcher.match(v, [q])
    }
    assert by_rules < by_both
    assert "my bladder doesn't seem to empty properly anymore" in by_both - by_rules


@pytest.mark.model
def test_threshold_cross_validation(real_embedder: Embedder, real_matcher: RedFlagMatcher) -> None:
    """5-fold CV over this file's own phrasings picks thresholds at or below the default; it adds no false positive."""
    red = _features(real_matcher, real_embedder, [q for q, _ in OWN_RED_FLAGS] + MORE_RED_FLAGS)
    ordinary = _features(real_matcher, real_embedder, OWN_ORDINARY + MORE_ORDINARY)
    folds = cross_validate(red, ordinary)
    for fold in folds:
        print(fold)
    assert all(0.7 <= fold["threshold"] <= DEFAULT_THRESHOLD for fold in folds)
    assert _choose(red, ordinary) <= DEFAULT_THRESHOLD
    assert _flagged(ordinary, DEFAULT_THRESHOLD) == 0
    assert real_matcher.threshold == DEFAULT_THRESHOLD and real_matcher.require_cue


@pytest.mark.parametrize(
    "question",
    [
        "my legs feel like jelly after squats, is that ok",
        "legs are shaky after the workout today",
        "my thighs go weak during the lunges, too many reps?",
    ],
)
def test_tired_legs_after_exercise_are_ordinary(question: str) -> None:
    assert red_flags(question) == []


@pytest.mark.parametrize(
    "question",
    [
        "my legs went numb after the workout and the back pain is worse",
        "my leg gave way after doing the stretches",
        "both legs feel weak since my back went, even before any exercise",
    ],
)
def test_leg_weakness_that_is_not_tiredness_stays_urgent(question: str) -> None:
    assert NAME["legs"] in red_flags(question)


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("came off my bike and i cant put any weight on my knee", "broken_bone"),
        ("heard a snap in my ankle playing football", "broken_bone"),
        ("my calf is swollen and hot since the flight", "clot"),
        ("my foot is cold and pale and my toes are tingling", "circulation"),
        ("the front of my shin is rock hard and swollen after the match", "circulation"),
        ("tripped over the dog and landed on my hip", "trauma"),
    ],
)
def test_limb_red_flags_from_other_topics(question: str, key: str) -> None:
    assert NAME[key] in red_flags(question)


@pytest.mark.parametrize(
    "question",
    [
        "my calves are tight after running, which stretch helps?",
        "is a hot bath for my legs before stretching ok",
        "my feet get cold in winter, does that matter for stretching?",
        "I tripped up on the wording, what does lumbar mean?",
        "how much weight should I put on the bar for squats?",
        "my knee feels hard to bend in the mornings",
        "one spot on my shin is tender when i press it, could that be a fracture",
    ],
)
def test_limb_look_alikes_are_ordinary(question: str) -> None:
    assert red_flags(question) == []
