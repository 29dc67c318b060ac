"""Fixed texts, and red-flag detection re-exported from :mod:`assistant.redflags`.

Every word the assistant shows is either a verbatim quote from the source or
one of the fixed messages below. They live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .corpus import Document
from .redflags import red_flags
from .settings import Settings

__all__ = ["DEFAULT_WORDING", "GROUP_LABELS", "Wording", "red_flags", "site_wording", "wording_for"]

# The fixed texts. Each answer shows the ones that fit its case, and nothing
# else that is not a quote. The only parts filled in are the publisher's own
# names for the source, its topic and who to ask (document metadata or
# settings), never anything derived from the question.
_PREAMBLE = (
    "These are quotes from {source}, shown word for word with where they come from. "
    "They are general information, not medical advice, and the source may be incomplete or "
    "disagree with itself. For advice about your own case, talk to {who}."
)
_NOT_COVERED = "{Source} does not cover this question, so there is nothing to quote. Please ask {who}."
_OFF_TOPIC = (
    "This assistant only answers questions about {topic}, with quotes from {source}. "
    "Your question is about something else, so there is nothing to quote."
)
_URGENT = (
    "Some of what you describe can be a sign of a serious problem that needs urgent care. "
    "Please contact a doctor or an urgent care service now, or call your local emergency "
    "number if it is severe or getting worse."
)
_URGENT_WITH_QUOTES = _URGENT + " Do not rely on the quotes below."
# Shown on every page, all the time. It describes the tool, not anyone's health.
_DISCLAIMER = (
    "This assistant only repeats quotes from {source} and cannot judge your situation. "
    "It is not medical advice. If you are worried about your health, see {who}."
)
#: Above the questions a decline offers instead ("Ask about: Child's Pose, ...").
SUGGESTIONS_LABEL = "The source does cover these:"
#: The question a suggestion asks, around a heading of the source.
SUGGESTION_QUESTION = "What does the source say about {heading}?"
#: Marks text shown around a quote too short to stand alone.
CONTEXT_LABEL = "Surrounding text in the source"

DEFAULT_SOURCE = "the source text"
DEFAULT_TOPIC = "the topic of the source text"
DEFAULT_WHO = "a doctor or another health professional"


@dataclass(frozen=True)
class Wording:
    """The fixed texts with one publisher's names for its source, topic and who to ask."""

    source: str = DEFAULT_SOURCE
    topic: str = DEFAULT_TOPIC
    who: str = DEFAULT_WHO

    def _fill(self, template: str) -> str:
        source = self.source
        return template.format(source=source, Source=source[:1].upper() + source[1:], topic=self.topic, who=self.who)

    @property
    def preamble(self) -> str:
        return self._fill(_PREAMBLE)

    @property
    def not_covered(self) -> str:
        return self._fill(_NOT_COVERED)

    @property
    def off_topic(self) -> str:
        return self._fill(_OFF_TOPIC)

    @property
    def urgent_with_quotes(self) -> str:
        return _URGENT_WITH_QUOTES

    @property
    def urgent_alone(self) -> str:
        return _URGENT

    @property
    def disclaimer(self) -> str:
        return self._fill(_DISCLAIMER)


DEFAULT_WORDING = Wording()


def site_wording(settings: Settings) -> Wording:
    """The wording for the configured corpus (its metadata only; cheap), or the defaults when it cannot be read."""
    from .corpus import load_corpus
    from .errors import AssistantError

    try:
        documents = load_corpus(settings.corpus_dir)
    except (AssistantError, OSError):
        documents = []
    return wording_for(documents, source=settings.source_name, topic=settings.topic, who=settings.who_to_ask)


def wording_for(
    documents: Iterable[Document],
    *,
    source: str | None = None,
    topic: str | None = None,
    who: str | None = None,
) -> Wording:
    """The wording for a corpus: settings first, then the documents' metadata, then the defaults.

    One document names itself by its title ("“Back spasms: stretches and
    exercises”"); several are "the source articles", and share a topic or a
    person to ask only when their metadata agree.
    """
    docs = list(documents)
    titles = [d.title for d in docs if d.title]
    topics = sorted({d.topic for d in docs if d.topic})
    asks = {d.ask for d in docs if d.ask}
    if source is None:
        source = f"“{titles[0]}”" if len(docs) == 1 and titles else ("the source articles" if len(docs) > 1 else None)
    if topic is None:
        if 0 < len(topics) <= 3:
            topic = " and ".join(topics) if len(topics) < 3 else f"{topics[0]}, {topics[1]} and {topics[2]}"
        elif len(docs) == 1 and titles:
            topic = titles[0]
    if who is None and len(asks) == 1 and all(d.ask for d in docs):
        who = asks.pop()
    return Wording(source or DEFAULT_SOURCE, topic or DEFAULT_TOPIC, who or DEFAULT_WHO)


# Labels for the two sides when the source gives differing advice.
GROUP_LABELS = {
    "caution": "The source advises caution",
    "supportive": "The source recommends it",
}
