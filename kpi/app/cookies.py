"""The session cookie: the one HTTP route the app adds to Streamlit's server (serve.py).

A script run cannot answer an HTTP request, so it cannot set an HttpOnly cookie. After a login, the
page asks the browser to load TICKET_PATH?ticket=… (an invisible image, kpi.app.session); this route
trades the one-time ticket for the session token (kpi.store.sessions) and sets it in a cookie that
scripts cannot read (HttpOnly), that other sites' requests do not carry except on a plain link
(SameSite=Lax, so that a bookmark or a link in an e-mail still opens signed in), and that travels
only over HTTPS when the app is served through it (Secure).
"""

import os
from datetime import datetime
from functools import cache

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kpi.store import sessions
from kpi.store.db import database_url, make_engine
from kpi.store.models import utc_now

COOKIE_NAME = "kpi_session"
TICKET_PATH = "/_kpi/session"
# Forces the Secure flag where the HTTPS proxy does not say X-Forwarded-Proto: https.
SECURE_VARIABLE = "KPI_SESSION_COOKIE_SECURE"
TRANSPARENT_GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def cookie_flags(*, https: bool, expires_at: datetime, now: datetime) -> dict:
    """Starlette's set_cookie arguments for the session cookie, but its value."""
    return {"key": COOKIE_NAME, "httponly": True, "samesite": "lax", "path": "/",
            "secure": https or os.environ.get(SECURE_VARIABLE) == "1",
            "max_age": max(0, int((expires_at - now).total_seconds()))}


@cache
def _engine(url: str):
    # Not kpi.app.cache's: serve.py imports this module before Streamlit's runtime exists.
    return make_engine(url)


def redeem_ticket(request: Request) -> Response:
    """Sets the cookie for a valid ticket; answers the same, without a cookie, for any other. The
    answer is a transparent one-pixel GIF: the page asks for it as an image."""
    response = Response(TRANSPARENT_GIF, media_type="image/gif", headers={"Cache-Control": "no-store"})
    ticket = request.query_params.get("ticket", "")
    redeemed = sessions.redeem(_engine(database_url()), ticket) if 0 < len(ticket) <= 100 else None
    if redeemed is not None:
        token, expires_at = redeemed
        response.set_cookie(value=token, **cookie_flags(https=request.url.scheme == "https", expires_at=expires_at,
                                                        now=utc_now()))
    return response


def routes() -> list[Route]:
    return [Route(TICKET_PATH, redeem_ticket, methods=["GET"])]
