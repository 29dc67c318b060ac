"""FastAPI dependencies: the app's readiness, the loaded assistant and the settings.

Routes declare what they need with these ``Annotated`` types, e.g.
``def route(assistant: AssistantDep)``; the values live on ``app.state``, set
by :func:`assistant.web.app.build_app`. Each only reads ``app.state``, so each is
``async``: FastAPI would run a plain function on a thread of its pool, a round trip
per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..core import Assistant
from ..feedback import LazyStore
from ..settings import Settings
from .readiness import Readiness


async def get_readiness(request: Request) -> Readiness:
    readiness: Readiness = request.app.state.readiness
    return readiness


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_feedback(request: Request) -> LazyStore:
    feedback: LazyStore = request.app.state.feedback
    return feedback


async def get_assistant(readiness: Annotated[Readiness, Depends(get_readiness)]) -> Assistant:
    """The loaded assistant, or a 503 (:class:`~assistant.web.readiness.NotReady`) while it loads."""
    return readiness.require()


ReadinessDep = Annotated[Readiness, Depends(get_readiness)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
FeedbackDep = Annotated[LazyStore, Depends(get_feedback)]
