"""Statuses and readings as the tables users read: Vietnamese labels, formatted figures."""

import math

import pandas as pd

from kpi import formatting as fmt
from kpi.engine.assess import Assessment
from kpi.engine.reporting_year import is_partial
from kpi.vocabulary import Kind

# Column headers of the overview's matrix and the PDF: a projector shows fifteen indicators side by
# side only with labels of a few words; the full name is on hover and in the legend beneath. An
# indicator added to data/indicators.csv without an entry here gets its name cut at a word.
SHORT_NAMES = {
    "QPPL_TRINH_TU": "Trình tự QPPL",
    "QPPL_KIEM_TRA": "Kiểm tra QPPL",
    "KH_THEO_DOI_THPL": "KH theo dõi THPL",
    "THPL_THAM_MUU": "Tham mưu THPL",
    "PBGDPL_CBCC": "Phổ biến CBCCVC",
    "PBGDPL_QUYEN_NGHIA_VU": "Quyền, nghĩa vụ",
    "CONG_TTDT_VAN_BAN": "Công khai văn bản",
    "CONG_TTDT_TIN_BAI": "Tin bài cổng",
    "HO_TICH_DUNG_HAN": "Hộ tịch đúng hạn",
    "TGPL_DUOC_TRO_GIUP": "Trợ giúp pháp lý",
    "HOA_GIAI_KIEN_TOAN": "Kiện toàn tổ HG",
    "HOA_GIAI_THANH": "Hòa giải thành",
    "DIEM_NONG_VPPL": "Điểm nóng",
    "VU_VIEC_VPPL": "Vụ vi phạm",
    "CHUAN_TIEP_CAN_PL": "Chuẩn tiếp cận PL",
}
SHORT_NAME_LENGTH = 18


def short_name(code: str, name: str) -> str:
    """A few words for a column header: the catalogue's own, or the name cut at a word."""
    if code in SHORT_NAMES:
        return SHORT_NAMES[code]
    if len(name) <= SHORT_NAME_LENGTH:
        return name
    return name[:SHORT_NAME_LENGTH].rsplit(" ", 1)[0] + "…"


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
    frame = frame.sort_values(["is_aggregate", "locality_name", "locality_code", "position"],
                              ascending=[False, True, True, True], key=fmt.by_name("locality_name"))
    # Plain columns zipped together: itertuples over wide frames of Arrow strings is ten times slower.
    column = {name: frame[name].astype("object").where(frame[name].notna(), None).tolist()
              for name in ("latest_year", "kind", "base_kind", "numerator", "denominator", "value", "unit",
                           "not_applicable", "projected_2030", "is_aggregate", "comparator", "target",
                           "reported", "expected", "as_of")}
    rows = [dict(zip(column, values)) for values in zip(*column.values())]
    frame["latest_year_text"] = [fmt.NO_VALUE if r["latest_year"] is None else str(int(r["latest_year"])) for r in rows]
    frame["value_text"] = [_value_text(r) for r in rows]
    frame["counts_text"] = [_counts_text(r) for r in rows]
    frame["target_text"] = [_target_text(r) for r in rows]
    frame["projection_text"] = [_projection_text(r) for r in rows]
    frame["status_label"] = frame["status"].map(fmt.STATUS_LABELS)
    frame["indicator_short"] = [short_name(c, n) for c, n in zip(frame["indicator_code"], frame["indicator_name"])]
    frame["completeness_text"] = [
        _aggregate_completeness(r["reported"], r["expected"]) if r["is_aggregate"]
        else ("Đã báo cáo" if r["reported"] else not_reported_text(r["as_of"])) for r in rows
    ]
    return frame.reset_index(drop=True)


def status_table(described: pd.DataFrame) -> pd.DataFrame:
    """Only the columns users read, with Vietnamese headers."""
    return described[list(STATUS_TABLE_COLUMNS)].rename(columns=STATUS_TABLE_COLUMNS)


def _missing(number) -> bool:
    return number is None or (isinstance(number, float) and math.isnan(number))


def _aggregate_completeness(reported: int, expected: int) -> str:
    """"2/3 địa phương", or "chỉ 1/114 địa phương" where fewer than half reported: the aggregate
    beside it is built from too few localities to stand for the scope."""
    text = fmt.format_completeness(reported, expected)
    return f"chỉ {text}" if is_partial(reported, expected) else text


def not_reported_text(year: int) -> str:
    return f"Chưa báo cáo năm {int(year)}"


def _value_text(row: dict) -> str:
    """The figure the status uses, marked where it is not of the year asked about: "95,0% (2024)",
    or "Chưa báo cáo năm 2025" where there is none (domain.md, "Which year a screen shows")."""
    if _missing(row["value"]):
        if row["not_applicable"]:
            return fmt.NOT_APPLICABLE
        return fmt.NO_VALUE if row["reported"] else not_reported_text(row["as_of"])
    text = fmt.format_value(row["kind"], row["numerator"], row["denominator"], row["value"])
    older = row["latest_year"] is not None and int(row["latest_year"]) < int(row["as_of"])
    return f"{text} ({int(row['latest_year'])})" if older else text


def _counts_text(row: dict) -> str:
    if row["kind"] != Kind.RATIO:
        return ""
    unit = "địa phương" if row["base_kind"] == Kind.BOOLEAN else row["unit"]
    return fmt.format_counts(row["numerator"], row["denominator"], unit)


def _target_text(row: dict) -> str:
    if row["is_aggregate"] and row["base_kind"] == Kind.BOOLEAN:
        return "Có (100% địa phương)"
    return fmt.format_target(row["base_kind"], row["comparator"], row["target"])


def _projection_text(row: dict) -> str:
    return fmt.format_projection(row["kind"], None if _missing(row["projected_2030"]) else row["projected_2030"])
