"""``GET /healthz``: 200 with counts once the assistant is loaded, 503 until then or after loading failed."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...schemas import Health
from ..deps import ReadinessDep

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(readiness: ReadinessDep) -> JSONResponse:
    """200 with counts once the assistant is loaded; 503 while loading or after loading failed."""
    loaded = readiness.assistant
    if loaded is None:
        status: Literal["loading", "error"] = "error" if readiness.error is not None else "loading"
        return JSONResponse(Health(status=status).model_dump(exclude_none=True), status_code=503)
    health = Health(status="ok", documents=len(loaded.documents), spans=len(loaded.index))
    return JSONResponse(health.model_dump())
