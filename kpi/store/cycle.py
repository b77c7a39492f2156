"""The reporting cycle of a locality's figures for a year, and THE answer to "may this account write
locality L, year Y now?" (write_refusals).

A year's figures go draft → submitted (đã nộp) → approved (đã phê duyệt, locked). An admin may send a
submitted year back (trả lại, reason required): it is then returned, editable like a draft, until it is
submitted again; an admin may reopen an approved year (mở lại, reason required) to draft. A locality
with no row for a year is a draft nobody has acted on. Every step keeps who, when, the state it came
from and the reason, in ApprovalEvent.

write_refusals is the one rule for writing figures of a year: the account's rights, the approval lock
and "a submitted year is read-only for editors". The write path of readings (kpi.store.readings) asks
it inside its transaction; every other writer of a locality's year (task reports) must ask it too.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from kpi.formatting import format_timestamp
from kpi.problems import Problem, Rejected
from kpi.store.db import is_sqlite, read_session, write_session
from kpi.store.models import (
    ApprovalAction,
    ApprovalEvent,
    CycleState,
    Indicator,
    Locality,
    Plan,
    PlanTarget,
    Reading,
    User,
    UserLocality,
    YearReport,
    utc_now,
)
from kpi.store.rights import Rights, account_refusal, load_rights, locality_refusal
from kpi.store.version import bump
from kpi.vocabulary import Role
from kpi.years import FIRST_YEAR, current_year

STATE_LABELS = {CycleState.DRAFT: "Chưa nộp", CycleState.SUBMITTED: "Đã nộp", CycleState.RETURNED: "Bị trả lại",
                CycleState.APPROVED: "Đã phê duyệt"}
ACTION_LABELS = {ApprovalAction.SUBMIT: "Nộp báo cáo", ApprovalAction.RETURN: "Trả lại",
                 ApprovalAction.APPROVE: "Phê duyệt", ApprovalAction.REOPEN: "Mở lại"}
MAX_NOTE_LENGTH = 1000
# Above this many localities, the states are read for the years alone (a bounded IN list).
IN_LIST_LIMIT = 500


@dataclass(frozen=True)
class YearState:
    """Where a locality's figures for a year are in the cycle (a draft when nobody has acted on them)."""

    locality_code: str
    year: int
    state: CycleState = CycleState.DRAFT
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    reason: str | None = None
    changed_by: str | None = None
    changed_at: datetime | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def _state(row: YearReport | None, locality_code: str, year: int) -> YearState:
    if row is None:
        return YearState(locality_code, year)
    return YearState(row.locality_code, row.year, CycleState(row.state), row.submitted_by, row.submitted_at,
                     row.approved_by, row.approved_at, row.reason, row.changed_by, row.changed_at)


# --- The one rule for writing a locality's figures of a year -------------------------------------------------

@dataclass(frozen=True)
class WriteRefusal:
    """Why a (locality, year) may not be written. `about` says what refuses it: "account" (the account
    may write nothing), "locality" (not one of its localities) or "year" (the year's state: approved,
    or submitted and the account is an editor). Figures sent again unchanged do not write, so a writer
    may let them pass a "year" refusal."""

    about: str
    message: str


