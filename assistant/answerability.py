"""Does the source answer this question, or only talk about its words?

Two signals, each for a reason that holds in any article:

- **Coverage**: how close the best passage is, less a penalty for the share of
  the question's meaning (its focus terms, weighted by how informative they
  are) that the source never mentions. "How close" is the second retriever's
  plain cosine when there is one: e5 is trained for question-to-passage
  retrieval, so its raw similarity is on one scale across questions (the
  centred scores that rank passages within a topic are not). Without it, the
  best fused score. "Does magnesium help back spasms?" shares
  "help", "back" and "spasms" with a back-spasm article, but its most
  informative word is one the article never uses.
- **Expected answer type**: a question that asks for an amount ("how many",
  "how long", "how often", "what dose") is answered only by a passage that gives
  one, on the question's subject. "How many advil can I take in a day?" is not
  answered by a sentence that names Advil without a dose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .index.lexical import tokenize
from .retrieval import Retrieval
from .settings import Settings

# "how much" asks for an amount only before a noun: "how much can it affect my life" asks for a degree.
_ASKS_AMOUNT = re.compile(
    r"\bhow\s+(?:many|long|often|soon|frequently|far)\b|\bwhat\s+(?:dose|dosage|amount|number)\b"
    r"|\bhow\s+much\b(?!\s+(?:can|could|does|do|did|will|would|should|is|are|was|were|has|have|more|less|better"
    r"|worse|of\s+a\s+difference)\b)",
    re.IGNORECASE,
)

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty"
    r"|hundred|half|quarter|couple|few|several|once|twice|daily|weekly|hourly|often|long\s+as"
)
_AMOUNT = re.compile(rf"\d|\u00bd|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
#: Stems of unit words: they say what kind of amount is asked, not what about
#: ("how many minutes should I ..."). Things that are counted (reps, sets) are subjects.
_UNIT_WORDS = "second minute hour day week month year mg milligram ml dose time amount number"


@lru_cache(maxsize=1)
def _unit_stems() -> frozenset[str]:
    # Stemmed on first use, not at import: the stemmer and stopword list load then.
    return frozenset(tokenize(_UNIT_WORDS))


#: Zipf frequency from which a word is everyday English (about the 1,000 commonest words):
#: "help", "work", "day" say nothing about what a question is about.
EVERYDAY_ZIPF = 5.0


def names_the_topic(retrieval: Retrieval) -> bool:
    """Whether the question names anything the source talks about: a word it uses that is not everyday English.

    Used only to word a decline: "Does magnesium help back spasms?" is on the
    topic and not covered; "What's a good banana bread recipe?" is off the
    topic. (As a reason to decline it would be too blunt: readers' own words
    for the source's subject are often all unknown to it.)
    """
    from .query import english_zipf

    unknown = {t.stem for t in retrieval.unknown}
    return any(t.stem not in unknown and max(t.zipf, english_zipf(t.stem)) < EVERYDAY_ZIPF for t in retrieval.focus)


def asks_for_amount(question: str) -> bool:
    """True for questions whose answer is an amount: "how long should I hold it?", "how many reps?"."""
    return bool(_ASKS_AMOUNT.search(question))


def gives_amount(text: str) -> bool:
    """True when a passage states an amount: a number, a number word, "a few", "twice", "daily"."""
    return bool(_AMOUNT.search(text))


def coverage(retrieval: Retrieval, settings: Settings) -> float:
    """Closeness of the best passage less ``unknown_word_penalty`` times the unknown share of the question's meaning."""
    if not retrieval.hits:
        return float("-inf")
    if retrieval.second_best is not None:
        return retrieval.second_best - settings.unknown_word_penalty * retrieval.unknown_share
    return retrieval.hits[0].score - settings.fused_unknown_word_penalty * retrieval.unknown_share


def subject_stems(retrieval: Retrieval, top: int = 2) -> set[str]:
    """The most informative focus terms the source knows, unit words aside: what an amount must be about."""
    known = [t for t in retrieval.focus if t not in retrieval.unknown and t.stem not in _unit_stems()]
    return {t.stem for t in known[:top]}


def answers_amount(question: str, retrieval: Retrieval, passages: Iterable[str]) -> bool:
    """For an amount question: does one of the passages give an amount about the question's subject?

    Questions that do not ask for an amount pass.
    """
    if not asks_for_amount(question):
        return True
    subject = subject_stems(retrieval)
    for text in passages:
        if gives_amount(text) and (not subject or subject & set(tokenize(text))):
            return True
    return False
