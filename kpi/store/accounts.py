"""Accounts: password hashing, users, login with throttling. Rights live in kpi.store.rights.

Passwords are hashed with Argon2id (memory-hard) by argon2-cffi and never stored, printed or logged
in clear. Every refusal of a login reads the same, whether the name or the password was wrong.

Login names are NFKC-normalised, case-folded and limited to NAME_ALPHABET, so that a look-alike
(a Cyrillic «і» in «quantrі») cannot pass for another account. Failed logins are throttled per client
address (one machine trying many names) and per address and name (one machine guessing one
password), never per name alone: a stranger's failures never make the owner's right password wait.
"""

import re
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
from kpi.store.models import Locality, LoginAttempt, LoginSession, User, UserLocality, utc_now
from kpi.store.sessions import end_all, policy
from kpi.store.version import bump
from kpi.vocabulary import Role

MIN_PASSWORD_LENGTH = 10
# Argon2 takes any length; the cap only stops a pasted document from being taken for a password.
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 64
MAX_FULL_NAME_LENGTH = 100
MAX_CONTACT_LENGTH = 100
NAME_ALPHABET = "chữ cái Latinh không dấu a–z, chữ số 0–9 và các dấu . _ - (bắt đầu bằng chữ cái hoặc chữ số)"
_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
# Names that would pass for a system actor's in the history (kpi.demo records its readings as "demo").
RESERVED_NAMES = {"demo", "cli", "system"}

# Failures allowed for free per client address and name, and per client address over all names.
FREE_FAILURES = 5
FREE_ADDRESS_FAILURES = 30
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
    full_name: str = ""
    contact: str = ""

    @property
    def label(self) -> str:
        """How people are named on screen: full name and login name, or the login name alone."""
        return person_label(self.name, self.full_name)


def person_label(name: str, full_name: str) -> str:
    return f"{full_name} ({name})" if full_name else name


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of leaked lists, as shipped by zxcvbn."""
    # Imported when a password is set: its word lists took 40 ms of every command's start (kpi import).
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def normalize_name(name: str) -> str:
    """Names are compared as typed on any keyboard: NFKC (full-width letters and ligatures become
    plain ones), no surrounding spaces, case-insensitive."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def hash_password(password: str, name: str = "") -> str:
    _check_password(password, name)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _problem(message: str) -> Problem:
    return Problem(None, None, "", message)


