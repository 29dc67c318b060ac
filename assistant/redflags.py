"""Red-flag symptoms: the questions that must get the urgent-care notice first.

The symptoms, with their clinical source, are the single list :data:`SYMPTOMS`:

- NICE guideline NG59 "Low back pain and sciatica in over 16s" and the NICE CKS
  topic "Low back pain without radiculopathy" (red flags for cauda equina
  syndrome, spinal fracture, infection and cancer);
- NHS "Cauda equina syndrome" (symptoms) and NHS "Back pain" ("Ask for an
  urgent GP appointment or call 111" / "Call 999 or go to A&E" lists).

Two signals find them:

- :func:`red_flags` runs rules over the question after it has been folded into
  plain words: texting spellings (``cnt``, ``legz``, ``u``) and small typos of
  symptom words (``numbb``, ``fevr``, ``chils``) are mapped back to their word
  first. Each rule describes a symptom ("can't pee", "numb ... in my groin"),
  never a topic word alone ("bladder", "groin", "chest").
- :class:`RedFlagMatcher` compares a question's embedding with written
  descriptions of each symptom. It is a second signal: by default a symptom
  counts only when the question also names a word of it (``require_cue``), and
  its threshold (:data:`DEFAULT_THRESHOLD`) is conservative, because the model
  scores look-alikes ("the pain eases off when I lie down", "does losing weight
  reduce back pain?") nearly as high as real red flags.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

# --------------------------------------------------------------------------- #
# Folding what people type into plain words
# --------------------------------------------------------------------------- #

# Texting spellings and contractions, token for token (apostrophes are already gone).
_SLANG: dict[str, str] = {
    "cnt": "cant",
    "cnnt": "cant",
    "carnt": "cant",
    "kant": "cant",
    "kan't": "cant",
    "cannot": "cant",
    "couldnt": "cant",
    "cudnt": "cant",
    "cldnt": "cant",
    "cant": "cant",
    "u": "you",
    "ya": "you",
    "ur": "your",
    "n": "and",
    "nd": "and",
    "tho": "though",
    "thru": "through",
    "b4": "before",
    "coz": "because",
    "cos": "because",
    "cuz": "because",
    "bc": "because",
    "wen": "when",
    "wiv": "with",
    "w": "with",
    "rn": "now",
    "lil": "little",
    "meself": "myself",
    "maself": "myself",
    "mysef": "myself",
    "myslef": "myself",
    "tmp": "temp",
    "temps": "temp",
    "feva": "fever",
    "fevah": "fever",
    "chillz": "chills",
    "legz": "legs",
    "lgs": "legs",
    "lge": "leg",
    "fet": "feet",
    "fel": "feel",
    "feal": "feel",
    "peeing": "peeing",
    "pissing": "peeing",
    "weeing": "peeing",
    "urinating": "peeing",
    "piss": "pee",
    "urinate": "pee",
    "peed": "peed",
    "pissed": "peed",
    "urinated": "peed",
    "poop": "poo",
    "pooping": "pooing",
    "pooped": "pooed",
    "shat": "pooed",
    "wiping": "wipe",
    "wiped": "wipe",
    "wipes": "wipe",
}

# Symptom words that a typo is folded back to ("numbb", "fevr", "chils"). Only
# tokens of four letters or more are corrected, by one edit (two for words of
# nine letters or more), and never when the token is a word of its own (_REAL).
_LEXICON: tuple[str, ...] = (
    # bladder and bowel
    "bladder",
    "bowel",
    "bowels",
    "incontinence",
    "incontinent",
    "urinate",
    "urine",
    "peeing",
    "pooing",
    "myself",
    "toilet",
    "control",
    # sensation and strength
    "numb",
    "numbness",
    "tingling",
    "tingly",
    "tingles",
    "needles",
    "weak",
    "weakness",
    "paralysed",
    "paralyzed",
    "wobbly",
    # body
    "legs",
    "thigh",
    "thighs",
    "groin",
    "genitals",
    "privates",
    "buttocks",
    "saddle",
    "chest",
    # fever
    "fever",
    "feverish",
    "chills",
    "shivering",
    "shivery",
    "temperature",
    # trauma
    "accident",
    "crash",
    "crashed",
    "collision",
    "tackled",
    "whiplash",
    "motorbike",
    "stairs",
    "ladder",
    # cancer, breath, function
    "cancer",
    "tumour",
    "chemo",
    "chemotherapy",
    "radiotherapy",
    "lymphoma",
    "breathless",
    "erection",
    "slapping",
)

# English words one edit (two for long words) from a lexicon word, which must
# stay as they are: "ever" is not "fever", "week" is not "weak". Listed from the
# whole-word entries of the bundled model's English vocabulary (BERT uncased)
# plus a few it lacks; no article's wording is involved.
_REAL = frozenset(
    """
    accidents analyzed beak begs bowed bowen bowl bowls cancel cancers cash cheat chess chests chet
    chill chilly clapping clash clashed coalition collisions continent controls crashes crest crush
    crushed dancer dumb election ever fewer goin grain grin groan grown high highs hills hovering
    humour leak lego lens less lets lever logs needle never paddle paralysis peak peeking peeling
    peering peking poking posing private quivering rash seeing shimmering shiver shivers singles
    slipping snapping stains stair stars tackle tackles temperate temperatures tingle toilets towel
    towels trash tumor vowel vowels wear week
    childs weal pegs kegs leks legit weeks weary fell feel
    """.split()
)


def _vowelless(word: str) -> str:
    return re.sub(r"[aeiou]", "", word)


def _osa(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


_SKELETONS: dict[str, str] = {}
for _word in _LEXICON:  # first spelling wins: "numb" before "numbness"
    _SKELETONS.setdefault(_vowelless(_word), _word)
del _word


@lru_cache(maxsize=4096)
def _fold_token(token: str) -> str:
    """One token in its plain spelling: slang mapped, repeated letters squeezed, small typos of symptom words fixed."""
    token = re.sub(r"(.)\1{2,}", r"\1\1", token)  # "numbbb" -> "numbb", "peeee" -> "pee"
    if token in _SLANG:
        return _SLANG[token]
    if not token.isalpha() or token in _REAL or token in _LEXICON:
        return token
    if len(token) >= 3 and not re.search(r"[aeiouy]", token):  # "fvr", "nmb", "chlls": texting without vowels
        return _SKELETONS.get(token, token)
    if len(token) < 4:
        return token
    squeezed = re.sub(r"(.)\1", r"\1", token)  # "numbb" -> "numb", "chilss" -> "chils"
    if squeezed in _LEXICON:
        return squeezed
    best, best_distance = token, 99
    for word in _LEXICON:
        if len(word) < 4:
            continue
        limit = 1 if len(word) <= 8 else 2
        distance = _osa(token, word, limit)
        if distance <= limit and distance < best_distance:
            best, best_distance = word, distance
    return best


# Multi-word phrases with one plain form (applied to the folded, space-joined text).
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), plain)
    for pattern, plain in (
        (r"\bcan not\b", "cant"),
        (r"\b(?:am |is |are |was |been )?(?:unable|not able|no longer able|no longer) to\b", "cant"),
        (r"\bcan no longer\b", "cant"),
        (r"\b(?:aint|havent|hasnt) been able to\b", "cant"),
        (r"\bpins (?:and|n|&) needles\b", "pins and needles"),
        (r"\bmy self\b", "myself"),
        (r"\brear ?ended\b", "rear ended"),
        (r"\bt ?boned\b", "t boned"),
        (r"\b(?:wetted|wetting)\b", "wet"),
        # Scots "wee" is small; otherwise it is pee
        (r"\bwee (?=bit|while|one|little|lad|lass|boy|girl|man|woman|ones|kids?)", "little "),
        (r"\bwee\b", "pee"),
        (r"\bwee(?=d\b|ing\b)", "pee"),
    )
)


@lru_cache(maxsize=4096)  # one answer folds its question in several places
def normalise(text: str) -> str:
    """Fold a question into lower-case plain words separated by single spaces, padded with a space each side."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(?<=[a-z])'(?=[a-z])", "", text)  # can't -> cant, i've -> ive
    text = text.replace("&", " and ").replace("+", " plus ").replace("w/", "with ")
    tokens = [_fold_token(t) for t in re.findall(r"[a-z0-9]+", text)]
    folded = " ".join(tokens)
    for pattern, plain in _PHRASES:
        folded = pattern.sub(plain, folded)
    return f" {folded} "


