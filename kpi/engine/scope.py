"""The overview of a scope for a year, computed once for the overview page, the report and the CLI:
status counts, reporting completeness, the ranking of the localities under it and the localities ×
indicators matrix, plus finding localities by name among thousands.

A scope is a parent locality: its own rows are its aggregate, and the localities ranked and counted
are its direct children, each judged on its own plan or, when it has children of its own (a
district between the city and its communes), on its aggregate. Without a parent, every locality
judged on its own plan. Counts and the ranking read the engine's statuses directly; only the rows on
screen are described in words (kpi.engine.describe). Nothing here judges a status.
"""

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine import timeliness
from kpi.engine.assess import Assessment


def search(localities: pd.DataFrame, query: str) -> pd.DataFrame:
    """Localities whose name or code contains the query, ignoring case and diacritics."""
    needle = fmt.fold(query.strip())
    if not needle:
        return localities
    found = localities["name"].map(fmt.fold).str.contains(needle, regex=False)
    found |= localities["code"].map(fmt.fold).str.contains(needle, regex=False)
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
    # Without a single figure a locality is ranked last, its share not a 0,0% it never reported.
    table["share_text"] = table["share"].map(fmt.format_percent).where(table["no_data"] < table["judged"],
                                                                       fmt.STATUS_LABELS["no_data"])
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
    # A few words per indicator (the index), for column headers (kpi.engine.describe.SHORT_NAMES).
    short: list[str] = ()


# The columns of the described statuses a matrix is made of (describe_statuses gives many more).
MATRIX_INPUT = ["locality_code", "locality_name", "indicator_code", "indicator_name", "indicator_short", "position",
                "is_aggregate", "status", "status_label", "value_text", "counts_text", "completeness_text"]


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
    rows["hover"] = [f"{locality} — {indicator}: {value}{f' ({detail})' if detail else ''} — {status}"
                     for locality, indicator, value, detail, status
                     in zip(rows["locality_name"], rows["indicator_name"], rows["value_text"], rows["detail"],
                            rows["status_label"])]
    order = [labels[c] + (" (tổng hợp)" if c in set(rows.loc[aggregate, "locality_code"]) else "")
             for c in locality_codes if c in set(rows["locality_code"])]
    catalogue = rows.sort_values("position").drop_duplicates("indicator_code")
    indicators = catalogue["indicator_name"].tolist()

    wide = rows.pivot(index="indicator_name", columns="column", values=["status", "value_text", "detail", "hover"])

    def pivot(values: str) -> pd.DataFrame:
        return wide[values].reindex(index=indicators, columns=order)

    return Matrix(status=pivot("status"), value=pivot("value_text"), detail=pivot("detail"), hover=pivot("hover"),
                  short=catalogue["indicator_short"].tolist())


def _names(described: pd.DataFrame) -> pd.Series:
    return described.drop_duplicates("locality_code").set_index("locality_code")["locality_name"]


def reporting_cycle(engine: Engine, year: int, parent_code: str | None, on: date | None = None) -> timeliness.CycleCounts:
    """The reporting cycle of the scope for a year (kpi.engine.timeliness): of the localities with a plan
    under the parent (every one without a parent), how many submitted, on time, late, are overdue and
    approved."""
    return timeliness.counts(timeliness.reporting(engine, year, parent_code, on))
# Who is behind: the order in which a meeting reads statuses, the furthest from the target first.
BEHIND_ORDER = ["regressing", "off_track", "no_data", "insufficient_data", "on_track", "achieved"]


