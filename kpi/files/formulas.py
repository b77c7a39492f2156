"""Text from data never becomes a spreadsheet formula (OWASP, "CSV Injection").

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is what Excel and
LibreOffice take for a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`, `-1+1`, `@SUM(...)`). Every
table the product writes passes its text cells through `neutralise`, which puts a single quote in
front of them, as OWASP recommends; the reader takes that quote off again (`unneutralise`), so that
an export imports back unchanged. A text that itself starts with a quote gets one more, so the round
trip holds for it too.
"""

import re

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_NEUTRALISED = re.compile("^'(?=[=+\\-@\t\r'])")


def neutralise(value):
    """`value` made safe for a spreadsheet cell: text starting with a trigger (or a quote) gets a
    leading quote; anything that is not text is returned as it is."""
    if isinstance(value, str) and value.startswith((*TRIGGERS, QUOTE)):
        return QUOTE + value
    return value


def unneutralise(text: str) -> str:
    """The text `neutralise` was given, for a cell read from a file."""
    return _NEUTRALISED.sub("", text, count=1)


def unneutralise_column(text: pd.Series) -> pd.Series:
    quoted = text.str.startswith(QUOTE)
    if not quoted.any():
        return text
    return text.mask(quoted, text[quoted].str.replace(_NEUTRALISED, "", n=1, regex=True))


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of `frame` through `neutralise` (numbers, dates and empty cells unchanged)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or isinstance(frame[column].dtype, pd.StringDtype):
            frame[column] = frame[column].map(neutralise, na_action="ignore")
    frame.columns = [neutralise(column) for column in frame.columns]
    return frame
