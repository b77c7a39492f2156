"""The meeting report as a Word document, laid out like a Vietnamese administrative report
(Nghị định 30/2020/NĐ-CP: A4, Times New Roman 13-14, the national motto opposite the issuing body)."""

import copy
import io

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine.tasks import COUNT_COLUMNS as COUNTS
from kpi.engine.tasks import by_lead, by_locality, state_label
from kpi.report import content as report
from kpi.report.charts import group_chart
from kpi.report.content import ReportContent

FONT = "Times New Roman"
BODY_SIZE = Pt(13)
TABLE_SIZE = Pt(9)
CONTENT_WIDTH = Cm(16.5)
DEMO_COLOUR = RGBColor(0xCF, 0x22, 0x2E)
HEADER_FILL = "E7EAEE"
# Status cells get a light tint of the status colour, so that a greyscale print stays readable.
TINT = 0.75
TASK_STATE_HEADER = "Tình trạng"
STATE_COLUMN = 4
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]
STATUS_MEANINGS = {
    "achieved": "số liệu mới nhất đã đạt mục tiêu năm 2030",
    "on_track": "chưa đạt, nhưng theo xu hướng các năm sẽ đạt mục tiêu vào năm 2030",
    "off_track": "chưa đạt, và theo xu hướng hiện nay sẽ không đạt mục tiêu vào năm 2030",
    "regressing": "số liệu đang đi xa mục tiêu",
    "insufficient_data": "chưa đạt và mới có số liệu của một năm, chưa đánh giá được xu hướng",
    "no_data": "chưa có số liệu",
}


def report_docx(engine: Engine, year: int, locality_code: str | None = None) -> bytes:
    return render_docx(report.build_content(engine, year, locality_code))


def render_docx(content: ReportContent) -> bytes:
    document = Document()
    _page_setup(document, content)
    _letterhead(document, content)
    if content.demo_count:
        _demo_notice(document, content)
    _title(document, content)

    sections = iter(ROMAN)
    _heading(document, f"{next(sections)}. TÌNH HÌNH CHUNG")
    _paragraph(document, report.summary_paragraph(content))
    _paragraph(document, report.completeness_sentence(content))
    _paragraph(document, report.cycle_sentence(content))
    _status_meanings(document)

    _heading(document, f"{next(sections)}. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    for number, group in enumerate(content.groups, start=1):
        rows = content.subject[content.subject["group"] == group]
        _heading(document, f"{number}. {group}", level=2)
        _indicator_table(document, content, rows)
        chart = group_chart(rows, content.subject_series, content.years)
        document.add_picture(io.BytesIO(chart), width=CONTENT_WIDTH)
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    if content.has_children:
        _heading(document, f"{next(sections)}. XẾP HẠNG CÁC ĐỊA PHƯƠNG THEO TỶ LỆ CHỈ TIÊU ĐẠT")
        _ranking_table(document, content)

    _heading(document, f"{next(sections)}. KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM {content.year}")
    _tasks_section(document, content)

    _heading(document, f"{next(sections)}. TÌNH HÌNH BÁO CÁO SỐ LIỆU NĂM {content.year}")
    _paragraph(document, report.completeness_sentence(content))
    _paragraph(document, report.cycle_sentence(content))
    for line in _missing_reports(content):
        _paragraph(document, f"- {line}")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_setup(document, content: ReportContent) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = BODY_SIZE
    # Word picks the font for Vietnamese text from the East Asian and complex-script slots too.
    fonts = style.element.rPr.rFonts
    for slot in ("w:eastAsia", "w:cs", "w:hAnsi", "w:ascii"):
        fonts.set(qn(slot), FONT)
    style.paragraph_format.space_after = Pt(4)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    generated = content.generated_at.strftime("%d/%m/%Y %H:%M")
    _run(footer, f"Báo cáo lập từ hệ thống theo dõi chỉ tiêu ngày {generated} — Trang ", size=Pt(9), italic=True)
    _page_number(footer)
    if content.demo_count:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(header, "DỮ LIỆU MINH HỌA — KHÔNG PHẢI SỐ LIỆU THẬT", size=Pt(9), bold=True, colour=DEMO_COLOUR)


def _letterhead(document, content: ReportContent) -> None:
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (Cm(6), Cm(10.5))):
        column.width = cell.width = width
    _cell_lines(left, [("ỦY BAN NHÂN DÂN", True, False), (content.locality_name.upper(), True, False),
                       ("Số:     /BC-UBND", False, False)])
    place = content.locality_name.removeprefix(content.locality_kind).strip()
    _cell_lines(right, [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False),
                        ("Độc lập - Tự do - Hạnh phúc", True, False),
                        (f"{place}, ngày     tháng     năm {content.generated_at.year}", False, True)])
    document.add_paragraph()


