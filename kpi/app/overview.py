"""The overview page's model: which scopes a meeting can pick, paging through thousands of
localities, the ranking with the headers users read. The figures come from kpi.engine.scope."""

import html
import math
from collections.abc import Callable

import pandas as pd

from kpi import formatting as fmt
from kpi.engine.describe import short_name
from kpi.engine.scope import Matrix


def parent_options(localities: pd.DataFrame) -> pd.DataFrame:
    """Localities that have children (the scopes a meeting looks at), top of the hierarchy first."""
    parents = set(localities["parent_code"].dropna())
    options = localities[localities["code"].isin(parents)].copy()
    options["_root"] = options["parent_code"].isna()
    return options.sort_values(["_root", "name"], ascending=[False, True], key=fmt.by_name("name")).drop(columns="_root")


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def page(frame: pd.DataFrame, number: int, size: int) -> pd.DataFrame:
    """Rows of page `number` (from 1), clamped to the pages that exist."""
    number = min(max(1, number), page_count(len(frame), size))
    return frame.iloc[(number - 1) * size: number * size]


def reporting_text(reported: int, expected: int) -> str:
    return f"{fmt.format_integer(reported)}/{fmt.format_integer(expected)} địa phương đã báo cáo"


def ranking_table(ranking_frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The ranking as of `year` with the headers users read (the year named: "this year" read as the
    calendar's while the page showed an earlier one)."""
    headers = {"rank": "Hạng", "label": "Địa phương", "achieved_text": "Chỉ tiêu đạt", "share_text": "Tỷ lệ đạt",
               "reported_text": f"Chỉ tiêu đã báo cáo năm {year}", **fmt.STATUS_LABELS}
    return ranking_frame[list(headers)].rename(columns=headers)


ALL_GROUPS = "Tất cả nhóm chỉ tiêu"
SORT_BY_RANK, SORT_BY_NAME = "rank", "name"


def group_options(indicators: pd.DataFrame) -> list[str]:
    """The indicator groups in catalogue order, after the choice of all of them."""
    return [ALL_GROUPS, *dict.fromkeys(indicators.sort_values("position")["group"])]


def sort_options(indicators: pd.DataFrame, group: str) -> dict[str, str]:
    """What the matrix can be sorted by, across every page: rank, name, or one indicator (of the
    group shown), the localities furthest from its target first."""
    shown = indicators if group == ALL_GROUPS else indicators[indicators["group"] == group]
    options = {SORT_BY_RANK: "Hạng (tỷ lệ chỉ tiêu đạt)", SORT_BY_NAME: "Tên địa phương (A–Z)"}
    for row in shown.sort_values("position").itertuples():
        options[row.code] = f"Chỉ tiêu: {short_name(row.code, row.name)} (xa mục tiêu nhất trước)"
    return options


BEHIND_HEADERS = {"indicator_short": "Chỉ tiêu", "value_text": "Giá trị", "status_label": "Đánh giá",
                  "change_text": "So với năm trước", "target_text": "Mục tiêu 2030", "gap_text": "Còn cách mục tiêu"}
BEHIND_COLUMNS = {"Chỉ tiêu": {"width": 150}, "Giá trị": {"width": 70}, "Đánh giá": {"width": 110},
                  "So với năm trước": {"width": 250}, "Mục tiêu 2030": {"width": 150}}


def behind_frame(behind: pd.DataFrame) -> pd.DataFrame:
    return behind[list(BEHIND_HEADERS)].rename(columns=BEHIND_HEADERS).reset_index(drop=True)


def behind_table(behind: pd.DataFrame):
    """The indicators furthest from their targets, as the first screen shows them: the status in
    its colour, value, status and change first (what a meeting reads at 1366 px)."""
    table = behind_frame(behind)
    colours = behind["status"].map(fmt.STATUS_COLOURS).tolist()

    def paint(column: pd.Series) -> list[str]:
        return [f"background-color: {c}; color: {fmt.text_colour(c)}" for c in colours]

    return table.style.apply(paint, subset=["Đánh giá"])


# Names listed in a sentence before "và N địa phương khác" (3,300 names would fill the screen).
NAMES_LISTED = 25


def name_list(labels: list[str], inert: Callable[[str], str], listed: int = NAMES_LISTED) -> str:
    """Locality names for a Markdown sentence, each made inert by `inert` (kpi.app.widgets.plain;
    passed in, so that this model of the page stays free of Streamlit)."""
    shown = ", ".join(inert(label) for label in labels[:listed])
    rest = len(labels) - listed
    return shown + (f" và {fmt.format_integer(rest)} địa phương khác" if rest > 0 else "")


def not_reported_line(missing: pd.DataFrame, expected: int, year: int, inert: Callable[[str], str]) -> str:
    count = f"{fmt.format_integer(len(missing))}/{fmt.format_integer(expected)}"
    if missing.empty:
        return f"**Chưa báo cáo năm {year}:** không có địa phương nào ({count})."
    return f"**Chưa báo cáo năm {year} ({count} địa phương):** {name_list(missing['label'].tolist(), inert)}."


LOWEST_LISTED = 5


def lowest_line(ranking_frame: pd.DataFrame, inert: Callable[[str], str]) -> str:
    """The localities with the lowest share of targets achieved, the lowest first. A locality without
    a single figure has achieved nothing only in arithmetic: it is named among those that have not
    reported, not here as doing worst."""
    with_figures = ranking_frame[ranking_frame["no_data"] < ranking_frame["judged"]]
    if with_figures.empty:
        return "**Tỷ lệ chỉ tiêu đạt thấp nhất:** chưa có địa phương nào có số liệu."
    lowest = with_figures.iloc[::-1].head(LOWEST_LISTED)
    shown = [f"{label} ({share})" for label, share in zip(lowest["label"], lowest["share_text"])]
    return f"**Tỷ lệ chỉ tiêu đạt thấp nhất:** {name_list(shown, inert)}."


# The "Bảng chi tiết" at 1366 px: value, target and status in view without scrolling sideways; the
# indicator by its short name (its full name is the last column).
DETAIL_HEADERS = {
    "locality_name": "Địa phương", "indicator_short": "Chỉ tiêu", "value_text": "Giá trị",
    "latest_year_text": "Năm", "target_text": "Mục tiêu 2030", "status_label": "Đánh giá",
    "counts_text": "Số liệu", "projection_text": "Dự báo 2030", "completeness_text": "Báo cáo",
    "indicator_name": "Tên đầy đủ của chỉ tiêu",
}
# Widths in pixels: «Không phát sinh» and «chỉ 2/114 địa phương đã báo cáo» whole at the theme's 17 px.
DETAIL_WIDTHS = {"Địa phương": 160, "Chỉ tiêu": 140, "Giá trị": 130, "Năm": 50, "Mục tiêu 2030": 155,
                 "Đánh giá": 115, "Số liệu": 150, "Dự báo 2030": 90, "Báo cáo": 290}


def detail_table(described: pd.DataFrame) -> pd.DataFrame:
    return described[list(DETAIL_HEADERS)].rename(columns=DETAIL_HEADERS)


def in_group(described: pd.DataFrame, group: str) -> pd.DataFrame:
    return described if group == ALL_GROUPS else described[described["group"] == group]


def indicator_legend(indicators: pd.DataFrame, group: str) -> pd.DataFrame:
    """The matrix's column headers with the indicators' full names."""
    shown = indicators if group == ALL_GROUPS else indicators[indicators["group"] == group]
    shown = shown.sort_values("position")
    return pd.DataFrame({"Cột": [short_name(c, n) for c, n in zip(shown["code"], shown["name"])],
                         "Chỉ tiêu": shown["name"].tolist(), "Nhóm": shown["group"].tolist()})


def matrix_html(grid: Matrix) -> str:
    """The matrix as an HTML table for the printed page: a table wraps its headers and shares the
    width of an A4 page among its columns, where the chart keeps the width of the screen. Every text
    escaped: names are data."""
    if grid.status.empty:
        return ""
    headers = "".join(f"<th>{html.escape(name)}</th>" for name in grid.short)
    rows = []
    for locality in grid.status.columns:
        cells = []
        for indicator in grid.status.index:
            status = grid.status.at[indicator, locality]
            if not isinstance(status, str):
                cells.append("<td></td>")
                continue
            background = fmt.STATUS_COLOURS[status]
            cells.append(f'<td style="background:{background};color:{fmt.text_colour(background)}">'
                         f"{html.escape(str(grid.value.at[indicator, locality]))}</td>")
        rows.append(f'<tr><th class="kpi-locality">{html.escape(locality)}</th>{"".join(cells)}</tr>')
    return (f'<table class="kpi-print-matrix"><thead><tr><th class="kpi-locality">Địa phương</th>{headers}</tr>'
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def table_html(table: pd.DataFrame, statuses: list[str] | None = None, status_column: str = "Đánh giá") -> str:
    """A small table as HTML for the printed page, the status column in the statuses' colours.
    Every text escaped: names are data."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = []
    for index, values in enumerate(table.itertuples(index=False)):
        cells = []
        for column, value in zip(table.columns, values):
            style = ""
            if statuses is not None and column == status_column:
                background = fmt.STATUS_COLOURS[statuses[index]]
                style = f' style="background:{background};color:{fmt.text_colour(background)}"'
            cells.append(f"<td{style}>{html.escape(str(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="kpi-print-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
