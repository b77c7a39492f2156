"""Tables of the access pages (accounts, approvals) and the approval marks of the overview.
Vietnamese headers, timestamps formatted by kpi.formatting; plain text throughout.
"""

import pandas as pd

from kpi import formatting as fmt

APPROVED = "Đã phê duyệt"
NOT_APPROVED = "Chưa phê duyệt"


def _timestamp(moment) -> str:
    """A moment from a DataFrame column, where a missing one is NaT, not None."""
    return fmt.format_timestamp(None if pd.isna(moment) else moment)


def users_table(users: pd.DataFrame, locality_names: dict[str, str]) -> pd.DataFrame:
    """kpi.store.accounts.list_users as an admin reads it: localities by name, active in words."""
    def names(codes: str) -> str:
        return ", ".join(locality_names.get(code, code) for code in codes.split(", ")) if codes else fmt.NO_VALUE

    return pd.DataFrame({
        "Tên đăng nhập": users["name"].tolist(),
        "Họ và tên": users["full_name"].tolist(),
        "Liên hệ": users["contact"].tolist(),
        "Vai trò": users["role_label"].tolist(),
        "Địa phương được giao": users["localities"].map(names).tolist(),
        "Trạng thái": users["active"].map({True: "Đang hoạt động", False: "Đã vô hiệu hóa"}).tolist(),
        "Tạo lúc": [_timestamp(t) for t in users["created_at"]],
        "Đăng nhập gần nhất": [_timestamp(t) for t in users["last_login_at"]],
        "Phiên đang mở": users["sessions"].map(fmt.format_integer).tolist(),
    })


def approval_labels(locality_codes: pd.Series, approved: pd.DataFrame) -> list[str]:
    """APPROVED or NOT_APPROVED for each locality, given kpi.store.approvals.approvals of one year."""
    locked = set(approved["locality_code"])
    return [APPROVED if code in locked else NOT_APPROVED for code in locality_codes]


def approved_count(locality_codes: pd.Series, approved: pd.DataFrame) -> int:
    """How many of these localities (repeats counted once) have their figures approved."""
    return int(pd.Series(locality_codes).drop_duplicates().isin(approved["locality_code"]).sum())


def approval_state_table(localities: pd.DataFrame, approved: pd.DataFrame, people: dict[str, str] | None = None
                         ) -> pd.DataFrame:
    """One row per locality given (code, name), in that order: approved or not, by whom (named as
    kpi.store.accounts.people gives), when."""
    people = people or {}
    current = approved.set_index("locality_code")
    by = current["approved_by"].to_dict()
    at = current["approved_at"].to_dict()
    return pd.DataFrame({
        "Địa phương": localities["name"].tolist(),
        "Mã": localities["code"].tolist(),
        "Tình trạng": approval_labels(localities["code"], approved),
        "Người phê duyệt": [people.get(by[code], by[code]) if code in by else fmt.NO_VALUE for code in localities["code"]],
        "Thời điểm": [_timestamp(at.get(code)) for code in localities["code"]],
    })


def approval_history_table(history: pd.DataFrame, people: dict[str, str] | None = None) -> pd.DataFrame:
    """kpi.store.approvals.approval_history, newest first as given; people named as
    kpi.store.accounts.people gives."""
    people = people or {}
    return pd.DataFrame({
        "Thời điểm": [_timestamp(t) for t in history["at"]],
        "Địa phương": history["locality_name"].tolist(),
        "Năm": history["year"].astype(int).astype(str).tolist(),
        "Thao tác": history["action_label"].tolist(),
        "Người thực hiện": [people.get(name, name) for name in history["user_name"]],
        "Ghi chú": history["note"].fillna("").tolist(),
    })
