"""The meeting report as an Excel workbook for staff who rework the figures: numbers stay numbers
(Excel shows them with the reader's own separators), one row per figure, Vietnamese headers.

Written in openpyxl's write-only mode, without a style per cell: a city of 3.300 communes has a few
hundred thousand figures, which the ordinary mode took minutes to write. Percentages have one decimal
and counts are whole numbers, so Excel's General format shows them as they are. Text from data goes
through kpi.files.formulas.neutralise, so no name or note becomes a formula."""

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.files.formulas import neutralise
from kpi.report import content as report
from kpi.report.content import ReportContent
from kpi.vocabulary import YES_NO_TEXT, Kind

INFO_SHEET, STATUS_SHEET, READINGS_SHEET, TASKS_SHEET = "Thông tin", "Đánh giá", "Số liệu", "Nhiệm vụ"
HEADER_FILL = PatternFill("solid", fgColor="E7EAEE")
DEMO_FONT = Font(bold=True, color="CF222E")

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
    workbook = Workbook(write_only=True)
    _info_sheet(workbook.create_sheet(INFO_SHEET), content)
    _table_sheet(workbook.create_sheet(STATUS_SHEET), STATUS_COLUMNS, _status_rows(content))
    _table_sheet(workbook.create_sheet(READINGS_SHEET), READING_COLUMNS, _reading_rows(content))
    tasks_sheet = workbook.create_sheet(TASKS_SHEET)
    _table_sheet(tasks_sheet, TASK_COLUMNS, _task_rows(tasks_sheet, content))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _info_sheet(sheet, content: ReportContent) -> None:
    lines = [("BÁO CÁO", Font(bold=True, size=14)), (report.report_title(content), Font(bold=True, size=12))]
    if content.demo_count:
        lines.append((f"LƯU Ý: cơ sở dữ liệu có {fmt.format_integer(content.demo_count)} số liệu minh họa "
                      "(dữ liệu minh họa, không phải số liệu thật).", DEMO_FONT))
    lines += [
        (f"Phạm vi: {content.locality_name}. Số liệu tính đến hết năm {content.year}.", None),
        (report.summary_paragraph(content), None),
        (report.completeness_sentence(content), None),
        (report.cycle_sentence(content), None),
        (report.task_sentence(content), None),
        (f"Lập ngày {content.generated_at.strftime('%d/%m/%Y %H:%M')} từ hệ thống theo dõi chỉ tiêu.", None),
        (f"Trang «{STATUS_SHEET}»: đánh giá từng chỉ tiêu của từng địa phương trong phạm vi; "
         f"trang «{READINGS_SHEET}»: số liệu từng năm từ {content.years[0]} đến {content.years[-1]} "
         "(gồm cả số liệu tổng hợp).", None),
    ]
    sheet.column_dimensions["A"].width = 120
    for text, font in lines:
        cell = WriteOnlyCell(sheet, value=neutralise(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
        sheet.append([cell])


def _identity(row) -> list:
    """The columns both sheets start with: which locality and which indicator."""
    return [row.locality_code, row.locality_name, _yes_no(row.is_aggregate), row.group, row.indicator_code,
            row.indicator_name]


def _figures(row) -> list:
    """Numerator, denominator, then the percentage (ratios) or the value (counts, booleans), as numbers."""
    ratio = row.kind == Kind.RATIO
    return [_number(row.numerator), _number(row.denominator),
            _percent(row.numerator, row.denominator) if ratio else None, None if ratio else _number(row.value)]


def _status_rows(content: ReportContent) -> list[list]:
    rows = []
    for row in content.described.itertuples():
        rows.append([
            *_identity(row), row.as_of, _number(row.latest_year), *_figures(row),
            row.value_text, row.target_text, _float(row.projected_2030), row.status_label,
            int(row.reported), int(row.expected),
        ])
    return rows


def _reading_rows(content: ReportContent) -> list[list]:
    rows = []
    for row in content.series.itertuples():
        rows.append([
            *_identity(row), int(row.year), *_figures(row),
            fmt.format_value(row.kind, row.numerator, row.denominator, row.value),
            int(row.reported), int(row.expected),
            None if pd.isna(row.is_demo) else _yes_no(row.is_demo),
            None if pd.isna(row.note) else row.note,
        ])
    return rows


def _task_rows(sheet, content: ReportContent) -> list[list]:
    """Every task due in the year and its state; text typed by people written as text, never a formula."""
    rows = []
    for item in content.tasks.itertuples():
        rows.append([
            item.locality_code, item.locality_name, _text(sheet, item.group), item.task_code, _text(sheet, item.title),
            _text(sheet, item.lead), _text(sheet, item.output), item.period_label, item.due.strftime("%d/%m/%Y"),
            item.status_label, _yes_no(item.overdue), _text(sheet, item.evidence), _text(sheet, item.note),
        ])
    return rows


def _text(sheet, value) -> "WriteOnlyCell | None":
    if not isinstance(value, str):
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _table_sheet(sheet, columns: list[str], rows: list[list]) -> None:
    for index, header in enumerate(columns, start=1):
        longest = max([len(str(r[index - 1])) for r in rows[:200] if r[index - 1] is not None] + [len(header) // 2, 6])
        sheet.column_dimensions[get_column_letter(index)].width = min(longest + 2, 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    sheet.append([_heading(sheet, header) for header in columns])
    for row in rows:
        # Names and notes come from data: none of them may become a formula.
        sheet.append([neutralise(value) for value in row])


def _heading(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font, cell.fill = Font(bold=True), HEADER_FILL
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _percent(numerator, denominator) -> float | None:
    """Rounded to one decimal as on every screen (never 100,0 for a figure short of 100%); the counts
    beside it keep the exact figure."""
    numerator, denominator = _number(numerator), _number(denominator)
    if numerator is None or not denominator:
        return None
    return fmt.displayed_percent(numerator, denominator)


def _number(value) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def _float(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 1)


def _yes_no(flag) -> str:
    return YES_NO_TEXT[bool(flag)]