def order_localities(ranking_frame: pd.DataFrame, statuses: pd.DataFrame, by: str = "rank",
                     descending: bool = False) -> pd.DataFrame:
    """The whole ranking in another order, before it is cut into pages (so a sort covers every page):
    by rank, by name (ignoring case and diacritics), or by one indicator, the localities furthest
    from its target first (then the lowest value for an "at least" target, the highest otherwise);
    localities whose plan lacks the indicator come last. `descending` reverses the order."""
    if by == "rank":
        ordered = ranking_frame
    elif by == "name":
        ordered = ranking_frame.assign(_key=ranking_frame["label"].map(fmt.name_sort_key)).sort_values(["_key", "locality_code"])
    else:
        rows = statuses[(statuses["indicator_code"] == by)].drop_duplicates("locality_code").set_index("locality_code")
        severity = rows["status"].map({s: i for i, s in enumerate(BEHIND_ORDER)})
        upward = rows["comparator"].isin([">=", "="])
        closeness = rows["value"].astype("Float64").where(upward, -rows["value"].astype("Float64"))
        codes = ranking_frame["locality_code"]
        ordered = ranking_frame.assign(
            _missing=codes.map(severity).isna().to_numpy(), _severity=codes.map(severity).to_numpy(),
            _closeness=codes.map(closeness).astype("Float64").to_numpy(),
        ).sort_values(["_missing", "_severity", "_closeness", "rank"], na_position="last", kind="stable")
    if descending:
        ordered = ordered.iloc[::-1]
    return ordered[ranking_frame.columns].reset_index(drop=True)


NOT_REPORTED_COLUMNS = ["locality_code", "label", "expected"]


def not_reported(statuses: pd.DataFrame, localities: pd.DataFrame, parent_code: str | None) -> pd.DataFrame:
    """The scope's localities with no figure at all for the year, by name, and how many indicators
    their plan expects.

    The reporting cycle (deadlines and submission, domain.md) adds to this list the localities
    that are overdue: join its `reporting` state on locality_code here, not in a page."""
    rows = own_rows(statuses, localities, parent_code)
    reported = rows.groupby("locality_code")["reported"].max()
    expected = rows.groupby("locality_code").size()
    missing = reported[reported == 0].index
    names = localities.set_index("code")["name"]
    frame = pd.DataFrame({"locality_code": list(missing)})
    frame["label"] = unique_labels(frame["locality_code"], frame["locality_code"].map(names))
    frame["expected"] = frame["locality_code"].map(expected).astype(int)
    return frame.assign(_key=frame["label"].map(fmt.name_sort_key)).sort_values(["_key", "locality_code"])[
        NOT_REPORTED_COLUMNS].reset_index(drop=True)


BEHIND_COLUMNS = ["indicator_code", "indicator_name", "indicator_short", "group", "status", "status_label", "value_text",
                  "target_text", "gap", "gap_text", "change", "change_text", "completeness_text"]
CHANGE_MARKS = {"up": "▲", "down": "▼", "same": "="}
CHANGE_WORDS = {"up": "tăng", "down": "giảm", "same": "không đổi"}


def behind_indicators(described: pd.DataFrame, previous: pd.DataFrame, locality_code: str,
                      limit: int | None = 5) -> pd.DataFrame:
    """The indicators of one locality (or aggregate) furthest from their 2030 targets, as of the
    year of `described`, with the change of each against the year before.

    described: describe_statuses() of the year Y; previous: the engine's statuses as of Y − 1
    (their values are the figures to compare with). Only indicators not achieved that have a value;
    the furthest first: by status (Đi lùi, Cần tăng tốc, …), then by the gap to the target relative
    to the target (a ratio 20 points short of 100% before a count 3 above 0 only when its status
    says so). Change is the figure of Y against the latest figure up to Y − 1, and is only given
    when the locality has a figure for Y (otherwise "Chưa báo cáo năm Y")."""
    own = described[(described["locality_code"] == locality_code) & described["value"].notna()
                    & (described["status"] != "achieved")].copy()
    if own.empty:
        return pd.DataFrame(columns=BEHIND_COLUMNS)
    value = own["value"].astype(float)
    target = own["target"].astype(float)
    upward = own["comparator"].isin([">=", "="])
    gap = (target - value).where(upward, value - target)
    own["gap"] = gap.clip(lower=0)
    scale = target.where(upward, value).where(lambda t: t > 0, 1.0)
    own["_relative"] = (own["gap"] / scale).fillna(0.0)
    own["_severity"] = own["status"].map({s: i for i, s in enumerate(BEHIND_ORDER)})
    own["gap_text"] = [_gap_text(kind, comparator, g) for kind, comparator, g
                       in zip(own["kind"], own["comparator"], own["gap"])]
    own = own.join(changes(own, previous, locality_code), on="indicator_code")
    own = own.sort_values(["_severity", "_relative", "position"], ascending=[True, False, True])
    if limit is not None:
        own = own.head(limit)
    return own[BEHIND_COLUMNS].reset_index(drop=True)


