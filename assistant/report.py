"""What the source does not cover: logged questions grouped by meaning, most frequent first.

Questions are grouped greedily: each joins the first group whose first
question it is close to (cosine of the sentence embeddings at least
``SAME_QUESTION``), else starts a new one. Greedy grouping is order-dependent,
so questions are taken most frequent first: the commonest wording becomes the
group's label. ``SAME_QUESTION`` is where all-MiniLM-L6-v2 puts paraphrases of
one question ("can I take magnesium?" / "does magnesium help?") and not
different questions on one topic; tests pin both sides of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .corpus import normalize
from .embedding import Embedder
from .feedback import Logged

SAME_QUESTION = 0.7


@dataclass
class Group:
    label: str
    count: int = 0
    declined: int = 0
    rated_down: int = 0
    last_seen: float = 0.0
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_seen"] = datetime.fromtimestamp(self.last_seen, UTC).isoformat(timespec="seconds")
        return data


def group_questions(logged: Sequence[Logged], embedder: Embedder, *, examples: int = 3) -> list[Group]:
    """Logged questions grouped by meaning, the largest group first."""
    if not logged:
        return []
    by_text: dict[str, list[Logged]] = {}
    for row in logged:
        by_text.setdefault(normalize(row.question).casefold(), []).append(row)
    texts = sorted(by_text, key=lambda t: (-len(by_text[t]), t))
    vectors = embedder.embed([by_text[t][0].question for t in texts])
    groups: list[Group] = []
    heads: list[np.ndarray] = []
    for text, vector in zip(texts, vectors, strict=True):
        rows = by_text[text]
        similarities = [float(vector @ head) for head in heads]
        best = int(np.argmax(similarities)) if similarities else -1
        if best < 0 or similarities[best] < SAME_QUESTION:
            groups.append(Group(rows[0].question))
            heads.append(vector)
            best = len(groups) - 1
        group = groups[best]
        group.count += len(rows)
        reasons = Counter(r.reason for r in rows)
        group.declined += reasons["declined"]
        group.rated_down += reasons["rated_down"]
        group.last_seen = max(group.last_seen, max(r.created for r in rows))
        if len(group.examples) < examples:
            group.examples.append(rows[0].question)
    groups.sort(key=lambda g: (-g.count, -g.last_seen, g.label))
    return groups


def per_day(logged: Sequence[Logged]) -> list[tuple[str, int]]:
    """Logged questions per UTC day, oldest first (for the admin page's chart)."""
    days = Counter(datetime.fromtimestamp(r.created, UTC).date().isoformat() for r in logged)
    return sorted(days.items())


def format_report(groups: Sequence[Group], ratings: dict[str, int], unhelpful: Sequence[tuple[str, int]]) -> str:
    if not groups and not any(ratings.values()):
        return "Nothing logged yet: no question was declined or rated down."
    lines = [
        f"Ratings: {ratings.get('up', 0)} up, {ratings.get('down', 0)} down, "
        f"{ratings.get('quote_not_helpful', 0)} quotes marked not helpful.",
        "",
        "Questions the source did not answer (declined, or rated down), most frequent first:",
    ]
    for g in groups:
        lines.append(f"{g.count:>5}  {g.label}   [declined {g.declined}, rated down {g.rated_down}]")
        for example in g.examples[1:]:
            lines.append(f"       also: {example}")
    if unhelpful:
        lines += ["", "Quotes most often marked not helpful:"]
        lines += [f"{n:>5}  {span}" for span, n in unhelpful]
    return "\n".join(lines)