def _demo_notice(document, content: ReportContent) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "LƯU Ý: BÁO CÁO CÓ SỬ DỤNG DỮ LIỆU MINH HỌA. ", bold=True, colour=DEMO_COLOUR)
    _run(paragraph, f"Cơ sở dữ liệu đang có {fmt.format_integer(content.demo_count)} số liệu minh họa (dữ liệu demo, "
                    "không phải số liệu thật); không sử dụng báo cáo này cho mục đích chính thức.",
         colour=DEMO_COLOUR)


def _title(document, content: ReportContent) -> None:
    for text, size in (("BÁO CÁO", Pt(14)), (report.report_title(content), Pt(14))):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(2)
        _run(paragraph, text, bold=True, size=size)
    rule = document.add_paragraph()
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(rule, "―――――――――", size=Pt(10))
    if len(content.plan_titles) > 1:
        _paragraph(document, "Căn cứ các kế hoạch:", italic=True)
        for title in content.plan_titles[: report.PLANS_LISTED]:
            _paragraph(document, f"- {title};", italic=True)
        others = len(content.plan_titles) - report.PLANS_LISTED
        if others > 0:
            _paragraph(document, f"- và {fmt.format_integer(others)} kế hoạch khác.", italic=True)
    scope = content.locality_name
    if content.subject["is_aggregate"].any():
        scope += " (số liệu tổng hợp từ các địa phương cấp dưới)"
    _paragraph(document, f"Phạm vi báo cáo: {scope}. Số liệu tính đến hết năm {content.year}.")


def _status_meanings(document) -> None:
    _paragraph(document, "Cách đánh giá từng chỉ tiêu so với mục tiêu năm 2030:", italic=True)
    for status, meaning in STATUS_MEANINGS.items():
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.5)
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, "■ ", colour=RGBColor.from_string(fmt.STATUS_COLOURS[status].lstrip("#").upper()))
        _run(paragraph, f"{fmt.STATUS_LABELS[status]}: ", bold=True, size=Pt(11))
        _run(paragraph, f"{meaning}.", size=Pt(11))


