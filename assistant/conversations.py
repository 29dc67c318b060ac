"""Measuring follow-up questions: conversations whose last turn leans on the ones before.

A conversation file (``eval/conversations/*.json``) lists the reader's turns,
oldest first, and gold phrases for the last turn, scored with the same rule as
the question sets (:func:`assistant.evaluation.contains_any`). Each
conversation is asked twice: with its earlier turns as history, and the last
turn alone. ``follow_up`` conversations show what the history adds;
``new_topic`` ones (the reader changes the subject) show that it takes nothing
away. Nothing here is tuned.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import AssistantError

if TYPE_CHECKING:
    from .core import Assistant

CONVERSATIONS_DIR = Path(__file__).resolve().parent.parent / "eval" / "conversations"
ConversationKind = Literal["follow_up", "new_topic"]
KINDS: tuple[ConversationKind, ...] = ("follow_up", "new_topic")


@dataclass(frozen=True)
class Conversation:
    kind: ConversationKind
    turns: tuple[str, ...]
    gold: tuple[str, ...]


@dataclass(frozen=True)
class TurnFigures:
    """Hit rates of the last turns of one kind of conversation, asked with and without the earlier turns."""

    conversations: int
    hit_at_1: float
    hit_at_5: float
    answered: float
    alone_hit_at_1: float
    alone_hit_at_5: float
    alone_answered: float


def default_conversation_files() -> list[Path]:
    return sorted(CONVERSATIONS_DIR.glob("*.json"))


def load_conversations(path: Path) -> list[Conversation]:
    """Read a conversation file; a malformed one is one clear error."""
    try:
        raw = json.loads(path.read_text("utf-8"))
        found = []
        for entry in raw["conversations"]:
            kind, turns, gold = entry["kind"], entry["turns"], entry["gold"]
            if kind not in KINDS:
                raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
            if len(turns) < 2 or not all(isinstance(t, str) and t.strip() for t in turns):
                raise ValueError("a conversation needs at least two questions, each a non-empty text")
            if not gold or not all(isinstance(g, str) for g in gold):
                raise ValueError("gold must list phrases as strings")
            found.append(Conversation(kind, tuple(turns), tuple(gold)))
        return found
    except FileNotFoundError as exc:
        raise AssistantError(f"The conversation file {path} does not exist.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise AssistantError(f"The conversation file {path} is not a valid conversation set ({exc}).") from exc


def _score(texts: list[str], gold: tuple[str, ...], k: int) -> bool:
    from .evaluation import contains_any

    return any(contains_any(t, gold) for t in texts[:k])


def evaluate_conversations(assistant: Assistant, conversations: list[Conversation]) -> dict[str, TurnFigures]:
    """Figures per kind of conversation, with history and with the last turn alone."""
    rows: dict[str, list[tuple[bool, bool, bool, bool, bool, bool]]] = {kind: [] for kind in KINDS}
    for conversation in conversations:
        *earlier, last = conversation.turns
        with_history = [s.span.text for s in assistant.ask(last, earlier).snippets]
        alone = [s.span.text for s in assistant.ask(last).snippets]
        rows[conversation.kind].append(
            (
                _score(with_history, conversation.gold, 1),
                _score(with_history, conversation.gold, 5),
                bool(with_history),
                _score(alone, conversation.gold, 1),
                _score(alone, conversation.gold, 5),
                bool(alone),
            )
        )
    figures = {}
    for kind, found in rows.items():
        if not found:
            continue
        n = len(found)
        means = [sum(row[i] for row in found) / n for i in range(6)]
        figures[kind] = TurnFigures(n, *means)
    return figures


def figures_to_dict(figures: dict[str, TurnFigures]) -> dict[str, Any]:
    return {kind: asdict(f) for kind, f in figures.items()}


def format_figures(figures: dict[str, TurnFigures]) -> str:
    if not figures:
        return ""
    lines = [
        "Conversations (last turn; with the earlier questions, and alone):",
        f"  {'kind':<10} {'n':>3}  {'hit@1':>13}  {'hit@5':>13}  {'answered':>13}",
    ]
    for kind, f in figures.items():
        lines.append(
            f"  {kind:<10} {f.conversations:>3}  {f.hit_at_1:>5.2f} ({f.alone_hit_at_1:.2f})  "
            f"{f.hit_at_5:>5.2f} ({f.alone_hit_at_5:.2f})  {f.answered:>5.2f} ({f.alone_answered:.2f})"
        )
    return "\n".join(lines)
