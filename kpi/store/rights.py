"""Who may do what. Every active account sees everything; a viewer only sees; an editor enters and
imports figures for the localities it answers for; an admin does everything, manages accounts and
approves figures.

The pages ask these functions what to show; the write path enforces them itself through
kpi.store.cycle.write_refusals, with the account re-read inside the write transaction, so a stale page
or a script cannot go around them.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from kpi.store.accounts import Account, normalize_name
from kpi.store.models import User, UserLocality
from kpi.vocabulary import Role

# An editor of hundreds of localities gets a readable message, not all of them.
LISTED_LOCALITIES = 5


@dataclass(frozen=True)
class Rights:
    user_name: str
    role: str
    active: bool
    localities: frozenset[str]

    @property
    def may_write(self) -> bool:
        return self.active and self.role in (Role.EDITOR, Role.ADMIN)

    @property
    def may_administer(self) -> bool:
        """Manage accounts, approve and reopen figures."""
        return self.active and self.role == Role.ADMIN

    def may_write_locality(self, locality_code: str) -> bool:
        return self.may_write and (self.role == Role.ADMIN or locality_code in self.localities)

    def writable(self, locality_codes: list[str]) -> list[str]:
        """The given localities this account may enter figures for, in the given order."""
        return [code for code in locality_codes if self.may_write_locality(code)]


def rights_of(account: Account) -> Rights:
    """Rights of a kpi.store.accounts.Account as the app holds it (for deciding what to show)."""
    return Rights(account.name, account.role, account.active, frozenset(account.localities))


def load_rights(session: Session, user_name: str) -> Rights | None:
    """Rights as stored now; None when there is no such account."""
    user = session.execute(select(User).where(User.name == normalize_name(user_name))).scalar_one_or_none()
    if user is None:
        return None
    codes = session.execute(select(UserLocality.locality_code).where(UserLocality.user_id == user.id)).scalars()
    return Rights(user.name, user.role, user.active, frozenset(codes))


def account_refusal(rights: Rights | None, user_name: str, doing: str | None = None) -> str | None:
    """Why this account may not write anything (or do `doing`, said in Vietnamese); None when it may.
    Which localities and years it may write is kpi.store.cycle.write_refusals' answer."""
    if rights is None:
        return f"Không có tài khoản «{user_name}»."
    if not rights.active:
        return f"Tài khoản «{rights.user_name}» đã bị vô hiệu hóa, không được {doing or 'ghi số liệu'}."
    if not rights.may_write:
        return f"Tài khoản «{rights.user_name}» chỉ có quyền xem, không được {doing or 'nhập, sửa hay nhập tệp số liệu'}."
    return None


def locality_refusal(rights: Rights) -> str:
    """Why an editor may not write a locality it does not answer for."""
    return (f"Tài khoản «{rights.user_name}» không được ghi số liệu của địa phương này; "
            f"chỉ được ghi cho: {_listed(rights.localities)}.")


def _listed(codes: frozenset[str]) -> str:
    ordered = sorted(codes)
    shown = ", ".join(ordered[:LISTED_LOCALITIES])
    return shown if len(ordered) <= LISTED_LOCALITIES else f"{shown} và {len(ordered) - LISTED_LOCALITIES} địa phương khác"
