"""Plotly figures for the pages: pure functions of DataFrames, testable without Streamlit.

Every colour that means a status comes from kpi.formatting.STATUS_COLOURS; every number a user
reads is formatted by kpi.formatting (hover texts) or by plotly with Vietnamese separators.
"""

import html
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

# Importing Streamlit's plotly element makes its own theme plotly's default; it must happen before
# ours is set, or the first chart a session draws would switch every later figure to Streamlit's theme.
import streamlit.elements.plotly_chart  # noqa: F401

from kpi import formatting as fmt
from kpi.engine.progress import TARGET_YEAR
from kpi.vocabulary import Kind

FONT_SIZE = 16
# Plotly's separators: decimal mark first, then the thousands mark ("85,5", "1.234").
VIETNAMESE_SEPARATORS = ",."
LINE_COLOUR = "#1f3a5f"
TARGET_COLOUR = "#57606a"
NOT_APPLICABLE_FILL = "#eaeef2"
# Text on a status colour: one rule for the screen and the PDF (kpi.formatting.text_colour).
DARK_TEXT, LIGHT_TEXT = fmt.DARK_TEXT, fmt.LIGHT_TEXT
text_colour = fmt.text_colour
WRAP_WIDTH = 44

# Every figure of the app is drawn on plotly's white template. As plotly's default it is applied to
# each new figure as already validated; set on each figure instead, plotly validated a copy of the
# whole template every time (a third of the time of building a figure).
pio.templates.default = "plotly_white"


def safe_text(text: str) -> str:
    """Plotly reads a small subset of HTML in labels; user-supplied names must stay plain text."""
    return html.escape(str(text), quote=False)


def wrap(text: str, width: int = WRAP_WIDTH) -> str:
    """A long label on several lines (plotly breaks lines only at <br>)."""
    lines, current = [], ""
    for word in str(text).split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return "<br>".join(safe_text(line) for line in lines)


def _style(figure: go.Figure, height: int) -> go.Figure:
    figure.update_layout(
        height=height, separators=VIETNAMESE_SEPARATORS,
        font={"size": FONT_SIZE}, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        hoverlabel={"font_size": FONT_SIZE},
    )
    return figure


def _present(number) -> bool:
    return number is not None and number is not pd.NA and not (isinstance(number, float) and number != number)


