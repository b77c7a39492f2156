"""The meeting report as an Excel workbook for staff who rework the figures: numbers stay numbers
(Excel shows them with the reader's own separators), one row per figure, Vietnamese headers.

Written in openpyxl's write-only mode, without a style per cell: a city of 3.300 communes has a few
hundred thousand figures, which the ordinary mode took minutes to write. Percentages have one decimal
and counts are whole numbers, so Excel's General format shows them as they are. Text from data goes
through kpi.files.formulas.neutralise, so no name or note becomes a formula."""

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.files import xlsx_tables
from kpi.files.xlsx_tables import Column, Lines, Style, Table
from kpi.report import content as report
from kpi.report.content import ReportContent
from kpi.vocabulary import YES_NO_TEXT, Kind

INFO_SHEET, STATUS_SHEET, READINGS_SHEET, TASKS_SHEET = "Thông tin", "Đánh giá", "Số liệu", "Nhiệm vụ"
HEADER = Style(bold=True, fill="E7EAEE")
TITLE, SUBTITLE, PLAIN = Style(bold=True, size=14), Style(bold=True, size=12), Style()
DEMO = Style(bold=True, colour="CF222E")
# Column widths follow the longest text of this many first rows.
WIDTH_SAMPLE = 200
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


def _values(frame: pd.DataFrame, name: str) -> list:
    """A column as plain Python values, None where missing: the columns are walked value by value."""
    column = frame[name]
    return column.astype(object).where(column.notna(), None).tolist()


def _identity(frame: pd.DataFrame) -> list[tuple[list, str]]:
    """The columns both sheets start with: which locality and which indicator."""
    return [(_values(frame, "locality_code"), TEXT), (_values(frame, "locality_name"), TEXT),
            ([_yes_no(flag) for flag in _values(frame, "is_aggregate")], TEXT), (_values(frame, "group"), TEXT),
            (_values(frame, "indicator_code"), TEXT), (_values(frame, "indicator_name"), TEXT)]


def _figures(frame: pd.DataFrame) -> list[tuple[list, str]]:
    """Numerator, denominator, then the percentage (ratios) or the value (counts, booleans), as numbers."""
    ratio = [kind == Kind.RATIO for kind in _values(frame, "kind")]
    numerators, denominators = _numbers(frame, "numerator"), _numbers(frame, "denominator")
    values = _numbers(frame, "value")
    return [(numerators, NUMBER), (denominators, NUMBER),
            ([_percent(n, d) if r else None for r, n, d in zip(ratio, numerators, denominators)], NUMBER),
            ([None if r else v for r, v in zip(ratio, values)], NUMBER)]


def _status_columns(content: ReportContent) -> list[tuple[list, str]]:
    frame = content.described
    return [
        *_identity(frame), (_values(frame, "as_of"), NUMBER), (_numbers(frame, "latest_year"), NUMBER), *_figures(frame),
        (_values(frame, "value_text"), TEXT), (_values(frame, "target_text"), TEXT),
        ([None if v is None else round(float(v), 1) for v in _values(frame, "projected_2030")], NUMBER),
        (_values(frame, "status_label"), TEXT), (_numbers(frame, "reported"), NUMBER),
        (_numbers(frame, "expected"), NUMBER),
    ]


def _reading_columns(content: ReportContent) -> list[tuple[list, str]]:
    frame = content.series
    texts = _memo(fmt.format_value)
    shown = [texts(*figure) for figure in zip(_values(frame, "kind"), _values(frame, "numerator"),
                                               _values(frame, "denominator"), _values(frame, "value"))]
    return [
        *_identity(frame), (_numbers(frame, "year"), NUMBER), *_figures(frame), (shown, TEXT),
        (_numbers(frame, "reported"), NUMBER), (_numbers(frame, "expected"), NUMBER),
        ([None if flag is None else _yes_no(flag) for flag in _values(frame, "is_demo")], TEXT),
        (_values(frame, "note"), TEXT),
    ]


def _task_columns(content: ReportContent) -> list[tuple[list, str]]:
    """Every task due in the year and its state; text typed by people written as typed (a text cell,
    never a formula)."""
    tasks = content.tasks
    typed = [([v if isinstance(v, str) else None for v in _values(tasks, name)], TYPED)
             for name in ("group", "title", "lead", "output", "evidence", "note")]
    group, title, lead, output, evidence, note = typed
    return [
        (_values(tasks, "locality_code"), TEXT), (_values(tasks, "locality_name"), TEXT), group,
        (_values(tasks, "task_code"), TEXT), title, lead, output, (_values(tasks, "period_label"), TEXT),
        ([due.strftime("%d/%m/%Y") for due in tasks["due"]], TEXT), (_values(tasks, "status_label"), TEXT),
        ([_yes_no(flag) for flag in tasks["overdue"]], TEXT), evidence, note,
    ]


def _table(name: str, headers: list[str], columns: list[tuple[list, str]]) -> Table:
    return Table(name, [
        Column(header, values, _width(header, values), number=kind == NUMBER, neutralised=kind != TYPED)
        for header, (values, kind) in zip(headers, columns)
    ], HEADER)


def _width(header: str, values: list) -> float:
    """Wide enough for the longest of the first rows (and half the header, which wraps), within 6 to 60."""
    longest = max([len(str(v)) for v in values[:WIDTH_SAMPLE] if v is not None] + [len(header) // 2, 6])
    return min(longest + 2, 60)


def _memo(function):
    """function with each distinct argument tuple computed once: a city repeats the same figures often."""
    results: dict = {}

    def cached(*args):
        if args not in results:
            results[args] = function(*args)
        return results[args]

    return cached


def _numbers(frame: pd.DataFrame, name: str) -> list:
    """Whole numbers as Python ints, None where missing."""
    return [None if v is None else int(v) for v in _values(frame, name)]


def _percent(numerator: int | None, denominator: int | None) -> float | None:
    """Rounded to one decimal as on every screen (never 100,0 for a figure short of 100%); the counts
    beside it keep the exact figure."""
    if numerator is None or not denominator:
        return None
    return fmt.displayed_percent(numerator, denominator)


def _yes_no(flag) -> str:
    return YES_NO_TEXT[bool(flag)]
