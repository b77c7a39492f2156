"""The one rule for numbers people type, in the entry form and in uploaded files.

What a person typed is stored exactly, or refused with the reason; it is never changed silently
(domain.md, "Numbers people type"). Every figure of the catalogue is a whole number ≥ 0, so a dot can
only group thousands (`1.234`), a comma can only be a decimal comma (refused), and a `%` is refused
because ratios are entered as their two counts.
"""

import re
from enum import Enum

import pandas as pd

# Past this a figure is a typing slip, and floats stop counting exactly not far beyond it.
LARGEST = 10**12

# Only ASCII digits: Arabic-Indic or full-width digits are not what Vietnamese offices type.
_PLAIN = re.compile(r"[0-9]+")
# 1.234 and 1.234.567 (Vietnamese thousands) or 1 234: one separator, groups of exactly three digits.
_GROUPED = re.compile(r"[0-9]{1,3}(?:(?:\.[0-9]{3})+|(?: [0-9]{3})+)")
# 1,234 is a thousand and more in English and just over one in Vietnamese.
_AMBIGUOUS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_DECIMAL = re.compile(r"[0-9][0-9. ]*[,.][0-9]+")
# Spaces Excel and word processors put between digit groups.
_SPACES = re.compile("[\u00a0\u202f\u2009]")


class Refusal(Enum):
    """Why a typed text is not a figure; the value is the reason shown at the field."""

    NOT_NUMBER = "Không phải là số."
    NEGATIVE = "Không nhận số âm."
    NOT_WHOLE = "Số đếm phải là số nguyên (dấu chấm chỉ dùng để ngăn cách hàng nghìn, ví dụ 1.234)."
    # 12,5: the comma is the decimal comma a Vietnamese writes; told in its own terms, not the dot's.
    DECIMAL_COMMA = "Số đếm phải là số nguyên: không có phần thập phân sau dấu phẩy."
    # A spreadsheet's number cell holding a fraction: nobody typed a dot there.
    FRACTION = "Ô số có phần thập phân: số đếm phải là số nguyên."
    AMBIGUOUS = ("Không rõ dấu phẩy ngăn cách hàng nghìn hay là dấu thập phân: hãy viết 1234 hoặc 1.234.")
    PERCENT = "Không nhập phần trăm: tỷ lệ được nhập bằng hai số đếm (tử số và mẫu số)."
    TOO_LARGE = "Số quá lớn (quá 1.000.000.000.000)."


class NumberRefused(ValueError):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.value)
        self.refusal = refusal


def parse_whole(text: str) -> int | None:
    """The whole number typed in `text`, None for an empty field; raises NumberRefused otherwise."""
    typed = _SPACES.sub(" ", text).strip()
    if not typed:
        return None
    if _PLAIN.fullmatch(typed) or _GROUPED.fullmatch(typed):
        number = int(typed.replace(".", "").replace(" ", ""))
        if number > LARGEST:
            raise NumberRefused(Refusal.TOO_LARGE)
        return number
    raise NumberRefused(_refusal(typed))


def _refusal(typed: str) -> Refusal:
    if typed.endswith("%"):
        return Refusal.PERCENT
    if typed[0] in "-\u2212" and len(typed) > 1:
        return Refusal.NEGATIVE
    if _AMBIGUOUS.fullmatch(typed):
        return Refusal.AMBIGUOUS
    if _DECIMAL.fullmatch(typed):
        return Refusal.DECIMAL_COMMA if "," in typed else Refusal.NOT_WHOLE
    return Refusal.NOT_NUMBER


def parse_whole_column(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """parse_whole over a column of cells: the numbers (float, NaN when empty or refused) and, per
    cell, the Refusal or None. Plain digits, nearly every cell of a real file, skip the Python loop."""
    number = pd.Series(float("nan"), index=text.index)
    refusal = pd.Series(None, index=text.index, dtype=object)
    plain = text.str.fullmatch(r"[0-9]{1,12}")
    number[plain] = text[plain].astype(float)
    for index, cell in text[~plain & (text != "")].items():
        try:
            parsed = parse_whole(cell)
        except NumberRefused as refused:
            refusal[index] = refused.refusal
        else:
            number[index] = float("nan") if parsed is None else parsed
    return number, refusal

