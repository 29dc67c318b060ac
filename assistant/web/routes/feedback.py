"""``POST /api/feedback`` (a rating of an answer or of one of its quotes) and ``GET /api/admin/report``.

Feedback attaches only to an answer this server gave (the store remembers the
recent ones), so the question and spans kept come from the server, never from
the client. The report is the same as ``assistant report --json``, behind
``ASSISTANT_ADMIN_TOKEN``: without a token it does not exist (404).
"""

from __future__ import annotations

import hmac
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from ...feedback import DAY, AlreadyRated, FeedbackError
from ...schemas import ErrorOut, FeedbackIn
from ..deps import AssistantDep, FeedbackDep, SettingsDep
from ..errors import ERRORS

router = APIRouter(tags=["api"])

UNAVAILABLE = "Feedback cannot be stored on this server right now."


@router.post("/api/feedback", responses={**ERRORS, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}})
def feedback(body: FeedbackIn, store: FeedbackDep) -> Any:
    """Rate an answer ("up"/"down"), or mark one of its quotes not helpful (``span`` with "down")."""
    opened = store.get()
    if opened is None:
        return JSONResponse({"error": UNAVAILABLE}, status_code=503)
    try:
        opened.add_feedback(body.id, body.rating, body.span)
    except AlreadyRated as exc:
        return JSONResponse({"error": str(exc)}, status_code=409)
    except FeedbackError as exc:
        status = 404 if "unknown" in str(exc) else 422
        return JSONResponse({"error": str(exc)}, status_code=status)
    return {"ok": True}


@router.get("/api/admin/report", include_in_schema=False)
def admin_report(
    settings: SettingsDep,
    store: FeedbackDep,
    assistant: AssistantDep,
    authorization: Annotated[str | None, Header()] = None,
    days: int = 0,
) -> Any:
    """Questions the source did not answer, grouped, with ratings; for the admin page."""
    from ...report import group_questions, per_day

    if settings.admin_token is None:
        return JSONResponse({"error": "Not found."}, status_code=404)
    expected = f"Bearer {settings.admin_token.get_secret_value()}".encode()
    if not hmac.compare_digest((authorization or "").encode(), expected):
        return JSONResponse({"error": "A valid admin token is needed."}, status_code=401)
    opened = store.get()
    if opened is None:
        return JSONResponse({"error": UNAVAILABLE}, status_code=503)
    since = time.time() - max(0, min(days, 3650)) * DAY if days else None
    logged = opened.unanswered(since)
    groups = group_questions(logged, assistant.embedder) if logged else []
    return {
        "groups": [g.to_dict() for g in groups],
        "per_day": [{"day": d, "questions": n} for d, n in per_day(logged)],
        "ratings": opened.ratings(),
        "unhelpful_quotes": [{"span": s, "count": n} for s, n in opened.unhelpful_quotes()],
    }
