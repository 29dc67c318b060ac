"""Allowed origins: one list, read the same way by CSP frame-ancestors and by CORS."""

from __future__ import annotations

import re

import pytest

from assistant.errors import AssistantError
from assistant.web.origins import OriginError, frame_ancestors, origin_regex


def _allows(origins: list[str], origin: str) -> bool:
    regex = origin_regex(origins)
    return regex is not None and re.fullmatch(regex, origin) is not None


@pytest.mark.parametrize("origin", ["http://localhost:1", "http://localhost:7860", "http://localhost:65535"])
def test_port_wildcard_matches_any_port(origin: str) -> None:
    assert _allows(["http://localhost:*"], origin)


@pytest.mark.parametrize(
    "origin",
    [
        "https://localhost:7860",  # another scheme
        "http://localhost.evil.example:7860",  # another host that starts the same
        "http://evil.example/http://localhost:1",
        "http://localhost:78a",
        "http://127.0.0.1:7860",
    ],
)
def test_port_wildcard_matches_nothing_else(origin: str) -> None:
    assert not _allows(["http://localhost:*"], origin)


def test_exact_origin() -> None:
    assert _allows(["https://example.org"], "https://example.org")
    assert _allows(["https://example.org/"], "https://example.org")  # a trailing slash is tolerated
    for other in ("https://example.org:8443", "https://example.orgx", "http://example.org", "https://wexample.org"):
        assert not _allows(["https://example.org"], other)


def test_subdomain_wildcard() -> None:
    assert _allows(["https://*.example.org"], "https://docs.example.org")
    assert _allows(["https://*.example.org"], "https://a.b.example.org")
    assert not _allows(["https://*.example.org"], "https://example.org")
    assert not _allows(["https://*.example.org"], "https://evilexample.org")


def test_dots_are_literal() -> None:
    assert not _allows(["http://127.0.0.1:*"], "http://127a0b0c1:80")


@pytest.mark.parametrize("entry", ["example.org", "ftp://example.org", "https://example.org/path", "http://:80", ""])
def test_entries_that_are_not_origins_are_refused(entry: str) -> None:
    with pytest.raises(OriginError) as caught:
        origin_regex([entry])
    assert isinstance(caught.value, AssistantError)  # `assistant serve` reports it, no traceback
    with pytest.raises(OriginError):
        frame_ancestors([entry])


def test_frame_ancestors_is_exactly_the_list() -> None:
    assert frame_ancestors(["http://localhost:*", "https://example.org"]) == (
        "frame-ancestors http://localhost:* https://example.org"
    )
    assert frame_ancestors([]) == "frame-ancestors 'none'"
    assert origin_regex([]) is None
