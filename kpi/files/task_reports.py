"""Task-report files (CSV or XLSX) -> checked task reports, applied whole or not at all; and the
template staff download to fill in.

Read by the same bounded reader as reading files (kpi.files.sheets); the rows then go through the one
write path, kpi.store.tasks.apply_task_reports. Problems name the row as Excel shows it and the
column header as written in the file. Statuses are accepted as codes or as their Vietnamese labels,
any case, with or without diacritics.
"""

import io
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from kpi.files.sheets import header_key, read_sheet, uncalculated_problems
from kpi.formatting import fold
from kpi.periods import TASK_STATUS_LABELS, period_label, periods
from kpi.problems import Problem, Rejected
from kpi.store import queries
from kpi.store.accounts import Account
from kpi.store.readings import WriteResult, checksum
from kpi.store.tasks import TASK_REPORT_COLUMNS, TASK_REPORT_LABELS, apply_task_reports, plan_tasks, task_reports
from kpi.vocabulary import ROW_COLUMN, Source

HEADER_COLUMNS = {header_key(name): column for column, label in TASK_REPORT_LABELS.items() for name in (column, label)}
REQUIRED = ["locality_code", "task_code", "period", "status"]
STATUS_WORDS = {fold(word): status for status, label in TASK_STATUS_LABELS.items() for word in (status.value, label)}
HELP_COLUMNS = {"locality_name": "Tên địa phương", "period_label": "Kỳ (đọc là)", "group": "Nhóm nhiệm vụ",
                "title": "Nhiệm vụ", "lead": "Cơ quan chủ trì", "output": "Sản phẩm đầu ra (theo kế hoạch)",
                "due_text": "Hạn"}
# OWASP: text starting with these is a formula to a spreadsheet program opening a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ParsedTaskFile:
    rows: list[dict]
    labels: dict[str, str]
    file_name: str
    checksum: str
    skipped_rows: tuple[int, ...] = ()
    # Which sheet of a workbook was read, when it had several (kpi.files.sheets).
    notice: str | None = None


def import_task_file(engine: Engine, data: bytes, file_name: str, *, user: Account | None = None,
                     user_name: str | None = None, dry_run: bool = False) -> WriteResult:
    return apply_parsed_tasks(engine, parse_task_file(data, file_name), user=user, user_name=user_name, dry_run=dry_run)


def apply_parsed_tasks(engine: Engine, parsed: ParsedTaskFile, *, user: Account | None = None,
                       user_name: str | None = None, dry_run: bool = False) -> WriteResult:
    return apply_task_reports(engine, parsed.rows, source=Source.IMPORT, user=user, user_name=user_name,
                              file_name=parsed.file_name, dry_run=dry_run, labels=parsed.labels)


def parse_task_file(data: bytes, file_name: str) -> ParsedTaskFile:
    """The file's task reports (status as a code), or Rejected with every problem of the file itself;
    what the rows mean for the plans is checked by the write path."""
    sheet = read_sheet(data, file_name, frozenset(HEADER_COLUMNS))
    positions: dict[str, int] = {}
    problems = list(sheet.problems)
    for position, header in enumerate(sheet.headers):
        column = HEADER_COLUMNS.get(header_key(header))
        if column is None:
            continue
        if column in positions:
            problems.append(Problem(sheet.header_row, header, "", f"Tệp có hai cột «{TASK_REPORT_LABELS[column]}» "
                                                                  f"({column}): chỉ được có một."))
        positions.setdefault(column, position)
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise Rejected(problems + [Problem(sheet.header_row, None, "", "Thiếu cột bắt buộc: " + ", ".join(
            f"«{TASK_REPORT_LABELS[c]}» ({c})" for c in missing) + ". Dòng tiêu đề đọc được: "
            + ", ".join(f"«{h}»" for h in sheet.headers if h) + ".")])
    labels = {column: sheet.headers[positions[column]] if column in positions else TASK_REPORT_LABELS[column]
              for column in TASK_REPORT_COLUMNS}
    if sheet.uncalculated is not None:
        problems += uncalculated_problems(sheet, positions.values())
    rows, skipped = [], []
    for record in sheet.text.itertuples(index=False):
        cells = {column: str(record[positions[column]]) if column in positions else "" for column in TASK_REPORT_COLUMNS}
        row = int(record[-1])
        if not (cells["status"] or cells["evidence"] or cells["note"]):
            skipped.append(row)
            continue
        status = STATUS_WORDS.get(fold(" ".join(cells["status"].split())))
        if status is None:
            problems.append(Problem(row, labels["status"], cells["status"],
                                    "Tình trạng phải là «Chưa thực hiện», «Đang thực hiện» hoặc «Hoàn thành» "
                                    "(hoặc not_started, in_progress, done)." if cells["status"] else "Thiếu tình trạng."))
        rows.append({**cells, "status": status.value if status else "", ROW_COLUMN: row})
    if not rows and not problems:
        problems.append(Problem(None, None, "", "Tệp không có dòng báo cáo nào: hãy ghi Tình trạng cho các nhiệm vụ."))
    if problems:
        raise Rejected(sorted(problems, key=lambda problem: problem.row or 0))
    return ParsedTaskFile(rows, labels, file_name, checksum(data), tuple(skipped), sheet.notice)


