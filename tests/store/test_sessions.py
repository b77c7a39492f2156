"""Login sessions: tokens stored only as hashes, one-time tickets, idle timeout and absolute lifetime,
and the account changes that end every session of an account."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from kpi.store import accounts as auth
from kpi.store import sessions
from kpi.store.db import read_session
from kpi.store.models import LoginSession, utc_now

PASSWORD = "mật khẩu đủ dài 1"
RULES = sessions.Policy(idle=timedelta(hours=8), lifetime=timedelta(hours=24))


@pytest.fixture
def account(engine):
    return auth.create_user(engine, "nva", PASSWORD, "admin")


def stored(engine) -> list[LoginSession]:
    with read_session(engine) as session:
        return list(session.execute(select(LoginSession)).scalars())


def test_the_ticket_turns_into_a_token_once_and_only_hashes_are_stored(engine, account):
    started = sessions.start(engine, account.id, rules=RULES)
    token, expires_at = sessions.redeem(engine, started.ticket)
    assert sessions.redeem(engine, started.ticket) is None, "a ticket is used once"
    [row] = stored(engine)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.ticket_hash is None
    everything = " ".join(str(value) for value in row.model_dump().values())
    assert token not in everything and started.ticket not in everything
    assert len(token) >= 43, "256 random bits"
    assert expires_at == row.expires_at
    current = sessions.by_token(engine, token, rules=RULES)
    assert (current.session_id, current.user_id, current.has_cookie) == (started.session_id, account.id, True)
    assert sessions.by_token(engine, token + "x", rules=RULES) is None


def test_a_late_ticket_is_refused(engine, account):
    now = utc_now()
    started = sessions.start(engine, account.id, now=now, rules=RULES)
    assert sessions.redeem(engine, started.ticket, now=now + sessions.TICKET_LIFETIME) is None
    assert not sessions.by_id(engine, started.session_id, now=now, rules=RULES).has_cookie


def test_an_idle_session_ends_and_activity_keeps_it_alive_until_its_lifetime(engine, account):
    now = utc_now()
    started = sessions.start(engine, account.id, now=now, rules=RULES)
    moment = now
    while moment + timedelta(hours=7) < now + RULES.lifetime:
        moment += timedelta(hours=7)
        assert sessions.by_id(engine, started.session_id, now=moment, rules=RULES) is not None
    assert sessions.by_id(engine, started.session_id, now=now + RULES.lifetime, rules=RULES) is None
    assert stored(engine) == []

    idle = sessions.start(engine, account.id, now=now, rules=RULES)
    assert sessions.by_id(engine, idle.session_id, now=now + RULES.idle, rules=RULES) is None


def test_logging_out_disabling_and_password_changes_end_sessions(engine, account):
    other = auth.create_user(engine, "nvb", PASSWORD, "admin")
    first, second = (sessions.start(engine, account.id).session_id for _ in range(2))
    kept = sessions.start(engine, other.id).session_id
    sessions.end(engine, first)
    assert sessions.by_id(engine, first) is None and sessions.by_id(engine, second) is not None

    auth.set_password(engine, "nva", "mật khẩu mới đủ dài")
    assert sessions.by_id(engine, second) is None

    third = sessions.start(engine, account.id).session_id
    auth.change_own_password(engine, account.id, "mật khẩu mới đủ dài", PASSWORD)
    assert sessions.by_id(engine, third) is None

    fourth = sessions.start(engine, account.id).session_id
    assert auth.end_sessions(engine, "nva") == 1
    assert sessions.by_id(engine, fourth) is None

    fifth = sessions.start(engine, account.id).session_id
    auth.disable_user(engine, "nva")
    assert sessions.by_id(engine, fifth) is None
    assert sessions.by_id(engine, kept) is not None, "another account's session is untouched"


def test_timeouts_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(sessions.IDLE_MINUTES_VARIABLE, "15")
    monkeypatch.setenv(sessions.LIFETIME_HOURS_VARIABLE, "12")
    assert sessions.policy() == sessions.Policy(timedelta(minutes=15), timedelta(hours=12))
    monkeypatch.setenv(sessions.IDLE_MINUTES_VARIABLE, "8 giờ")
    with pytest.raises(ValueError, match="KPI_SESSION_IDLE_MINUTES phải là một số nguyên dương"):
        sessions.policy()
