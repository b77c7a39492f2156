"""Small pieces every page draws the same way: status badges in the statuses' colours, user
text made inert in Markdown, and the plotly chart settings.

Part of kpi.app, the only Streamlit-aware code.
"""

import re

import streamlit as st

from kpi import formatting as fmt

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


# Streamlit never renders this text as HTML, but as Markdown `*`, `_`, `[..](..)`, `:red[..]` or `$..$` in
# a name or a note would still become formatting, a link or a formula.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>$~|#])")


def plain(text: str) -> str:
    """User text (names, notes, messages quoting them) made inert inside Markdown elements."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


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


# The overview on a projector: less empty space above the title, so the first screen at 1366×768
# reaches the lists of who is behind.
MEETING_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding-top: 0.25rem; padding-bottom: 0.25rem; }
</style>"""


def meeting_layout() -> None:
    st.html(MEETING_CSS)
