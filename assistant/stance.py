"""Which way a sentence of advice leans: urging caution, or recommending.

Used to show both sides when the source gives differing advice on a question.
The cues are ordinary English ways of warning and recommending; a warning cue
outweighs a recommending one ("I recommend you wait until ..." is a caution).
"""

from __future__ import annotations

import re

CAUTION = "caution"
SUPPORTIVE = "supportive"

_CAUTION = re.compile(
    r"\b(?:do\s+not|don[’']t|does\s+not|doesn[’']t|should\s+not|shouldn[’']t|must\s+not|never|avoid\w*"
    r"|stop(?:ping)?|skip|wait(?:ing)?|want\s+until|until\s+(?:the\s+)?(?:pain|it|you)|refrain|rest\s+first"
    r"|can\s+(?:trigger|cause|worsen|aggravate|further)|further\s+damage|damage|worse|aggravat\w*"
    r"|harm\w*|risk\w*|careful|caution|dangerous|not\s+safe|unsafe|never\s+worked)\b",
    re.IGNORECASE,
)
_SUPPORTIVE = re.compile(
    r"\b(?:best|helps?|helpful|relie(?:f|ve|ves)|recommend\w*|try|safe(?:ly)?|good|great|benefit\w*"
    r"|ease|effective|improves?|prevent\w*|reduces?|should|can\s+help|seek)\b",
    re.IGNORECASE,
)


def stance(text: str) -> str | None:
    """``"caution"``, ``"supportive"`` or None for sentences that give no advice either way."""
    if _CAUTION.search(text):
        return CAUTION
    if _SUPPORTIVE.search(text):
        return SUPPORTIVE
    return None


# Questions that ask whether to do something: where advice can differ.
_ADVICE_QUESTION = re.compile(
    r"\b(?:should|shouldn[’']t|can|could|may|must)\s+(?:i|we|you|one|people|they)\b"
    r"|\b(?:is|are)\s+(?:it|they)\s+(?:ok|okay|safe|wise|good|bad|smart|alright|all\s+right)\b"
    r"|\b(?:is|are)\s+\w+(?:\s+\w+)?\s+(?:good|bad|safe|ok|okay|helpful|harmful|recommended)\b"
    r"|\b(?:does|do|will|would|can)\s+\w+(?:\s+\w+)?\s+(?:help|hurt|harm|work|make\s+it\s+worse)\b"
    r"|\b(?:ok|okay|safe|wise)\s+to\b|\bbetter\s+to\b",
    re.IGNORECASE,
)


def asks_for_advice(question: str) -> bool:
    """True for questions like "Should I stretch ...?" or "Is walking good for ...?"."""
    return bool(_ADVICE_QUESTION.search(question))
