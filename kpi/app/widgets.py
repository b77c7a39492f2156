"""Small pieces every page draws the same way: status badges in the statuses' colours, user
text made inert in Markdown, and the plotly chart settings.

Part of kpi.app, the only Streamlit-aware code.
"""

import re
from pathlib import Path

import streamlit as st

from kpi import formatting as fmt

# Streamlit draws a few English texts no option turns off or translates (1.67). Our stylesheet
# (vietnamese_chrome.css, a file of ours: never user text) hides
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
