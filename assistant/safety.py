"""Fixed texts, and red-flag detection re-exported from :mod:`assistant.redflags`.

Every word the assistant shows is either a verbatim quote from the source or
one of the fixed messages below. They live here and nowhere else.
"""

from __future__ import annotations

from .redflags import red_flags

__all__ = ["DISCLAIMER", "GROUP_LABELS", "NOT_COVERED", "PREAMBLE", "URGENT_NOTICE", "red_flags"]

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
