"""Small pieces every page draws the same way: status badges in the statuses' colours, user
text made inert in Markdown, and the plotly chart settings.

Part of kpi.app, the only Streamlit-aware code.
"""

import re
from pathlib import Path

import streamlit as st

from kpi import formatting as fmt
from kpi.app import tables

# Streamlit draws a few English texts no option turns off or translates (1.67). Our stylesheet
# (vietnamese_chrome.css, a file of ours: never user text; it also sets the space above every page) hides
# them and, where the text tells the person something, puts our Vietnamese text in its place:
# - the file uploader's "Drag and drop a file here", "Limit 10MB per file • CSV, XLSX" and "Upload"
#   (pages state the formats and the limit in Vietnamese; the button reads "Chọn tệp");
# - "No results" in a list filtered to nothing (now "Không có kết quả");
# - "Press Enter to apply" / "Press Enter to submit form" under a text field being typed in;
# - the toolbar over tables and charts (tooltips "Download as CSV", "Search", "Fullscreen");
# - the "Running..." / "Stop" status in the top corner.
CHROME_STYLESHEET = Path(__file__).with_name("vietnamese_chrome.css")


def vietnamese_chrome() -> None:
    """Applied on every run by dashboard.py (a stylesheet only: st.html takes no room for it)."""
    st.html(CHROME_STYLESHEET)


# Charts are read, not edited: no plotly toolbar (its tooltips are English).
PLOT_CONFIG = {"displayModeBar": False}


# Streamlit's named colours, set to kpi.formatting.STATUS_COLOURS in .streamlit/config.toml, so a
# badge has the same colour as the status in every chart.
STATUS_BADGE_COLOURS = {
    "achieved": "green",
    "on_track": "blue",
    "off_track": "orange",
    "regressing": "red",
    "insufficient_data": "violet",
    "no_data": "gray",
}


def status_badge(status: str) -> None:
    st.badge(fmt.STATUS_LABELS[status], color=STATUS_BADGE_COLOURS[status])


def status_markdown(status: str) -> str:
    """A status as a coloured badge inside Markdown (labels are ours, never user text)."""
    return f":{STATUS_BADGE_COLOURS[status]}-badge[{fmt.STATUS_LABELS[status]}]"