def write_refusals(session: Session, user_name: str | None,
                   keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], WriteRefusal]:
    """THE answer to "may this account write locality L, year Y now?", for each (L, Y) given, read in
    the caller's (write) transaction; the keys refused, each with its reason. A key not in the answer
    may be written.

    `user_name` None is a system actor (the demo loader, the CLI without --user): held to no account's
    rights, but refused approved years like everyone. An editor may write only its localities, and
    not a year it has submitted; an admin may write every locality, a submitted year included (its
    corrections are recorded), but not an approved year until it is reopened.
    """
    keys = {(str(code), int(year)) for code, year in keys}
    if not keys:
        return {}
    rights: Rights | None = None
    if user_name is not None:
        rights = load_rights(session, user_name)
        refusal = account_refusal(rights, user_name)
        if refusal is not None:
            return {key: WriteRefusal("account", refusal) for key in keys}
    states = _states_of(session, keys)
    codes = {code for code, _ in keys}
    names = dict(session.execute(select(Locality.code, Locality.name).where(Locality.code.in_(codes))).all()) \
        if len(codes) <= IN_LIST_LIMIT else dict(session.execute(select(Locality.code, Locality.name)).all())
    refused = {}
    for code, year in keys:
        name = names.get(code, code)
        state = states.get((code, year)) or YearState(code, year)
        if rights is not None and not rights.may_write_locality(code):
            refused[(code, year)] = WriteRefusal("locality", locality_refusal(rights))
        elif state.state == CycleState.APPROVED:
            refused[(code, year)] = WriteRefusal("year", locked_message(name, state))
        elif state.state == CycleState.SUBMITTED and rights is not None and rights.role != Role.ADMIN:
            refused[(code, year)] = WriteRefusal("year", submitted_message(name, state))
    return refused


def locked_message(locality_name: str, state: YearState) -> str:
    return (f"Số liệu năm {state.year} của {locality_name} ({state.locality_code}) đã được «{state.approved_by}» "
            f"phê duyệt lúc {format_timestamp(state.approved_at)} nên không sửa được; cần quản trị viên mở lại "
            "phê duyệt trước.")


def submitted_message(locality_name: str, state: YearState) -> str:
    return (f"Số liệu năm {state.year} của {locality_name} ({state.locality_code}) đã được «{state.submitted_by}» "
            f"nộp lúc {format_timestamp(state.submitted_at)} nên cán bộ nhập liệu không sửa được nữa; nếu cần sửa, "
            "đề nghị quản trị viên trả lại báo cáo.")


def _states_of(session: Session, keys: set[tuple[str, int]]) -> dict[tuple[str, int], YearState]:
    codes = {code for code, _ in keys}
    statement = select(YearReport).where(YearReport.year.in_({year for _, year in keys}))
    if len(codes) <= IN_LIST_LIMIT:
        statement = statement.where(YearReport.locality_code.in_(codes))
    rows = session.execute(statement).scalars()
    return {(row.locality_code, row.year): _state(row, row.locality_code, row.year) for row in rows}


# --- The steps of the cycle ------------------------------------------------------------------------------------

def submit(engine: Engine, locality_code: str, year: int, user_name: str) -> YearState:
    """The locality sends its figures of the year (nộp báo cáo): an active editor of the locality or an
    admin, once every indicator of its plan has a reading for the year ("Không phát sinh" counts)."""
    with write_session(engine) as session:
        rights = load_rights(session, user_name)
        refusal = account_refusal(rights, user_name, "nộp báo cáo")
        if refusal is None and not rights.may_write_locality(locality_code):
            refusal = (f"Tài khoản «{rights.user_name}» không phụ trách địa phương «{locality_code}» nên không nộp "
                       "báo cáo của địa phương này được.")
        if refusal is not None:
            _refuse(refusal)
        locality, row = _held(session, locality_code, year)
        current = _state(row, locality.code, year)
        if current.state == CycleState.SUBMITTED:
            _refuse(f"Báo cáo năm {year} của {locality.name} đã được «{current.submitted_by}» nộp lúc "
                    f"{format_timestamp(current.submitted_at)}; không nộp lại được. Nếu cần sửa, đề nghị quản trị "
                    "viên trả lại báo cáo.")
        if current.state == CycleState.APPROVED:
            _refuse(f"Báo cáo năm {year} của {locality.name} đã được «{current.approved_by}» phê duyệt lúc "
                    f"{format_timestamp(current.approved_at)}; không nộp lại được.")
        missing = _missing_indicators(session, locality, year)
        if missing:
            _refuse(f"Chưa nộp được báo cáo năm {year} của {locality.name}: còn {len(missing)} chỉ tiêu chưa có số "
                    f"liệu: {'; '.join(f'«{name}»' for name in missing)}. Nhập đủ số liệu (chỉ tiêu không phát sinh "
                    "thì nhập mẫu số 0) rồi nộp lại.")
        now = utc_now()
        return _record(session, row, current, ApprovalAction.SUBMIT, rights.user_name, now, None,
                       state=CycleState.SUBMITTED, submitted_by=rights.user_name, submitted_at=now,
                       approved_by=None, approved_at=None, reason=None)


