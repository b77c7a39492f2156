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
    # Plain columns rather than itertuples over wide frames of Arrow strings (ten times slower).
    column = {name: frame[name].astype("object").where(frame[name].notna(), None).tolist()
              for name in ("latest_year", "kind", "base_kind", "numerator", "denominator", "value", "unit",
                           "not_applicable", "projected_2030", "is_aggregate", "comparator", "target",
                           "reported", "expected", "as_of")}
    frame["latest_year_text"] = _per_distinct(_year_text, column["latest_year"])
    frame["value_text"] = _per_distinct(_value_text, *(column[name] for name in (
        "kind", "numerator", "denominator", "value", "not_applicable", "reported", "latest_year", "as_of")))
    frame["counts_text"] = _per_distinct(_counts_text, *(column[name] for name in (
        "kind", "base_kind", "numerator", "denominator", "unit")))
    frame["target_text"] = _per_distinct(_target_text, *(column[name] for name in (
        "is_aggregate", "base_kind", "comparator", "target")))
    frame["projection_text"] = _per_distinct(_projection_text, column["kind"], column["projected_2030"])
    frame["status_label"] = _per_distinct(fmt.STATUS_LABELS.get, frame["status"].tolist())
    frame["indicator_short"] = _per_distinct(short_name, frame["indicator_code"].tolist(),
                                             frame["indicator_name"].tolist())
    frame["completeness_text"] = _per_distinct(_completeness_text, *(column[name] for name in (
        "is_aggregate", "reported", "expected", "as_of")))
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


def _per_distinct(text_of, *columns: list) -> list:
    """text_of(*values) of each row, computed once for each distinct row of values: the 49,000
    statuses of 3,300 localities hold about a thousand distinct figures, six targets and four years.
    Values that compare equal give the same text (formatting.format_decimal writes −0.0 as 0.0)."""
    texts: dict = {}
    result = []
    for values in zip(*columns):
        text = texts.get(values)
        if text is None:
            text = texts[values] = text_of(*values)
        result.append(text)
    return result


def _year_text(latest_year) -> str:
    return fmt.NO_VALUE if latest_year is None else str(int(latest_year))


def _value_text(kind, numerator, denominator, value, not_applicable, reported, latest_year, as_of) -> str:
    """The figure the status uses, marked where it is not of the year asked about: "95,0% (2024)",
    or "Chưa báo cáo năm 2025" where there is none (domain.md, "Which year a screen shows")."""
    if _missing(value):
        if not_applicable:
            return fmt.NOT_APPLICABLE
        return fmt.NO_VALUE if reported else not_reported_text(as_of)
    text = fmt.format_value(kind, numerator, denominator, value)
    older = latest_year is not None and int(latest_year) < int(as_of)
    return f"{text} ({int(latest_year)})" if older else text


def _counts_text(kind, base_kind, numerator, denominator, unit) -> str:
    if kind != Kind.RATIO:
        return ""
    return fmt.format_counts(numerator, denominator, "địa phương" if base_kind == Kind.BOOLEAN else unit)


def _target_text(is_aggregate, base_kind, comparator, target) -> str:
    if is_aggregate and base_kind == Kind.BOOLEAN:
        return "Có (100% địa phương)"
    return fmt.format_target(base_kind, comparator, target)


def _projection_text(kind, projected) -> str:
    return fmt.format_projection(kind, None if _missing(projected) else projected)


def _completeness_text(is_aggregate, reported, expected, as_of) -> str:
    if is_aggregate:
        return _aggregate_completeness(reported, expected)
    return "Đã báo cáo" if reported else not_reported_text(as_of)
