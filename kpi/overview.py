"""The meeting overview as DataFrames: status counts, reporting completeness, ranking and the
localities × indicators matrix, plus choosing which localities to show when there are thousands.

Counts and the ranking read the engine's statuses directly (thousands of localities); only the
rows on screen are described in words (kpi.presentation). Nothing here judges a status.
"""

import math
import unicodedata
from dataclasses import dataclass, replace

import pandas as pd

from kpi import formatting as fmt
from kpi.assess import Assessment


def fold(text: str) -> str:
    """Lower case without diacritics, so that "lac phuong" finds "xã Lạc Phượng"."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def parent_options(localities: pd.DataFrame) -> pd.DataFrame:
    """Localities that have children (the scopes a meeting looks at), top of the hierarchy first."""
    parents = set(localities["parent_code"].dropna())
    options = localities[localities["code"].isin(parents)].copy()
    options["_root"] = options["parent_code"].isna()
    return options.sort_values(["_root", "name"], ascending=[False, True]).drop(columns="_root")


def search(localities: pd.DataFrame, query: str) -> pd.DataFrame:
    """Localities whose name or code contains the query, ignoring case and diacritics."""
    needle = fold(query.strip())
    if not needle:
        return localities
    found = localities["name"].map(fold).str.contains(needle, regex=False)
    found |= localities["code"].map(fold).str.contains(needle, regex=False)
    return localities[found]


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def page(frame: pd.DataFrame, number: int, size: int) -> pd.DataFrame:
    """Rows of page `number` (from 1), clamped to the pages that exist."""
    number = min(max(1, number), page_count(len(frame), size))
    return frame.iloc[(number - 1) * size: number * size]


def status_counts(statuses: pd.DataFrame, locality_code: str) -> pd.DataFrame:
    """How many of a locality's indicators are in each status, every status listed in order."""
    own = statuses.loc[statuses["locality_code"] == locality_code, "status"]
    counts = own.value_counts().reindex(fmt.STATUS_ORDER, fill_value=0)
    return pd.DataFrame({
        "status": fmt.STATUS_ORDER,
        "label": [fmt.STATUS_LABELS[s] for s in fmt.STATUS_ORDER],
        "count": counts.to_numpy().astype(int),
    })


def narrow(assessment: Assessment, locality_codes: list[str] | None = None,
           indicator_code: str | None = None) -> Assessment:
    """The same assessment with only some localities' (or one indicator's) statuses, so that
    describing it in words costs only what is shown."""
    statuses = assessment.statuses
    if locality_codes is not None:
        statuses = statuses[statuses["locality_code"].isin(locality_codes)]
    if indicator_code is not None:
        statuses = statuses[statuses["indicator_code"] == indicator_code]
    return replace(assessment, statuses=statuses.reset_index(drop=True))


def own_rows(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None) -> pd.DataFrame:
    """Statuses of the localities judged on their own plan (not aggregates), under a parent."""
    rows = statuses[~statuses["is_aggregate"].astype(bool)]
    if parent_code is not None:
        children = pd.Index(localities.loc[localities["parent_code"] == parent_code, "code"])
        # A hash lookup in the (unique) codes: several times faster than isin on Arrow strings.
        rows = rows[children.get_indexer(rows["locality_code"]) >= 0]
    return rows


def reporting(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None) -> tuple[int, int]:
    """(localities that reported at least one figure for the year, localities with a plan)."""
    reported = own_rows(statuses, localities, parent_code).groupby("locality_code")["reported"].max()
    return int((reported > 0).sum()), int(len(reported))


@dataclass(frozen=True)
class Summary:
    """What the overview says of a scope above its tables: how many localities reported, which
    localities are judged on their own plan, and (for a parent) its aggregate's status counts."""

    reported: int
    expected: int
    locality_codes: pd.Series
    counts: pd.DataFrame | None


def summary(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None) -> Summary:
    reported, expected = reporting(statuses, localities, parent_code)
    codes = own_rows(statuses, localities, parent_code)["locality_code"].drop_duplicates().reset_index(drop=True)
    counts = None if parent_code is None else status_counts(statuses, parent_code)
    return Summary(reported, expected, codes, counts)


def reporting_text(reported: int, expected: int) -> str:
    return f"{fmt.format_integer(reported)}/{fmt.format_integer(expected)} địa phương đã báo cáo"


