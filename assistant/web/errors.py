"""Errors from the app are JSON ``{"error": "..."}``, in words meant for people.

400 for a body that is not JSON, 422 for a request that is JSON but not a valid
question (missing, not text, empty, too long) or bad source offsets, 404 for an
unknown document, 503 (with ``Retry-After``) while the assistant is loading.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import QuestionError
from ..schemas import ErrorOut
from .readiness import NotReady
from .service import TooSlow

#: The error responses routes declare in the OpenAPI schema.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not JSON."},
    422: {"model": ErrorOut, "description": "The request is JSON but not valid."},
    503: {"model": ErrorOut, "description": "The assistant is still loading."},
}


def error_response(message: str, status_code: int, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(ErrorOut(error=message).model_dump(), status_code=status_code, headers=headers)


def describe_validation(exc: RequestValidationError) -> tuple[int, str]:
    """Status and a readable message for FastAPI's validation errors."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, 'The request body is not valid JSON. Send JSON like {"question": "..."}.'
    parts = []
    for error in errors:
        where = [str(p) for p in error.get("loc", ()) if p != "body"]
        field = f"{where[-1]!r}" if where else "the request body"
        message = str(error.get("msg", "is not valid"))
        if error.get("type") == "missing":
            parts.append(f"{field} is missing" if where else "the request has no JSON body")
        else:
            parts.append(f"{field}: {message}")
    hint = ' Send JSON like {"question": "..."}.' if any(e.get("loc", ("",))[0] == "body" for e in errors) else ""
    return 422, f"Invalid request: {'; '.join(parts)}.{hint}"


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(str(exc.detail), exc.status_code, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = describe_validation(exc)
        return error_response(message, status)

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        return error_response(str(exc), 503, {"Retry-After": "5"})

    @app.exception_handler(TooSlow)
    async def too_slow(request: Request, exc: TooSlow) -> JSONResponse:
        return error_response(str(exc), 503, {"Retry-After": "5"})

    @app.exception_handler(QuestionError)
    async def bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        return error_response(str(exc), 422)