def changes(described: pd.DataFrame, previous: pd.DataFrame, locality_code: str) -> pd.DataFrame:
    """For each indicator of one locality in `described` (as of year Y): its change against the
    statuses `previous` (as of Y − 1), indexed by indicator_code: change ("up", "down", "same" or
    None) and change_text, the words shown beside the figure ("▲ tăng 2,1 điểm % (2024: 81,2%)")."""
    own = described[described["locality_code"] == locality_code]
    before = previous[previous["locality_code"] == locality_code].set_index("indicator_code")
    found = [_change(row, before) for row in own.itertuples()]
    return pd.DataFrame({"change": [c for c, _ in found], "change_text": [t for _, t in found]},
                        index=pd.Index(own["indicator_code"], name="indicator_code"))


def _gap_text(kind: str, comparator: str, gap: float) -> str:
    if comparator == "decrease" or gap != gap:
        return ""
    if kind == "ratio":
        return f"{fmt.format_decimal(gap)} điểm %"
    return fmt.format_integer(gap)


def _change(row, before: pd.DataFrame) -> tuple[str | None, str]:
    """("up" | "down" | "same" | None, the words shown beside the figure)."""
    year = int(row.as_of)
    if pd.isna(row.value):
        return None, fmt.NO_VALUE
    if row.latest_year is None or pd.isna(row.latest_year) or int(row.latest_year) != year:
        return None, f"Chưa báo cáo năm {year}"
    if row.indicator_code not in before.index or pd.isna(before.at[row.indicator_code, "value"]):
        return None, "Chưa có số liệu năm trước để so sánh"
    earlier = float(before.at[row.indicator_code, "value"])
    earlier_year = int(before.at[row.indicator_code, "latest_year"])
    delta = float(row.value) - earlier
    # Compared as shown: a change too small to show is no change.
    shown = round(delta, 1) if row.kind == "ratio" else round(delta)
    change = "same" if shown == 0 else ("up" if shown > 0 else "down")
    amount = (f"{fmt.format_decimal(abs(delta))} điểm %" if row.kind == "ratio"
              else fmt.format_integer(abs(delta)))
    earlier_text = fmt.format_percent(earlier) if row.kind == "ratio" else fmt.format_integer(earlier)
    said = (f"{CHANGE_MARKS[change]} không đổi" if change == "same"
            else f"{CHANGE_MARKS[change]} {CHANGE_WORDS[change]} {amount}")
    return change, f"{said} ({earlier_year}: {earlier_text}){_other_localities(row, before, earlier_year)}"


def _other_localities(row, before: pd.DataFrame, earlier_year: int) -> str:
    """For an aggregate made of another number of localities than the year it is compared with, says
    so: 92,2% of two communes against 90,0% of one is no fall of the communes' work."""
    if not row.is_aggregate or earlier_year != int(row.as_of) - 1:
        return ""
    was = (int(before.at[row.indicator_code, "reported"]), int(before.at[row.indicator_code, "expected"]))
    if was == (int(row.reported), int(row.expected)):
        return ""
    return (f"; không cùng các địa phương: năm {earlier_year} có {fmt.format_integer(was[0])}/"
            f"{fmt.format_integer(was[1])}, năm {int(row.as_of)} có {fmt.format_integer(int(row.reported))}/"
            f"{fmt.format_integer(int(row.expected))} địa phương báo cáo")
