"""The session cookie's route (kpi.app.cookies) through Starlette's test client: the flags the
browser gets, the token it carries matching the stored hash, and nothing for a bad ticket."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kpi.app import cookies
from kpi.store import sessions
from kpi.store.accounts import create_user
from kpi.store.db import read_session
from kpi.store.models import LoginSession, utc_now


@pytest.fixture
def client(engine, database_url, monkeypatch):
    monkeypatch.setenv("KPI_DATABASE_URL", database_url)
    account = create_user(engine, "nva", "mật khẩu đủ dài 1", "viewer")
    return TestClient(Starlette(routes=cookies.routes())), account


def set_cookie_header(answer) -> str:
    [header] = answer.headers.get_list("set-cookie")
    return header


def test_a_ticket_sets_an_httponly_samesite_cookie_whose_hash_is_stored(client, engine):
    http, account = client
    started = sessions.start(engine, account.id)
    answer = http.get(cookies.TICKET_PATH, params={"ticket": started.ticket})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/gif"
    assert answer.headers["cache-control"] == "no-store"
    header = set_cookie_header(answer)
    flags = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags, "plain HTTP on 127.0.0.1"
    max_age = int(next(f for f in flags if f.startswith("max-age=")).split("=")[1])
    assert abs(max_age - sessions.policy().lifetime.total_seconds()) < 60
    token = header.split(";")[0].split("=", 1)[1]
    with read_session(engine) as session:
        [stored] = session.execute(select(LoginSession.token_hash)).scalars().all()
    assert stored == hashlib.sha256(token.encode()).hexdigest()

    again = http.get(cookies.TICKET_PATH, params={"ticket": started.ticket})
    assert again.status_code == 200 and not again.headers.get_list("set-cookie"), "a ticket works once"


@pytest.mark.parametrize("ticket", ["", "nope", "x" * 5000])
def test_a_bad_ticket_gets_no_cookie(client, ticket):
    http, _ = client
    answer = http.get(cookies.TICKET_PATH, params={"ticket": ticket})
    assert answer.status_code == 200 and not answer.headers.get_list("set-cookie")


def test_the_cookie_is_secure_behind_https_or_when_configured(monkeypatch):
    now = utc_now()
    assert cookies.cookie_flags(https=True, expires_at=now + timedelta(hours=1), now=now)["secure"]
    monkeypatch.setenv(cookies.SECURE_VARIABLE, "1")
    flags = cookies.cookie_flags(https=False, expires_at=now + timedelta(hours=1), now=now)
    assert flags["secure"] and flags["httponly"] and flags["samesite"] == "lax" and flags["max_age"] == 3600
