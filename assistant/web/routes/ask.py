"""``POST /api/ask``: a question in, an answer of verbatim, cited quotes out."""

from __future__ import annotations

from fastapi import APIRouter

from ...schemas import AnswerOut, AskRequest
from .. import service
from ..deps import FeedbackDep, ReadinessDep
from ..errors import ERRORS

router = APIRouter(tags=["api"])


@router.post("/api/ask", response_model=AnswerOut, responses=ERRORS)
def ask(request: AskRequest, readiness: ReadinessDep, feedback: FeedbackDep) -> AnswerOut:
    """Answer a question with verbatim quotes from the source, each with its document and offsets.

    ``history`` (the reader's earlier questions, oldest first) lets a follow-up lean on them.
    """
    return AnswerOut.from_answer(service.answer(readiness, request.question, request.history, feedback))