# --------------------------------------------------------------------------- #
# Rules
# --------------------------------------------------------------------------- #


def _gap(n: int) -> str:
    """Up to ``n`` whole words in between."""
    return rf"(?:\w+ ){{0,{n}}}"


def _either(a: str, b: str, gap: int) -> str:
    """``a`` then ``b`` or ``b`` then ``a``, at most ``gap`` words apart."""
    return rf"(?:\b(?:{a}) {_gap(gap)}(?:{b})\b|\b(?:{b}) {_gap(gap)}(?:{a})\b)"


_OWNER = r"(?:my|both|both my|his|her|their|the|our|me|mine|left|right|one|one of my)"
_NUMB = (
    r"numb\w*|tingl\w*|pins and needles|no feeling|no sensation|(?:lost|losing|loss of) (?:all )?(?:the )?"
    r"(?:feeling|sensation)|cant feel(?: anything| a thing)?|dead|an(?:a)?esthe\w*|like an? (?:injection|dentist)"
    r"|altered feeling|feels? (?:weird|strange|different|funny)"
)
_CANT = (
    r"(?:cant|dont seem able to|struggl\w* to|struggle|strain\w*(?: to)?|trouble|difficulty|difficult to|hard to"
    r"|hardly|barely)"
)
_PEE = r"(?:pee|peeing|peed|pass (?:urine|water)|go for a pee|empty (?:my |the )?bladder|start (?:peeing|a stream))"
_POO = r"(?:poo|pooing|pooed|bowels?|stools?|number twos?)"
_SADDLE = (
    r"saddle|groin|genitals?|genitalia|privates|private (?:parts|area|bits)|my bits|down there|down below"
    r"|crotch|perineum|taint|back passage|anus|bum ?hole|arse ?hole|butt ?hole|back side|backside"
    r"|bum|butt|buttocks?|bottom(?! of)|arse|ass|cheeks|inner thighs?|between (?:my|the) legs"
    r"|vagina|vulva|labia|fanny|penis|willy|dick|balls|testicles|scrotum|nether regions|undercarriage"
)
_LEG = r"legs?|thighs?|feet"
_LEG_NOT_EXERCISE = (
    r"(?! (?:muscles?|strength|day|press|workouts?|exercises?|raises?|lifts?|curls?|stretch\w*|routine))"
)
_WEAK = (
    r"weak\w*|gave way|give way|gives way|giving way|giving out|gave out|gives out|buckl\w*|collaps\w*"
    r"|like jelly|jelly|wobbly|wont (?:hold|support) (?:me|my weight)|dont work|wont work|stopped working"
    r"|not working|paralys\w*|paralyz\w*"
)
_SPREAD = r"spread\w*|going|goes|went|travel\w*|moving|moves|moved|radiat\w*|shoot\w*"
_FALL_WHERE = r"(?:off|from|down|over|onto|on to|out of|through|backwards|head first|flat|hard|awkwardly|badly|on my)"


