"""Accounts: password hashing, users, login with throttling. Rights live in kpi.store.rights.

Passwords are hashed with Argon2id (memory-hard) by argon2-cffi and never stored, printed or logged
in clear. Every refusal of a login reads the same, whether the name or the password was wrong.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session

from kpi.problems import Problem, Rejected
from kpi.store.db import read_session, write_session
from kpi.store.models import Locality, LoginAttempt, User, UserLocality, utc_now
from kpi.vocabulary import Role

MIN_PASSWORD_LENGTH = 10
# Argon2 takes any length; the cap only stops a pasted document from being taken for a password.
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 64
# Names that would pass for a system actor's in the history (kpi.demo records its readings as "demo").
RESERVED_NAMES = {"demo", "cli", "system"}

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
FORGET_FAILURES_AFTER = timedelta(days=1)

ROLE_LABELS = {Role.VIEWER: "Người xem", Role.EDITOR: "Cán bộ nhập liệu", Role.ADMIN: "Quản trị viên"}
LOGIN_REFUSED = "Tên đăng nhập hoặc mật khẩu không đúng."

# Argon2id at the OWASP Password Storage Cheat Sheet's 19 MiB / 2 passes / 1 lane setting rather than
# argon2-cffi's 64 MiB / 3 / 4 default: on a shared two-core server that default took 0.6 s per login,
# this one under 0.1 s. The parameters are stored in each hash, and a login rehashes an older one.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so that an unknown name takes as long as a wrong
    password (made on first use: hashing is deliberately slow, and importing this module should not be)."""
    return _hasher.hash("not a password of anyone")


class LoginRefused(Exception):
    """A refused login. The message never says whether the name or the password was wrong."""

    def __init__(self, message: str, retry_after_seconds: int = 0):
        self.message = message
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message)


@dataclass(frozen=True)
class Account:
    """A user as the app keeps it in a session: no password hash."""

    id: int
    name: str
    role: str
    active: bool
    localities: tuple[str, ...]


