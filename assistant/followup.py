"""Follow-up questions: answer "how long do I hold it?" with the question before it in mind.

Deterministic, and nothing is generated: the conversation only changes what is
*searched for*, never what is shown. The reader's question is displayed and
triaged as typed; retrieval gets the question plus the words that carried the
earlier ones, when the question leans on them.

A question leans on the conversation when, in ordinary English, it cannot
stand alone:

- it opens as a continuation ("and for the upper back?", "what about ice?",
  "also ...", "but ...", "same for ..."); or
- its content words, if any, are all everyday English ("how long?", "why?",
  "how do I start?"): it has no subject of its own; or
- it points back with a pronoun ("hold *it*", "do *those* help?") and names at
  most two content words besides ("which muscles does it work?").

A word the source never uses still counts as the question's own subject:
"sciatica?" after a question about stretches is a new question (and is
declined as one), not a follow-up that borrows the stretches.

A question that names its own subject ("Is walking good for back spasms?") is
left alone even after other questions: a reader who changes the subject gets an
answer to the new one.

The earlier words are taken from the nearest earlier question that has any,
itself resolved the same way, so a three-turn chain ("child's pose?" → "how
long do I hold it?" → "and how many times?") keeps its subject. They are the
question's focus terms (see :mod:`assistant.query`) that are not everyday
English, at most ``MAX_CARRIED``, most informative first, which keeps the carried meaning small beside the new
question's own words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .answerability import EVERYDAY_ZIPF
from .query import FocusTerm, ProcessedQuery, QueryProcessor, english_zipf

#: How many focus terms an earlier question lends a follow-up.
MAX_CARRIED = 4

_CONTINUES = re.compile(
    r"^\W*(?:and|also|but|plus|or|then|what\s+about|how\s+about|what\s+if|what\s+else|same\s+(?:for|with|goes)"
    r"|is\s+that\s+(?:also|the\s+same)|does\s+that\s+(?:also|apply|go))\b",
    re.IGNORECASE,
)
# Words that frame what is asked ("how *long*", "how *often*"), not what it is about.
_FRAME = frozenset("long often far soon much many kind type sort way ways".split())
_POINTS_BACK = re.compile(r"\b(?:it|its|that|this|these|those|them|they|their|one|ones|same)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Resolved:
    """What to search for: the question as corrected, and the words the conversation lent it."""

    query: ProcessedQuery
    carried: tuple[str, ...] = ()

    @property
    def search_text(self) -> str:
        if not self.carried:
            return self.query.corrected
        return f"{self.query.corrected} {' '.join(self.carried)}"

    def for_search(self, processor: QueryProcessor) -> ProcessedQuery:
        """What retrieval gets: the question with the carried words, its own focus terms ranked first.

        The question's own words say what it asks of the subject ("how long do I
        *hold* it?"), so they lead; the carried ones say which subject.
        """
        if not self.carried:
            return self.query
        own = self.query.focus
        stems = {t.stem for t in own}
        lent = tuple(t for t in processor.focus_terms(" ".join(self.carried)) if t.stem not in stems)
        focus = own + lent
        return ProcessedQuery(self.query.raw, self.search_text, focus, processor.unknown_terms(focus))


# A question whose only content words are everyday English ("how do I start?")
# has no subject of its own; see answerability.EVERYDAY_ZIPF.


def _everyday(term: FocusTerm) -> bool:
    """An everyday word in any of its forms ("helps" as "help")."""
    return max(term.zipf, english_zipf(term.stem)) >= EVERYDAY_ZIPF


def _own(query: ProcessedQuery) -> list[FocusTerm]:
    """The question's content words, known to the source or not, without the words of its frame."""
    return [t for t in query.focus if t.word not in _FRAME]


def leans_on_history(query: ProcessedQuery) -> bool:
    """True when a question cannot stand alone and needs the ones before it."""
    text = query.corrected
    own = _own(query)
    if _CONTINUES.match(text) or all(_everyday(t) for t in own):
        return True
    return bool(_POINTS_BACK.search(text)) and len(own) <= 2


def resolve(processor: QueryProcessor, question: str, history: Sequence[str] = ()) -> Resolved:
    """The question with what it leans on from ``history`` (earlier questions, oldest first)."""
    query = processor.process(question)
    if not history or not leans_on_history(query):
        return Resolved(query)
    earlier = resolve(processor, history[-1], history[:-1])
    own = {t.stem for t in query.focus}
    words = [t.word for t in earlier.query.focus if t.stem not in own and t.word not in _FRAME and not _everyday(t)]
    # A follow-up of a follow-up keeps the subject the chain started with.
    words += [w for w in earlier.carried if w not in words]
    return Resolved(query, tuple(words[:MAX_CARRIED]))
