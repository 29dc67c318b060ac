"""``POST /api/ask``: a question in, an answer of verbatim, cited quotes out."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from ...schemas import AnswerOut, AskRequest
from .. import service
from ..deps import FeedbackDep, ReadinessDep
from ..errors import ERRORS

router = APIRouter(tags=["api"])


@router.post("/api/ask", response_model=AnswerOut, responses=ERRORS)
async def ask(request: AskRequest, readiness: ReadinessDep, feedback: FeedbackDep) -> Response:
    """Answer a question with verbatim quotes from the source, each with its document and offsets.

    ``history`` (the reader's earlier questions, oldest first) lets a follow-up lean on them.
    """
    # The answer's JSON is made on the answer's own thread (service.answer_json), so the event
    # loop neither waits on a thread of its own pool nor serialises it again here.
    body = await service.answer_json(readiness, request.question, request.history, feedback)
    return Response(body, media_type="application/json")
