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
    r"|harm\w*|risk\w*|careful|caution|dangerous|not\s+safe|unsafe|never\s+worked"
    # Harm that follows: "can turn a sprain into a fracture", "may lead to a tear".
    r"|(?:turns?|leads?|develops?)\s+(?:\w+\s+){0,5}?(?:into|to)"
    # Evidence against: "has not been shown to help", "there is little good evidence that ...".
    r"|(?:no|little|limited|weak|not\s+much)\s+(?:good\s+|real\s+|strong\s+)?evidence"
    r"|(?:has|have)\s+not\s+been\s+(?:shown|proven)|no\s+(?:proven\s+)?benefit)\b",
    re.IGNORECASE,
)
_SUPPORTIVE = re.compile(
    r"\b(?:best|helps?|helpful|relie(?:f|ve|ves)|recommend\w*|try|safe(?:ly)?|good|great|benefit\w*"
    r"|ease|effective|improves?|prevent\w*|reduces?|should|can\s+help|seek|normal|fine|ideally|encourag\w*"
    r"|you[’']ll\s+want\s+to|aim\s+(?:for|to)|stay\s+active|keep\s+moving|gentle|you\s+can\s+(?:do|try|use|start)"
    r"|can\s+be\s+done|better|can\s+(?:keep|still|continue)|keep\s+\w+ing)\b"
    # An instruction: "Ice your shins after every run", "Wrap it in a towel".
    r"|^\W*[A-Z][a-z]+\s+(?:your|it|them)\b",
    re.IGNORECASE,
)
# "You do not need to stop": permission, not a warning.
_NO_NEED = re.compile(
    r"\b(?:do\s+not|don[’']t|does\s+not|doesn[’']t|no)\s+need\s+(?:to\s+)?(?:stop|avoid|rest|give\s+up|quit)\w*",
    re.IGNORECASE,
)
# Words of harm that a sentence says something protects against: "heat helps
# reduce the risk of cramps" recommends heat; it does not warn against it.
_PROTECTIVE = re.compile(
    r"\b(?:reduc\w*|lower\w*|cut(?:s|ting)?|prevent\w*|minimi[sz]\w*|decreas\w*|avoid\w*|protect\w*\s+(?:you\s+)?against)"
    r"\s+(?:the\s+|your\s+|any\s+)?(?:risk|chance|likelihood|damage|harm|injur\w*|strain|pain)\w*",
    re.IGNORECASE,
)


def stance(text: str) -> str | None:
    """``"caution"``, ``"supportive"`` or None for sentences that give no advice either way."""
    text = _NO_NEED.sub(" can continue ", _PROTECTIVE.sub(" reduces ", text))
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
    r"|\b(?:does|do|will|would|can)\s+\w+(?:\s+\w+){0,5}?\s+(?:help|hurt|harm|work|stop|prevent|cure|fix|ease"
    r"|make\s+it\s+worse)\b"
    r"|\b(?:ok|okay|safe|wise)\s+to\b|\bbetter\s+to\b"
    # Colloquial ways of asking the same: "who's right?", "... right?", "push through it",
    # "am I making it worse?", "is it worth it?", "a good idea?".
    r"|\bwho[’']?s\s+right\b|\bright\s*\?|\bpush(?:ing)?\s+(?:through|thru|on)\b"
    r"|\bmak(?:e|es|ing)\s+(?:it|things|them|my\s+\w+)\s+worse\b|\bworth\s+(?:it|\w+ing)\b"
    r"|\b(?:good|bad)\s+idea\b|\bam\s+i\s+(?:overdoing|doing\s+(?:it|too)|making)\b|\btoo\s+(?:soon|early|much)\b",
    re.IGNORECASE,
)


# A sentence that opens by asking how long, how many, where, when or why asks for
# a fact or the steps, even with "should I" in it: "How long should I hold it?".
_FACT_QUESTION = re.compile(r"^\W*(?:how\s+(?:long|many|much|often|far|soon|do|does)|where|when|why|which)\b", re.I)
_SENTENCES = re.compile(r"[^.!?]+[.!?]*")


def asks_for_advice(question: str) -> bool:
    """True for questions like "Should I stretch ...?" or "Is walking good for ...?"."""
    return any(
        _ADVICE_QUESTION.search(sentence) and not _FACT_QUESTION.match(sentence)
        for sentence in _SENTENCES.findall(question)
    )