def return_year(engine: Engine, locality_code: str, year: int, admin_name: str, reason: str | None) -> YearState:
    """An admin sends a submitted year back (trả lại) with a reason, shown to the locality's editors."""
    with write_session(engine) as session:
        admin = _admin(session, admin_name, "trả lại báo cáo")
        locality, row = _held(session, locality_code, year)
        current = _state(row, locality.code, year)
        if current.state != CycleState.SUBMITTED:
            _refuse({
                CycleState.DRAFT: f"Báo cáo năm {year} của {locality.name} chưa được nộp, không có gì để trả lại.",
                CycleState.RETURNED: f"Báo cáo năm {year} của {locality.name} đã bị trả lại lúc "
                                     f"{format_timestamp(current.changed_at)}, đang chờ địa phương nộp lại.",
                CycleState.APPROVED: f"Báo cáo năm {year} của {locality.name} đã được phê duyệt nên không trả lại "
                                     "được; muốn sửa thì mở lại phê duyệt.",
            }[current.state])
        text = _required(reason, "Phải ghi lý do trả lại để địa phương biết cần sửa gì.")
        return _record(session, row, current, ApprovalAction.RETURN, admin, utc_now(), text,
                       state=CycleState.RETURNED, submitted_by=None, submitted_at=None, reason=text)


def approve(engine: Engine, locality_code: str, year: int, admin_name: str, note: str | None = None) -> YearState:
    """Lock a locality's figures for a year. A year never submitted may be approved by an admin too;
    the history records the state it was approved from."""
    return approve_many(engine, year, [locality_code], admin_name, note)[0]


def approve_many(engine: Engine, year: int, locality_codes: list[str], admin_name: str,
                 note: str | None = None) -> list[YearState]:
    """Approve the figures of year Y of each locality given, and only those, in one transaction: all of
    them, or none with every reason listed."""
    if not locality_codes:
        _refuse("Chưa chọn địa phương nào để phê duyệt.")
    with write_session(engine) as session:
        admin = _admin(session, admin_name, "phê duyệt số liệu")
        text = _note(note)
        held, problems = [], []
        for code in dict.fromkeys(locality_codes):
            try:
                locality, row = _held(session, code, year)
            except Rejected as rejected:
                problems += rejected.problems
                continue
            current = _state(row, locality.code, year)
            if current.state == CycleState.APPROVED:
                problems.append(Problem(None, None, "", f"Số liệu năm {year} của {locality.name} đã được "
                                        f"«{current.approved_by}» phê duyệt lúc {format_timestamp(current.approved_at)}."))
            held.append((row, current))
        if problems:
            raise Rejected(problems)
        now = utc_now()
        return [_record(session, row, current, ApprovalAction.APPROVE, admin, now, text, state=CycleState.APPROVED,
                        approved_by=admin, approved_at=now, reason=None) for row, current in held]


def reopen(engine: Engine, locality_code: str, year: int, admin_name: str, reason: str | None) -> YearState:
    """Unlock approved figures (mở lại, reason required) back to a draft; the approval stays in the history."""
    with write_session(engine) as session:
        admin = _admin(session, admin_name, "mở lại số liệu")
        locality, row = _held(session, locality_code, year)
        current = _state(row, locality.code, year)
        if current.state != CycleState.APPROVED:
            _refuse(f"Số liệu năm {year} của {locality.name} chưa được phê duyệt, không có gì để mở lại.")
        text = _required(reason, "Phải ghi lý do mở lại phê duyệt.")
        return _record(session, row, current, ApprovalAction.REOPEN, admin, utc_now(), text, state=CycleState.DRAFT,
                       submitted_by=None, submitted_at=None, approved_by=None, approved_at=None, reason=text)


