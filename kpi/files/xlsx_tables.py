"""Large tables written to an .xlsx workbook a column at a time.

A city report has some 300.000 rows of 16 columns. openpyxl (even write-only) and XlsxWriter spend
several microseconds on each cell in Python, most of a minute for the workbook; here each column
becomes its cells' XML in one Arrow operation, and every text is looked at once, however many cells
repeat it (the shared string table): names of localities and indicators repeat in every year.

Only what the reports use: text and number cells, column widths, a frozen header row, an autofilter,
and a few cell styles (bold, size, colour, fill; text wrapped and aligned to the top). Numbers are
written as openpyxl writes them (16 significant digits), so a file reads back the same as before.
"""

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.writer.theme import theme_xml

from kpi.files.formulas import neutralise

# Excel's longest text in a cell; openpyxl cuts longer ones there too.
MAX_TEXT = 32767
# Level 1: a sheet's XML is the same few tags over and over; the file comes out hardly larger than at
# zlib's default level, several times faster.
COMPRESS_LEVEL = 1
# Rows joined into XML at a time.
BLOCK_ROWS = 20_000

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


@dataclass(frozen=True)
class Style:
    """A styled cell's look; every styled cell wraps its text and aligns it to the top."""

    bold: bool = False
    size: float | None = None
    colour: str | None = None  # RRGGBB
    fill: str | None = None  # RRGGBB, a solid fill


@dataclass(frozen=True)
class Column:
    header: str
    # One value per row; a missing one (None, NaN) leaves the cell empty.
    values: pd.Series
    width: float
    # True: number cells; False: text cells; None: each cell as its value is (a template's value
    # column holds counts and «có»/«không»).
    number: bool | None = False
    # Text from data goes through kpi.files.formulas.neutralise; text that people typed as it is
    # shown (a task's evidence) is written unchanged: a text cell is never a formula either way.
    neutralised: bool = True


@dataclass(frozen=True)
class Table:
    """A sheet of one header row (styled, frozen, with an autofilter) and columns of values."""

    name: str
    columns: list[Column]
    header_style: Style
    # Rows after the columns' values, a frame at a time (the same columns in the same order): a table
    # too large to hold at once (every reading of a country) is written as it is read.
    more_rows: Iterable[pd.DataFrame] = ()


@dataclass(frozen=True)
class Lines:
    """A sheet of texts, one per row in column A, each with its style."""

    name: str
    width: float
    lines: list[tuple[str, Style]]


# Rows looked at to size a column: the first ones tell the width well enough.
WIDTH_SAMPLE = 200


def fitted_width(values: pd.Series, least: float) -> float:
    """A column wide enough for the longest of its first values (and at least `least`), within 60."""
    first = values.iloc[:WIDTH_SAMPLE]
    return min(max([len(str(v)) for v in first[first.notna()]] + [least]) + 2, 60)