@dataclass(frozen=True)
class Symptom:
    """One red-flag symptom: its name, where the clinical list comes from, rules and written descriptions."""

    key: str
    name: str
    source: str
    rules: tuple[re.Pattern[str], ...]
    descriptions: tuple[str, ...]
    # A word of the symptom (after folding); the similarity signal needs one when cues are required.
    cue: re.Pattern[str]

    def found_in(self, folded: str) -> bool:
        return any(rule.search(folded) for rule in self.rules)


def _rules(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


SYMPTOMS: tuple[Symptom, ...] = (
    Symptom(
        key="bladder_bowel",
        name="bladder or bowel problems (retention or incontinence)",
        source="NICE NG59 / CKS: cauda equina syndrome; NHS 'Cauda equina syndrome'; NHS 'Back pain' (call 999)",
        rules=_rules(
            # retention: cannot pee, or only with effort
            rf"\b{_CANT} {_gap(2)}{_PEE}\b",
            r"\b(?:need|needing|want|wanting|have) to (?:pee|go) but (?:i )?(?:cant|nothing|it wont|only)",
            r"\bnothing (?:comes|came|is coming) out\b",
            r"\bhavent (?:peed|been for a pee|been able to pee)\b",
            r"\b(?:urinary )?retention\b",
            r"\b(?:weak|slow|poor) (?:pee )?stream\b",
            # incontinence and lost control
            r"\bincontinen\w*",
            r"\b(?:peeing|peed|pee|pooing|pooed|poo|wet|soil\w*|mess\w*|shit\w*) (?:in )?(?:myself|himself|herself|"
            r"themselves|"
            r"my (?:pants|trousers|knickers|underwear|bed)|the bed)\b",
            rf"\b(?:lost|losing|lose|loss of|no|cant|without|zero|poor|little) {_gap(2)}control {_gap(3)}"
            rf"(?:bladder|{_POO}|pee|peeing|urine|toilet|wee)\b",
            rf"\bcant (?:control|hold|stop) {_gap(2)}(?:bladder|{_POO}|pee|peeing|urine|it in|it anymore)\b",
            r"\b(?:bladder|bowel|urinary|fa?ecal) (?:control|incontinence|leak\w*|accidents?)\b",
            r"\bleak\w* (?:\w+ ){0,2}(?:pee|urine|poo|from my bladder)\b",
            r"\b(?:pee|urine|poo) (?:\w+ ){0,3}(?:dribbl\w*|leak\w*|trickl\w*)\b",
            r"\b(?:having|had|keep having|been having) (?:a few |some |little |an? )?accidents?(?! (?:in|at|on|"
            r"with) (?:the |my |a )?"
            r"(?:car|road|work|bike|gym))\b",
            # lost feeling of the bladder or bowel
            r"\bcant (?:feel|tell) (?:if|when|whether) (?:i am|im|i) (?:peeing|pooing|going)\b",
            rf"\bcant (?:feel|tell) (?:when )?{_gap(3)}(?:need (?:to go|a pee|to pee|the toilet|a poo|to poo)|"
            rf"{_PEE}|{_POO}|bladder (?:is )?full)\b",
            r"\b(?:no|lost|losing) (?:the )?(?:feeling|sensation|urge) (?:when|to|of) (?:i )?(?:pee|peeing|poo|pooing|"
            r"go to the toilet|needing the toilet)\b",
        ),
        descriptions=(
            "I can't pee even though I really need to go",
            "my bladder feels full but nothing comes out when I try to urinate",
            "I have lost control of my bladder and keep wetting myself",
            "I have been leaking urine and didn't notice",
            "I can't control my bowels and have soiled myself",
            "I can't feel when I need the toilet any more",
            "new difficulty passing urine with back pain",
            "sudden incontinence of urine or faeces",
        ),
        cue=re.compile(
            r"\b(?:pee\w*|urin\w*|bladder|bowels?|poo\w*|wet|toilet|loo|incontinen\w*|leak\w*|soil\w*|stools?|wee)\b"
        ),
    ),
    Symptom(
        key="saddle",
        name="numbness in the saddle area (genitals, bottom, inner thighs)",
        source=(
            "NICE NG59 / CKS: cauda equina syndrome (saddle anaesthesia); NHS 'Cauda equina syndrome'; NHS 'Back pain'"
        ),
        rules=_rules(
            _either(_NUMB, _SADDLE, 5),
            rf"\b(?:wipe|toilet paper|tissue) {_gap(4)}(?:cant feel|feels? (?:different|numb|weird|strange)|"
            rf"no feeling)\b",
            rf"\b(?:cant feel|no feeling|numb\w*) {_gap(4)}(?:wipe|toilet paper|tissue)\b",
            r"\bcant (?:get|keep|maintain) (?:an |my )?(?:erection|it up|hard)\b",
            r"\b(?:erectile|erection) (?:\w+ ){0,2}(?:problems?|dysfunction|gone|stopped|lost)\b",
            r"\b(?:lost|losing|no) (?:my )?erections?\b",
        ),
        descriptions=(
            "numbness around my genitals and bottom",
            "my bum and private parts have gone numb",
            "I can't feel anything down there",
            "pins and needles in my groin and inner thighs",
            "it feels numb when I wipe after the toilet",
            "loss of feeling in the saddle area",
            "tingling around my back passage",
            "I suddenly can't get an erection since my back went",
        ),
        cue=re.compile(rf"\b(?:{_SADDLE}|wipe|toilet paper|erection|numb\w*|tingl\w*|pins and needles|no feeling)\b"),
    ),
    Symptom(
        key="legs",
        name="weakness or numbness in the legs",
        source="NICE NG59 / CKS: progressive or bilateral neurological deficit; NHS 'Back pain' (both legs: call 999)",
        rules=_rules(
            # "my legs feel weak", "my left leg has gone numb"
            rf"\b{_OWNER} (?:\w+ )?(?:{_LEG}){_LEG_NOT_EXERCISE} {_gap(4)}(?:{_WEAK}|{_NUMB})",
            # "numbness in both legs", "weakness down my leg"
            rf"\b(?:{_WEAK}|{_NUMB}|pain|pains|sciatica|shooting pains?) {_gap(3)}(?:in|down|through|into|along|of|to) "
            rf"(?:both|both of my|both my|each of my) (?:legs|thighs|feet)\b",
            rf"\b(?:{_WEAK}|{_NUMB}) {_gap(2)}(?:in|down|through|into|along|of|to) {_gap(2)}(?:{_LEG})\b",
            rf"\bcant (?:move|feel|lift|control|use|stand on|bear weight on) {_gap(2)}(?:{_LEG})\b",
            rf"\b(?:have|got|with|really|very|such) weak (?:{_LEG}){_LEG_NOT_EXERCISE}\b",
            r"\b(?:legs?|feet) (?:won ?t|wont|will not|dont|do not) (?:hold|support|carry|work|move)\b",
            r"\bparaly[sz]\w*|\bbilateral sciatica\b",
            # numbness that spreads: "numbness spreading down to my foot"
            rf"\b(?:{_NUMB}) {_gap(2)}(?:{_SPREAD}) {_gap(3)}(?:foot|toes|calf|shin|knee|hip)\b",
            rf"\b(?:{_NUMB}) (?:\w+ ){{0,4}}from (?:my |the )?(?:hip|bum|back|buttock|thigh|knee)s? (?:down|to)\b",
        ),
        descriptions=(
            "both my legs feel weak and wobbly",
            "my legs keep giving way under me",
            "numbness and tingling in both legs",
            "my leg has gone numb from the hip down",
            "I can't feel my legs properly",
            "the numbness is spreading down my leg",
            "I can't move my leg properly, it feels paralysed",
            "my legs feel like jelly and won't hold me up",
        ),
        cue=re.compile(rf"\b(?:{_LEG}|leg|knees?|walk\w*|stand\w*|{_WEAK}|{_NUMB})\b"),
    ),
    Symptom(
        key="foot_drop",
        name="foot drop",
        source="NICE NG59 / CKS: progressive neurological deficit (motor weakness); NHS 'Cauda equina syndrome'",
        rules=_rules(
            r"\b(?:foot|drop) (?:foot|drop)\b|\bdropped foot\b",
            rf"\b(?:foot|feet) {_gap(2)}(?:slap\w*|flop\w*|drag\w*|scuff\w*|catch\w*|hang\w* down|drops?|dropping)\b",
            rf"\b(?:slap\w*|flap\w*) {_gap(2)}(?:the )?(?:floor|ground)\b",
            rf"\btoes? {_gap(2)}(?:catch\w*|drag\w*|scuff\w*|scrap\w*)\b",
            rf"\bcant (?:lift|raise|pull|point|bend|flex|move|wiggle|pick) (?:up )?{_gap(2)}(?:toes?|foot|feet|"
            rf"ankles?|big toe)\b",
            rf"\b(?:toes?|foot|feet) {_gap(2)}(?:wont|cant|dont) (?:lift|go up|come up|move|bend up)\b",
            r"\btrip\w* (?:up )?over (?:my )?(?:own )?(?:foot|feet|toes)\b",
            r"\bcant (?:walk|stand) on (?:my )?heels?\b",
        ),
        descriptions=(
            "my foot slaps the floor when I walk",
            "I can't lift my toes or the front of my foot",
            "my foot drags and I keep tripping over it",
            "foot drop since my back went",
            "my foot just flops down when I step",
            "I can't walk on my heels any more",
        ),
        cue=re.compile(r"\b(?:foot|feet|toes?|ankles?|heels?|trip\w*|slap\w*|drag\w*|flop\w*)\b"),
    ),
    Symptom(
        key="fever",
        name="fever or chills",
        source="NICE CKS: spinal infection (fever); NHS 'Back pain' (high temperature: call 111 / very high: 999)",
        rules=_rules(
            r"\b(?<!hay )(?<!cabin )(?<!scarlet )fever\w*",
            r"\bfeverish\b",
            r"\bchills\b|\brigou?rs\b|\bnight sweats\b|\bshiver\w*|\bshaking with cold\b",
            r"\bhigh (?:temp|temperature)\b",
            r"\b(?:temp|temperature) (?:of |is |was |at |around |about |reading )?(?:3[89]|4[0-2]|10[0-5])\b",
            r"\b(?:running|got|have|had|has|with|plus|and|developed|spiked) (?:a |an )?(?:high |bit of a |slight |"
            r"raised )?"
            r"(?:temp|temperature)\b(?! (?:of the|for|in the|setting))",
            r"\bhot and (?:cold|shivery|shaky|clammy)\b",
        ),
        descriptions=(
            "I have a fever and feel very unwell",
            "I have a high temperature with my back pain",
            "I keep getting chills and shivering",
            "hot and shivery with a temperature of 39",
            "sweating at night and feeling feverish",
            "running a temperature and feel hot then cold",
        ),
        cue=re.compile(
            r"\b(?:fever\w*|feverish|temp\w*|chills?|shiver\w*|sweat\w*|hot|cold|rigou?rs|flu|infection|unwell|sick)\b"
        ),
    ),
    Symptom(
        key="trauma",
        name="significant trauma (fall, crash or hard impact)",
        source=(
            "NICE NG59 / CKS: spinal fracture (significant trauma); NHS 'Back pain' (started after a serious accident)"
        ),
        rules=_rules(
            rf"\b(?<!avoid )(?<!of )(?<!about )(?<!prevent )(?<!stop )(?<!without )(?<!keep from )(?:fell|fallen|"
            rf"falling|fall) {_FALL_WHERE}\b(?! (?:the wagon|the radar|the map|track|schedule|my routine))"
            r"(?! (?:of )?(?:the )?(?:habit|routine|love|touch|favour|favor|shape|practice|bed|sleep))",
            r"\b(?:a|my|the|bad|nasty|big|hard|heavy) (?:fall|tumble|spill)\b(?! (?:asleep|behind|in love|of|season|"
            r"out))",
            r"\b(?:took|had|taken|having) (?:a |an )?(?:\w+ )?(?:fall|tumble)\b(?! out)",
            r"\b(?:car|road|traffic|bike|motorbike|motorcycle|moped|scooter|cycling|ski\w*|snowboard\w*|work|sports?|"
            r"rugby|football|horse|riding|climbing|diving|trampoline|rta|rtc) (?:accident|crash|collision|smash|wreck|"
            r"pile ?up)\b",
            r"\b(?:crashed|crash) (?:my |the |our |into |off |on my )?(?:car|bike|motorbike|motorcycle|moped|scooter|"
            r"van|into)\b",
            r"\b(?:was|were|got|been|after|since|from|in|had|have) (?:in |involved in )?(?:an?|the|my|that|this|a bad|"
            r"a serious) (?:\w+ )?(?:accident|crash|collision|pile ?up|wreck|smash)\b"
            r"(?! (?:course|diet|landing|test|mat|pad))",
            r"\brear ended\b|\bt boned\b|\bwhiplash\b|\bcar wreck\b|\bfender bender\b",
            r"\bcame off (?:my |the |a )?(?:bike|motorbike|horse|scooter|board|skateboard|ladder)\b",
            r"\btripped (?:over|on|off) (?:a|an|the|my|some)\b(?! (?:words?|wording|tongue|question))",
            r"\bknocked (?:off|down|over) (?:my |the |a )?(?:bike|motorbike|scooter|horse|feet)\b",
            r"\b(?:hit|knocked (?:down|over|off)|run over) by (?:a |an |the )?(?:\w+ )?(?:car|bus|van|truck|lorry|"
            r"bike|cyclist|motorbike|vehicle|train|horse)\b",
            r"\btackl(?:ed|e) (?:\w+ ){0,3}(?:hard|badly|heavily|awkwardly|from behind|into|onto|at|in|playing|"
            r"during)\b",
            r"\bgot tackled\b|\bwas tackled\b|\bbeen tackled\b",
            r"\blanded (?:\w+ )?(?:on|onto|on to) (?:my |the )?(?:back|spine|tailbone|coccyx|bum|butt|backside|neck|"
            r"head|bottom)\b",
            r"\b(?:hit|smashed|banged|bashed|slammed|cracked) (?:my |the )?(?:back|spine|tailbone|coccyx|neck|head) "
            r"(?:on|against|into|hard)\b",
            r"\b(?:kicked|punched|stamped on|struck|thrown|kneed) (?:\w+ )?(?:in|on|to) (?:my |the )?(?:back|spine)\b",
            r"\b(?:thrown|bucked) (?:off|from)\b|\bfrom (?:a )?height\b",
            r"\b(?:dived|dove|jumped) (?:off|from|into) (?:a |the )?(?:roof|wall|bridge|cliff|shallow|balcony|ladder|"
            r"tree)\b",
        ),
        descriptions=(
            "I fell off a ladder and landed on my back",
            "I was in a car crash and now my back hurts",
            "got rear-ended in a car accident yesterday",
            "I was tackled hard playing rugby and landed on my back",
            "I fell down the stairs and hurt my back",
            "I came off my motorbike at speed",
            "I was hit by a car",
            "a heavy fall onto my back from a height",
        ),
        cue=re.compile(
            r"\b(?:fell|fall\w*|crash\w*|accident|collision|tackl\w*|landed|hit|knocked|thrown|came off|rear ended|"
            r"whiplash|car|bike|motorbike|motorcycle|horse|ladder|stairs|roof|height|"
            r"tumble|slipped|tripped|injur\w*|impact|blow)\b"
        ),
    ),
    Symptom(
        key="chest",
        name="chest pain",
        source="NHS 'Back pain' (chest pain: call 999); NICE CKS: non-spinal causes of back pain (cardiac, aortic)",
        rules=_rules(
            r"\bchest (?:(?!stretch|expan|exercise|opener|press|fl(?:y|ies)|workout|muscles?|day)\w+ ){0,3}(?:pains?|"
            r"painful|hurts?|"
            r"hurting|aches?|aching|tight|tightness|tightening|pressure|heavy|heaviness|crushing|squeez\w*|stabbing|"
            r"feels? like (?:an elephant|a weight))\b",
            r"\b(?:pain|pains|ache|aching|tightness|pressure|heaviness|crushing|squeezing|stabbing) (?:\w+ ){0,1}"
            r"(?:in|on|across|around|through|behind|at the front of) (?:my |the |his |her )?chest\b",
            r"\b(?:tight|heavy|painful|sore) chest\b(?! (?:muscles?|stretch))",
            r"\b(?:sitting|standing|weight|pressing|squeezing|band|vice|elephant) (?:\w+ ){0,2}(?:on|around|across) "
            r"(?:my |the )?chest\b",
            r"\bheart attack\b|\bangina\b|\bcardiac\b",
            rf"\b(?:{_SPREAD}|spreads|into|down|up) {_gap(3)}(?:left arm|jaw)\b",
            rf"\b(?:left arm|jaw) {_gap(3)}(?:ach\w*|hurts?|hurting|pain\w*|tight\w*|numb\w*|tingl\w*)\b",
            r"^(?=.*\bchest\b)(?=.*\b(?:breathless\w*|short(?:ness)? of breath|cant (?:breathe|catch my breath)|"
            r"struggling to breathe|out of breath|gasping)\b)",
        ),
        descriptions=(
            "chest pain spreading to my left arm and jaw",
            "my chest feels tight and heavy",
            "crushing pain in my chest",
            "chest pain and I'm short of breath",
            "pressure in my chest with back pain",
            "pain in my jaw and arm with a tight chest",
            "it feels like a heart attack",
        ),
        cue=re.compile(r"\b(?:chest|heart|jaw|arm|breath\w*|breathe|angina|cardiac)\b"),
    ),
    Symptom(
        key="weight_loss",
        name="unexplained weight loss",
        source=(
            "NICE NG59 / CKS: cancer (unexplained weight loss); NHS 'Back pain' (lost weight without trying: call 111)"
        ),
        rules=_rules(
            r"\b(?:lost|losing|lose|dropped|dropping|shed|shedding|down) (?:\w+ ){0,4}(?:weight|pounds|lbs|kilos?|"
            r"kgs?|stone|"
            r"a stone|half a stone|(?:dress|clothes|jeans?|trouser) sizes?|\d+ ?(?:kg|kgs|lbs|lb|pounds|stone|st))\b"
            r"(?=.*\b(?:without (?:trying|dieting|meaning|changing)|not (?:trying|dieting|on a diet)|(?:havent|wasnt|"
            r"werent|"
            r"didnt|dont|not) (?:been )?(?:trying|dieting|on a diet)|for no (?:reason|apparent reason)|no idea why|"
            r"dont know why|"
            r"cant explain|unexplained|unintentional\w*|unexpected\w*|without (?:any )?reason|mysteriously|by accident|"
            r"eating (?:the same|normally|as normal))\b)",
            r"\b(?:unexplained|unintentional|unintended|unexpected|sudden|rapid) weight loss\b",
            r"\bweight (?:is |has been |keeps )?(?:just )?(?:falling|dropping|coming|melting) off\b",
            r"\b(?:clothes|trousers|jeans) (?:are |have been |keep )?(?:\w+ )?(?:falling off|hanging off|loose)\b",
        ),
        descriptions=(
            "I have lost a lot of weight without trying",
            "I lost about a stone in two months and I'm not dieting",
            "the weight is falling off me for no reason",
            "unexplained weight loss with back pain",
            "my clothes are hanging off me and I don't know why",
        ),
        cue=re.compile(r"\b(?:weight|pounds|lbs|kilos?|kgs?|stone|st|thin\w*|clothes|skinny)\b"),
    ),
    Symptom(
        key="cancer",
        name="history of cancer",
        source="NICE NG59 / CKS: cancer (past history of cancer); NHS 'Back pain' (cancer as a serious cause)",
        rules=_rules(
            r"\b(?:had|have|has|having|history of|diagnosed|treated|treatment|survivor|remission|recovering|beat|"
            r"beaten|"
            r"fought|battled|battling|fighting|got|with|for|after) (?:\w+ ){0,4}(?:cancer|tumou?rs?|carcinoma|lymphoma|"
            r"leuka?emia|myeloma|melanoma|sarcoma|malignan\w*|metasta\w*)\b",
            r"\b(?:cancer|tumou?r) (?:survivor|history|patient|treatment|diagnosis|came back|has come back|spread|"
            r"returned)\b",
            r"\b(?:chemo|chemotherapy|radiotherapy|radiation therapy|oncolog\w*|mastectomy|metasta\w*|secondaries)\b",
        ),
        descriptions=(
            "I had breast cancer a few years ago",
            "I have a history of cancer and now new back pain",
            "I was treated for prostate cancer",
            "I'm in remission from lymphoma",
            "I am having chemotherapy for cancer",
            "my cancer might have spread to my spine",
        ),
        cue=re.compile(
            r"\b(?:cancer|tumou?rs?|carcinoma|lymphoma|leuka?emia|myeloma|melanoma|sarcoma|malignan\w*|metasta\w*|"
            r"chemo\w*|"
            r"radiotherapy|oncolog\w*|remission|mastectomy)\b"
        ),
    ),
    Symptom(
        key="night_pain",
        name="night pain that does not ease with rest",
        source="NICE CKS: cancer / infection (non-mechanical pain, pain at night or at rest); NHS 'Back pain' "
        "(does not improve after resting or is worse at night: call 111)",
        rules=_rules(
            r"\b(?:worse|worst|bad|unbearable|agony|excruciating|terrible|awful|severe|more) (?:\w+ ){0,4}"
            r"(?:at night|in the night|during the night|every night|each night|at nighttime)\b",
            r"\b(?:wakes|waking|woke|keeps waking|wakening) (?:me )?(?:up )?(?:\w+ ){0,2}(?:at night|in the night|"
            r"every night|each night|most nights|through the night|all night)\b",
            r"\b(?:pain|it|back|ache|spasms?|agony) (?:\w+ )?keeps? me (?:awake|up) (?:all|at|every|each|"
            r"most) nights?\b",
            r"\bnight (?:pain|time pain|ache)\b|\bpain at night\b",
            r"\b(?:doesnt|does not|dont|do not|wont|never|not) (?:\w+ ){0,1}(?:eas(?:e|es|ing)|improv\w*|"
            r"go(?:es)? away|"
            r"settl\w*|gets? better|lets? up|stops?|calms? down|goes|go) (?:\w+ ){0,4}(?:rest|resting|lying|lie|"
            r"laying|lay|in bed|at night|still|"
            r"sleep|sleeping)\b",
            r"\b(?:even|still) (?:\w+ ){0,2}(?:lying|laying|resting|lie|lay|in bed|at rest|keeping still) (?:\w+ ){0,3}"
            r"(?:hurts?|aches?|pain|painful|throbs?|agony|doesnt (?:ease|help|stop|improve)|no relief)\b",
            r"\bnothing (?:\w+ ){0,2}(?:eases|helps|relieves) (?:it|the pain) (?:\w+ ){0,3}(?:night|lying|rest|"
            r"resting)\b",
            r"\b(?:constant|all the time|day and night|24 ?7) (?:\w+ ){0,3}(?:even|at night|lying|resting|at rest)\b",
        ),
        descriptions=(
            "the pain is worse at night and lying down doesn't help",
            "back pain wakes me up every night",
            "the pain never eases even when I rest",
            "constant pain day and night, nothing relieves it",
            "I can't get comfortable in any position at night because of the pain",
        ),
        cue=re.compile(r"\b(?:night\w*|sleep\w*|awake|wak\w*|woke|rest\w*|lying|laying|lie|lay|bed|constant)\b"),
    ),
    # Urgent signs of a limb injury or a limb's blood supply, for articles on other
    # muscle and joint problems than back pain (shins, knees, ankles, calves).
    Symptom(
        key="broken_bone",
        name="cannot bear weight, or signs of a broken bone",
        source="NHS 'Broken leg' and 'Broken ankle' (go to A&E: cannot walk or put weight on it, heard a snap, "
        "looks deformed); NICE CKS 'Sprains and strains' (Ottawa rules: unable to bear weight)",
        rules=_rules(
            r"\b(?:cant|cannot|unable to|couldnt|can not) (?:put|take|bear|carry) (?:any |much )?weight\b",
            r"\b(?:cant|cannot|unable to|couldnt) (?:stand|walk|step) (?:on|with) (?:it|my \w+|the \w+)\b",
            r"\bheard (?:a |something |it )?(?:crack|snap|pop)\w*",
            r"\b(?:bone|leg|shin|ankle|arm|wrist|knee|foot) (?:\w+ ){0,2}(?:is |looks? )?(?:bent|deformed|out of place|"
            r"sticking out|at a funny angle|wonky)\b",
        ),
        descriptions=(
            "I can't put any weight on my leg after the fall",
            "I heard a crack and now I can't walk on it",
            "my ankle looks deformed and out of place",
            "since the accident I cannot stand on my leg at all",
            "the bone looks bent and is sticking out at an angle",
        ),
        cue=re.compile(r"\b(?:weight|stand|walk|crack\w*|snap\w*|deformed|bent|broken|fracture\w*)\b"),
    ),
    Symptom(
        key="clot",
        name="a hot, red or swollen calf or leg (possible blood clot)",
        source="NHS 'DVT (deep vein thrombosis)': throbbing pain with a red, warm, swollen calf or thigh (ask for "
        "an urgent GP appointment or call 111; 999 with breathlessness)",
        rules=_rules(
            r"\b(?:calf|calves|leg|thigh)\b(?:\W+\w+){0,8}?\W+(?:red|hot|warm|swollen|swelling|throbbing)\b"
            r"(?:\W+\w+){0,6}?\W+(?:red|hot|warm|swollen|swelling|throbbing)\b",
            r"\b(?:red|hot|warm|swollen)\b(?:\W+\w+){0,3}?\W+(?:red|hot|warm|swollen)\b(?:\W+\w+){0,4}?\W+"
            r"(?:calf|calves|leg|thigh)\b",
        ),
        descriptions=(
            "my calf is red, hot and swollen",
            "one leg is swollen and warm to touch with a throbbing pain",
            "my calf has gone red and hot and is much bigger than the other one",
            "a painful swollen calf that feels warm and looks red",
            "my thigh is swollen, red and throbbing",
        ),
        cue=re.compile(r"\b(?:calf|calves|leg|thigh|swollen|swelling)\b"),
    ),
    Symptom(
        key="circulation",
        name="a cold, pale, blue or numb foot, or a rock-hard tight limb",
        source="NHS 'Compartment syndrome' (severe pain, a tight or hard swollen limb, numbness or tingling: go to "
        "A&E); NHS 'Peripheral arterial disease' (a cold, pale foot with numbness: urgent care)",
        rules=_rules(
            r"\b(?:foot|feet|toes|hand|fingers|leg)\b(?:\W+\w+){0,6}?\W+(?:cold|pale|white|blue|grey|gray)\b"
            r"(?:\W+\w+){0,8}?\W+(?:numb\w*|tingl\w*|white|pale|blue)\b",
            r"\b(?:rock hard|very hard|hard as a rock)\b(?:\W+\w+){0,4}?\W+(?:tight|swollen)\b",
            r"\b(?:tight|swollen)\b(?:\W+\w+){0,3}?\W+(?:rock hard|very hard|hard as a rock)\b",
        ),
        descriptions=(
            "my foot went cold, white and numb",
            "my lower leg is rock hard and tight and the pain is unbearable",
            "my toes have turned pale and cold and I can't feel them",
            "my foot has gone blue and numb",
            "my shin is swollen and hard as a rock and the pain is getting worse",
        ),
        cue=re.compile(r"\b(?:cold|pale|white|blue|numb\w*|hard|tight|tingl\w*)\b"),
    ),
)

SYMPTOM_NAMES: tuple[str, ...] = tuple(s.name for s in SYMPTOMS)

# "no fever", "without numbness or tingling": the symptom is denied, not described.
_NEGATED = re.compile(
    r"\b(?:no|not|without|never had|never|nor|dont have|dont have any|havent got|havent had|no sign of|free of|"
    r"not got|isnt|arent) (?:any )?(?:\w+ )?(?:fever\w*|temperature|temp|chills|numbness|tingling|weakness|"
    r"incontinence|chest pain|weight loss|night sweats|shivers|pins and needles)"
    r"(?:(?: or| and| nor|,) (?:any )?(?:fever\w*|temperature|temp|chills|numbness|tingling|weakness|"
    r"incontinence|chest pain|weight loss|night sweats|shivers|pins and needles))*\b"
)


# Tired legs right after a set of exercises are ordinary: "my legs go all wobbly
# after a few lunges". Weakness that comes with the back trouble is not.
_AFTER_EXERTION = re.compile(
    r"\b(?:after|during|from|doing|when i do|while doing) (?:\w+ ){0,3}"
    r"(?:lunges?|squats?|reps?|sets?|exercises?|workouts?|work ?outs?|training|gym|runs?|running|stretch\w*)\b"
)
# What is never just tiredness, whatever came before it.
_NOT_FATIGUE = re.compile(
    r"\b(?:numb\w*|tingl\w*|paraly\w*|giv\w* way|gave way|collaps\w*|buckl\w*|cant (?:feel|move|lift))"
)
_LEGS_ONLY_AFTER_EXERTION = frozenset({"legs"})


@lru_cache(maxsize=4096)  # the question as typed and as corrected are often the same text
def _symptoms_in(text: str) -> frozenset[str]:
    folded = _NEGATED.sub(" none ", normalise(text))
    found = {symptom for symptom in SYMPTOMS if symptom.found_in(folded)}
    if _AFTER_EXERTION.search(folded) and not _NOT_FATIGUE.search(folded):
        found = {s for s in found if s.key not in _LEGS_ONLY_AFTER_EXERTION}
    return frozenset(symptom.name for symptom in found)


def red_flags(text: str, *more_texts: str) -> list[str]:
    """Names of the red-flag symptoms described in any of the texts (empty for ordinary questions).

    Pass the question as typed and, when there is one, a spelling-corrected
    version: a symptom found in either counts. Names come in the order of
    :data:`SYMPTOMS`.
    """
    found: set[str] = set()
    for item in (text, *more_texts):
        found |= _symptoms_in(item)
    return [name for name in SYMPTOM_NAMES if name in found]


def symptom_cues(text: str, *more_texts: str) -> list[str]:
    """Names of the symptoms for which any of the texts names a word (the cue the similarity signal may need)."""
    folded = [normalise(item) for item in (text, *more_texts)]
    return [s.name for s in SYMPTOMS if any(s.cue.search(f) for f in folded)]


# --------------------------------------------------------------------------- #
# Similarity to written symptom descriptions
# --------------------------------------------------------------------------- #


class _Embeds(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


#: Cosine similarity a question needs with a symptom's best description. With the
#: bundled MiniLM, look-alike questions reach 0.79 ("the pain eases off when I lie
#: down" against night pain), so 5-fold cross-validation over the labelled
#: phrasings of tests/test_redflags.py picked 0.78-0.79 as the lowest threshold
#: without false positives; 0.80 keeps a step of margin above every look-alike.
DEFAULT_THRESHOLD = 0.80


class RedFlagMatcher:
    """Names red-flag symptoms whose written descriptions are close to a question's embedding.

    The descriptions are embedded once, here. ``require_cue`` (the default)
    keeps a symptom only when the question also names a word of it (see
    :func:`symptom_cues`), so similarity widens what the rules catch without
    flagging questions that merely sound alike.
    """

    def __init__(
        self,
        embedder: _Embeds,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        require_cue: bool = True,
        symptoms: Sequence[Symptom] = SYMPTOMS,
    ) -> None:
        self.threshold = threshold
        self.require_cue = require_cue
        self.names: tuple[str, ...] = tuple(s.name for s in symptoms)
        texts = [d for s in symptoms for d in s.descriptions]
        self._owner = np.array([i for i, s in enumerate(symptoms) for _ in s.descriptions], dtype=np.int64)
        self._vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
        self._cues = {s.name: s.cue for s in symptoms}

    def scores(self, question_vector: np.ndarray) -> dict[str, float]:
        """Each symptom's best cosine similarity to the question (rows are L2-normalised)."""
        sims = self._vectors @ np.asarray(question_vector, dtype=np.float32).reshape(-1)
        best = np.full(len(self.names), -1.0, dtype=np.float32)
        np.maximum.at(best, self._owner, sims)
        return {name: float(score) for name, score in zip(self.names, best, strict=True)}

    def match(self, question_vector: np.ndarray, texts: Iterable[str] = ()) -> list[str]:
        """Symptoms whose best description similarity reaches the threshold.

        With ``require_cue``, pass the question (and any corrected version) as
        ``texts``: a symptom is kept only if one of them names a word of it.
        Without texts there is nothing to check and no symptom is kept.
        """
        hits = [name for name, score in self.scores(question_vector).items() if score >= self.threshold]
        if not self.require_cue:
            return hits
        folded = [normalise(t) for t in texts]
        return [name for name in hits if any(self._cues[name].search(f) for f in folded)]