def normalize_name(name: str) -> str:
    """Names are compared as typed on any keyboard: NFC, no surrounding spaces, case-insensitive."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def hash_password(password: str) -> str:
    _check_password(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _problem(message: str) -> Problem:
    return Problem(None, None, "", message)


def password_problems(password: str) -> list[Problem]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [_problem(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [_problem(f"Mật khẩu không được dài quá {MAX_PASSWORD_LENGTH} ký tự.")]
    return []


def _check_password(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise Rejected(problems)


def has_users(engine: Engine) -> bool:
    """False on a fresh database: the app then offers to create the first admin instead of a login."""
    with read_session(engine) as session:
        return session.execute(select(User.id).limit(1)).first() is not None


def create_user(engine: Engine, name: str, password: str, role: str, localities: list[str] | tuple = ()) -> Account:
    with write_session(engine) as session:
        return _create(session, name, password, role, localities)


def create_first_admin(engine: Engine, name: str, password: str) -> Account:
    """The first account of a fresh database; refused once any account exists, even if two people
    try at the same moment (the check and the insert share one write transaction)."""
    with write_session(engine) as session:
        if session.execute(select(User.id).limit(1)).first() is not None:
            raise Rejected([_problem("Đã có tài khoản trong hệ thống; hãy đăng nhập.")])
        return _create(session, name, password, Role.ADMIN, ())


def _create(session: Session, name: str, password: str, role: str, localities) -> Account:
    name = normalize_name(name)
    problems = _name_problems(name)
    if not problems and session.execute(select(User.id).where(User.name == name)).first() is not None:
        problems.append(_problem(f"Tên đăng nhập «{name}» đã có."))
    problems += password_problems(password)
    codes = _unique(localities)
    problems += _role_problems(session, role, codes)
    if problems:
        raise Rejected(problems)
    user = User(name=name, password_hash=_hasher.hash(password), role=role)
    session.add(user)
    session.flush()
    session.add_all([UserLocality(user_id=user.id, locality_code=code) for code in codes])
    return Account(user.id, user.name, user.role, user.active, tuple(codes))


def _name_problems(name: str) -> list[Problem]:
    if not name:
        return [_problem("Thiếu tên đăng nhập.")]
    if len(name) > MAX_NAME_LENGTH:
        return [_problem(f"Tên đăng nhập không được dài quá {MAX_NAME_LENGTH} ký tự.")]
    if any(not character.isprintable() or character.isspace() for character in name):
        return [_problem(f"Tên đăng nhập «{name}» không được chứa dấu cách hoặc ký tự điều khiển.")]
    if name in RESERVED_NAMES:
        return [_problem(f"Tên «{name}» dành cho hệ thống, hãy chọn tên khác.")]
    return []


def _role_problems(session: Session, role: str, codes: list[str]) -> list[Problem]:
    if role not in ROLE_LABELS:
        allowed = ", ".join(f"{r} ({label})" for r, label in ROLE_LABELS.items())
        return [_problem(f"Vai trò «{role}» không có; vai trò phải là một trong: {allowed}.")]
    if role != Role.EDITOR:
        if codes:
            return [_problem(f"Chỉ tài khoản «{ROLE_LABELS[Role.EDITOR]}» mới gắn với địa phương "
                                     f"(đã ghi: {', '.join(codes)}).")]
        return []
    if not codes:
        return [_problem(f"Tài khoản «{ROLE_LABELS[Role.EDITOR]}» phải gắn với ít nhất một địa phương.")]
    known = set(session.execute(select(Locality.code).where(Locality.code.in_(codes))).scalars())
    return [_problem(f"Không có địa phương với mã «{code}».") for code in codes if code not in known]


def _unique(codes) -> list[str]:
    return list(dict.fromkeys(str(code).strip() for code in codes if str(code).strip()))


def get_account(engine: Engine, name: str) -> Account | None:
    with read_session(engine) as session:
        user = _user(session, name)
        return _account(session, user) if user else None


def _user(session: Session, name: str) -> User | None:
    return session.execute(select(User).where(User.name == normalize_name(name))).scalar_one_or_none()


def _account(session: Session, user: User) -> Account:
    codes = session.execute(select(UserLocality.locality_code).where(UserLocality.user_id == user.id)
                            .order_by(UserLocality.locality_code)).scalars().all()
    return Account(user.id, user.name, user.role, user.active, tuple(codes))


def _existing_user(session: Session, name: str) -> User:
    user = _user(session, name)
    if user is None:
        raise Rejected([_problem(f"Không có tài khoản «{normalize_name(name)}».")])
    return user


def list_users(engine: Engine) -> pd.DataFrame:
    """One row per account: name, role, role_label, localities (codes, comma-separated), active,
    created_at, last_login_at."""
    with read_session(engine) as session:
        users = session.execute(select(User.id, User.name, User.role, User.active, User.created_at,
                                       User.last_login_at).order_by(User.name)).all()
        links = session.execute(select(UserLocality.user_id, UserLocality.locality_code)
                                .order_by(UserLocality.locality_code)).all()
    frame = pd.DataFrame(users, columns=["id", "name", "role", "active", "created_at", "last_login_at"])
    codes: dict[int, list[str]] = {}
    for user_id, code in links:
        codes.setdefault(user_id, []).append(code)
    frame["localities"] = [", ".join(codes.get(user_id, [])) for user_id in frame["id"]]
    frame["role_label"] = frame["role"].map(ROLE_LABELS)
    return frame[["name", "role", "role_label", "localities", "active", "created_at", "last_login_at"]]


def set_password(engine: Engine, name: str, password: str) -> None:
    with write_session(engine) as session:
        user = _existing_user(session, name)
        _check_password(password)
        user.password_hash = _hasher.hash(password)
        session.execute(delete(LoginAttempt).where(LoginAttempt.name == user.name))


def set_role(engine: Engine, name: str, role: str, localities: list[str] | tuple = ()) -> Account:
    """Change an account's role and, for an editor, the localities it answers for."""
    with write_session(engine) as session:
        user = _existing_user(session, name)
        codes = _unique(localities)
        problems = _role_problems(session, role, codes)
        if problems:
            raise Rejected(problems)
        if user.role == Role.ADMIN and role != Role.ADMIN:
            _keep_an_admin(session, user)
        user.role = role
        session.execute(delete(UserLocality).where(UserLocality.user_id == user.id))
        session.add_all([UserLocality(user_id=user.id, locality_code=code) for code in codes])
        return Account(user.id, user.name, role, user.active, tuple(codes))