class _Strings:
    """The shared string table: each distinct text once, cells point to it by position."""

    def __init__(self):
        self.positions: dict[str, int] = {}

    def add(self, text: str) -> int:
        return self.positions.setdefault(text, len(self.positions))

    def column(self, values: pd.Series, neutralised: bool) -> pa.Array:
        """Each value's position in the table as text, null where the cell is empty."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        prepared = [_checked(neutralise(v) if neutralised else v) for v in uniques]
        positions = np.array([self.add(text) for text in prepared] + [0], dtype=np.int64)[codes]
        return pc.cast(pa.array(positions, mask=codes < 0), pa.string())

    def xml(self) -> bytes:
        items = "".join(f"<si>{_text_element(text)}</si>" for text in self.positions)
        count = len(self.positions)
        return _xml(f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">{items}</sst>')


class _Styles:
    """Fonts, fills and cell formats of the styles used, in order of first use (0 is unstyled)."""

    def __init__(self):
        self.ids: dict[Style, int] = {}

    def id(self, style: Style) -> int:
        return self.ids.setdefault(style, len(self.ids) + 1)

    def xml(self) -> bytes:
        fonts = ['<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
                 '<scheme val="minor"/></font>']
        fills = ['<fill><patternFill/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
        formats = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        for style in self.ids:
            font = 0
            if style.bold or style.size or style.colour:
                font = len(fonts)
                fonts.append("<font>" + ('<b val="1"/>' if style.bold else "")
                             + (f'<color rgb="00{style.colour}"/>' if style.colour else "")
                             + (f'<sz val="{style.size:g}"/>' if style.size else "") + "</font>")
            fill = 0
            if style.fill:
                fill = len(fills)
                fills.append(f'<fill><patternFill patternType="solid"><fgColor rgb="00{style.fill}"/>'
                             "</patternFill></fill>")
            formats.append(f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" '
                           'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>')
        return _xml(
            f'<styleSheet xmlns="{MAIN}"><fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
            f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(formats)}">{"".join(formats)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def workbook(sheets: list[Table | Lines]) -> bytes:
    """The .xlsx file of the sheets, in this order."""
    buffer = io.BytesIO()
    write_workbook(sheets, buffer)
    return buffer.getvalue()


def write_workbook(sheets: list[Table | Lines], stream: BinaryIO) -> list[int]:
    """The .xlsx file of the sheets, in this order, into stream; how many rows each sheet has below
    its header. The shared strings and the styles come after the sheets, as Excel writes them, and so
    does the workbook (its autofilter names count the rows): all three are known once every row is."""
    strings, styles = _Strings(), _Styles()
    rows: list[int] = []
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        def write(name: str, pieces: Iterable) -> None:
            with archive.open(name, "w", force_zip64=True) as part:
                for piece in _ahead(pieces):
                    part.write(piece)

        write("[Content_Types].xml", [_content_types(len(sheets))])
        write("_rels/.rels", [_relationships([("xl/workbook.xml", f"{RELATIONSHIPS}/officeDocument")])])
        for n, sheet in enumerate(sheets, start=1):
            # A sheet's rows are joined into XML as the archive takes them.
            write(f"xl/worksheets/sheet{n}.xml", _table(sheet, strings, styles, rows) if isinstance(sheet, Table)
                  else _lines(sheet, strings, styles, rows))
        write("xl/workbook.xml", [_workbook_xml(sheets, rows)])
        write("xl/_rels/workbook.xml.rels", [_relationships(
            [(f"worksheets/sheet{n}.xml", f"{RELATIONSHIPS}/worksheet") for n in range(1, len(sheets) + 1)]
            + [("sharedStrings.xml", f"{RELATIONSHIPS}/sharedStrings"), ("styles.xml", f"{RELATIONSHIPS}/styles"),
               ("theme/theme1.xml", f"{RELATIONSHIPS}/theme")])])
        write("xl/theme/theme1.xml", [theme_xml.encode()])
        write("xl/styles.xml", [styles.xml()])
        write("xl/sharedStrings.xml", [strings.xml()])
    return rows


def _ahead(pieces: Iterable) -> Iterator:
    """The pieces, the next one made on another thread while this one is compressed: Arrow and zlib
    both let go of Python's lock, so a city's rows are joined and compressed on two cores at once."""
    iterator = iter(pieces)
    with ThreadPoolExecutor(1) as worker:
        upcoming = worker.submit(next, iterator, None)
        while (piece := upcoming.result()) is not None:
            upcoming = worker.submit(next, iterator, None)
            yield piece


def _table(sheet: Table, strings: _Strings, styles: _Styles, rows: list[int]) -> Iterator:
    """A table's XML; its number of rows is appended to rows once they are all written."""
    header = styles.id(sheet.header_style)
    head = "".join(f'<c r="{get_column_letter(n)}1" s="{header}" t="s"><v>{strings.add(c.header)}</v></c>'
                   for n, c in enumerate(sheet.columns, start=1))
    view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/></sheetView></sheetViews>')
    yield _sheet_start(view, [c.width for c in sheet.columns], f'<row r="1">{head}</row>')
    count = 0
    later = ([values.reset_index(drop=True) for _, values in frame.items()] for frame in sheet.more_rows)
    for part in chain([[c.values for c in sheet.columns]], later):
        # Every text of these rows goes into the shared string table here, before the table is written.
        values = [(f'<c r="{get_column_letter(n)}', *_cells(c, part_values, strings))
                  for n, (c, part_values) in enumerate(zip(sheet.columns, part), start=1)]
        size = len(part[0])
        yield from _row_blocks(values, count, size)
        count += size
    rows.append(count)
    yield _sheet_end(f'<autoFilter ref="A1:{get_column_letter(len(sheet.columns))}{count + 1}"/>')


NUMBER_CELL, TEXT_CELL = '"><v>', '" t="s"><v>'


def _cells(column: Column, values: pd.Series, strings: _Strings) -> tuple[str | pa.Array, pa.Array]:
    """What comes between a cell's reference and its value (its type), and the values, for some of
    the column's values."""
    if column.number:
        return NUMBER_CELL, _numbers(values)
    if column.number is None:
        numeric = np.fromiter(map(_is_number, values), dtype=bool, count=len(values))
        if numeric.any():
            texts = strings.column(values.where(~numeric), column.neutralised)
            numbers = _numbers(pd.to_numeric(values.where(numeric)))
            return pa.array(np.where(numeric, NUMBER_CELL, TEXT_CELL)), pc.if_else(pa.array(numeric), numbers, texts)
    return TEXT_CELL, strings.column(values, column.neutralised)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _row_blocks(values: list[tuple[str, str | pa.Array, pa.Array]], before: int, count: int) -> Iterator:
    """The XML of count rows after the first `before` ones, joined a block at a time: a block is still
    in the processor's cache when it is compressed, where the rows of a whole city would take a few
    hundred megabytes."""
    for first in range(0, count, BLOCK_ROWS):
        size = min(BLOCK_ROWS, count - first)
        rows = pc.cast(pa.array(np.arange(before + first + 2, before + first + size + 2)), pa.string())
        cells = [pc.binary_join_element_wise(prefix, rows, middle if isinstance(middle, str) else middle.slice(first, size),
                                             texts.slice(first, size), "</v></c>", "").fill_null("")
                 for prefix, middle, texts in values]
        yield _utf8(pc.binary_join_element_wise('<row r="', rows, '">', *cells, "</row>", ""))