def _record(session: Session, row: YearReport | None, current: YearState, action: ApprovalAction, user_name: str,
            at: datetime, note: str | None, **changes) -> YearState:
    if row is None:
        row = YearReport(locality_code=current.locality_code, year=current.year, changed_by=user_name)
        session.add(row)
    for name, value in changes.items():
        setattr(row, name, value)
    row.changed_by, row.changed_at = user_name, at
    session.add(ApprovalEvent(locality_code=current.locality_code, year=current.year, action=action,
                              from_state=current.state, user_name=user_name, at=at, note=note))
    bump(session)
    session.flush()
    return _state(row, current.locality_code, current.year)


def _admin(session: Session, user_name: str, doing: str) -> str:
    rights = load_rights(session, user_name)
    if rights is None or not rights.may_administer:
        _refuse(f"Chỉ quản trị viên đang hoạt động mới được {doing}; «{user_name}» không phải.")
    return rights.user_name


def _held(session: Session, locality_code: str, year: int) -> tuple[Locality, YearReport | None]:
    """The locality (locked against batches being written to it) and its row for the year."""
    statement = select(Locality).where(Locality.code == locality_code)
    if not is_sqlite(session.get_bind()):
        # Waits for batches being written to this locality (see kpi.store.readings._hold_localities).
        statement = statement.with_for_update()
    locality = session.execute(statement).scalar_one_or_none()
    problems = []
    if locality is None:
        problems.append(Problem(None, None, "", f"Không có địa phương với mã «{locality_code}»."))
    elif locality.plan_code is None:
        problems.append(Problem(None, None, "", f"{locality.name} không có kế hoạch nên không có số liệu để nộp "
                                                "hay phê duyệt."))
    if not FIRST_YEAR <= year <= current_year():
        problems.append(Problem(None, None, "", f"Năm {year} không hợp lệ: năm phải từ {FIRST_YEAR} đến {current_year()}."))
    if problems:
        raise Rejected(problems)
    return locality, session.get(YearReport, (locality.code, year))


def _missing_indicators(session: Session, locality: Locality, year: int) -> list[str]:
    reported = select(Reading.indicator_code).where(Reading.locality_code == locality.code, Reading.year == year)
    return list(session.execute(
        select(Indicator.name).join(PlanTarget, PlanTarget.indicator_code == Indicator.code)
        .where(PlanTarget.plan_code == locality.plan_code, Indicator.code.not_in(reported))
        .order_by(Indicator.position)).scalars())


def _refuse(message: str):
    raise Rejected([Problem(None, None, "", message)])


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        _refuse(f"Ghi chú không được dài quá {MAX_NOTE_LENGTH} ký tự.")
    return text or None


def _required(reason: str | None, message: str) -> str:
    text = _note(reason)
    if text is None:
        _refuse(message)
    return text


# --- Reads -----------------------------------------------------------------------------------------------------

def state_of(engine: Engine, locality_code: str, year: int) -> YearState:
    with read_session(engine) as session:
        return _state(session.get(YearReport, (locality_code, year)), locality_code, year)


def missing_indicators(engine: Engine, locality_code: str, year: int) -> list[str]:
    """The names of the indicators of the locality's plan with no reading for the year: what submit()
    would refuse for, in catalogue order."""
    with read_session(engine) as session:
        locality = session.get(Locality, locality_code)
        return [] if locality is None else _missing_indicators(session, locality, year)


def is_locked(engine: Engine, locality_code: str, year: int) -> bool:
    return state_of(engine, locality_code, year).state == CycleState.APPROVED


def approvals(engine: Engine, year: int | None = None) -> pd.DataFrame:
    """The figures approved now (locked): locality_code, locality_name, year, approved_by, approved_at."""
    statement = (select(YearReport.locality_code, Locality.name, YearReport.year, YearReport.approved_by,
                        YearReport.approved_at)
                 .join(Locality, Locality.code == YearReport.locality_code)
                 .where(YearReport.state == CycleState.APPROVED)
                 .order_by(YearReport.year.desc(), YearReport.locality_code))
    if year is not None:
        statement = statement.where(YearReport.year == year)
    with read_session(engine) as session:
        rows = session.execute(statement).all()
    return pd.DataFrame(rows, columns=["locality_code", "locality_name", "year", "approved_by", "approved_at"])


