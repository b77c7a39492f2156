"""Everything a user reads about a number or a status, in Vietnamese conventions, in one place."""

import math
import re
import unicodedata
from datetime import datetime

import numpy as np
import pandas as pd

from kpi.vocabulary import Kind
from kpi.years import LOCAL_TIME  # noqa: F401  (re-exported: times are formatted in it)

NOT_APPLICABLE = "Không phát sinh"
NO_VALUE = "—"

STATUS_LABELS = {
    "achieved": "Đạt",
    "on_track": "Đúng lộ trình",
    "off_track": "Cần tăng tốc",
    "regressing": "Đi lùi",
    "insufficient_data": "Chưa đủ dữ liệu",
    "no_data": "Chưa có số liệu",
}
# One colour per status on every page, chart and report (colour-blind friendly, readable on a projector).
STATUS_COLOURS = {
    "achieved": "#1a7f37",
    "on_track": "#4c9be8",
    "off_track": "#e8a33d",
    "regressing": "#cf222e",
    "insufficient_data": "#a371f7",
    "no_data": "#9aa4ae",
}
STATUS_ORDER = list(STATUS_LABELS)
DARK_TEXT, LIGHT_TEXT = "#1f2328", "#ffffff"


def text_colour(background: str) -> str:
    """Dark or light text, whichever reads better on the background (WCAG relative luminance)."""
    red, green, blue = (int(background.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return DARK_TEXT if luminance > 0.30 else LIGHT_TEXT

COMPARATOR_LABELS = {">=": "≥", "<=": "≤", "=": "=", "decrease": "giảm dần"}
SOURCE_LABELS = {"form": "Biểu mẫu", "import": "Nhập tệp", "cli": "Dòng lệnh", "demo": "Dữ liệu minh họa"}
KIND_LABELS = {Kind.RATIO: "Tỷ lệ", Kind.COUNT: "Số lượng", Kind.BOOLEAN: "Có/Không"}


def format_integer(number: int | float | None) -> str:
    """1234 -> '1.234'."""
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return NO_VALUE
    return f"{int(number):,}".replace(",", ".")


def format_exact(number: float) -> str:
    """A number with every digit it holds, written the Vietnamese way: 12.5 -> '12,5', 1234.25 -> '1.234,25'
    (what a spreadsheet cell holding it shows on a Vietnamese Windows)."""
    text = repr(float(number))
    if not re.fullmatch(r"-?[0-9]+\.[0-9]+", text):
        return text  # 1e+20, inf: no other way to write them
    fraction = text.partition(".")[2]
    return format_integer(number) if fraction == "0" else format_decimal(number, len(fraction))


def format_decimal(number: float | None, decimals: int = 1) -> str:
    """1234.5 -> '1.234,5'."""
    if number is None or math.isnan(number):
        return NO_VALUE
    # + 0.0 turns −0.0 into 0.0: no "-0,0".
    text = f"{number + 0.0:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def displayed_percent(numerator: int, denominator: int) -> float:
    """The percentage rounded half up to one decimal, except that a figure short of 100% is never
    shown as 100%: 9.999/10.000 is 99,9%, not 100,0%."""
    tenths = (numerator * 2000 + denominator) // (2 * denominator)
    if tenths == 1000 and numerator < denominator:
        tenths = 999
    return tenths / 10


def displayed_percents(numerators, denominators):
    """displayed_percent of many figures at once: the same arithmetic on numpy arrays of whole numbers
    (denominators above 0), for the hundreds of thousands of figures of a city's workbook."""
    tenths = (numerators * 2000 + denominators) // (2 * denominators)
    return (tenths - ((tenths == 1000) & (numerators < denominators))) / 10


def format_ratio(numerator: int | None, denominator: int | None) -> str:
    if numerator is None or denominator is None:
        return NO_VALUE
    if denominator == 0:
        return NOT_APPLICABLE
    return format_percent(displayed_percent(int(numerator), int(denominator)))


def format_percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return NO_VALUE
    return format_decimal(value) + "%"


def format_boolean(value: int | None) -> str:
    if value is None:
        return NO_VALUE
    return "Có" if value else "Không"


def format_value(kind: str, numerator=None, denominator=None, value=None) -> str:
    """A reading's figure as shown: '90,0%', 'Không phát sinh', '1.234', 'Có'."""
    if kind == Kind.RATIO:
        return format_ratio(_int_or_none(numerator), _int_or_none(denominator))
    if kind == Kind.BOOLEAN:
        return format_boolean(_int_or_none(value))
    return format_integer(_int_or_none(value))


def format_counts(numerator, denominator, unit: str | None = None) -> str:
    """'45/50 vụ việc'."""
    if _int_or_none(numerator) is None or _int_or_none(denominator) is None:
        return ""
    text = f"{format_integer(numerator)}/{format_integer(denominator)}"
    return f"{text} {unit}" if unit else text


def format_target(kind: str, comparator: str, target: float | None) -> str:
    if comparator == "decrease":
        return "Giảm dần so với năm trước"
    if kind == Kind.BOOLEAN:
        return "Có (hằng năm)"
    if target is None:
        return NO_VALUE
    number = format_integer(target) if float(target).is_integer() else format_decimal(target)
    suffix = "%" if kind == Kind.RATIO else ""
    return f"{COMPARATOR_LABELS[comparator]} {number}{suffix}"


def format_completeness(reported: int, expected: int) -> str:
    return f"{format_integer(reported)}/{format_integer(expected)} địa phương"


def format_timestamp(moment: datetime | None) -> str:
    if moment is None:
        return NO_VALUE
    return moment.astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M")


def status_label(status: str) -> str:
    return STATUS_LABELS[status]


def _int_or_none(number) -> int | None:
    if number is None:
        return None
    try:
        if math.isnan(number):
            return None
    except TypeError:
        return None
    return int(number)


# Vietnamese alphabetical order: ă, â after a, đ after d, ê after e, ô and ơ after o, ư after u
# (f, j, w, z for names from other languages). Tones only break ties between otherwise equal names, in
# dictionary order: ngang, huyền, sắc, hỏi, ngã, nặng.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONES = {"\u0300": "1", "\u0301": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
# Letters are placed above every code point a name may also hold (space, digits, punctuation).
_FIRST_LETTER = 0x3000


def name_sort_key(name: str) -> str:
    """The key every list of names is sorted by: Vietnamese order, so that "Chí Linh" comes before
    "Chu Văn An" and "Đông Hải" after every "D" (code point order puts both the other way)."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFD", str(name).casefold()):
        if char in _TONES:
            if tones:
                tones[-1] = _TONES[char]
        elif unicodedata.combining(char):
            if letters:
                letters[-1] = unicodedata.normalize("NFC", letters[-1] + char)
        else:
            letters.append(char)
            tones.append("0")
    primary = "".join(chr(_FIRST_LETTER + _ALPHABET.index(c)) if c in _ALPHABET else c for c in letters)
    return "\u0000".join([primary, "".join(tones), str(name)])


def by_name(*name_columns: str):
    """A pandas sort_values key: the columns named here in Vietnamese order (name_sort_key), the
    others as they are. `frame.sort_values(["parent_code", "name"], key=by_name("name"))`."""

    def key(column):
        if column.name not in name_columns:
            return column
        # Each name once: a table of every indicator of 3.300 localities repeats each name fifteen times.
        positions, names = pd.factorize(column, use_na_sentinel=False)
        keys = np.array([name_sort_key(name) for name in names], dtype=object)[positions]
        if isinstance(column, pd.Index):  # sort_index
            return pd.Index(keys, name=column.name)
        return pd.Series(keys, index=column.index, name=column.name)

    return key


def format_projection(kind: str, projected: float | None) -> str:
    """A 2030 forecast: a percentage for a ratio, a whole number for a count (a count of "0,4" cases
    is no count; rounded half up)."""
    if projected is None or math.isnan(projected):
        return NO_VALUE
    if kind == Kind.RATIO:
        return format_percent(projected)
    return format_integer(math.floor(projected + 0.5))


def fold(text: str) -> str:
    """Lower case without diacritics, so that "lac phuong" finds "xã Lạc Phượng"."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
