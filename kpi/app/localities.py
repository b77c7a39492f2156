"""The localities admin page's model: every locality with its parent and plan, those without a plan,
and the changes a localities file or a plan assignment would make, with Vietnamese headers.
"""

from dataclasses import dataclass

import pandas as pd

from kpi import formatting as fmt
from kpi.app.choices import hierarchy_order
from kpi.files.catalogue import FIELD_LABELS, REMOVE, LocalityChanges

NO_PLAN = "Chưa có kế hoạch"
FROM_CHILDREN = "Tổng hợp từ cấp dưới"
ADDED, UPDATED = "Thêm mới", "Cập nhật"
NONE_SHOWN = "(không có)"


def lacks_plan(localities: pd.DataFrame) -> pd.Series:
    """Localities with no plan that no other locality reports through: they track no indicator."""
    return localities["plan_code"].isna() & ~is_parent(localities)


@dataclass(frozen=True)
class PlanCounts:
    """The localities that report (every one but the parents, which are aggregated from them), with and
    without a plan: reporting = with_plan + without_plan."""

    parents: int
    reporting: int
    with_plan: int
    without_plan: int


def plan_counts(localities: pd.DataFrame) -> PlanCounts:
    parents = is_parent(localities)
    with_plan = ~parents & localities["plan_code"].notna()
    return PlanCounts(int(parents.sum()), int((~parents).sum()), int(with_plan.sum()), int(lacks_plan(localities).sum()))


def is_parent(localities: pd.DataFrame) -> pd.Series:
    """Localities others report through (the city): their figures are the sums of their children's."""
    return localities["code"].isin(localities["parent_code"].dropna())


def localities_table(localities: pd.DataFrame, plans: pd.DataFrame, *, only_without_plan: bool = False) -> pd.DataFrame:
    """One row per locality, the top of the hierarchy first, then by parent and name."""
    ordered = hierarchy_order(localities)
    if only_without_plan:
        ordered = ordered[lacks_plan(ordered)]
    names = dict(zip(localities["code"], localities["name"]))
    titles = dict(zip(plans["code"], plans["title"]))
    parents = set(localities["parent_code"].dropna())

    def plan(code: str, plan_code) -> str:
        if isinstance(plan_code, str):
            return f"{plan_code} — {titles.get(plan_code, '')}"
        return FROM_CHILDREN if code in parents else NO_PLAN

    return pd.DataFrame({
        "Mã": ordered["code"].tolist(),
        "Tên": ordered["name"].tolist(),
        "Loại": ordered["kind"].tolist(),
        "Cấp trên": [names.get(p, p) if isinstance(p, str) else fmt.NO_VALUE for p in ordered["parent_code"]],
        "Mã ĐVHC": ordered["ma_dvhc"].map(lambda v: v if isinstance(v, str) else fmt.NO_VALUE).tolist(),
        "Kế hoạch": [plan(c, p) for c, p in zip(ordered["code"], ordered["plan_code"])],
    })


def plan_choices(plans: pd.DataFrame) -> list[str]:
    """The plans to give, then REMOVE (take the plan away)."""
    return [*plans["code"].tolist(), REMOVE]


def plan_label(plans: pd.DataFrame, code: str) -> str:
    if code == REMOVE:
        return "Bỏ kế hoạch (địa phương không theo dõi chỉ tiêu nào)"
    return f"{code} — {dict(zip(plans['code'], plans['title'])).get(code, '')}"


def changes_table(changes: LocalityChanges) -> pd.DataFrame:
    """Every locality added or updated, with each changed field as old → new."""
    def shown(value) -> str:
        return NONE_SHOWN if value is None else value

    rows = [(code, changes.names.get(code, code), ADDED, "") for code in changes.added]
    rows += [(code, changes.names.get(code, code), UPDATED,
              "; ".join(f"{FIELD_LABELS[field]}: {shown(old)} → {shown(new)}" for field, (old, new) in fields.items()))
             for code, fields in changes.updated.items()]
    return pd.DataFrame(rows, columns=["Mã", "Tên", "Thay đổi", "Chi tiết"])
