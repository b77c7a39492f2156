"""Login sessions that outlast a Streamlit session: a reload, a bookmark, a second tab.

A login makes a LoginSession row and a one-time ticket; the browser trades the ticket (within
TICKET_LIFETIME) for a random token that the server puts in an HttpOnly cookie (kpi.app.cookies).
Every run of the app looks the session up again, by the cookie's token or by the row the tab holds,
so that logging out, an idle or expired session, a disabled account or a changed password end it on
every tab and every app process at its next interaction.

Tokens and tickets are 256-bit random values stored only as SHA-256 hashes: a leaked database gives
no usable cookie, and unlike passwords they need no slow hash because they cannot be guessed.
"""

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_, select
from sqlmodel import Session

from kpi.store.db import write_session
from kpi.store.models import LoginSession, User, utc_now

IDLE_MINUTES_VARIABLE = "KPI_SESSION_IDLE_MINUTES"
LIFETIME_HOURS_VARIABLE = "KPI_SESSION_LIFETIME_HOURS"
DEFAULT_IDLE = timedelta(hours=8)
DEFAULT_LIFETIME = timedelta(hours=24)
TICKET_LIFETIME = timedelta(minutes=2)
# A session's last activity is written at most this often: one write per click would be wasted.
SEEN_PRECISION = timedelta(seconds=30)


@dataclass(frozen=True)
class Policy:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class Started:
    session_id: int
    ticket: str


@dataclass(frozen=True)
class Current:
    """A live session: whose it is, and whether its cookie has been set yet."""

    session_id: int
    user_id: int
    has_cookie: bool
    expires_at: datetime


def policy() -> Policy:
    """The idle timeout and absolute lifetime, from the environment (minutes and hours)."""
    return Policy(_duration(IDLE_MINUTES_VARIABLE, timedelta(minutes=1), DEFAULT_IDLE),
                  _duration(LIFETIME_HOURS_VARIABLE, timedelta(hours=1), DEFAULT_LIFETIME))


def _duration(variable: str, unit: timedelta, default: timedelta) -> timedelta:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) == 0:
        raise ValueError(f"{variable} phải là một số nguyên dương, không phải «{raw}».")
    return unit * int(raw)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start(engine: Engine, user_id: int, *, now: datetime | None = None, rules: Policy | None = None) -> Started:
    """A new session for a user who has just proved who they are, and its one-time ticket."""
    now = now or utc_now()
    rules = rules or policy()
    ticket = new_token()
    with write_session(engine) as session:
        # Sessions nobody came back to would otherwise pile up.
        session.execute(delete(LoginSession).where(or_(LoginSession.expires_at <= now,
                                                       LoginSession.last_seen_at <= now - rules.idle)))
        row = LoginSession(user_id=user_id, ticket_hash=hash_token(ticket), ticket_expires_at=now + TICKET_LIFETIME,
                           created_at=now, last_seen_at=now, expires_at=now + rules.lifetime)
        session.add(row)
        session.flush()
        return Started(row.id, ticket)


def redeem(engine: Engine, ticket: str, *, now: datetime | None = None) -> tuple[str, datetime] | None:
    """The cookie token (and its expiry) for an unused, unexpired ticket; the ticket is used up."""
    now = now or utc_now()
    with write_session(engine) as session:
        row = session.execute(select(LoginSession).where(LoginSession.ticket_hash == hash_token(ticket))
                              ).scalar_one_or_none()
        if row is None:
            return None
        row.ticket_hash = None
        if row.ticket_expires_at <= now or row.token_hash is not None:
            return None
        token = new_token()
        row.token_hash = hash_token(token)
        return token, row.expires_at


def by_token(engine: Engine, token: str, *, now: datetime | None = None, rules: Policy | None = None) -> Current | None:
    """The live session whose cookie holds `token`, touched; None (and the row gone) once it ended."""
    return _resume(engine, LoginSession.token_hash == hash_token(token), now or utc_now(), rules or policy())


def by_id(engine: Engine, session_id: int, *, now: datetime | None = None, rules: Policy | None = None) -> Current | None:
    """The live session a tab holds, touched; None once it ended."""
    return _resume(engine, LoginSession.id == session_id, now or utc_now(), rules or policy())


def _resume(engine: Engine, which, now: datetime, rules: Policy) -> Current | None:
    with write_session(engine) as session:
        found = session.execute(select(LoginSession, User.active).join(User, User.id == LoginSession.user_id)
                                .where(which)).first()
        if found is None:
            return None
        row, active = found
        if not active or row.expires_at <= now or row.last_seen_at <= now - rules.idle:
            session.delete(row)
            return None
        if now - row.last_seen_at >= SEEN_PRECISION:
            row.last_seen_at = now
        return Current(row.id, row.user_id, row.token_hash is not None, row.expires_at)


def end(engine: Engine, session_id: int) -> None:
    """Log out: the session ends for every tab that shares it."""
    with write_session(engine) as session:
        session.execute(delete(LoginSession).where(LoginSession.id == session_id))


def end_all(session: Session, user_id: int) -> int:
    """Within an account change's transaction: every session of the account ends. How many there were."""
    return session.execute(delete(LoginSession).where(LoginSession.user_id == user_id)).rowcount