def ranking(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None, query: str = "") -> pd.DataFrame:
    """Localities with a plan, ranked by the share of their indicators achieved (then by count
    achieved, then by name), with the count of indicators in each status.

    The rank is over every locality under the parent; the search only filters the rows shown.
    """
    rows = own_rows(statuses, localities, parent_code)
    columns = ["rank", "locality_code", "label", "judged", "share", "achieved_text", "share_text", "reported_text",
               *fmt.STATUS_ORDER]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    # groupby rather than crosstab: crosstab counts group by group in Python (a second at 3,300 localities).
    counts = rows.groupby(["locality_code", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=fmt.STATUS_ORDER, fill_value=0)
    table = counts.reset_index()
    names = localities.set_index("code")["name"]
    table["label"] = unique_labels(table["locality_code"], table["locality_code"].map(names))
    table["judged"] = counts.sum(axis=1).to_numpy()
    table["share"] = 100 * table["achieved"] / table["judged"]
    table["achieved_text"] = [f"{a}/{j}" for a, j in zip(table["achieved"], table["judged"])]
    table["share_text"] = [fmt.format_ratio(a, j) for a, j in zip(table["achieved"], table["judged"])]
    reported = rows.groupby("locality_code")["reported"].sum().reindex(counts.index)
    table["reported_text"] = [f"{int(r)}/{j}" for r, j in zip(reported, table["judged"])]
    table = table.sort_values(["share", "achieved", "label"], ascending=[False, False, True], ignore_index=True)
    table["rank"] = table["share"].rank(method="min", ascending=False).astype(int)
    if query.strip():
        found = search(pd.DataFrame({"code": table["locality_code"], "name": table["label"]}), query)
        table = table.loc[found.index]
    return table[columns].reset_index(drop=True)


RANKING_HEADERS = {
    "rank": "Hạng", "label": "Địa phương", "achieved_text": "Chỉ tiêu đạt", "share_text": "Tỷ lệ đạt",
    "reported_text": "Chỉ tiêu đã báo cáo năm nay", **fmt.STATUS_LABELS,
}


def ranking_table(ranking_frame: pd.DataFrame) -> pd.DataFrame:
    """The ranking with the headers users read."""
    return ranking_frame[list(RANKING_HEADERS)].rename(columns=RANKING_HEADERS)


def unique_labels(codes: pd.Series, names: pd.Series) -> list[str]:
    """Names, with the code added where two localities share a name (there are many "xã Tân Tiến")."""
    names = names.fillna(codes)
    repeated = names.duplicated(keep=False)
    return [f"{n} ({c})" if r else n for c, n, r in zip(codes, names, repeated)]


@dataclass(frozen=True)
class Matrix:
    """Indicator names as index, locality labels as columns: status codes, the value shown, the
    counts under it (completeness for an aggregate) and the hover text. Plain text throughout."""

    status: pd.DataFrame
    value: pd.DataFrame
    detail: pd.DataFrame
    hover: pd.DataFrame


# The columns of the described statuses a matrix is made of (describe_statuses gives many more).
MATRIX_INPUT = ["locality_code", "locality_name", "indicator_code", "indicator_name", "position", "is_aggregate",
                "status", "status_label", "value_text", "counts_text", "completeness_text"]


def matrix(described: pd.DataFrame, locality_codes: list[str]) -> Matrix:
    """The localities given (in that order, an aggregate included if given) × their indicators."""
    rows = described.loc[described["locality_code"].isin(locality_codes), MATRIX_INPUT].copy()
    if rows.empty:
        # An empty pivot has no value levels to take the four grids from.
        empty = pd.DataFrame(dtype=object)
        return Matrix(status=empty, value=empty.copy(), detail=empty.copy(), hover=empty.copy())
    labels = dict(zip(locality_codes, unique_labels(pd.Series(locality_codes),
                                                    pd.Series(locality_codes).map(_names(described)))))
    aggregate = rows["is_aggregate"].astype(bool)
    rows["column"] = rows["locality_code"].map(labels)
    rows.loc[aggregate, "column"] = rows.loc[aggregate, "column"] + " (tổng hợp)"
    rows["detail"] = rows["counts_text"].where(~aggregate, rows["completeness_text"])
    rows["hover"] = [f"{locality} — {indicator}: {value} ({status})" for locality, indicator, value, status
                     in zip(rows["locality_name"], rows["indicator_name"], rows["value_text"], rows["status_label"])]
    order = [labels[c] + (" (tổng hợp)" if c in set(rows.loc[aggregate, "locality_code"]) else "")
             for c in locality_codes if c in set(rows["locality_code"])]
    indicators = rows.sort_values("position").drop_duplicates("indicator_code")["indicator_name"].tolist()

    wide = rows.pivot(index="indicator_name", columns="column", values=["status", "value_text", "detail", "hover"])

    def pivot(values: str) -> pd.DataFrame:
        return wide[values].reindex(index=indicators, columns=order)

    return Matrix(status=pivot("status"), value=pivot("value_text"), detail=pivot("detail"), hover=pivot("hover"))


def _names(described: pd.DataFrame) -> pd.Series:
    return described.drop_duplicates("locality_code").set_index("locality_code")["locality_name"]