def _indicator_table(document, content: ReportContent, rows: pd.DataFrame) -> None:
    headers = ["TT", "Chỉ tiêu", "Mục tiêu 2030", *[str(y) for y in content.years], "Đánh giá"]
    year_width = 8.75 / len(content.years)
    widths = [0.9, 3.4, 1.6, *[year_width] * len(content.years), 1.85]
    table = _table(document, headers, widths)
    figures = content.figures.set_index(["indicator_code", "year"])
    for number, row in enumerate(rows.itertuples(), start=1):
        line = table.add_row()
        cells = line.cells
        _set_cell(cells[0], str(number), align=WD_ALIGN_PARAGRAPH.CENTER)
        lines = [row.indicator_name]
        if row.is_aggregate:
            lines.append(f"Báo cáo năm {content.year}: {row.completeness_text}")
        _set_cell(cells[1], *lines)
        _set_cell(cells[2], row.target_text, align=WD_ALIGN_PARAGRAPH.CENTER)
        for cell, year in zip(cells[3:], content.years):
            key = (row.indicator_code, year)
            if key in figures.index:
                _set_cell(cell, figures.at[key, "value_text"], figures.at[key, "counts_text"],
                          align=WD_ALIGN_PARAGRAPH.CENTER)
            else:
                _set_cell(cell, fmt.NO_VALUE, align=WD_ALIGN_PARAGRAPH.CENTER)
        status_cell = cells[-1]
        _set_cell(status_cell, row.status_label, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
        _shade(status_cell, _tint(fmt.STATUS_COLOURS[row.status]))
        _fit_row(line, widths)


def _ranking_table(document, content: ReportContent) -> None:
    _paragraph(document, f"Tỷ lệ chỉ tiêu đạt mục tiêu năm 2030 của từng địa phương, tính đến năm {content.year}:")
    headers = ["Hạng", "Địa phương", "Chỉ tiêu đạt", "Tỷ lệ đạt", f"Đã báo cáo năm {content.year}"]
    widths = [1.5, 6.0, 3.0, 2.5, 3.5]
    table = _table(document, headers, widths)
    aligns = [WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, *[WD_ALIGN_PARAGRAPH.CENTER] * 3]
    texts = [[str(row.rank), row.locality_name, row.achieved_text, row.share_text, f"{row.reported_text} chỉ tiêu"]
             for row in content.ranking.itertuples()]
    _add_uniform_rows(table, texts, aligns, widths)


def _tasks_section(document, content: ReportContent) -> None:
    """Done, in progress and overdue, with the evidence reported: each task of a locality, or for a
    parent its localities (most overdue first) and the lead agencies."""
    _paragraph(document, report.task_sentence(content))
    if content.tasks.empty:
        return
    if content.has_children:
        headers = ["Địa phương", "Đến hạn", "Hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Quá hạn"]
        widths = [6.2, 2.0, 2.3, 2.5, 2.5, 2.0]
        aligns = [WD_ALIGN_PARAGRAPH.LEFT, *[WD_ALIGN_PARAGRAPH.CENTER] * len(COUNTS)]
        _paragraph(document, "Theo địa phương, địa phương có nhiều nhiệm vụ quá hạn trước:")
        table = _table(document, headers, widths)
        rows = [[row.locality_name, *(fmt.format_integer(getattr(row, c)) for c in COUNTS)]
                for row in by_locality(content.tasks).itertuples()]
        _add_uniform_rows(table, rows, aligns, widths)
        _paragraph(document, "Theo cơ quan chủ trì (như kế hoạch ghi):")
        table = _table(document, ["Cơ quan chủ trì", *headers[1:]], widths)
        rows = [[row.lead, *(fmt.format_integer(getattr(row, c)) for c in COUNTS)] for row in by_lead(content.tasks).itertuples()]
        _add_uniform_rows(table, rows, aligns, widths)
        return
    headers = ["Mã", "Nhiệm vụ", "Cơ quan chủ trì", "Kỳ, hạn", TASK_STATE_HEADER, "Sản phẩm"]
    widths = [1.3, 6.2, 3.0, 2.0, 2.2, 2.8]
    table = _table(document, headers, widths)
    for item in content.tasks.itertuples():
        line = table.add_row()
        texts = [item.task_code, item.title, item.lead, f"{item.period_label}, {item.due.strftime('%d/%m/%Y')}",
                 state_label(item.status, item.overdue), item.evidence if isinstance(item.evidence, str) else ""]
        for position, (cell, text) in enumerate(zip(line.cells, texts)):
            # The state of an overdue task stands out.
            _set_cell(cell, text, bold=bool(item.overdue) and position == STATE_COLUMN)
        _fit_row(line, widths)


def _add_uniform_rows(table, rows: list[list[str]], aligns: list, widths: list[float]) -> None:
    """Rows that look alike, for thousands of localities: the first is formatted through python-docx,
    the others are copies of its XML with their own texts (python-docx's per-property calls made a
    3.300-row table take minutes)."""
    template = None
    for texts in rows:
        if template is not None:
            row = copy.deepcopy(template)
            for element, text in zip(row.iter(qn("w:t")), texts):
                element.text = text
            table._tbl.append(row)
            continue
        line = table.add_row()
        for cell, text, align in zip(line.cells, texts, aligns):
            _set_cell(cell, text, align=align)
        _fit_row(line, widths)
        template = line._tr


def _missing_reports(content: ReportContent) -> list[str]:
    if content.has_children:
        return [f"{name}: chưa báo cáo {fmt.format_integer(count)} chỉ tiêu."
                for name, count in content.missing_by_child.items()]
    missing = content.subject[content.subject["reported"] == 0]
    return [f"Chưa báo cáo: {name}." for name in missing["indicator_name"]]


def _table(document, headers: list[str], widths: list[float]):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, text in zip(header.cells, headers):
        _set_cell(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
        _shade(cell, HEADER_FILL)
    _fit_row(header, widths)
    return table


def _fit_row(row, widths: list[float]) -> None:
    """Word reads each cell's width, LibreOffice the table grid: set both; and keep a row on one page."""
    for cell, width in zip(row.cells, widths):
        cell.width = Cm(width)
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _set_cell(cell, first: str, *more: str, align=WD_ALIGN_PARAGRAPH.LEFT, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, first, bold=bold, size=TABLE_SIZE)
    for line in more:
        if line:
            extra = cell.add_paragraph()
            extra.alignment = align
            extra.paragraph_format.space_after = Pt(0)
            _run(extra, line, size=Pt(8), italic=True)


def _cell_lines(cell, lines: list[tuple[str, bool, bool]]) -> None:
    for index, (text, bold, italic) in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, text, bold=bold, italic=italic, size=Pt(12) if bold else Pt(13))


def _heading(document, text: str, level: int = 1) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10 if level == 1 else 6)
    paragraph.paragraph_format.keep_with_next = True
    _run(paragraph, text, bold=True, italic=level == 2)


def _paragraph(document, text: str, italic: bool = False) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1) if not text.startswith("-") else None
    _run(paragraph, text, italic=italic)


def _run(paragraph, text: str, *, bold: bool = False, italic: bool = False, size=None, colour=None):
    run = paragraph.add_run(text)
    # Only what differs from the style: each property written costs a search of the run's XML.
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    if size is not None:
        run.font.size = size
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_as_header(row) -> None:
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _page_number(paragraph) -> None:
    run = paragraph.add_run()
    run.font.size, run.italic = Pt(9), True
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _tint(colour: str) -> str:
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "".join(f"{round(c + (255 - c) * TINT):02X}" for c in channels)