REPORTING_COLUMNS = ["locality_code", "locality_name", "parent_code", "plan_code", "report_due", "state",
                     "submitted_by", "submitted_at", "approved_by", "approved_at", "reason", "changed_at",
                     "readings", "expected"]


def reporting_rows(engine: Engine, year: int) -> pd.DataFrame:
    """Every locality with a plan, with its plan's deadline (report_due), its state for the year (draft
    when nobody has acted) and how many indicators of its plan have a reading for the year / are in it."""
    expected = (select(PlanTarget.plan_code, func.count().label("expected")).group_by(PlanTarget.plan_code)
                .subquery())
    # `|| ''` keeps SQLite from answering through the (indicator, year) index, one lookup per plan
    # target and locality (0.3 s at 3,300 localities): it walks the localities and their readings
    # instead (0.06 s). PostgreSQL plans the join the same either way.
    reported = (select(Reading.locality_code, func.count().label("readings"))
                .join(Locality, Locality.code == Reading.locality_code)
                .join(PlanTarget, (PlanTarget.plan_code == Locality.plan_code)
                      & (PlanTarget.indicator_code == Reading.indicator_code + ""))
                .where(Reading.year == year).group_by(Reading.locality_code).subquery())
    states = select(YearReport).where(YearReport.year == year).subquery()
    statement = (select(Locality.code, Locality.name, Locality.parent_code, Locality.plan_code, Plan.report_due,
                        states.c.state, states.c.submitted_by, states.c.submitted_at, states.c.approved_by,
                        states.c.approved_at, states.c.reason, states.c.changed_at,
                        func.coalesce(reported.c.readings, 0), func.coalesce(expected.c.expected, 0))
                 .join(Plan, Plan.code == Locality.plan_code)
                 .outerjoin(expected, expected.c.plan_code == Locality.plan_code)
                 .outerjoin(reported, reported.c.locality_code == Locality.code)
                 .outerjoin(states, states.c.locality_code == Locality.code)
                 .order_by(Locality.code))
    with read_session(engine) as session:
        rows = session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=REPORTING_COLUMNS)
    frame["state"] = frame["state"].fillna(CycleState.DRAFT.value).astype(str)
    for column in ("submitted_at", "approved_at", "changed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.astype({"readings": int, "expected": int})


def responsible_editors(engine: Engine) -> pd.DataFrame:
    """locality_code, editors: the active editors answering for each locality (login names, comma-separated)."""
    statement = (select(UserLocality.locality_code, User.name).join(User, User.id == UserLocality.user_id)
                 .where(User.active, User.role == Role.EDITOR).order_by(UserLocality.locality_code, User.name))
    with read_session(engine) as session:
        rows = pd.DataFrame(session.execute(statement).all(), columns=["locality_code", "name"])
    return rows.groupby("locality_code", as_index=False).agg(editors=("name", ", ".join))


def history(engine: Engine, locality_code: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Every step of the cycle, newest first: locality_code, locality_name, year, action, action_label,
    from_state, user_name, at, note."""
    statement = (select(ApprovalEvent.locality_code, Locality.name, ApprovalEvent.year, ApprovalEvent.action,
                        ApprovalEvent.from_state, ApprovalEvent.user_name, ApprovalEvent.at, ApprovalEvent.note)
                 .join(Locality, Locality.code == ApprovalEvent.locality_code)
                 .order_by(ApprovalEvent.id.desc()))
    if locality_code is not None:
        statement = statement.where(ApprovalEvent.locality_code == locality_code)
    if year is not None:
        statement = statement.where(ApprovalEvent.year == year)
    with read_session(engine) as session:
        rows = session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["locality_code", "locality_name", "year", "action", "from_state", "user_name",
                                        "at", "note"])
    frame.insert(4, "action_label", frame["action"].map(ACTION_LABELS))
    return frame