def _lines(sheet: Lines, strings: _Strings, styles: _Styles, rows: list[int]) -> list:
    lines = "".join(f'<row r="{n}"><c r="A{n}" s="{styles.id(style)}" t="s"><v>'
                    f"{strings.add(_checked(neutralise(text)))}</v></c></row>"
                    for n, (text, style) in enumerate(sheet.lines, start=1))
    view = '<sheetViews><sheetView workbookViewId="0"><selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
    rows.append(len(sheet.lines))
    return [_sheet_start(view, [sheet.width], lines), _sheet_end("")]


def _sheet_start(view: str, widths: list[float], head: str) -> bytes:
    """A sheet's XML before its rows of data."""
    columns = "".join(f'<col min="{n}" max="{n}" width="{width:g}" customWidth="1"/>'
                      for n, width in enumerate(widths, start=1))
    return _xml(f'<worksheet xmlns="{MAIN}">{view}<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
                f"<cols>{columns}</cols><sheetData>{head}")


def _sheet_end(tail: str) -> bytes:
    """A sheet's XML after its rows of data."""
    return (f'</sheetData>{tail}<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" '
            'footer="0.5"/></worksheet>').encode()


def _utf8(strings: pa.Array) -> memoryview:
    """The strings one after another as UTF-8, read in place from the Arrow buffer (no nulls)."""
    _, offsets, data = strings.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[[strings.offset, strings.offset + len(strings)]]
    return memoryview(data)[bounds[0]:bounds[1]]


def _workbook_xml(sheets: list[Table | Lines], rows: list[int]) -> bytes:
    entries = "".join(f'<sheet name={quoteattr(s.name)} sheetId="{n}" r:id="rId{n}"/>'
                      for n, s in enumerate(sheets, start=1))
    # Excel keeps an autofilter's range in a hidden name as well.
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{escape(quote_sheetname(s.name))}!$A$1:${get_column_letter(len(s.columns))}${rows[n] + 1}"
        "</definedName>"
        for n, s in enumerate(sheets) if isinstance(s, Table))
    names = f"<definedNames>{filters}</definedNames>" if filters else ""
    return _xml(f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><bookViews><workbookView activeTab="0"/>'
                f"</bookViews><sheets>{entries}</sheets>{names}"
                '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')


def _relationships(targets: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>'
                    for n, (target, kind) in enumerate(targets, start=1))
    return _xml(f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{items}</Relationships>')


def _content_types(sheets: int) -> bytes:
    office = "application/vnd.openxmlformats-officedocument"
    overrides = [("/xl/workbook.xml", f"{office}.spreadsheetml.sheet.main+xml"),
                 ("/xl/styles.xml", f"{office}.spreadsheetml.styles+xml"),
                 ("/xl/sharedStrings.xml", f"{office}.spreadsheetml.sharedStrings+xml"),
                 ("/xl/theme/theme1.xml", f"{office}.theme+xml"),
                 *((f"/xl/worksheets/sheet{n}.xml", SHEET_TYPE) for n in range(1, sheets + 1))]
    items = "".join(f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides)
    return _xml('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>')


def _checked(text) -> str:
    """A text as a cell holds it: cut at MAX_TEXT; control characters XML cannot carry are refused,
    as openpyxl refuses them."""
    text = str(text)[:MAX_TEXT]
    if ILLEGAL_CHARACTERS_RE.search(text):
        raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
    return text


_CARRIAGE_RETURN = re.compile("\r")


def _text_element(text: str) -> str:
    # A carriage return written as such would be read back as a line feed.
    body = _CARRIAGE_RETURN.sub("&#13;", escape(text))
    space = ' xml:space="preserve"' if text.strip() != text else ""
    return f"<t{space}>{body}</t>"


def _numbers(values: pd.Series) -> pa.Array:
    """Numbers as openpyxl writes them (16 significant digits), null where missing: whole numbers in
    one Arrow operation, which gives the same digits."""
    numbers = pa.array(values, from_pandas=True)
    if pa.types.is_integer(numbers.type) or pa.types.is_null(numbers.type):
        return pc.cast(numbers, pa.string())
    # Fractions one by one, each distinct one once (a percentage with one decimal has a thousand).
    codes, uniques = pd.factorize(pd.Series(numbers.to_pandas(), dtype=np.float64))
    texts = np.array([f"{v:.16g}" for v in uniques] + [""], dtype=object)[codes]
    return pa.array(texts, pa.string(), mask=codes < 0)


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode()
