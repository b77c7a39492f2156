"""The store: SQLModel tables. Schema changes go through Alembic (kpi/store/migrations)."""

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import AutoString, Field, SQLModel

from kpi.vocabulary import Comparator, Kind, Role, Source


class TableModel(SQLModel):
    """The base of every table: pydantic builds a model's validator when it is first used, not when the
    module is imported (table models are not validated on creation); every command and every app
    process starts about 70 ms sooner."""

    model_config = {"defer_build": True}


def utc_now() -> datetime:
    return datetime.now(UTC)


class Plan(TableModel, table=True):
    code: str = Field(primary_key=True)
    title: str
    # "DD/MM": the figures of year Y are due on that day of year Y+1 (None: the default, 15/01).
    report_due: str | None = None


class Locality(TableModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    kind: str
    parent_code: str | None = Field(default=None, foreign_key="locality.code", index=True)
    ma_dvhc: str | None = None
    plan_code: str | None = Field(default=None, foreign_key="plan.code")


class Indicator(TableModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    group: str
    # Stored as text (the enums are the columns' types in Python, not database enums).
    kind: Kind = Field(sa_type=AutoString)
    numerator_label: str | None = None
    denominator_label: str | None = None
    unit: str | None = None
    comparator: Comparator = Field(sa_type=AutoString)
    target: float | None = None
    position: int = 0


class PlanTarget(TableModel, table=True):
    plan_code: str = Field(foreign_key="plan.code", primary_key=True)
    indicator_code: str = Field(foreign_key="indicator.code", primary_key=True)
    comparator: Comparator = Field(sa_type=AutoString)
    target: float | None = None


class ImportBatch(TableModel, table=True):
    """One application of figures: a file import, a form save, a CLI run or the demo loader."""

    id: int | None = Field(default=None, primary_key=True)
    source: Source = Field(sa_type=AutoString)
    file_name: str | None = None
    checksum: str | None = None
    user_name: str
    created_at: datetime = Field(default_factory=utc_now)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Reading(TableModel, table=True):
    __table_args__ = (
        UniqueConstraint("locality_code", "indicator_code", "year", name="uq_reading_triple"),
        Index("ix_reading_indicator_year", "indicator_code", "year"),
        # Only the demo readings: every page counts them (the demo banner) after every write, which read
        # the whole table; a real store has none, so writing real readings never touches this index.
        Index("ix_reading_demo", "is_demo", sqlite_where=text("is_demo = 1"), postgresql_where=text("is_demo")),
    )

    id: int | None = Field(default=None, primary_key=True)
    locality_code: str = Field(foreign_key="locality.code")
    indicator_code: str = Field(foreign_key="indicator.code")
    year: int
    # 64 bits: a figure may be up to kpi.numbers.LARGEST (10**12); PostgreSQL's INTEGER stops at 2**31.
    numerator: int | None = Field(default=None, sa_type=BigInteger)
    denominator: int | None = Field(default=None, sa_type=BigInteger)
    value: int | None = Field(default=None, sa_type=BigInteger)
    note: str | None = None
    entered_by: str
    entered_at: datetime = Field(default_factory=utc_now)
    source: Source = Field(sa_type=AutoString)
    batch_id: int | None = Field(default=None, foreign_key="importbatch.id")
    is_demo: bool = False


class ReadingRevision(TableModel, table=True):
    """Every figure ever written for a triple, newest last: the reading's history."""

    __table_args__ = (Index("ix_revision_triple", "locality_code", "indicator_code", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    locality_code: str
    indicator_code: str
    year: int
    # 64 bits: a figure may be up to kpi.numbers.LARGEST (10**12); PostgreSQL's INTEGER stops at 2**31.
    numerator: int | None = Field(default=None, sa_type=BigInteger)
    denominator: int | None = Field(default=None, sa_type=BigInteger)
    value: int | None = Field(default=None, sa_type=BigInteger)
    note: str | None = None
    entered_by: str
    entered_at: datetime
    source: Source = Field(sa_type=AutoString)
    batch_id: int | None = Field(default=None, foreign_key="importbatch.id")
    is_demo: bool = False


class User(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    password_hash: str
    role: Role = Field(sa_type=AutoString)
    active: bool = True
    created_at: datetime = Field(default_factory=utc_now)
    last_login_at: datetime | None = None
    # Shown beside the login name in histories and approvals, so that people recognise each other.
    full_name: str = ""
    contact: str = ""


class LoginSession(TableModel, table=True):
    """A browser's login (kpi.store.sessions): the cookie's token and the one-time ticket that turns
    into it are stored only as SHA-256 hashes. Deleted on logout, on expiry, and when the account is
    disabled or its password changes."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str | None = Field(default=None, unique=True)
    ticket_hash: str | None = Field(default=None, unique=True)
    ticket_expires_at: datetime | None = None
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class UserLocality(TableModel, table=True):
    """The localities an editor answers for."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    locality_code: str = Field(foreign_key="locality.code", primary_key=True)


class LoginAttempt(TableModel, table=True):
    """Consecutive failed logins per name typed, account or not, so that throttling does not reveal
    which names exist."""

    name: str = Field(primary_key=True)
    failures: int = 0
    last_failed_at: datetime


class CycleState(StrEnum):
    """Where a locality's figures for a year are in the reporting cycle (no row: draft)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class YearReport(TableModel, table=True):
    """A locality's figures for a year in the reporting cycle: submitted, returned or approved (and
    then locked). No row means a draft nobody has acted on. Every step is also kept in ApprovalEvent."""

    locality_code: str = Field(foreign_key="locality.code", primary_key=True)
    year: int = Field(primary_key=True)
    state: CycleState = Field(sa_type=AutoString)
    # The latest submission, kept while the year is submitted or approved (timeliness is judged on it).
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    # Why it was returned or reopened, shown to the locality's editors.
    reason: str | None = None
    changed_by: str
    changed_at: datetime = Field(default_factory=utc_now)


class ApprovalAction(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    REOPEN = "reopen"


class ApprovalEvent(TableModel, table=True):
    """Every step of the reporting cycle (submit, return, approve, reopen), oldest first: its history."""

    __table_args__ = (Index("ix_approvalevent_locality_year", "locality_code", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    locality_code: str = Field(foreign_key="locality.code")
    year: int
    action: ApprovalAction = Field(sa_type=AutoString)
    # The state the year was in before this step ("approved while still a draft" is recorded as such).
    from_state: CycleState | None = Field(default=None, sa_type=AutoString)
    user_name: str
    at: datetime = Field(default_factory=utc_now)
    note: str | None = None


class DataVersion(TableModel, table=True):
    """One row: a number every write path raises (kpi.store.version), so that every process's
    caches know when what they hold is out of date."""

    id: int = Field(default=1, primary_key=True)
    version: int = 0
class ReadingSnapshot(TableModel, table=True):
    """One row: the engine's columns of every reading as one Arrow file, as they were when the history
    ended at `revision_id` and the store held `reading_count` readings (kpi.store.snapshot). A cache,
    never the data: deleting the row at any time only costs the next reader a full read."""

    id: int = Field(default=1, primary_key=True)
    revision_id: int = Field(sa_type=BigInteger)
    reading_count: int = Field(sa_type=BigInteger)
    data: bytes = Field(sa_type=LargeBinary)


class PlanTask(TableModel, table=True):
    """A task a plan assigns (data/tasks.csv): who leads it, what it delivers, and when it is due.
    `schedule` is a kpi.vocabulary.Schedule; `due` is a DD/MM/YYYY date (once), a DD/MM day of each
    year (yearly, continuous), or empty (quarterly: the end of each quarter)."""

    plan_code: str = Field(foreign_key="plan.code", primary_key=True)
    code: str = Field(primary_key=True)
    group: str
    title: str
    lead: str
    partners: str | None = None
    output: str | None = None
    schedule: str
    due: str | None = None
    timing: str | None = None
    position: int = 0


class TaskReport(TableModel, table=True):
    """What a locality reports of one task for one period (a year, or a quarter: `2026-Q2`)."""

    __table_args__ = (
        UniqueConstraint("locality_code", "plan_code", "task_code", "period", name="uq_taskreport_key"),
        Index("ix_taskreport_year", "year", "locality_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    locality_code: str = Field(foreign_key="locality.code")
    plan_code: str = Field(foreign_key="plan.code")
    task_code: str
    period: str
    # The year of the period: the approval lock of that year applies to the report.
    year: int
    status: str
    evidence: str | None = None
    note: str | None = None
    entered_by: str
    entered_at: datetime = Field(default_factory=utc_now)
    source: Source = Field(sa_type=AutoString)
    file_name: str | None = None


class TaskReportRevision(TableModel, table=True):
    """Every task report ever written, newest last: the reports' history."""

    __table_args__ = (Index("ix_taskreportrevision_key", "locality_code", "task_code", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    locality_code: str
    plan_code: str
    task_code: str
    period: str
    year: int
    status: str
    evidence: str | None = None
    note: str | None = None
    entered_by: str
    entered_at: datetime
    source: Source = Field(sa_type=AutoString)
    file_name: str | None = None
