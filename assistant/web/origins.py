"""Which sites may embed the assistant, and the headers that say so.

``settings.allowed_origins`` is the single list: it becomes the CSP
``frame-ancestors`` of the HTML pages (who may frame the chat) and the regular
expression CORS matches ``Origin`` against (who may call the API from a
browser). Entries are origins as in CSP: ``https://example.org``,
``http://localhost:*`` (any port) or ``https://*.example.org`` (any subdomain).
:mod:`assistant.web.middleware` applies both.
"""

from __future__ import annotations

import re

from ..errors import AssistantError

# What a CSP source expression for a site looks like: scheme, host (optionally
# "*." in front), optional port or "*".
_ORIGIN = re.compile(
    r"^(?P<scheme>https?)://(?P<host>(?:\*\.)?[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>\d+|\*))?$"
)


class OriginError(AssistantError, ValueError):
    """An allowed-origins entry that is not an origin."""


def origin_pattern(origin: str) -> str:
    """A regular expression (for ``fullmatch``) equivalent to one CSP origin entry."""
    origin = origin.strip().rstrip("/")
    if origin == "*":
        return r"https?://[^/]+"
    match = _ORIGIN.match(origin)
    if match is None:
        raise OriginError(
            f"{origin!r} in ASSISTANT_ALLOWED_ORIGINS is not an origin like https://example.org or http://localhost:*"
        )
    host = match["host"]
    if host.startswith("*."):
        host_re = r"(?:[A-Za-z0-9-]+\.)+" + re.escape(host[2:])
    else:
        host_re = re.escape(host)
    port = match["port"]
    if port == "*":
        port_re = r":\d+"
    elif port is not None:
        port_re = ":" + port
    else:
        port_re = ""
    return f"{match['scheme']}://{host_re}{port_re}"


def origin_regex(origins: list[str]) -> str | None:
    """One regular expression matching exactly the allowed origins, or None when none are allowed."""
    patterns = [origin_pattern(o) for o in origins]
    return "|".join(f"(?:{p})" for p in patterns) if patterns else None


def frame_ancestors(origins: list[str]) -> str:
    """The CSP directive naming the sites that may frame the pages: exactly the allowed list."""
    for origin in origins:
        origin_pattern(origin)  # refuse entries a browser would misread
    sources = " ".join(o.strip().rstrip("/") for o in origins)
    return f"frame-ancestors {sources}" if sources else "frame-ancestors 'none'"
