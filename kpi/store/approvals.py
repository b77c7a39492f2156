"""Approval of a locality's figures for a year: approved figures are locked until an admin reopens
them. The lock itself is enforced by the write path (kpi.readings); every approval and reopening is
kept in the history."""

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import Session

from kpi.formatting import format_timestamp
from kpi.problems import Problem, Rejected
from kpi.store.db import is_sqlite, read_session, write_session
from kpi.store.models import Approval, ApprovalAction, ApprovalEvent, Locality, utc_now
from kpi.store.rights import load_rights
from kpi.store.version import bump
from kpi.years import FIRST_YEAR, current_year

ACTION_LABELS = {ApprovalAction.APPROVE: "Phê duyệt", ApprovalAction.REOPEN: "Mở lại"}
MAX_NOTE_LENGTH = 1000


@dataclass(frozen=True)
class ApprovalState:
    locality_code: str
    year: int
    approved_by: str
    approved_at: datetime


def approve(engine: Engine, locality_code: str, year: int, admin_name: str, note: str | None = None) -> ApprovalState:
    """Lock a locality's figures for a year. Refused unless admin_name is an active admin and the
    figures are not already approved."""
    with write_session(engine) as session:
        locality, admin_name = _checked(session, locality_code, year, admin_name)
        current = session.get(Approval, (locality.code, year))
        if current is not None:
            raise Rejected([Problem(None, None, "", f"Số liệu năm {year} của {locality.name} đã được «{current.approved_by}» "
                                                    f"phê duyệt lúc {format_timestamp(current.approved_at)}.")])
        now = utc_now()
        session.add(Approval(locality_code=locality.code, year=year, approved_by=admin_name, approved_at=now))
        session.add(ApprovalEvent(locality_code=locality.code, year=year, action=ApprovalAction.APPROVE,
                                  user_name=admin_name, at=now, note=_note(note)))
        bump(session)
        return ApprovalState(locality.code, year, admin_name, now)


def reopen(engine: Engine, locality_code: str, year: int, admin_name: str, note: str | None = None) -> None:
    """Unlock approved figures so that they can be corrected; the approval stays in the history."""
    with write_session(engine) as session:
        locality, admin_name = _checked(session, locality_code, year, admin_name)
        current = session.get(Approval, (locality.code, year))
        if current is None:
            raise Rejected([Problem(None, None, "", f"Số liệu năm {year} của {locality.name} chưa được phê duyệt, "
                                                    "không có gì để mở lại.")])
        session.delete(current)
        session.add(ApprovalEvent(locality_code=locality.code, year=year, action=ApprovalAction.REOPEN,
                                  user_name=admin_name, at=utc_now(), note=_note(note)))
        bump(session)


def _checked(session: Session, locality_code: str, year: int, admin_name: str) -> tuple[Locality, str]:
    """The locality, and the admin's name as stored."""
    rights = load_rights(session, admin_name)
    if rights is None or not rights.may_administer:
        raise Rejected([Problem(None, None, "", f"Chỉ quản trị viên đang hoạt động mới được phê duyệt hoặc mở lại số liệu; "
                                                f"«{admin_name}» không phải.")])
    statement = select(Locality).where(Locality.code == locality_code)
    if not is_sqlite(session.get_bind()):
        # Waits for batches being written to this locality (see kpi.store.readings._hold_localities).
        statement = statement.with_for_update()
    locality = session.execute(statement).scalar_one_or_none()
    problems = []
    if locality is None:
        problems.append(Problem(None, None, "", f"Không có địa phương với mã «{locality_code}»."))
    elif locality.plan_code is None:
        problems.append(Problem(None, None, "", f"{locality.name} không có kế hoạch nên không có số liệu "
                                                "nhập để phê duyệt."))
    if not FIRST_YEAR <= year <= current_year():
        problems.append(Problem(None, None, "", f"Năm {year} không hợp lệ: năm phải từ {FIRST_YEAR} đến {current_year()}."))
    if problems:
        raise Rejected(problems)
    return locality, rights.user_name


def _note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE_LENGTH:
        raise Rejected([Problem(None, None, "", f"Ghi chú không được dài quá {MAX_NOTE_LENGTH} ký tự.")])
    return text or None


def approval_of(engine: Engine, locality_code: str, year: int) -> ApprovalState | None:
    with read_session(engine) as session:
        current = session.get(Approval, (locality_code, year))
        if current is None:
            return None
        return ApprovalState(current.locality_code, current.year, current.approved_by, current.approved_at)


def is_locked(engine: Engine, locality_code: str, year: int) -> bool:
    return approval_of(engine, locality_code, year) is not None


def approvals(engine: Engine, year: int | None = None) -> pd.DataFrame:
    """The figures approved now (locked): locality_code, locality_name, year, approved_by, approved_at."""
    statement = (select(Approval.locality_code, Locality.name, Approval.year, Approval.approved_by, Approval.approved_at)
                 .join(Locality, Locality.code == Approval.locality_code)
                 .order_by(Approval.year.desc(), Approval.locality_code))
    if year is not None:
        statement = statement.where(Approval.year == year)
    with read_session(engine) as session:
        rows = session.execute(statement).all()
    return pd.DataFrame(rows, columns=["locality_code", "locality_name", "year", "approved_by", "approved_at"])


def approval_history(engine: Engine, locality_code: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Every approval and reopening, newest first: locality_code, locality_name, year, action,
    action_label, user_name, at, note."""
    statement = (select(ApprovalEvent.locality_code, Locality.name, ApprovalEvent.year, ApprovalEvent.action,
                        ApprovalEvent.user_name, ApprovalEvent.at, ApprovalEvent.note)
                 .join(Locality, Locality.code == ApprovalEvent.locality_code)
                 .order_by(ApprovalEvent.id.desc()))
    if locality_code is not None:
        statement = statement.where(ApprovalEvent.locality_code == locality_code)
    if year is not None:
        statement = statement.where(ApprovalEvent.year == year)
    with read_session(engine) as session:
        rows = session.execute(statement).all()
    frame = pd.DataFrame(rows, columns=["locality_code", "locality_name", "year", "action", "user_name", "at", "note"])
    frame.insert(4, "action_label", frame["action"].map(ACTION_LABELS))
    return frame
