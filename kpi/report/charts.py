"""One chart per indicator group, as a PNG for the Word report: matplotlib's Agg canvas, so a chart
needs no browser, no network and no display, and is safe to draw from Streamlit's download thread
(no pyplot state is shared between threads)."""

import io
import textwrap

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from kpi import formatting as fmt
from kpi.vocabulary import Kind

WIDTH_INCHES = 6.4
# Each panel: its title (up to three lines) above a plot area and its years below; the legend at the bottom.
PLOT_HEIGHT_INCHES = 1.45
TITLE_HEIGHT_INCHES = 0.5
TICKS_HEIGHT_INCHES = 0.25
LEGEND_HEIGHT_INCHES = 0.5
DPI = 130
EARLIER_YEARS_ALPHA = 0.45
TARGET_COLOUR = "#24292f"


def group_chart(indicators: pd.DataFrame, series: pd.DataFrame, years: list[int]) -> bytes:
    """Bars of each indicator's figures over the years shown, in the colour of its status (the
    latest year solid, earlier years lighter), with the 2030 target as a dashed line.

    indicators: describe_statuses() rows of one locality and one group.
    series: that locality's yearly series (kind, numerator, denominator, value per year).
    """
    columns = 1 if len(indicators) == 1 else 2
    rows = -(-len(indicators) // columns)
    # A fixed layout rather than matplotlib's constrained one, which took a third of the drawing time.
    height = rows * (PLOT_HEIGHT_INCHES + TITLE_HEIGHT_INCHES + TICKS_HEIGHT_INCHES) + LEGEND_HEIGHT_INCHES
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.08, right=0.98, wspace=0.22, top=1 - TITLE_HEIGHT_INCHES / height,
                           bottom=(LEGEND_HEIGHT_INCHES + TICKS_HEIGHT_INCHES) / height,
                           hspace=(TITLE_HEIGHT_INCHES + TICKS_HEIGHT_INCHES) / PLOT_HEIGHT_INCHES)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, indicator in zip(axes, indicators.itertuples()):
        figures = series[(series["indicator_code"] == indicator.indicator_code) & series["year"].isin(years)]
        _panel(ax, indicator, figures.set_index("year"), years, wrap=46 if columns == 2 else 100)
    for ax in axes[len(indicators):]:
        ax.set_visible(False)
    statuses = [s for s in fmt.STATUS_ORDER if s in set(indicators["status"])]
    figure.legend(handles=[Patch(color=fmt.STATUS_COLOURS[s], label=fmt.STATUS_LABELS[s]) for s in statuses],
                  loc="lower center", ncols=len(statuses), fontsize=7, frameon=False,
                  title=f"Đánh giá tính đến năm {years[-1]}", title_fontsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _panel(ax, indicator, figures: pd.DataFrame, years: list[int], wrap: int) -> None:
    colour = fmt.STATUS_COLOURS[indicator.status]
    boolean = indicator.kind == Kind.BOOLEAN
    ratio = indicator.kind == Kind.RATIO
    with_value = [y for y in years if y in figures.index and not pd.isna(figures.at[y, "value"])]
    latest = with_value[-1] if with_value else None
    for position, year in enumerate(years):
        if year not in figures.index:
            continue
        row = figures.loc[year]
        if pd.isna(row["value"]):
            ax.text(position, 0, fmt.NOT_APPLICABLE.replace(" ", "\n", 1), ha="center", va="bottom", fontsize=5.5,
                    color="#57606a")
            continue
        value = float(row["value"])
        ax.bar(position, value, width=0.62, color=colour, alpha=1 if year == latest else EARLIER_YEARS_ALPHA)
        if not boolean:
            label = fmt.format_value(row["kind"], row["numerator"], row["denominator"], row["value"])
            ax.text(position, value, label, ha="center", va="bottom", fontsize=6)
    _target_line(ax, indicator)
    ax.set_xticks(range(len(years)), [str(y) for y in years], fontsize=7)
    ax.set_xlim(-0.6, len(years) - 0.4)
    if boolean:
        ax.set_ylim(0, 1.25)
        ax.set_yticks([0, 1], [fmt.format_boolean(0), fmt.format_boolean(1)], fontsize=7)
    elif ratio:
        ax.set_ylim(0, 112)
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.format_integer(v) + "%"))
    else:
        targets = [] if pd.isna(indicator.target) else [float(indicator.target)]
        top = max([float(figures.at[y, "value"]) for y in with_value] + targets + [1])
        ax.set_ylim(0, top * 1.25)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.format_integer(v)))
    ax.tick_params(axis="y", labelsize=6.5)
    ax.spines[["top", "right"]].set_visible(False)
    title = textwrap.wrap(indicator.indicator_name, wrap)
    # parse_math: a name is text, matplotlib would draw `$x^2$` in it as a formula.
    ax.set_title("\n".join([*title, f"Mục tiêu 2030: {indicator.target_text}"]), fontsize=7, loc="left", parse_math=False)


def _target_line(ax, indicator) -> None:
    if indicator.comparator == "decrease" or pd.isna(indicator.target):
        return
    level = 1 if indicator.kind == Kind.BOOLEAN else float(indicator.target)
    ax.axhline(level, color=TARGET_COLOUR, linestyle="--", linewidth=0.8)