def password_problems(password: str, name: str = "") -> list[Problem]:
    """Why a new password is refused: too short or too long, one character repeated, containing the
    login name, or one of the common passwords that guessing tries first."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [_problem(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [_problem(f"Mật khẩu không được dài quá {MAX_PASSWORD_LENGTH} ký tự.")]
    folded = password.casefold()
    if len(set(folded)) == 1:
        return [_problem("Mật khẩu không được chỉ là một ký tự lặp lại.")]
    if name and normalize_name(name) in folded:
        return [_problem("Mật khẩu không được chứa tên đăng nhập.")]
    if folded in _common_passwords():
        return [_problem("Mật khẩu này nằm trong danh sách mật khẩu phổ biến, dễ bị đoán; hãy chọn mật khẩu khác.")]
    return []


def _check_password(password: str, name: str = "") -> None:
    problems = password_problems(password, name)
    if problems:
        raise Rejected(problems)


def has_users(engine: Engine) -> bool:
    """False on a fresh database: the app then offers to create the first admin instead of a login."""
    with read_session(engine) as session:
        return session.execute(select(User.id).limit(1)).first() is not None


def create_user(engine: Engine, name: str, password: str, role: str, localities: list[str] | tuple = (), *,
                full_name: str = "", contact: str = "") -> Account:
    with write_session(engine) as session:
        return _create(session, name, password, role, localities, full_name, contact)


def create_first_admin(engine: Engine, name: str, password: str) -> Account:
    """The first account of a fresh database; refused once any account exists, even if two people
    try at the same moment (the check and the insert share one write transaction)."""
    with write_session(engine) as session:
        if session.execute(select(User.id).limit(1)).first() is not None:
            raise Rejected([_problem("Đã có tài khoản trong hệ thống; hãy đăng nhập.")])
        return _create(session, name, password, Role.ADMIN, ())


def _create(session: Session, name: str, password: str, role: str, localities, full_name: str = "",
            contact: str = "") -> Account:
    name = normalize_name(name)
    problems = _name_problems(name)
    if not problems and session.execute(select(User.id).where(User.name == name)).first() is not None:
        problems.append(_problem(f"Tên đăng nhập «{name}» đã có."))
    problems += password_problems(password, name)
    codes = _unique(localities)
    problems += _role_problems(session, role, codes)
    problems += _profile_problems(full_name, contact)
    if problems:
        raise Rejected(problems)
    user = User(name=name, password_hash=_hasher.hash(password), role=role, full_name=full_name, contact=contact)
    session.add(user)
    session.flush()
    session.add_all([UserLocality(user_id=user.id, locality_code=code) for code in codes])
    bump(session)
    return _account(session, user)


def _name_problems(name: str) -> list[Problem]:
    if not name:
        return [_problem("Thiếu tên đăng nhập.")]
    if len(name) > MAX_NAME_LENGTH:
        return [_problem(f"Tên đăng nhập không được dài quá {MAX_NAME_LENGTH} ký tự.")]
    if not _NAME_PATTERN.fullmatch(name):
        return [_problem(f"Tên đăng nhập «{name}» chỉ được gồm {NAME_ALPHABET}.")]
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


def _profile_problems(full_name: str, contact: str) -> list[Problem]:
    problems = []
    for text, label, limit in ((full_name, "Họ và tên", MAX_FULL_NAME_LENGTH),
                               (contact, "Liên hệ", MAX_CONTACT_LENGTH)):
        if len(text) > limit:
            problems.append(_problem(f"{label} không được dài quá {limit} ký tự."))
        elif text != text.strip() or any(not character.isprintable() for character in text):
            problems.append(_problem(f"{label} không được có dấu cách ở đầu, cuối hay ký tự điều khiển."))
    return problems


def _unique(codes) -> list[str]:
    return list(dict.fromkeys(str(code).strip() for code in codes if str(code).strip()))


def get_account(engine: Engine, name: str) -> Account | None:
    with read_session(engine) as session:
        user = _user(session, name)
        return _account(session, user) if user else None


def account_by_id(engine: Engine, user_id: int) -> Account | None:
    """The active account with this id, as stored now; None for a disabled or unknown one."""
    with read_session(engine) as session:
        user = session.get(User, user_id)
        return _account(session, user) if user is not None and user.active else None


def account_for_single_sign_on(engine: Engine, email: str | None, login: str | None) -> Account | None:
    """The active account a person signed in by the city's identity provider is: the one whose contact
    is that e-mail address, else the one whose login name the provider gives. The provider proved who
    the person is; roles and localities stay those set here. Records the login."""
    with write_session(engine) as session:
        user = None
        if email and email.strip():
            user = session.execute(select(User).where(func.lower(User.contact) == email.strip().lower())
                                   .order_by(User.id).limit(1)).scalar_one_or_none()
        if user is None and login and login.strip():
            user = _user(session, login)
        if user is None or not user.active:
            return None
        user.last_login_at = utc_now()
        return _account(session, user)


def _user(session: Session, name: str) -> User | None:
    return session.execute(select(User).where(User.name == normalize_name(name))).scalar_one_or_none()


def _account(session: Session, user: User) -> Account:
    codes = session.execute(select(UserLocality.locality_code).where(UserLocality.user_id == user.id)
                            .order_by(UserLocality.locality_code)).scalars().all()
    return Account(user.id, user.name, user.role, user.active, tuple(codes), user.full_name, user.contact)


def _existing_user(session: Session, name: str) -> User:
    user = _user(session, name)
    if user is None:
        raise Rejected([_problem(f"Không có tài khoản «{normalize_name(name)}».")])
    return user


def list_users(engine: Engine) -> pd.DataFrame:
    """One row per account: name, full_name, contact, role, role_label, localities (codes,
    comma-separated), active, created_at, last_login_at, sessions (how many are open)."""
    with read_session(engine) as session:
        users = session.execute(select(User.id, User.name, User.full_name, User.contact, User.role, User.active,
                                       User.created_at, User.last_login_at).order_by(User.name)).all()
        links = session.execute(select(UserLocality.user_id, UserLocality.locality_code)
                                .order_by(UserLocality.locality_code)).all()
        now, rules = utc_now(), policy()
        open_sessions = dict(session.execute(select(LoginSession.user_id, func.count()).where(
            LoginSession.expires_at > now, LoginSession.last_seen_at > now - rules.idle)
            .group_by(LoginSession.user_id)).all())
    frame = pd.DataFrame(users, columns=["id", "name", "full_name", "contact", "role", "active", "created_at",
                                         "last_login_at"])
    codes: dict[int, list[str]] = {}
    for user_id, code in links:
        codes.setdefault(user_id, []).append(code)
    frame["localities"] = [", ".join(codes.get(user_id, [])) for user_id in frame["id"]]
    frame["role_label"] = frame["role"].map(ROLE_LABELS)
    frame["sessions"] = [open_sessions.get(user_id, 0) for user_id in frame["id"]]
    return frame[["name", "full_name", "contact", "role", "role_label", "localities", "active", "created_at",
                  "last_login_at", "sessions"]]


def people(engine: Engine) -> dict[str, str]:
    """Login name → how histories and approvals show that person (full name beside the login name)."""
    with read_session(engine) as session:
        rows = session.execute(select(User.name, User.full_name, User.contact)).all()
    return {name: person_label(name, full_name) + (f", {contact}" if contact else "") for name, full_name, contact in rows}


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password (set by an admin or the CLI); every session of the account ends."""
    with write_session(engine) as session:
        user = _existing_user(session, name)
        _check_password(password, user.name)
        user.password_hash = _hasher.hash(password)
        session.execute(delete(LoginAttempt).where(LoginAttempt.name.endswith(f" {user.name}", autoescape=True)))
        end_all(session, user.id)
        bump(session)