def progress_figure(series: pd.DataFrame, status: Mapping) -> go.Figure | None:
    """One indicator of one locality (or aggregate) by year: readings, the 2030 target as a line,
    the projection to 2030 dashed, and the "không phát sinh" years marked, never drawn as zero.

    series: the engine's yearly series for the pair (year, value, numerator, denominator, reported,
    expected). status: the described status row (kind, base_kind, comparator, target, status,
    projected_2030, latest_year, value, unit). None when no year has a value: nothing to draw.
    """
    series = series.sort_values("year")
    known = series[series["value"].notna()]
    if known.empty:
        return None
    kind, comparator = status["kind"], status["comparator"]
    is_boolean = kind == Kind.BOOLEAN
    unit = "địa phương" if status.get("base_kind") == Kind.BOOLEAN else status.get("unit")
    colour = fmt.STATUS_COLOURS[status["status"]]
    first_year = int(series["year"].min())

    figure = go.Figure()
    hover = [
        f"Năm {int(r.year)}: {fmt.format_value(kind, r.numerator, r.denominator, r.value)}"
        + (f" ({fmt.format_counts(r.numerator, r.denominator, unit)})" if kind == Kind.RATIO else "")
        + (f" — {fmt.format_completeness(r.reported, r.expected)}" if status.get("is_aggregate") else "")
        for r in known.itertuples()
    ]
    figure.add_trace(go.Scatter(
        x=known["year"].astype(int).tolist(), y=known["value"].astype(float).tolist(), name="Số liệu",
        mode="lines+markers", line={"color": LINE_COLOUR, "width": 3}, marker={"size": 10},
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
    ))

    target = status.get("target")
    if comparator != "decrease" and _present(target):
        target_text = fmt.format_target(status.get("base_kind") or kind, comparator, target)
        if status.get("is_aggregate") and status.get("base_kind") == Kind.BOOLEAN:
            target_text = "Có (100% địa phương)"
        figure.add_trace(go.Scatter(
            x=[first_year, TARGET_YEAR], y=[float(target), float(target)], name=f"Mục tiêu 2030: {target_text}",
            mode="lines", line={"color": TARGET_COLOUR, "width": 2, "dash": "dot"}, hoverinfo="skip",
        ))

    projected = status.get("projected_2030")
    if _present(projected) and _present(status.get("value")) and _present(status.get("latest_year")):
        projected_text = fmt.format_projection(kind, float(projected))
        figure.add_trace(go.Scatter(
            x=[int(status["latest_year"]), TARGET_YEAR], y=[float(status["value"]), float(projected)],
            name=f"Dự báo 2030: {projected_text}", mode="lines+markers",
            line={"color": colour, "width": 3, "dash": "dash"}, marker={"size": [0, 10], "color": colour},
            hovertemplate=f"Dự báo năm {TARGET_YEAR}: {projected_text}<extra></extra>",
        ))

    for year in not_applicable_years(series):
        figure.add_vrect(x0=year - 0.4, x1=year + 0.4, fillcolor=NOT_APPLICABLE_FILL, line_width=0, layer="below")
        figure.add_annotation(x=year, y=0.5, yref="paper", text=fmt.NOT_APPLICABLE, textangle=-90,
                              showarrow=False, font={"size": 13, "color": TARGET_COLOUR})

    figure.update_xaxes(range=[first_year - 0.5, TARGET_YEAR + 0.5], dtick=1, tickformat="d")
    if kind == Kind.RATIO:
        figure.update_yaxes(range=[0, 105], ticksuffix="%")
    elif is_boolean:
        figure.update_yaxes(range=[-0.2, 1.2], tickvals=[0, 1], ticktext=["Không", "Có"])
    else:
        highest = max([float(v) for v in known["value"]] + [float(v) for v in (target, projected) if _present(v)])
        figure.update_yaxes(rangemode="tozero", **count_axis(highest))
    figure.update_layout(legend={"orientation": "h", "y": -0.15, "font": {"size": 14}})
    return _style(figure, 340)


