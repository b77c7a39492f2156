"""One indicator across localities: each locality's latest value against its target, the
aggregate year by year with its completeness, and the indicator's definition in words.
"""

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine import progress
from kpi.engine.assess import localities_read, read_catalog
from kpi.engine.scope import own_rows, search, unique_labels
from kpi.store import queries
from kpi.vocabulary import Kind

COMPARISON_HEADERS = {
    "label": "Địa phương", "value_text": "Giá trị", "counts_text": "Số liệu", "latest_year_text": "Năm số liệu",
    "target_text": "Mục tiêu 2030", "status_label": "Đánh giá",
}


def localities_compared(described: pd.DataFrame, localities: pd.DataFrame, indicator_code: str,
                        parent_code: str | None, query: str = "") -> pd.DataFrame:
    """Localities whose plan has the indicator: best value first, those without a value last."""
    rows = own_rows(described, localities, parent_code)
    rows = rows[rows["indicator_code"] == indicator_code].copy()
    rows["label"] = unique_labels(rows["locality_code"], rows["locality_name"])
    rows["_has_value"] = rows["value"].notna()
    # "Best" depends on the direction of the target: for "at most" and "decrease", lower is better.
    lower_is_better = rows["comparator"].isin(["<=", "decrease"])
    rows["_order"] = rows["value"].astype("Float64").where(lower_is_better, -rows["value"].astype("Float64"))
    rows = rows.sort_values(["_has_value", "_order", "label"], ascending=[False, True, True], na_position="last",
                           key=fmt.by_name("label"))
    if query.strip():
        found = search(pd.DataFrame({"code": rows["locality_code"], "name": rows["label"]}), query)
        rows = rows.loc[found.index]
    return rows.drop(columns=["_has_value", "_order"]).reset_index(drop=True)


def comparison_table(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[list(COMPARISON_HEADERS)].rename(columns=COMPARISON_HEADERS)


def locality_series(engine: Engine, locality_code: str, indicator_code: str | None = None) -> pd.DataFrame:
    """The engine's yearly series of one locality (every indicator, or one), every year, read from
    the readings of that locality and its descendants only (of that indicator only, if given): the
    same rows as in the whole scope's series (kpi.assess), without keeping the scope's series."""
    catalog = read_catalog(engine)
    readings = queries.readings(engine, localities=localities_read(catalog, [locality_code]),
                                indicators=None if indicator_code is None else [indicator_code])
    series = progress.yearly_series(readings, catalog)
    return series[series["locality_code"] == locality_code].reset_index(drop=True)


def aggregate_years(series: pd.DataFrame, locality_code: str, indicator_code: str) -> pd.DataFrame:
    """The aggregate of one indicator year by year, with how many localities reported."""
    rows = series[(series["locality_code"] == locality_code) & (series["indicator_code"] == indicator_code)]
    rows = rows.sort_values("year", ascending=False)
    return pd.DataFrame({
        "Năm": rows["year"].astype(int).astype(str).tolist(),
        "Giá trị": [fmt.format_value(r.kind, r.numerator, r.denominator, r.value) for r in rows.itertuples()],
        "Số liệu": [fmt.format_counts(r.numerator, r.denominator) if r.kind == Kind.RATIO else ""
                    for r in rows.itertuples()],
        "Báo cáo": [fmt.format_completeness(r.reported, r.expected) for r in rows.itertuples()],
    })


def definition(indicator: pd.Series, plan_targets: pd.DataFrame, plans: pd.DataFrame) -> dict:
    """What the indicator measures, in words, and which plans set it with which target."""
    kind = indicator["kind"]
    parts = {
        "Loại chỉ tiêu": fmt.KIND_LABELS[kind],
        "Nhóm": indicator["group"],
    }
    if kind == Kind.RATIO:
        parts["Tử số"] = indicator["numerator_label"]
        parts["Mẫu số"] = indicator["denominator_label"]
        parts["Cách tính"] = "Tỷ lệ = 100 × tử số / mẫu số; mẫu số bằng 0 là «Không phát sinh»."
    elif kind == Kind.COUNT:
        parts["Đơn vị"] = indicator["unit"] or fmt.NO_VALUE
    else:
        parts["Giá trị"] = "Có hoặc Không"
    parts["Mục tiêu 2030 (tổng hợp)"] = fmt.format_target(kind, indicator["comparator"], _number(indicator["target"]))
    targets = plan_targets[plan_targets["indicator_code"] == indicator["code"]].merge(
        plans.rename(columns={"code": "plan_code"}), on="plan_code", how="left")
    sources = pd.DataFrame({
        "Kế hoạch": targets["title"].tolist(),
        "Mục tiêu 2030": [fmt.format_target(kind, c, _number(t)) for c, t in zip(targets["comparator"], targets["target"])],
    })
    return {"parts": parts, "sources": sources}


def _number(value):
    return None if value is None or pd.isna(value) else float(value)
