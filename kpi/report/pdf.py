"""The page to take away: the overview of a scope, or one locality, as an A4 landscape PDF.

Laid out with fpdf2 (pure Python, from PyPI) in DejaVu Sans, the TrueType font matplotlib ships,
which covers Vietnamese; no browser is needed. The figures, statuses and marks are those of the
screen: the texts of kpi.engine.describe, the lists of kpi.engine.scope, the content of
kpi.report.content.
"""

import unicodedata
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine import scope as scope_overview
from kpi.report import content as report
from kpi.report.content import ReportContent

FONT = "DejaVu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
PAGE_WIDTH = 277  # mm inside the margins of an A4 landscape page
MARGIN = 10
DEMO_COLOUR = (0xCF, 0x22, 0x2E)
HEADER_FILL = (0xE7, 0xEA, 0xEE)
BLANK_FILL = (0xFF, 0xFF, 0xFF)
# Indicators furthest from their targets listed on the first page.
BEHIND_LISTED = 8
# The matrix of a scope: one column for the locality, the rest shared by the indicators.
LOCALITY_COLUMN = 44
MATRIX_SIZE = 7
MATRIX_ROW = 4.6
MATRIX_LINE = 3.4
HEADER_LINES = 3


def text(value) -> str:
    """Plain text in composed form (the font has the composed Vietnamese letters)."""
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def colour(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


class MeetingPdf(FPDF):
    def __init__(self, footer_text: str, demo: bool):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text, self.demo = footer_text, demo
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font(FONT, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        # Half a millimetre of padding in a cell: "Không phát sinh" fits a column of fifteen at 5 pt.
        self.c_margin = 0.5
        self.set_auto_page_break(True, margin=12)
        self.set_title(footer_text)
        self.set_creator("Hệ thống theo dõi chỉ tiêu thượng tôn pháp luật")

    def header(self):
        if self.demo:
            self.set_font(FONT, "B", 8)
            self.set_text_color(*DEMO_COLOUR)
            self.cell(0, 4, "DỮ LIỆU MINH HỌA — KHÔNG PHẢI SỐ LIỆU THẬT", align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-10)
        self.set_font(FONT, "I", 8)
        self.cell(0, 5, f"{self.footer_text} — Trang {self.page_no()}/{{nb}}", align="C")

    def heading(self, words: str, size: float = 12) -> None:
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text(words), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, words: str, size: float = 10, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, size * 0.5, text(words), new_x="LMARGIN", new_y="NEXT")


def report_pdf(engine: Engine, year: int, locality_code: str | None = None) -> bytes:
    """The overview of a scope (a locality with children) or the page of one locality, as of `year`."""
    return render_pdf(report.build_content(engine, year, locality_code))


def render_pdf(content: ReportContent) -> bytes:
    generated = content.generated_at.strftime("%d/%m/%Y %H:%M")
    pdf = MeetingPdf(f"{content.locality_name} — năm {content.year} — lập ngày {generated}", bool(content.demo_count))
    pdf.add_page()
    _title(pdf, content)
    _behind(pdf, content)
    if content.has_children:
        _not_reported(pdf, content)
        _matrix(pdf, content)
        _legend(pdf, content)
    _statuses(pdf, content)
    return bytes(pdf.output())


def _title(pdf: MeetingPdf, content: ReportContent) -> None:
    kind = "Tổng quan tiến độ đến năm 2030" if content.has_children else "Tiến độ các chỉ tiêu đến năm 2030"
    pdf.heading(f"{kind} — {content.locality_name} — năm {content.year}", size=15)
    pdf.paragraph(report.report_title(content), size=10, style="I")
    if content.demo_count:
        pdf.set_text_color(*DEMO_COLOUR)
        pdf.paragraph(f"Lưu ý: cơ sở dữ liệu đang có {fmt.format_integer(content.demo_count)} số liệu minh họa "
                      "(dữ liệu minh họa, không phải số liệu thật).", style="B")
        pdf.set_text_color(0, 0, 0)
    pdf.paragraph(f"{report.completeness_sentence(content)} {report.summary_paragraph(content)}")
    _status_key(pdf, content.status_counts)


def _status_key(pdf: MeetingPdf, counts: dict[str, int]) -> None:
    """One coloured square per status with its name and count: the key to every colour below."""
    pdf.ln(1)
    pdf.set_font(FONT, "", 9)
    for status in fmt.STATUS_ORDER:
        pdf.set_fill_color(*colour(fmt.STATUS_COLOURS[status]))
        pdf.cell(4, 4, "", fill=True)
        label = f" {fmt.STATUS_LABELS[status]}: {fmt.format_integer(counts[status])}   "
        pdf.cell(pdf.get_string_width(label) + 1, 4, label)
    pdf.set_fill_color(*BLANK_FILL)
    pdf.ln(6)


def _behind(pdf: MeetingPdf, content: ReportContent) -> None:
    behind = content.behind.head(BEHIND_LISTED)
    pdf.heading("Các chỉ tiêu còn xa mục tiêu năm 2030 nhất")
    if behind.empty:
        pdf.paragraph("Không có chỉ tiêu nào có số liệu mà chưa đạt mục tiêu.")
        return
    headers = ["Chỉ tiêu", "Giá trị", "Mục tiêu 2030", "Đánh giá", "Còn cách mục tiêu", "So với năm trước"]
    rows = [[r.indicator_name, r.value_text, r.target_text, r.status_label, r.gap_text, r.change_text]
            for r in behind.itertuples()]
    _table(pdf, headers, rows, [92, 22, 30, 28, 45, 60], status_column=3, statuses=behind["status"].tolist())


def _not_reported(pdf: MeetingPdf, content: ReportContent) -> None:
    missing = content.not_reported
    pdf.heading(f"Địa phương chưa báo cáo năm {content.year} "
                f"({fmt.format_integer(len(missing))}/{fmt.format_integer(content.expected_localities)})")
    if missing.empty:
        pdf.paragraph("Tất cả các địa phương đã báo cáo.")
        return
    pdf.paragraph("; ".join(missing["label"]) + ".")


def _matrix(pdf: MeetingPdf, content: ReportContent) -> None:
    """Every locality of the scope in the order of the ranking, the aggregate first, × its indicators.

    Drawn cell by cell (fpdf2's table wraps each cell's text: minutes at 3,300 localities); every
    text is one line that fits its cell (tests/report/test_pdf.py checks the widths)."""
    codes = [content.locality_code, *content.ranking["locality_code"]]
    grid = scope_overview.matrix(content.described, codes)
    if grid.status.empty:
        return
    pdf.add_page()
    pdf.heading(f"Ma trận chỉ tiêu năm {content.year}: địa phương theo thứ tự xếp hạng (tỷ lệ chỉ tiêu đạt)")
    _status_key(pdf, content.status_counts)
    width = (PAGE_WIDTH - LOCALITY_COLUMN) / len(grid.short)
    pdf.set_draw_color(255, 255, 255)
    _matrix_header(pdf, grid.short, width)
    for locality in grid.status.columns:
        if pdf.will_page_break(MATRIX_ROW):
            pdf.add_page()
            _matrix_header(pdf, grid.short, width)
        pdf.set_fill_color(*BLANK_FILL)
        pdf.set_text_color(0, 0, 0)
        fitted_cell(pdf, LOCALITY_COLUMN, text(locality), align="L")
        for indicator in grid.status.index:
            status = grid.status.at[indicator, locality]
            if not isinstance(status, str):
                pdf.cell(width, MATRIX_ROW, "", border=1)
                continue
            pdf.set_fill_color(*colour(fmt.STATUS_COLOURS[status]))
            pdf.set_text_color(*colour(fmt.text_colour(fmt.STATUS_COLOURS[status])))
            fitted_cell(pdf, width, text(grid.value.at[indicator, locality]), fill=True)
        pdf.ln(MATRIX_ROW)
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(*BLANK_FILL)
    pdf.set_draw_color(0, 0, 0)


def fitting_size(pdf: FPDF, words: str, width: float, size: float = MATRIX_SIZE) -> float:
    """The matrix's font size, or a smaller one at which the words fit the cell ("Không phát sinh"
    in a column of fifteen): text never runs into the next cell."""
    pdf.set_font(FONT, "", size)
    room = width - 2 * pdf.c_margin
    used = pdf.get_string_width(words)
    return size if used <= room else size * room / used


def fitted_cell(pdf: FPDF, width: float, words: str, *, fill: bool = False, align: str = "C") -> None:
    pdf.set_font(FONT, "", fitting_size(pdf, words, width))
    pdf.cell(width, MATRIX_ROW, words, border=1, fill=fill, align=align)


def _matrix_header(pdf: MeetingPdf, short: list[str], width: float) -> None:
    """The indicators' short names, each on up to HEADER_LINES lines, on a grey band."""
    pdf.set_font(FONT, "B", MATRIX_SIZE)
    pdf.set_fill_color(*HEADER_FILL)
    top = pdf.get_y()
    height = HEADER_LINES * MATRIX_LINE
    pdf.cell(LOCALITY_COLUMN, height, "Địa phương", border=1, fill=True)
    for number, name in enumerate(short):
        pdf.set_xy(MARGIN + LOCALITY_COLUMN + number * width, top)
        pdf.cell(width, height, "", border=1, fill=True)
        pdf.set_xy(MARGIN + LOCALITY_COLUMN + number * width, top)
        pdf.multi_cell(width, MATRIX_LINE, text(name), align="C", max_line_height=MATRIX_LINE)
    pdf.set_xy(MARGIN, top + height)


def _legend(pdf: MeetingPdf, content: ReportContent) -> None:
    names = content.described.sort_values("position").drop_duplicates("indicator_code")
    pdf.heading("Tên đầy đủ của các chỉ tiêu", size=10)
    _table(pdf, ["Cột", "Chỉ tiêu"], [[s, n] for s, n in zip(names["indicator_short"], names["indicator_name"])],
           [45, PAGE_WIDTH - 45], size=8)


def _statuses(pdf: MeetingPdf, content: ReportContent) -> None:
    subject = content.subject.sort_values("position")
    changes = content.changes["change_text"]
    scope = " (số liệu tổng hợp)" if content.subject["is_aggregate"].any() else ""
    pdf.add_page()
    pdf.heading(f"Kết quả từng chỉ tiêu của {content.locality_name}{scope}, tính đến năm {content.year}")
    headers = ["Chỉ tiêu", "Năm số liệu", "Giá trị", "Số liệu", "Mục tiêu 2030", "Dự báo 2030", "Đánh giá",
               "So với năm trước", "Báo cáo"]
    rows = [[r.indicator_name, r.latest_year_text, r.value_text, r.counts_text, r.target_text, r.projection_text,
             r.status_label, changes.get(r.indicator_code, "—"), r.completeness_text] for r in subject.itertuples()]
    _table(pdf, headers, rows, [66, 14, 21, 30, 26, 16, 28, 46, 30], status_column=6,
           statuses=subject["status"].tolist(), size=8)


def _table(pdf: MeetingPdf, headers: list[str], rows: list[list[str]], widths: list[float], *,
           status_column: int | None = None, statuses: list[str] = (), size: float = 9) -> None:
    pdf.set_font(FONT, "", size)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=size * 0.5, repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
                   cell_fill_mode=TableCellFillMode.NONE, padding=1) as table:
        header = table.row()
        for heading in headers:
            header.cell(text(heading))
        for index, cells in enumerate(rows):
            row = table.row()
            for column, value in enumerate(cells):
                if column == status_column:
                    fill = colour(fmt.STATUS_COLOURS[statuses[index]])
                    row.cell(text(value), style=FontFace(emphasis="BOLD", fill_color=fill,
                                                         color=colour(fmt.text_colour(fmt.STATUS_COLOURS[statuses[index]]))))
                else:
                    row.cell(text(value))
