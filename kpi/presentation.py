"""Statuses and readings as the tables users read: Vietnamese labels, formatted figures."""

import math

import pandas as pd

from kpi import formatting as fmt
from kpi.assess import Assessment

STATUS_TABLE_COLUMNS = {
    "locality_name": "Địa phương",
    "group": "Nhóm",
    "indicator_name": "Chỉ tiêu",
    "latest_year_text": "Năm số liệu",
    "value_text": "Giá trị",
    "counts_text": "Số liệu",
    "target_text": "Mục tiêu 2030",
    "projection_text": "Dự báo 2030",
    "status_label": "Đánh giá",
    "completeness_text": "Báo cáo",
}


def describe_statuses(assessment: Assessment) -> pd.DataFrame:
    """The engine's statuses joined with names, plus one text column per figure users read."""
    catalog = assessment.catalog
    indicators = catalog.indicators.rename(columns={"code": "indicator_code", "name": "indicator_name",
                                                    "kind": "base_kind", "comparator": "default_comparator",
                                                    "target": "default_target"})
    localities = catalog.localities.rename(columns={"code": "locality_code", "name": "locality_name",
                                                    "kind": "locality_kind"})
    frame = assessment.statuses.merge(indicators, on="indicator_code", how="left")
    frame = frame.merge(localities[["locality_code", "locality_name", "locality_kind", "parent_code"]],
                        on="locality_code", how="left")
    frame = frame.sort_values(["is_aggregate", "locality_code", "position"], ascending=[False, True, True])
    frame["latest_year_text"] = frame["latest_year"].map(lambda y: fmt.NO_VALUE if pd.isna(y) else str(int(y)))
    frame["value_text"] = [_value_text(r) for r in frame.itertuples()]
    frame["counts_text"] = [
        fmt.format_counts(r.numerator, r.denominator, "địa phương" if r.base_kind == "boolean" else r.unit)
        if r.kind == "ratio" else "" for r in frame.itertuples()
    ]
    frame["target_text"] = [_target_text(r) for r in frame.itertuples()]
    frame["projection_text"] = [
        fmt.NO_VALUE if _missing(r.projected_2030)
        else (fmt.format_percent(r.projected_2030) if r.kind == "ratio" else fmt.format_decimal(r.projected_2030))
        for r in frame.itertuples()
    ]
    frame["status_label"] = frame["status"].map(fmt.STATUS_LABELS)
    frame["completeness_text"] = [
        fmt.format_completeness(r.reported, r.expected) if r.is_aggregate
        else ("Đã báo cáo" if r.reported else "Chưa báo cáo") for r in frame.itertuples()
    ]
    return frame.reset_index(drop=True)


def status_table(described: pd.DataFrame) -> pd.DataFrame:
    """Only the columns users read, with Vietnamese headers."""
    return described[list(STATUS_TABLE_COLUMNS)].rename(columns=STATUS_TABLE_COLUMNS)


def _missing(number) -> bool:
    return number is None or number is pd.NA or (isinstance(number, float) and math.isnan(number))


def _value_text(row) -> str:
    if _missing(row.value):
        return fmt.NOT_APPLICABLE if row.not_applicable else fmt.NO_VALUE
    return fmt.format_value(row.kind, row.numerator, row.denominator, row.value)


def _target_text(row) -> str:
    if row.is_aggregate and row.base_kind == "boolean":
        return "Có (100% địa phương)"
    return fmt.format_target(row.base_kind, row.comparator, row.target)
