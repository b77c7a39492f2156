"""The meeting report as an Excel workbook for staff who rework the figures: numbers stay numbers
(Excel shows them with the reader's own separators), one row per figure, Vietnamese headers."""

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi import report
from kpi.report import ReportContent

INFO_SHEET, STATUS_SHEET, READINGS_SHEET = "Thông tin", "Đánh giá", "Số liệu"
PERCENT_FORMAT = "0.0"
INTEGER_FORMAT = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="E7EAEE")
DEMO_FONT = Font(bold=True, color="CF222E")

# (header, number format or None for text)
STATUS_COLUMNS = [
    ("Mã địa phương", None), ("Địa phương", None), ("Số liệu tổng hợp", None), ("Nhóm", None),
    ("Mã chỉ tiêu", None), ("Chỉ tiêu", None), ("Năm đánh giá", "0"), ("Năm số liệu mới nhất", "0"),
    ("Tử số", INTEGER_FORMAT), ("Mẫu số", INTEGER_FORMAT), ("Tỷ lệ (%)", PERCENT_FORMAT), ("Giá trị", INTEGER_FORMAT),
    ("Số liệu (hiển thị)", None), ("Mục tiêu 2030", None), ("Dự báo 2030", PERCENT_FORMAT), ("Đánh giá", None),
    ("Số địa phương đã báo cáo", INTEGER_FORMAT), ("Số địa phương phải báo cáo", INTEGER_FORMAT),
]
READING_COLUMNS = [
    ("Mã địa phương", None), ("Địa phương", None), ("Số liệu tổng hợp", None), ("Nhóm", None),
    ("Mã chỉ tiêu", None), ("Chỉ tiêu", None), ("Năm", "0"), ("Tử số", INTEGER_FORMAT), ("Mẫu số", INTEGER_FORMAT),
    ("Tỷ lệ (%)", PERCENT_FORMAT), ("Giá trị", INTEGER_FORMAT), ("Số liệu (hiển thị)", None),
    ("Số địa phương đã báo cáo", INTEGER_FORMAT), ("Số địa phương phải báo cáo", INTEGER_FORMAT),
    ("Dữ liệu minh họa", None), ("Ghi chú", None),
]


def report_xlsx(engine: Engine, year: int, locality_code: str | None = None) -> bytes:
    return render_xlsx(report.build_content(engine, year, locality_code))


def render_xlsx(content: ReportContent) -> bytes:
    workbook = Workbook()
    _info_sheet(workbook.active, content)
    _table_sheet(workbook.create_sheet(STATUS_SHEET), STATUS_COLUMNS, _status_rows(content))
    _table_sheet(workbook.create_sheet(READINGS_SHEET), READING_COLUMNS, _reading_rows(content))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _info_sheet(sheet, content: ReportContent) -> None:
    sheet.title = INFO_SHEET
    lines = [("BÁO CÁO", Font(bold=True, size=14)), (report.report_title(content), Font(bold=True, size=12))]
    if content.demo_count:
        lines.append((f"LƯU Ý: cơ sở dữ liệu có {fmt.format_integer(content.demo_count)} số liệu minh họa "
                      "(dữ liệu demo, không phải số liệu thật).", DEMO_FONT))
    lines += [
        (f"Phạm vi: {content.locality_name}. Số liệu tính đến hết năm {content.year}.", None),
        (report.summary_paragraph(content), None),
        (report.completeness_sentence(content), None),
        (f"Lập ngày {content.generated_at.strftime('%d/%m/%Y %H:%M')} từ hệ thống theo dõi chỉ tiêu.", None),
        (f"Trang «{STATUS_SHEET}»: đánh giá từng chỉ tiêu của từng địa phương trong phạm vi; "
         f"trang «{READINGS_SHEET}»: số liệu từng năm (gồm cả số liệu tổng hợp).", None),
    ]
    for number, (text, font) in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
    sheet.column_dimensions["A"].width = 120


def _status_rows(content: ReportContent) -> list[list]:
    rows = []
    for row in content.described.itertuples():
        ratio = row.kind == "ratio"
        rows.append([
            row.locality_code, row.locality_name, _yes_no(row.is_aggregate), row.group, row.indicator_code,
            row.indicator_name, row.as_of, _number(row.latest_year), _number(row.numerator), _number(row.denominator),
            _percent(row.numerator, row.denominator) if ratio else None, None if ratio else _number(row.value),
            row.value_text, row.target_text, _float(row.projected_2030), row.status_label,
            int(row.reported), int(row.expected),
        ])
    return rows


def _reading_rows(content: ReportContent) -> list[list]:
    rows = []
    for row in content.series.itertuples():
        ratio = row.kind == "ratio"
        rows.append([
            row.locality_code, row.locality_name, _yes_no(row.is_aggregate), row.group, row.indicator_code,
            row.indicator_name, int(row.year), _number(row.numerator), _number(row.denominator),
            _percent(row.numerator, row.denominator) if ratio else None, None if ratio else _number(row.value),
            fmt.format_value(row.kind, row.numerator, row.denominator, row.value),
            int(row.reported), int(row.expected),
            None if pd.isna(row.is_demo) else _yes_no(row.is_demo),
            None if pd.isna(row.note) else row.note,
        ])
    return rows


def _table_sheet(sheet, columns: list[tuple[str, str | None]], rows: list[list]) -> None:
    sheet.append([header for header, _ in columns])
    for row in rows:
        sheet.append(row)
    for index, (header, number_format) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        heading = sheet.cell(row=1, column=index)
        heading.font, heading.fill = Font(bold=True), HEADER_FILL
        heading.alignment = Alignment(wrap_text=True, vertical="top")
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        longest = max([len(str(r[index - 1])) for r in rows[:200] if r[index - 1] is not None] + [len(header) // 2, 6])
        sheet.column_dimensions[letter].width = min(longest + 2, 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(rows) + 1, 1)}"


def _percent(numerator, denominator) -> float | None:
    """Cut to one decimal like every screen, so a sheet never shows 100,0 for a figure short of 100%;
    the counts beside it keep the exact figure."""
    numerator, denominator = _number(numerator), _number(denominator)
    if numerator is None or not denominator:
        return None
    return fmt.truncated_percent(numerator, denominator)


def _number(value) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def _float(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 1)


def _yes_no(flag) -> str:
    return "có" if bool(flag) else "không"