def count_axis(highest: float, ticks: int = 5) -> dict:
    """Axis settings for counts: ticks on whole numbers only, 1, 2 or 5 × a power of ten apart, so a
    small count never reads "2, 2, 1, 1, 0" (plotly places ticks at halves and ",d" rounds them)."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if highest / step <= ticks:
                return {"tick0": 0, "dtick": step, "tickformat": ",d"}
        magnitude *= 10


def no_figure_text(series: pd.DataFrame, nothing: str) -> str:
    """Said where progress_figure has nothing to draw: every year reported «Không phát sinh», or nothing."""
    return f"{fmt.NOT_APPLICABLE} trong mọi năm đã báo cáo." if not_applicable_years(series) else nothing


def not_applicable_years(series: pd.DataFrame) -> list[int]:
    """Years of a ratio reported with denominator 0: "không phát sinh"."""
    ratio = series["kind"] == Kind.RATIO
    zero = series["denominator"].astype("Float64").eq(0).fillna(False).astype(bool)
    return sorted(int(y) for y in series.loc[ratio & zero, "year"])


# The matrix on a projector: localities as rows, indicators as columns under a few words each, on
# one line at 45° (fifteen columns are about 45 px wide at 1366 px beside the sidebar: a level label
# of two words would run into the next one); a cell holds its value only (counts and completeness are
# in its hover), on at most two lines.
MATRIX_FONT_SIZE = 13
MATRIX_HEADER_ANGLE = -45
MATRIX_ROW_HEIGHT = 38
MATRIX_LABEL_WIDTH = 26


def cell_text(value: str) -> str:
    """A cell's value on at most two short lines: "95,0% (2024)" and "Không phát sinh" are too wide
    for a column of fifteen at 1366 px."""
    text = str(value)
    if text.startswith("Chưa báo cáo năm"):
        # The year is the page's year, in the heading and in the cell's hover: five lines would spill.
        return "Chưa<br>báo cáo"
    if text == fmt.NOT_APPLICABLE:
        return "Không<br>phát sinh"
    if " (" in text:
        first, rest = text.split(" (", 1)
        return f"{safe_text(first)}<br>({safe_text(rest)}"
    return wrap(text, 6) if len(text) > 7 else safe_text(text)


def cell_font_size(shown: str) -> int:
    """Smaller type for the texts that would otherwise touch the sides of a 40 px cell ("100,0%")."""
    if "<br>" in shown:
        return MATRIX_FONT_SIZE - 3
    return MATRIX_FONT_SIZE if len(shown) <= 5 else MATRIX_FONT_SIZE - 2


def matrix_figure(status: pd.DataFrame, value: pd.DataFrame, hover: pd.DataFrame,
                  short: list[str] | tuple = ()) -> go.Figure:
    """Localities (rows) × indicators (columns), each cell coloured by its status, with its value.

    The frames share index (indicator names) and columns (locality labels), as kpi.engine.scope.matrix
    gives them; `short` names the indicators in a few words for the column headers (the full name is
    in each cell's hover). A cell whose status is missing is outside that locality's plan and stays
    blank. Counts and completeness (the matrix's `detail`) are in the hover text: in a cell they
    spilled into the next one.
    """
    codes = fmt.STATUS_ORDER
    position = {code: i for i, code in enumerate(codes)}
    z = status.T.apply(lambda column: column.map(lambda s: position.get(s) if isinstance(s, str) else None))
    scale = []
    for i, code in enumerate(codes):
        scale += [[i / len(codes), fmt.STATUS_COLOURS[code]], [(i + 1) / len(codes), fmt.STATUS_COLOURS[code]]]
    headers = list(short) if len(short) == len(status.index) else list(status.index)
    columns = [safe_text(name) for name in headers]
    rows = [wrap(name, MATRIX_LABEL_WIDTH) for name in status.columns]
    figure = go.Figure(go.Heatmap(
        z=z.astype(float).to_numpy(), x=columns, y=rows, colorscale=scale, zmin=-0.5, zmax=len(codes) - 0.5,
        showscale=False, xgap=2, ygap=2, customdata=hover.T.map(safe_text).to_numpy(),
        hovertemplate="%{customdata}<extra></extra>",
    ))
    # One layout update with every label: add_annotation validates the whole layout each call.
    labels = []
    for row_label, row_codes, row_values in zip(rows, status.T.to_numpy(), value.T.to_numpy()):
        for column_label, code, shown_value in zip(columns, row_codes, row_values):
            if isinstance(code, str):
                shown = cell_text(shown_value)
                labels.append({"x": column_label, "y": row_label, "text": shown, "showarrow": False,
                               "font": {"size": cell_font_size(shown), "color": text_colour(fmt.STATUS_COLOURS[code])}})
    figure.update_layout(annotations=labels)
    figure.update_xaxes(side="top", tickangle=MATRIX_HEADER_ANGLE, showgrid=False, zeroline=False,
                        tickfont={"size": MATRIX_FONT_SIZE})
    figure.update_yaxes(autorange="reversed", showgrid=False, zeroline=False, tickfont={"size": MATRIX_FONT_SIZE})
    # The headers' height at 45°: about 0.5 em per character along a diagonal.
    header_height = 20 + int(0.72 * 0.55 * MATRIX_FONT_SIZE * max((len(h) for h in headers), default=0))
    row_lines = 1 + max((label.count("<br>") for label in rows), default=0)
    _style(figure, header_height + 20 + (MATRIX_ROW_HEIGHT + 12 * (row_lines - 1)) * len(rows))
    figure.update_layout(margin={"t": header_height, "l": 10, "r": 30}, font={"size": MATRIX_FONT_SIZE})
    return figure


def ranking_figure(ranking: pd.DataFrame) -> go.Figure:
    """Localities ranked by share of targets achieved: one bar each, split into status counts."""
    labels = [wrap(name, 30) for name in ranking["label"]]
    figure = go.Figure()
    for code in fmt.STATUS_ORDER:
        counts = ranking[code].astype(int)
        figure.add_trace(go.Bar(
            y=labels, x=counts.tolist(), name=fmt.STATUS_LABELS[code], orientation="h",
            marker={"color": fmt.STATUS_COLOURS[code]}, text=[str(c) if c else "" for c in counts],
            textposition="inside", insidetextanchor="middle",
            textfont={"color": text_colour(fmt.STATUS_COLOURS[code]), "size": FONT_SIZE},
            hovertemplate=f"%{{y}}: %{{x}} chỉ tiêu {fmt.STATUS_LABELS[code].lower()}<extra></extra>",
        ))
    figure.update_layout(annotations=[
        {"x": int(total), "y": label, "text": f" {share} đạt", "showarrow": False, "xanchor": "left",
         "font": {"size": FONT_SIZE}}
        for label, share, total in zip(labels, ranking["share_text"], ranking["judged"])
    ])
    longest = int(ranking["judged"].max()) if len(ranking) else 1
    figure.update_xaxes(title="Số chỉ tiêu", range=[0, longest * 1.25], dtick=1 if longest <= 20 else None)
    figure.update_yaxes(autorange="reversed")
    _style(figure, 150 + 48 * len(ranking))
    figure.update_layout(barmode="stack", bargap=0.25, margin={"t": 70},
                         legend={"orientation": "h", "traceorder": "normal", "x": 0, "y": 1.0, "yanchor": "bottom"})
    return figure


COMPARISON_LABEL_STANDOFF_PX = 40


def comparison_figure(rows: pd.DataFrame, kind: str, comparator: str, target) -> go.Figure:
    """One indicator across localities: latest value of each against the target, sorted.

    rows: label, value, value_text, status (one row per locality, already sorted). Localities
    without a value (no data, "không phát sinh") are left out rather than drawn as zero.
    """
    rows = rows[rows["value"].notna()]
    labels = [wrap(name, 30) for name in rows["label"]]
    colours = [fmt.STATUS_COLOURS[s] for s in rows["status"]]
    figure = go.Figure(go.Bar(
        y=labels, x=rows["value"].astype(float).tolist(), orientation="h", marker={"color": colours},
        text=[safe_text(t) for t in rows["value_text"]], textposition="outside", cliponaxis=False,
        customdata=[safe_text(f"{label}: {value} — {fmt.STATUS_LABELS[s]}")
                    for label, value, s in zip(rows["label"], rows["value_text"], rows["status"])],
        hovertemplate="%{customdata}<extra></extra>", showlegend=False,
    ))
    if comparator != "decrease" and _present(target):
        figure.add_vline(x=float(target), line_dash="dot", line_color=TARGET_COLOUR, line_width=2,
                         annotation_text=f"Mục tiêu: {fmt.format_target(kind, comparator, target)}",
                         annotation_position="top")
    if kind == Kind.RATIO:
        figure.update_xaxes(range=[0, 115], ticksuffix="%")
    elif kind == Kind.BOOLEAN:
        figure.update_xaxes(range=[0, 1.3], tickvals=[0, 1], ticktext=["Không", "Có"])
    else:
        highest = max([float(v) for v in rows["value"]] + ([float(target)] if _present(target) else []), default=0)
        figure.update_xaxes(rangemode="tozero", **count_axis(highest))
    # Room between a name and its bar: the text of a bar of 0 (0, «Không») sits at the axis and ran into
    # the name («xã Lạc Phượng0»).
    figure.update_yaxes(autorange="reversed", ticklabelstandoff=COMPARISON_LABEL_STANDOFF_PX)
    return _style(figure, 110 + 44 * len(rows))
