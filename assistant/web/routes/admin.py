"""``GET /admin``: the admin page, which reads ``/api/admin/report`` with the admin token the reader types.

The page is static (``static/admin.html``, ``admin.js``, ``admin.css``): the
token is typed into it, kept in the tab's ``sessionStorage`` only, and sent as
``Authorization: Bearer …``; the report route checks it. Without an admin
token configured (``ASSISTANT_ADMIN_TOKEN``) the page does not exist (404), as
the report does not.
"""

from __future__ import annotations

import string

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from .. import STATIC_DIR, STATIC_PATH
from ..deps import SettingsDep
from ..errors import error_response

#: Same-origin scripts, styles, images and API calls only; nothing inline, nothing from elsewhere.
ADMIN_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)


def admin_page() -> str:
    """The ``/admin`` page, its template filled in."""
    template = string.Template((STATIC_DIR / "admin.html").read_text("utf-8"))
    return template.substitute(static=STATIC_PATH.lstrip("/"))


@router.get("/admin")
def admin(settings: SettingsDep) -> Response:
    if settings.admin_token is None:
        not_found: JSONResponse = error_response("Not found.", 404)
        return not_found
    return HTMLResponse(
        admin_page(),
        # frame-ancestors is added by the middleware, as for every page.
        headers={"Content-Security-Policy": ADMIN_POLICY, "Cache-Control": "no-store"},
    )