def change_own_password(engine: Engine, user_id: int, old_password: str, new_password: str) -> None:
    """A user's own change: the old password is required. Every session of the account ends, this
    one too (the app starts a new one for the tab that made the change)."""
    with write_session(engine) as session:
        user = session.get(User, user_id)
        if user is None or not verify_password(user.password_hash, old_password[: MAX_PASSWORD_LENGTH + 1]):
            raise Rejected([_problem("Mật khẩu hiện tại không đúng.")])
        _check_password(new_password, user.name)
        if verify_password(user.password_hash, new_password):
            raise Rejected([_problem("Mật khẩu mới phải khác mật khẩu hiện tại.")])
        user.password_hash = _hasher.hash(new_password)
        end_all(session, user.id)
        bump(session)


def set_profile(engine: Engine, name: str, full_name: str, contact: str) -> Account:
    """The full name and contact shown beside the login name."""
    with write_session(engine) as session:
        user = _existing_user(session, name)
        problems = _profile_problems(full_name, contact)
        if problems:
            raise Rejected(problems)
        user.full_name, user.contact = full_name, contact
        bump(session)
        return _account(session, user)


def end_sessions(engine: Engine, name: str) -> int:
    """An admin ends every session of an account (a lost laptop, a shared computer): how many ended."""
    with write_session(engine) as session:
        return end_all(session, _existing_user(session, name).id)


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
        bump(session)
        return Account(user.id, user.name, role, user.active, tuple(codes), user.full_name, user.contact)


def disable_user(engine: Engine, name: str) -> None:
    """The account can no longer log in nor write; its name stays on everything it entered."""
    with write_session(engine) as session:
        user = _existing_user(session, name)
        if user.role == Role.ADMIN and user.active:
            _keep_an_admin(session, user)
        user.active = False
        end_all(session, user.id)
        bump(session)


