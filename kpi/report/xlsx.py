"""The meeting report as an Excel workbook for staff who rework the figures: numbers stay numbers
(Excel shows them with the reader's own separators), one row per figure, Vietnamese headers.

Written a column at a time by kpi.files.xlsx_tables, without a style per cell: a city of 3.300
communes has some 300.000 rows, which openpyxl, even write-only, took most of a minute to write cell
by cell. Percentages have one decimal and counts are whole numbers, so Excel's General format shows
them as they are. Text from data goes through kpi.files.formulas.neutralise, so no name or note
becomes a formula; text typed by people for a task is written as typed, as text."""

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.files import xlsx_tables
from kpi.files.xlsx_tables import Column, Lines, Style, Table, fitted_width
from kpi.report import content as report
from kpi.report.content import ReportContent
from kpi.vocabulary import FIGURES, YES_NO_TEXT, Kind

INFO_SHEET, STATUS_SHEET, READINGS_SHEET, TASKS_SHEET = "Thông tin", "Đánh giá", "Số liệu", "Nhiệm vụ"
HEADER = Style(bold=True, fill="E7EAEE")
TITLE, SUBTITLE, PLAIN = Style(bold=True, size=14), Style(bold=True, size=12), Style()
DEMO = Style(bold=True, colour="CF222E")
# What a column holds: text from data (neutralised), numbers, or text typed by people, written as
# typed (see xlsx_tables.Column.neutralised).
TEXT, NUMBER, TYPED = "text", "number", "typed"

STATUS_COLUMNS = [
    "Mã địa phương", "Địa phương", "Số liệu tổng hợp", "Nhóm", "Mã chỉ tiêu", "Chỉ tiêu", "Năm đánh giá",
    "Năm số liệu mới nhất", "Tử số", "Mẫu số", "Tỷ lệ (%)", "Giá trị", "Số liệu (hiển thị)", "Mục tiêu 2030",
    "Dự báo 2030", "Đánh giá", "Số địa phương đã báo cáo", "Số địa phương phải báo cáo",
]
TASK_COLUMNS = [
    "Mã địa phương", "Địa phương", "Nhóm nhiệm vụ", "Mã nhiệm vụ", "Nhiệm vụ", "Cơ quan chủ trì",
    "Sản phẩm đầu ra (theo kế hoạch)", "Kỳ", "Hạn", "Tình trạng", "Quá hạn", "Sản phẩm (đã báo cáo)", "Ghi chú",
]
READING_COLUMNS = [
    "Mã địa phương", "Địa phương", "Số liệu tổng hợp", "Nhóm", "Mã chỉ tiêu", "Chỉ tiêu", "Năm", "Tử số", "Mẫu số",
    "Tỷ lệ (%)", "Giá trị", "Số liệu (hiển thị)", "Số địa phương đã báo cáo", "Số địa phương phải báo cáo",
    "Dữ liệu minh họa", "Ghi chú",
]


def report_xlsx(engine: Engine, year: int, locality_code: str | None = None) -> bytes:
    return render_xlsx(report.build_content(engine, year, locality_code))


def render_xlsx(content: ReportContent) -> bytes:
    return xlsx_tables.workbook([
        _info_sheet(content),
        _table(STATUS_SHEET, STATUS_COLUMNS, _status_columns(content)),
        _table(READINGS_SHEET, READING_COLUMNS, _reading_columns(content)),
        _table(TASKS_SHEET, TASK_COLUMNS, _task_columns(content)),
    ])


def _info_sheet(content: ReportContent) -> Lines:
    lines = [("BÁO CÁO", TITLE), (report.report_title(content), SUBTITLE)]
    if content.demo_count:
        lines.append((f"LƯU Ý: cơ sở dữ liệu có {fmt.format_integer(content.demo_count)} số liệu minh họa "
                      "(dữ liệu minh họa, không phải số liệu thật).", DEMO))
    lines += [(text, PLAIN) for text in (
        f"Phạm vi: {content.locality_name}. Số liệu tính đến hết năm {content.year}.",
        report.summary_paragraph(content),
        report.completeness_sentence(content),
        report.cycle_sentence(content),
        report.task_sentence(content),
        f"Lập ngày {content.generated_at.strftime('%d/%m/%Y %H:%M')} từ hệ thống theo dõi chỉ tiêu.",
        f"Trang «{STATUS_SHEET}»: đánh giá từng chỉ tiêu của từng địa phương trong phạm vi; "
        f"trang «{READINGS_SHEET}»: số liệu từng năm từ {content.years[0]} đến {content.years[-1]} "
        "(gồm cả số liệu tổng hợp).",
    )]
    return Lines(INFO_SHEET, 120, lines)


def _plain(column: pd.Series) -> list:
    """A column as plain Python values, None where missing, for the columns computed value by value."""
    return column.astype(object).where(column.notna(), None).tolist()


