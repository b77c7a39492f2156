"""The data-entry form without Streamlit: which fields a plan needs, their stored values, typed
texts -> figures through kpi.numbers (the one rule for typed numbers) and -> rows for
kpi.store.readings.apply_readings, problems -> the field they belong to, and the soft warning when a
figure moves far from last year's.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from kpi import formatting as fmt
from kpi.numbers import NumberRefused, parse_whole
from kpi.problems import Problem
from kpi.store.readings import input_frame
from kpi.vocabulary import COLUMN_LABELS, FIGURES, NOTE_MAX_LENGTH, NOTE_TOO_LONG, ROW_COLUMN, Kind

FIELDS = (*FIGURES, "note")
BOOLEAN_OPTIONS = {"Có": 1, "Không": 0}
# A ratio moving by this many percentage points, or a count (or denominator) growing or
# shrinking by this factor and by at least MIN_CHANGE units, is worth a second look.
RATIO_POINTS = 20
SCALE_FACTOR = 1.5
MIN_CHANGE = 10
FIELD_OF_LABEL = {label: name for name, label in COLUMN_LABELS.items()}


def plan_fields(indicators: pd.DataFrame, plan_targets: pd.DataFrame, plan_code: str) -> pd.DataFrame:
    """The indicators of a plan, in catalogue order, with what the form needs to draw them."""
    codes = plan_targets.loc[plan_targets["plan_code"] == plan_code, "indicator_code"]
    return indicators[indicators["code"].isin(codes)].sort_values("position").reset_index(drop=True)


def widget_key(locality_code: str, year: int, indicator_code: str, name: str) -> str:
    """Keys carry the locality and year, so that choosing another one prefills afresh."""
    return f"entry_{locality_code}_{year}_{indicator_code}_{name}"


def stored_figures(readings: pd.DataFrame, locality_code: str, year: int) -> dict[str, dict]:
    """indicator_code -> {numerator, denominator, value, note} as stored (None when empty)."""
    rows = readings[(readings["locality_code"] == locality_code) & (readings["year"] == year)]
    return {r["indicator_code"]: {name: _plain(r[name]) for name in FIELDS} for _, r in rows.iterrows()}


def widget_default(kind: str, name: str, stored: dict | None):
    """What a field starts with: the stored figure written as it is shown (`1.234`), "Có"/"Không"
    for booleans (None: no choice), the note; "" for an empty text field."""
    if kind == Kind.BOOLEAN and name == "value":
        return None if stored is None else {1: "Có", 0: "Không"}.get(stored["value"])
    value = None if stored is None else stored[name]
    if value is None:
        return ""
    return value if name == "note" else fmt.format_integer(value)


@dataclass(frozen=True)
class FormReading:
    """The form read through kpi.numbers: indicator_code -> figures (ints, None for empty or
    refused, note text), and (indicator_code, field) -> the reason a typed figure is refused."""

    figures: dict[str, dict]
    refused: dict[tuple[str, str], str]


def read_form(fields: pd.DataFrame, values: Mapping[str, object], locality_code: str, year: int) -> FormReading:
    figures, refused = {}, {}
    for indicator in fields.itertuples():
        read = {name: values.get(widget_key(locality_code, year, indicator.code, name)) for name in FIELDS}
        figures[indicator.code] = {name: None for name in FIGURES}
        if indicator.kind == Kind.BOOLEAN:
            figures[indicator.code]["value"] = BOOLEAN_OPTIONS.get(read["value"])
        for name in FIGURES if indicator.kind != Kind.BOOLEAN else ():
            try:
                figures[indicator.code][name] = parse_whole(str(read[name] or ""))
            except NumberRefused as refusal:
                refused[(indicator.code, name)] = refusal.refusal.value
        note = (str(read["note"]).strip() or None) if read["note"] is not None else None
        figures[indicator.code]["note"] = note
        # Refused here, where it was typed, rather than cut by the field: a pasted note longer than
        # the limit was dropped whole by the browser, with nothing said.
        if note is not None and len(note) > NOTE_MAX_LENGTH:
            refused[(indicator.code, "note")] = f"{NOTE_TOO_LONG} (Đang có {fmt.format_integer(len(note))} ký tự.)"
    return FormReading(figures, refused)


@dataclass(frozen=True)
class Submission:
    """What the form would write: the frame for apply_readings and which indicator each row is."""

    frame: pd.DataFrame
    indicator_of_row: dict[int, str] = field(default_factory=dict)


def submission(fields: pd.DataFrame, figures: dict[str, dict], locality_code: str, year: int,
               stored: dict[str, dict] | None = None) -> Submission:
    """One row per indicator whose figures differ from what is stored. Indicators left empty or
    as they were are not sent: saving one corrected figure must not rewrite (or claim as one's
    own) every other figure of the form, demo figures included."""
    stored = stored or {}
    rows, indicator_of_row = [], {}
    for position, indicator in enumerate(fields.itertuples(), start=1):
        entered = figures[indicator.code]
        if all(entered[name] is None for name in FIELDS) or entered == stored.get(indicator.code):
            continue
        rows.append({"locality_code": locality_code, "indicator_code": indicator.code, "year": year, **entered})
        indicator_of_row[position] = indicator.code
    frame = input_frame(rows)
    frame[ROW_COLUMN] = list(indicator_of_row)
    return Submission(frame, indicator_of_row)


def problems_by_field(problems: list[Problem], indicator_of_row: dict[int, str]) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
    """({(indicator_code, field): [messages]}, messages that belong to no field, each once).

    A problem about a whole row (a locked year, rights) is said once for the form: a row number
    means nothing to someone typing into a form.
    """
    by_field: dict[tuple[str, str], list[str]] = {}
    general: list[str] = []
    for problem in problems:
        indicator = indicator_of_row.get(problem.row)
        name = FIELD_OF_LABEL.get(problem.column)
        if indicator is not None and name in FIELDS:
            by_field.setdefault((indicator, name), []).append(problem.message)
        elif problem.message not in general:
            general.append(problem.message)
    return by_field, general


def far_from_last_year(kind: str, current: dict, previous: dict | None, year: int) -> str | None:
    """A soft warning, not an error: the figure is legal but unlike last year's."""
    if previous is None:
        return None
    last = f"năm {year - 1}"
    if kind == Kind.RATIO:
        now_n, now_d, then_n, then_d = current["numerator"], current["denominator"], previous["numerator"], previous["denominator"]
        if None in (now_n, now_d, then_n, then_d) or not now_d or not then_d or now_n > now_d:
            return None
        now, then = 100 * now_n / now_d, 100 * then_n / then_d
        if abs(now - then) >= RATIO_POINTS:
            return (f"Tỷ lệ khác nhiều so với {last} ({fmt.format_ratio(then_n, then_d)} → "
                    f"{fmt.format_ratio(now_n, now_d)}). Hãy kiểm tra lại số liệu.")
        if _far(then_d, now_d):
            return (f"Mẫu số khác nhiều so với {last} ({fmt.format_integer(then_d)} → "
                    f"{fmt.format_integer(now_d)}). Hãy kiểm tra lại số liệu.")
        return None
    if kind == Kind.COUNT and None not in (current["value"], previous["value"]) and _far(previous["value"], current["value"]):
        return (f"Số liệu khác nhiều so với {last} ({fmt.format_integer(previous['value'])} → "
                f"{fmt.format_integer(current['value'])}). Hãy kiểm tra lại số liệu.")
    return None


def _far(before: int, after: int) -> bool:
    if abs(after - before) < MIN_CHANGE:
        return False
    low, high = sorted((before, after))
    return low == 0 or high / low >= SCALE_FACTOR


def _plain(value):
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, str) else int(value)


def earlier_figures(readings: pd.DataFrame, locality_code: str, indicator_code: str, year: int) -> pd.DataFrame:
    """A locality's readings of one indicator before `year`, newest first (the form's history)."""
    rows = readings[(readings["locality_code"] == locality_code) & (readings["indicator_code"] == indicator_code)
                    & (readings["year"] < year)]
    return rows.sort_values("year", ascending=False)