def disable_user(engine: Engine, name: str) -> None:
    """The account can no longer log in nor write; its name stays on everything it entered."""
    with write_session(engine) as session:
        user = _existing_user(session, name)
        if user.role == Role.ADMIN and user.active:
            _keep_an_admin(session, user)
        user.active = False


def enable_user(engine: Engine, name: str) -> None:
    with write_session(engine) as session:
        user = _existing_user(session, name)
        user.active = True
        session.execute(delete(LoginAttempt).where(LoginAttempt.name == user.name))


def _keep_an_admin(session: Session, leaving: User) -> None:
    others = session.execute(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active, User.id != leaving.id)).scalar_one()
    if not others:
        raise Rejected([_problem(f"«{leaving.name}» là quản trị viên cuối cùng còn hoạt động; "
                                 "hãy tạo quản trị viên khác trước.")])


def authenticate(engine: Engine, name: str, password: str, *, now: datetime | None = None) -> Account:
    """The account for a correct name and password of an active user; otherwise LoginRefused.

    After FREE_FAILURES consecutive failures for a name, further tries for that name are refused
    unchecked for a delay that doubles with each failure (up to MAX_DELAY). Unknown names are
    counted the same way, so the delay does not reveal which names exist.
    """
    now = now or utc_now()
    typed = normalize_name(name)[: MAX_NAME_LENGTH + 1]
    with write_session(engine) as session:
        attempt = session.get(LoginAttempt, typed)
        wait = _remaining_delay(attempt, now)
        if wait:
            raise LoginRefused(f"Đã đăng nhập sai nhiều lần với tên này. Vui lòng thử lại sau {wait} giây.", wait)
        user = _user(session, typed) if typed else None
        candidate = password[: MAX_PASSWORD_LENGTH + 1]
        correct = verify_password(user.password_hash if user else _dummy_hash(), candidate)
        if user is None or not user.active or not correct:
            _count_failure(session, attempt, typed, now)
        else:
            if attempt is not None:
                session.delete(attempt)
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(candidate)
            user.last_login_at = now
            return _account(session, user)
    raise LoginRefused(LOGIN_REFUSED)


def _remaining_delay(attempt: LoginAttempt | None, now: datetime) -> int:
    if attempt is None or attempt.failures < FREE_FAILURES:
        return 0
    delay = min(FIRST_DELAY * 2 ** (attempt.failures - FREE_FAILURES), MAX_DELAY)
    remaining = attempt.last_failed_at + delay - now
    return max(0, int(remaining.total_seconds() + 0.999))


def _count_failure(session: Session, attempt: LoginAttempt | None, typed: str, now: datetime) -> None:
    # Names typed once and never again would otherwise pile up forever.
    session.execute(delete(LoginAttempt).where(LoginAttempt.last_failed_at < now - FORGET_FAILURES_AFTER,
                                               LoginAttempt.name != typed))
    if attempt is None:
        session.add(LoginAttempt(name=typed, failures=1, last_failed_at=now))
        return
    # A mistake today after a bad day last month starts a new count rather than a long wait.
    stale = attempt.last_failed_at < now - FORGET_FAILURES_AFTER
    attempt.failures = 1 if stale else attempt.failures + 1
    attempt.last_failed_at = now