def _whole(column: pd.Series) -> pd.Series:
    """Whole numbers, cut as int() cuts (figures are counts; the engine keeps them as floats beside NaN)."""
    return pd.Series(pd.array(np.trunc(column.to_numpy(dtype=np.float64, na_value=np.nan)), dtype="Int64"))


def _yes_no(flags: pd.Series) -> pd.Series:
    """"có"/"không", empty where there is no flag (an aggregate is no reading, demo or not)."""
    return pd.Series(np.where(flags.astype(bool), YES_NO_TEXT[True], YES_NO_TEXT[False]),
                     dtype=object).where(flags.notna().to_numpy(), None)


def _identity(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    """The columns both sheets start with: which locality and which indicator."""
    return [(frame["locality_code"], TEXT), (frame["locality_name"], TEXT), (_yes_no(frame["is_aggregate"]), TEXT),
            (frame["group"], TEXT), (frame["indicator_code"], TEXT), (frame["indicator_name"], TEXT)]


def _figures(frame: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    """Numerator, denominator, then the percentage (ratios) or the value (counts, booleans), as numbers."""
    numerators, denominators = _whole(frame["numerator"]), _whole(frame["denominator"])
    ratio = (frame["kind"] == Kind.RATIO).to_numpy()
    return [(numerators, NUMBER), (denominators, NUMBER), (_percents(ratio, numerators, denominators), NUMBER),
            (_whole(frame["value"].mask(ratio)), NUMBER)]


def _percents(ratio: np.ndarray, numerators: pd.Series, denominators: pd.Series) -> pd.Series:
    """A ratio's percentage rounded to one decimal as on every screen (never 100,0 for a figure short
    of 100%), empty without a denominator above 0; the counts beside it keep the exact figure."""
    shown = ratio & numerators.notna().to_numpy() & (denominators.fillna(0) > 0).to_numpy()
    percents = np.full(len(ratio), np.nan)
    percents[shown] = fmt.displayed_percents(numerators[shown].to_numpy(dtype=np.int64),
                                             denominators[shown].to_numpy(dtype=np.int64))
    return pd.Series(percents)


def _status_columns(content: ReportContent) -> list[tuple[pd.Series, str]]:
    frame = content.described
    projected = [None if v is None else round(float(v), 1) for v in _plain(frame["projected_2030"])]
    return [
        *_identity(frame), (frame["as_of"], NUMBER), (_whole(frame["latest_year"]), NUMBER), *_figures(frame),
        (frame["value_text"], TEXT), (frame["target_text"], TEXT), (pd.Series(projected, dtype=object), NUMBER),
        (frame["status_label"], TEXT), (_whole(frame["reported"]), NUMBER), (_whole(frame["expected"]), NUMBER),
    ]


def _reading_columns(content: ReportContent) -> list[tuple[pd.Series, str]]:
    frame = content.series
    # A ratio's figure is its numerator and denominator (its value is the percentage, not a count).
    counted = frame.assign(value=frame["value"].mask(frame["kind"] == Kind.RATIO))
    figures = list(zip(_plain(frame["kind"]), *(_plain(_whole(counted[name])) for name in FIGURES)))
    # Each distinct figure formatted once: a city's readings repeat the same few thousand figures.
    texts = {figure: fmt.format_value(*figure) for figure in set(figures)}
    return [
        *_identity(frame), (frame["year"], NUMBER), *_figures(frame),
        (pd.Series([texts[figure] for figure in figures], dtype=object), TEXT),
        (_whole(frame["reported"]), NUMBER), (_whole(frame["expected"]), NUMBER), (_yes_no(frame["is_demo"]), TEXT),
        (frame["note"], TEXT),
    ]


def _task_columns(content: ReportContent) -> list[tuple[pd.Series, str]]:
    """Every task due in the year and its state; text typed by people written as typed (a text cell,
    never a formula)."""
    tasks = content.tasks

    def typed(name: str) -> tuple[pd.Series, str]:
        return tasks[name].where(tasks[name].map(lambda v: isinstance(v, str)), None), TYPED

    return [
        (tasks["locality_code"], TEXT), (tasks["locality_name"], TEXT), typed("group"), (tasks["task_code"], TEXT),
        typed("title"), typed("lead"), typed("output"), (tasks["period_label"], TEXT),
        (pd.Series([due.strftime("%d/%m/%Y") for due in tasks["due"]], dtype=object), TEXT),
        (tasks["status_label"], TEXT), (_yes_no(tasks["overdue"]), TEXT), typed("evidence"), typed("note"),
    ]


def _table(name: str, headers: list[str], columns: list[tuple[pd.Series, str]]) -> Table:
    return Table(name, [
        Column(header, values.reset_index(drop=True), _width(header, values), number=kind == NUMBER,
               neutralised=kind != TYPED)
        for header, (values, kind) in zip(headers, columns)
    ], HEADER)


def _width(header: str, values: pd.Series) -> float:
    """Wide enough for the longest of the first rows (and half the header, which wraps), within 6 to 60."""
    return fitted_width(values, max(len(header) // 2, 6))
