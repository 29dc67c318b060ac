"""Fixed texts and red-flag detection.

Every word the assistant shows is either a verbatim quote from the source or
one of the fixed messages below. They live here and nowhere else.
"""

from __future__ import annotations

import re

PREAMBLE = (
    "These are quotes from the source text, shown word for word with where they come from. "
    "They are general information, not medical advice, and the source may be incomplete or "
    "disagree with itself. For advice about your own back, talk to a doctor or physiotherapist."
)

NOT_COVERED = (
    "The source text does not cover this question, so there is nothing to quote. "
    "Please ask a doctor, pharmacist or physiotherapist."
)

URGENT_NOTICE = (
    "Some of what you describe can be a sign of a serious problem that needs urgent care. "
    "Please contact a doctor or an urgent care service now, or call your local emergency "
    "number if it is severe or getting worse. Do not rely on the quotes below."
)

# Shown on every page, all the time. It describes the tool, not anyone's health.
DISCLAIMER = (
    "This assistant only repeats quotes from one source text and cannot judge your situation. "
    "It is not medical advice. If you are worried about your back, see a doctor or physiotherapist."
)

# Labels for the two sides when the source gives differing advice.
GROUP_LABELS = {
    "caution": "The source advises caution",
    "supportive": "The source recommends it",
}

# Red-flag symptoms. Each pattern names a symptom, not a word: "bowel" alone is a
# topic, "lost control of my bowels" is a red flag.
_W = r"(?:\W+\w+){0,4}?\W+"  # up to four words in between
_RED_FLAGS: dict[str, re.Pattern[str]] = {
    "bladder or bowel control": re.compile(
        r"\b(?:los[et]|losing|loss\s+of|no|without|can'?t|cannot|unable\s+to|trouble|problems?)"
        rf"{_W}(?:control|controlling|hold(?:ing)?|feel(?:ing)?)(?:{_W}|\W+)"
        r"(?:bladder|bowels?|urine|pee|poo|stools?)\b"
        r"|\b(?:bladder|bowel|urinary|fa?ecal)\s+(?:control|incontinence|leak\w*|accident\w*)"
        r"|\bincontinen\w*|\bwet\s+(?:myself|himself|herself|the\s+bed)"
        r"|\b(?:can'?t|cannot|unable\s+to|trouble|difficulty)\s+(?:pee|urinate|urinating|peeing)\b",
        re.IGNORECASE,
    ),
    "numbness in the groin or saddle area": re.compile(
        r"\b(?:saddle|groin|genital\w*|inner\s+thighs?|buttocks?|crotch|perine\w*)"
        rf"(?:{_W}|\W+)(?:numb\w*|tingl\w*|no\s+feeling|can'?t\s+feel)"
        rf"|\b(?:numb\w*|tingl\w*|no\s+feeling|loss\s+of\s+(?:feeling|sensation))(?:{_W}|\W+)"
        r"(?:saddle|groin|genital\w*|crotch|perine\w*)\b",
        re.IGNORECASE,
    ),
    "weakness or numbness in the legs": re.compile(
        r"\b(?:numb\w*|tingl\w*|weak\w*|pins\s+and\s+needles|paraly\w*|giv(?:e|es|ing)\s+way"
        r"|can'?t\s+(?:feel|move|lift)|cannot\s+(?:feel|move|lift)|loss\s+of\s+(?:feeling|sensation))"
        rf"(?:{_W}|\W+)(?:legs?|feet|foot|thighs?|calf|calves|knees?)\b"
        r"|\b(?:legs?|feet|foot|thighs?)\s+(?:\w+\s+){0,2}"
        r"(?:numb\w*|tingl\w*|weak\w*|gave\s+way|giv(?:e|es|ing)\s+way|paraly\w*)",
        re.IGNORECASE,
    ),
    "fever": re.compile(r"\b(?:fever\w*|high\s+temperature|chills|night\s+sweats)\b", re.IGNORECASE),
    "injury from a fall or accident": re.compile(
        r"\b(?:fell|falling\s+(?:down|off|from|over)|fall(?:en)?\s+(?:down|off|from|over|on)"
        r"|(?:a|my|the|bad)\s+fall\b|slipped\s+(?:and|on|down)|tripped)"
        r"|\b(?:car|road|traffic|bike|motorbike|motorcycle|skiing|work)\s+(?:accident|crash|collision)"
        r"|\b(?:was|were|got|been|after|since|from|in)\s+(?:in\s+)?(?:an?|the|my)\s+"
        r"(?:\w+\s+)?(?:accident|crash|collision)\b"
        r"|\bhit\s+by\s+(?:a|an)\b|\bwhiplash\b",
        re.IGNORECASE,
    ),
    "chest pain": re.compile(
        r"\bchest\s+(?:pain|pains|tightness|pressure|hurts?|is\s+(?:tight|hurting))"
        r"|\bpain\s+in\s+(?:my|the|his|her)\s+chest\b|\bheart\s+attack\b",
        re.IGNORECASE,
    ),
}


def red_flags(question: str) -> list[str]:
    """Names of the red-flag symptoms a question mentions (empty for ordinary questions)."""
    return [name for name, pattern in _RED_FLAGS.items() if pattern.search(question)]