# Every ASCII punctuation character, each of which CommonMark lets a backslash make literal: `*`, `_`,
# `[..](..)`, `<b>`, `$..$` (LaTeX), `:red[..]` and `:smile:` (Streamlit's colours and emoji), `#`, `-`,
# `1.`, `>` and `|` at the start of a line all stay the characters they are.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# A line break inside a name or a note would start a heading, a list or a code block.
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
# GFM turns bare `www.x`, `https://x` and `a@b.c` into links after escapes are resolved, so no backslash
# stops it: an invisible word joiner (U+2060) breaks the pattern without changing what is seen.
_AUTOLINKS = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?<=@)")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """Text from data (a locality, indicator or plan name, a note, a reason, a user or file name)
    made inert in every Streamlit element that reads Markdown: st.markdown/write/caption, alerts,
    toasts, headers, widget and metric labels, radio options, expander and tab titles. Shown, it
    reads exactly as stored (on one line): no link, formatting, colour, emoji or formula.
    Selectbox and multiselect options and st.dataframe cells are not Markdown: pass them as they are."""
    one_line = _LINE_BREAKS.sub(" ", str(text))
    return _PUNCTUATION.sub(r"\\\1", _AUTOLINKS.sub(WORD_JOINER, one_line))


# The browser's print of a page: no navigation, sidebar, toolbar, widgets, tabs, charts or interactive
# tables (a chart or a data grid keeps the width of the screen and would be cut), A4 landscape, the
# whole width for the content, and the tables of printed_only in their place; no row cut in two.
PRINT_CSS = """<style>
.kpi-print-only { display: none; }
@media print {
  @page { size: A4 landscape; margin: 8mm; }
  header, [data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], .stTabs,
  .stSelectbox, .stTextInput, .stNumberInput, .stCheckbox, .stDownloadButton, .stButton, .stExpander,
  .stPageLink, .stPlotlyChart, .stDataFrame { display: none !important; }
  /* The containers of what is hidden keep their height otherwise. */
  [data-testid="stElementContainer"]:has(.stPlotlyChart, .stDataFrame, .stDownloadButton) { display: none !important; }
  [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    max-width: 100% !important; padding: 0 !important; margin: 0 !important; overflow: visible !important; }
  .kpi-print-only { display: block; }
  .kpi-print-table { width: 100%; border-collapse: collapse; font-size: 9pt; margin-bottom: 6px; }
  .kpi-print-table th, .kpi-print-table td { border: 1px solid #d0d7de; padding: 2px 4px; text-align: left; }
  .kpi-print-table th { background: #e7eaee; }
  .kpi-print-table tr { break-inside: avoid; }
  .kpi-print-matrix { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 9pt; }
  .kpi-print-matrix th, .kpi-print-matrix td { border: 1px solid #ffffff; padding: 2px; text-align: center;
    overflow-wrap: anywhere; }
  .kpi-print-matrix thead th { background: #e7eaee; font-weight: 600; }
  .kpi-print-matrix th.kpi-locality { width: 16%; text-align: left; font-weight: 400; }
  .kpi-print-matrix tr, [data-testid="stMetric"] { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>"""


def print_layout() -> None:
    """The print layout above (our CSS, no user text)."""
    st.html(PRINT_CSS)


def printed_only(table_html: str) -> None:
    """A table shown on paper only, in place of a chart or an interactive table (which keep the width
    of the screen); its texts escaped by the caller (kpi.app.overview's *_html)."""
    if table_html:
        st.html(f'<div class="kpi-print-only">{table_html}</div>')


# The overview on a projector: a smaller title (and, for every page, less space above it:
# vietnamese_chrome.css), so the first screen at 1366×768 reaches the lists of who is behind.
MEETING_CSS = """<style>
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding-top: 0.25rem; padding-bottom: 0.25rem; }
</style>"""


def meeting_layout() -> None:
    st.html(MEETING_CSS)


def problems_list(problems: list) -> None:
    """Every problem of a file or a form by row and column (kpi.app.tables.problems_table), the reason
    given the width and its rows the height to show it whole."""
    table = tables.problems_table(problems)
    # Streamlit wraps a cell's text in rows taller than 4rem.
    st.dataframe(table, hide_index=True, column_config=text_widths(tables.PROBLEM_WIDTHS),
                 row_height=tables.problem_row_height(table, round(4 * _rem_px())))


def table_height(rows: int, shown: int, row_px: int | None = None) -> int:
    """The height in pixels of an st.dataframe that shows `shown` of its `rows` whole, the header and
    no cut row: Streamlit draws the header, and rows unless given their own row_height (row_px), 2.1875rem
    high (37 px at the theme's 17 px), so a height counted at 35 px a row cut the last row of a table in two."""
    default = round(2.1875 * _rem_px())
    return default + (row_px or default) * min(rows, shown) + TABLE_BORDERS_PX


def _rem_px() -> float:
    """1rem in pixels: the theme's base font size (.streamlit/config.toml), Streamlit's 16 without one."""
    return st.get_option("theme.baseFontSize") or 16


# The grid's frame, above and below.
TABLE_BORDERS_PX = 2
# Rows a little lower than Streamlit's, still one line of its text: the overview's first screen at 1366×768
# holds four whole rows of «còn xa mục tiêu» and the lines under them.
COMPACT_ROW_PX = 33


def text_widths(widths: dict[str, int]) -> dict:
    """st.dataframe's column_config giving these text columns these widths in pixels."""
    return {header: st.column_config.TextColumn(header, width=width) for header, width in widths.items()}
