"""Small pieces every page draws the same way: status badges in the statuses' colours, user
text made inert in Markdown, and the plotly chart settings.

Part of kpi.app, the only Streamlit-aware code.
"""

import re

import streamlit as st

from kpi import formatting as fmt

# Streamlit draws a few English texts no option turns off or translates (1.67). Our stylesheet hides
# them and, where the text tells the person something, puts our Vietnamese text in its place:
# - the file uploader's "Drag and drop a file here", "Limit 10MB per file • CSV, XLSX" and "Upload"
#   (pages state the formats and the limit in Vietnamese; the button reads "Chọn tệp");
# - "No results" in a list filtered to nothing (now "Không có kết quả");
# - "Press Enter to apply" / "Press Enter to submit form" under a text field being typed in;
# - the toolbar over tables and charts (tooltips "Download as CSV", "Search", "Fullscreen");
# - the "Running..." / "Stop" status in the top corner.
VIETNAMESE_CHROME = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button::after { content: "Chọn tệp"; }
div[role="option"][style*="display: contents"] > span { font-size: 0; }
div[role="option"][style*="display: contents"] > span::after { content: "Không có kết quả"; font-size: 1rem; }
[data-testid="InputInstructions"] { display: none; }
[data-testid="stElementToolbar"] { display: none; }
[data-testid="stStatusWidget"] { display: none; }
</style>"""


def vietnamese_chrome() -> None:
    """Applied on every run by dashboard.py (a stylesheet only: st.html takes no room for it)."""
    st.html(VIETNAMESE_CHROME)


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