def enable_user(engine: Engine, name: str) -> None:
    with write_session(engine) as session:
        user = _existing_user(session, name)
        user.active = True
        session.execute(delete(LoginAttempt).where(LoginAttempt.name.endswith(f" {user.name}", autoescape=True)))
        bump(session)


def _keep_an_admin(session: Session, leaving: User) -> None:
    others = session.execute(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active, User.id != leaving.id)).scalar_one()
    if not others:
        raise Rejected([_problem(f"«{leaving.name}» là quản trị viên cuối cùng còn hoạt động; "
                                 "hãy tạo quản trị viên khác trước.")])


def authenticate(engine: Engine, name: str, password: str, *, address: str | None = None,
                 now: datetime | None = None) -> Account:
    """The account for a correct name and password of an active user; otherwise LoginRefused.

    Failures are counted per client address and name (FREE_FAILURES) and per client address over
    all names (FREE_ADDRESS_FAILURES); past either, tries from that address are refused unchecked for
    a delay that doubles with each failure (up to MAX_DELAY). Unknown names are counted the same way,
    so the delay does not reveal which names exist. Nothing is counted per name alone: failures from
    other addresses never delay the owner's right password.
    """
    now = now or utc_now()
    typed = normalize_name(name)[: MAX_NAME_LENGTH + 1]
    address = address or "local"
    pair_key, address_key = f"{address} {typed}", f"@{address}"
    with write_session(engine) as session:
        pair, from_address = session.get(LoginAttempt, pair_key), session.get(LoginAttempt, address_key)
        wait = _remaining_delay(pair, FREE_FAILURES, now)
        if wait:
            raise LoginRefused(f"Đã đăng nhập sai nhiều lần với tên này. Vui lòng thử lại sau {wait} giây.", wait)
        wait = _remaining_delay(from_address, FREE_ADDRESS_FAILURES, now)
        if wait:
            raise LoginRefused(f"Máy này đã đăng nhập sai nhiều lần. Vui lòng thử lại sau {wait} giây.", wait)
        user = _user(session, typed) if typed else None
        candidate = password[: MAX_PASSWORD_LENGTH + 1]
        correct = verify_password(user.password_hash if user else _dummy_hash(), candidate)
        if user is None or not user.active or not correct:
            _forget_old_failures(session, now, (pair_key, address_key))
            _count_failure(session, pair, pair_key, now)
            _count_failure(session, from_address, address_key, now)
        else:
            # The address's count stays: logging into one's own account must not reset a guessing spree.
            if pair is not None:
                session.delete(pair)
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(candidate)
            user.last_login_at = now
            return _account(session, user)
    raise LoginRefused(LOGIN_REFUSED)


def _remaining_delay(attempt: LoginAttempt | None, free: int, now: datetime) -> int:
    if attempt is None or attempt.failures < free:
        return 0
    delay = min(FIRST_DELAY * 2 ** (attempt.failures - free), MAX_DELAY)
    remaining = attempt.last_failed_at + delay - now
    return max(0, int(remaining.total_seconds() + 0.999))


def _forget_old_failures(session: Session, now: datetime, keep: tuple[str, ...]) -> None:
    # Names typed once and never again would otherwise pile up forever.
    session.execute(delete(LoginAttempt).where(LoginAttempt.last_failed_at < now - FORGET_FAILURES_AFTER,
                                               LoginAttempt.name.not_in(keep)))


def _count_failure(session: Session, attempt: LoginAttempt | None, key: str, now: datetime) -> None:
    if attempt is None:
        session.add(LoginAttempt(name=key, failures=1, last_failed_at=now))
        return
    # A mistake today after a bad day last month starts a new count rather than a long wait.
    stale = attempt.last_failed_at < now - FORGET_FAILURES_AFTER
    attempt.failures = 1 if stale else attempt.failures + 1
    attempt.last_failed_at = now
