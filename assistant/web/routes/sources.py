"""``GET /api/sources`` and ``GET /api/source/{doc}``: the documents, and a passage in its context."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ...schemas import ErrorOut, SourceInfo, SourcePassage
from ..deps import AssistantDep, ReadinessDep
from ..errors import ERRORS

router = APIRouter(tags=["api"])

_SPACE = re.compile(r"\s")


def passage_window(text: str, start: int, end: int, around: int) -> tuple[int, int]:
    """A window of about ``around`` characters either side of ``[start, end)``, cut between words."""
    lo = max(0, start - around)
    hi = min(len(text), end + around)
    if lo > 0:
        gap = _SPACE.search(text, lo, start)
        lo = gap.end() if gap else lo
    if hi < len(text):
        spaces = [m.start() for m in _SPACE.finditer(text, end, hi)]
        hi = spaces[-1] if spaces else hi
    return lo, hi


@router.get("/api/sources", response_model=list[SourceInfo], responses={503: ERRORS[503]})
def sources(assistant: AssistantDep) -> list[SourceInfo]:
    """The source documents the quotes come from."""
    return [
        SourceInfo(doc=d.path, title=d.title, source_url=d.source_url, chars=len(d.text))
        for d in assistant.documents.values()
    ]


@router.get(
    "/api/source/{doc:path}",
    response_model=SourcePassage,
    responses={404: {"model": ErrorOut, "description": "No such document."}, **ERRORS},
)
def source(
    readiness: ReadinessDep,
    doc: str,
    start: Annotated[int | None, Query(ge=0, description="Start of the passage to highlight.")] = None,
    end: Annotated[int | None, Query(ge=0, description="End of the passage to highlight.")] = None,
    around: Annotated[int, Query(ge=0, le=20000, description="Characters of context either side.")] = 600,
    whole: Annotated[bool, Query(description="Return the whole document, passage still highlighted.")] = False,
) -> SourcePassage:
    """A passage of a source document in its context, or the whole document."""
    # Asked for here, not as a dependency, so bad parameters get their 422 even while loading.
    document = readiness.require().documents.get(doc)
    if document is None:
        raise HTTPException(404, f"There is no source document named {doc!r}.")
    text = document.text
    if (start is None) != (end is None):
        raise HTTPException(422, "Give both start and end, or neither.")
    info = {"doc": document.path, "title": document.title, "source_url": document.source_url, "chars": len(text)}
    if start is None or end is None:
        return SourcePassage(
            **info, start=0, end=len(text), quote_start=None, quote_end=None, before=text, quote="", after=""
        )
    if not start <= end <= len(text):
        raise HTTPException(422, f"The passage must satisfy 0 <= start <= end <= {len(text)}.")
    lo, hi = (0, len(text)) if whole else passage_window(text, start, end, around)
    return SourcePassage(
        **info,
        start=lo,
        end=hi,
        quote_start=start,
        quote_end=end,
        before=text[lo:start],
        quote=text[start:end],
        after=text[end:hi],
    )