def template_frame(engine: Engine, locality_code: str, year: int) -> pd.DataFrame:
    """One row per task and period of the locality's plan due in the year, with what is already
    reported; names, lead agency and due date after the columns read back."""
    localities = queries.localities(engine).set_index("code")
    if locality_code not in localities.index or not isinstance(localities.at[locality_code, "plan_code"], str):
        raise Rejected([Problem(None, None, locality_code, "Không có địa phương có kế hoạch với mã này.")])
    tasks = plan_tasks(engine)
    tasks = tasks[tasks["plan_code"] == localities.at[locality_code, "plan_code"]]
    stored = task_reports(engine, year, [locality_code]).set_index(["task_code", "period"])
    rows = []
    for task in tasks.itertuples():
        for period, due in periods(task.schedule, task.due, year):
            report = stored.loc[(task.code, period)] if (task.code, period) in stored.index else None
            rows.append({
                "locality_code": locality_code, "task_code": task.code, "period": period,
                "status": TASK_STATUS_LABELS[report["status"]] if report is not None else "",
                "evidence": _text(report["evidence"]) if report is not None else "",
                "note": _text(report["note"]) if report is not None else "",
                "locality_name": localities.at[locality_code, "name"], "period_label": period_label(period),
                "group": task.group, "title": task.title, "lead": task.lead, "output": _text(task.output),
                "due_text": due.strftime("%d/%m/%Y"),
            })
    frame = pd.DataFrame(rows, columns=[*TASK_REPORT_COLUMNS, *HELP_COLUMNS])
    return frame.rename(columns=HELP_COLUMNS)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def template_bytes(engine: Engine, locality_code: str, year: int, file_format: str) -> bytes:
    """The template as .csv (UTF-8 with BOM, for Excel) or .xlsx, every cell written as text: a
    report's text that starts with `=` stays text, never a formula."""
    frame = template_frame(engine, locality_code, year)
    if file_format == "csv":
        as_text = frame.map(lambda text: f"'{text}" if str(text).startswith(FORMULA_STARTS) else text)
        return as_text.to_csv(index=False).encode("utf-8-sig")
    if file_format != "xlsx":
        raise ValueError(f"Định dạng không hỗ trợ: {file_format}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhiệm vụ")
    widths = [14, 10, 9, 16, 40, 30, 20, 12, 40, 60, 30, 30, 11]
    for index, width in enumerate(widths[:len(frame.columns)], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_text_cell(sheet, header, bold=True) for header in frame.columns])
    for values in frame.itertuples(index=False):
        sheet.append([_text_cell(sheet, value) for value in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def template_file_name(locality_code: str, year: int, file_format: str) -> str:
    return f"mau_bao_cao_nhiem_vu_{locality_code}_{year}.{file_format}"
