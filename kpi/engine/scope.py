"""The overview of a scope for a year, computed once for the overview page, the report and the CLI:
status counts, reporting completeness, the ranking of the localities under it and the localities ×
indicators matrix, plus finding localities by name among thousands.

A scope is a parent locality: its own rows are its aggregate, and the localities ranked and counted
are its direct children, each judged on its own plan or, when it has children of its own (a
district between the city and its communes), on its aggregate. Without a parent, every locality
judged on its own plan. Counts and the ranking read the engine's statuses directly; only the rows on
screen are described in words (kpi.engine.describe). Nothing here judges a status.
"""

import unicodedata
from dataclasses import dataclass, replace

import pandas as pd

from kpi import formatting as fmt
from kpi.engine.assess import Assessment


def fold(text: str) -> str:
    """Lower case without diacritics, so that "lac phuong" finds "xã Lạc Phượng"."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search(localities: pd.DataFrame, query: str) -> pd.DataFrame:
    """Localities whose name or code contains the query, ignoring case and diacritics."""
    needle = fold(query.strip())
    if not needle:
        return localities
    found = localities["name"].map(fold).str.contains(needle, regex=False)
    found |= localities["code"].map(fold).str.contains(needle, regex=False)
    return localities[found]


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
    """The rows of the localities a scope ranks and counts: its direct children (an aggregate for a
    child with children of its own), or every locality judged on its own plan without a parent."""
    if parent_code is None:
        return statuses[~statuses["is_aggregate"].astype(bool)]
    children = pd.Index(localities.loc[localities["parent_code"] == parent_code, "code"])
    # A hash lookup in the (unique) codes: several times faster than isin on Arrow strings.
    return statuses[children.get_indexer(statuses["locality_code"]) >= 0]


def reporting(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None) -> tuple[int, int]:
    """(localities that reported at least one figure for the year, localities expected to)."""
    reported = own_rows(statuses, localities, parent_code).groupby("locality_code")["reported"].max()
    return int((reported > 0).sum()), int(len(reported))


@dataclass(frozen=True)
class Summary:
    """What the overview says of a scope above its tables: how many localities reported, which
    localities it ranks, and (for a parent) its aggregate's status counts."""

    reported: int
    expected: int
    locality_codes: pd.Series
    counts: pd.DataFrame | None


def summary(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None) -> Summary:
    reported, expected = reporting(statuses, localities, parent_code)
    codes = own_rows(statuses, localities, parent_code)["locality_code"].drop_duplicates().reset_index(drop=True)
    counts = None if parent_code is None else status_counts(statuses, parent_code)
    return Summary(reported, expected, codes, counts)


RANKING_COLUMNS = ["rank", "locality_code", "locality_name", "label", "judged", "reported", "share",
                   "achieved_text", "share_text", "reported_text", *fmt.STATUS_ORDER]


def ranking(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None, query: str = "") -> pd.DataFrame:
    """The scope's localities ranked by the exact share of their indicators achieved (ties share a
    rank; then by count achieved, then by name), with the count of indicators in each status and of
    indicators reported for the year.

    The rank is over every locality of the scope; the search only filters the rows shown.
    """
    rows = own_rows(statuses, localities, parent_code)
    if rows.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    # groupby rather than crosstab: crosstab counts group by group in Python (a second at 3,300 localities).
    counts = rows.groupby(["locality_code", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=fmt.STATUS_ORDER, fill_value=0)
    table = counts.reset_index()
    names = localities.set_index("code")["name"]
    table["locality_name"] = table["locality_code"].map(names).fillna(table["locality_code"])
    table["label"] = unique_labels(table["locality_code"], table["locality_name"])
    table["judged"] = counts.sum(axis=1).to_numpy()
    table["reported"] = (rows["reported"] > 0).groupby(rows["locality_code"]).sum().reindex(counts.index).to_numpy()
    exact = table["achieved"] / table["judged"]
    # Ranked on the exact share; the shown share is rounded like every other figure.
    table["share"] = [fmt.displayed_percent(a, j) for a, j in zip(table["achieved"], table["judged"])]
    table["achieved_text"] = [f"{fmt.format_integer(a)}/{fmt.format_integer(j)}"
                              for a, j in zip(table["achieved"], table["judged"])]
    table["share_text"] = table["share"].map(fmt.format_percent)
    table["reported_text"] = [f"{fmt.format_integer(r)}/{fmt.format_integer(j)}"
                              for r, j in zip(table["reported"], table["judged"])]
    table = table.assign(exact=exact).sort_values(["exact", "achieved", "label"], ascending=[False, False, True],
                                                  ignore_index=True, key=fmt.by_name("label"))
    table["rank"] = table["exact"].rank(method="min", ascending=False).astype(int)
    if query.strip():
        found = search(pd.DataFrame({"code": table["locality_code"], "name": table["label"]}), query)
        table = table.loc[found.index]
    return table[RANKING_COLUMNS].reset_index(drop=True)


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
