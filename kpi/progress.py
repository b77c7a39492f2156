"""The progress engine: yearly series (with aggregates up the hierarchy) and statuses toward 2030.

Pure pandas, DataFrame in and DataFrame out; no database and no Streamlit. Every step is one
vectorised pass, so the cost grows with the number of readings, never with localities squared.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

TARGET_YEAR = 2030
# Targets have at most this many decimals; scaled to integers so ratios compare exactly from counts.
TARGET_SCALE = 1000
# Projections are floats; a projection this close to the target counts as reaching it.
PROJECTION_TOLERANCE = 1e-9

SERIES_COLUMNS = [
    "locality_code", "indicator_code", "year", "kind", "numerator", "denominator", "value",
    "reported", "expected", "is_aggregate",
]
STATUS_COLUMNS = [
    "locality_code", "indicator_code", "as_of", "latest_year", "value", "numerator", "denominator",
    "target", "comparator", "status", "projected_2030", "reported", "expected",
]


@dataclass(frozen=True)
class Catalog:
    """The configuration the engine needs, as DataFrames.

    indicators: code, kind, comparator, target (the default target, used for aggregates)
    localities: code, parent_code, plan_code
    plan_targets: plan_code, indicator_code, comparator, target
    """

    indicators: pd.DataFrame
    localities: pd.DataFrame
    plan_targets: pd.DataFrame


def judged_pairs(catalog: Catalog) -> pd.DataFrame:
    """Every (locality, indicator) to judge, with its kind, comparator, target, whether it is an
    aggregate, and how many localities are expected to report it each year.

    A locality is judged on its plan; a parent on every indicator of any descendant's plan, against
    the indicator's default target. Aggregated booleans are judged as ratios of localities with "có".
    """
    kinds = catalog.indicators.set_index("code")["kind"]
    own = catalog.localities[["code", "plan_code"]].merge(catalog.plan_targets, on="plan_code")
    own = own.rename(columns={"code": "locality_code"}).assign(is_aggregate=False, expected=1)
    own["kind"] = own["indicator_code"].map(kinds)

    expected = _expected_descendants(catalog)
    aggregate = (
        expected.groupby(["ancestor_code", "indicator_code"]).size().rename("expected").reset_index()
        .rename(columns={"ancestor_code": "locality_code"})
    )
    defaults = catalog.indicators.rename(columns={"code": "indicator_code"})
    aggregate = aggregate.merge(defaults[["indicator_code", "kind", "comparator", "target"]], on="indicator_code")
    is_boolean = aggregate["kind"] == "boolean"
    aggregate.loc[is_boolean, ["kind", "comparator", "target"]] = ["ratio", ">=", 100.0]
    aggregate["is_aggregate"] = True
    columns = ["locality_code", "indicator_code", "kind", "comparator", "target", "is_aggregate", "expected"]
    pairs = pd.concat([own[columns], aggregate[columns]], ignore_index=True)
    # A locality with both a plan and children is judged on its own readings.
    return pairs.drop_duplicates(["locality_code", "indicator_code"], ignore_index=True)


def ancestor_links(localities: pd.DataFrame) -> pd.DataFrame:
    """(ancestor_code, descendant_code) for every ancestor of every locality."""
    parent_of = dict(zip(localities["code"], localities["parent_code"]))
    pairs = []
    for code in localities["code"]:
        parent, seen = parent_of.get(code), {code}
        while isinstance(parent, str) and parent and parent not in seen:
            pairs.append((parent, code))
            seen.add(parent)
            parent = parent_of.get(parent)
    return pd.DataFrame(pairs, columns=["ancestor_code", "descendant_code"])


def _expected_descendants(catalog: Catalog) -> pd.DataFrame:
    """(ancestor_code, descendant_code, indicator_code) for descendants whose plan has the indicator."""
    plans = catalog.localities[["code", "plan_code"]].rename(columns={"code": "descendant_code"})
    with_plans = ancestor_links(catalog.localities).merge(plans, on="descendant_code")
    return with_plans.merge(catalog.plan_targets[["plan_code", "indicator_code"]], on="plan_code")[
        ["ancestor_code", "descendant_code", "indicator_code"]
    ]


def yearly_series(readings: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """One row per (locality, indicator, year) with a reading: own readings and aggregates.

    value is a percentage for ratios (NaN when the denominator is 0: "không phát sinh"), the number
    for counts, 0/1 for booleans. reported/expected is the completeness of that year.
    """
    kinds = catalog.indicators.set_index("code")["kind"]
    readings = readings.astype({"numerator": "Float64", "denominator": "Float64", "value": "Float64"})
    own = readings[["locality_code", "indicator_code", "year", "numerator", "denominator", "value"]].copy()
    own["kind"] = own["indicator_code"].map(kinds)
    own["reported"], own["expected"], own["is_aggregate"] = 1, 1, False
    own["value"] = _value(own)

    aggregate = _aggregate(readings, _expected_descendants(catalog), kinds)
    series = pd.concat([own[SERIES_COLUMNS], aggregate[SERIES_COLUMNS]], ignore_index=True)
    series = series.drop_duplicates(["locality_code", "indicator_code", "year"])
    return series.sort_values(["locality_code", "indicator_code", "year"], ignore_index=True)


def _value(frame: pd.DataFrame) -> pd.Series:
    ratio = frame["kind"] == "ratio"
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = (100 * frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0))
    return percent.where(ratio, frame["value"]).astype("Float64")


def _aggregate(readings: pd.DataFrame, expected: pd.DataFrame, kinds: pd.Series) -> pd.DataFrame:
    if expected.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    expected_counts = expected.groupby(["ancestor_code", "indicator_code"]).size().rename("expected")
    kind = readings["indicator_code"].map(kinds)
    ratio = kind == "ratio"
    boolean = kind == "boolean"
    counted = ratio & (readings["denominator"] > 0)
    # Ratios: Σ numerators / Σ denominators over children with denominator > 0 (weighted, not a
    # mean of percentages). Booleans: children with 1 over children that reported. Each reading's
    # share is worked out before it is joined to its ancestors, so the join carries numbers only.
    contributions = pd.DataFrame({
        "descendant_code": readings["locality_code"],
        "indicator_code": readings["indicator_code"],
        "year": readings["year"],
        "agg_numerator": readings["numerator"].where(counted, 0).where(ratio, readings["value"].where(boolean)),
        "agg_denominator": readings["denominator"].where(counted, 0).where(ratio, boolean.astype("Float64").where(boolean)),
        "agg_value": readings["value"].where(~ratio & ~boolean),
    })
    reports = expected.merge(contributions, on=["descendant_code", "indicator_code"])
    keys = ["ancestor_code", "indicator_code", "year"]
    grouped = reports.groupby(keys).agg(
        numerator=("agg_numerator", "sum"),
        denominator=("agg_denominator", "sum"),
        value=("agg_value", "sum"),
        reported=("descendant_code", "nunique"),
    ).reset_index()
    grouped["kind"] = grouped["indicator_code"].map(kinds)
    grouped = grouped.join(expected_counts, on=["ancestor_code", "indicator_code"])
    grouped.loc[grouped["kind"] == "count", ["numerator", "denominator"]] = pd.NA
    grouped.loc[grouped["kind"] == "boolean", "kind"] = "ratio"
    grouped = grouped.astype({"numerator": "Float64", "denominator": "Float64", "value": "Float64"})
    grouped["value"] = _value(grouped)
    grouped["is_aggregate"] = True
    return grouped.rename(columns={"ancestor_code": "locality_code"})


def statuses(series: pd.DataFrame, pairs: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """One row per judged (locality, indicator) as of a year, with the fields of `progress --json`."""
    known = series[(series["year"] <= as_of) & series["value"].notna()]
    known = known.sort_values(["locality_code", "indicator_code", "year"])
    groups = known.groupby(["locality_code", "indicator_code"], sort=False)
    latest = groups.tail(1).set_index(["locality_code", "indicator_code"])
    earliest = groups.head(1).set_index(["locality_code", "indicator_code"])
    previous = groups.nth(-2).set_index(["locality_code", "indicator_code"])
    counts = groups.size().rename("readings")

    result = pairs.set_index(["locality_code", "indicator_code"]).copy()
    result["latest_year"] = latest["year"]
    result["value"] = latest["value"]
    result["numerator"] = latest["numerator"]
    result["denominator"] = latest["denominator"]
    result["earliest_year"] = earliest["year"]
    result["earliest_value"] = earliest["value"]
    result["previous_value"] = previous["value"]
    result["readings"] = counts
    result = result.reset_index()
    result["readings"] = result["readings"].fillna(0).astype(int)

    this_year = series[series["year"] == as_of].set_index(["locality_code", "indicator_code"])
    this_year = this_year[["reported", "denominator"]].rename(columns={"denominator": "denominator_now"})
    this_year = result.join(this_year, on=["locality_code", "indicator_code"])
    result["reported"] = this_year["reported"].fillna(0).astype(int)
    # "Không phát sinh" in the year asked about: a valid report with nothing to count.
    result["not_applicable"] = ((result["kind"] == "ratio") & (this_year["denominator_now"] == 0)).fillna(False).astype(bool)

    result["status"], result["projected_2030"] = _judge(result)
    result["as_of"] = as_of
    result["latest_year"] = result["latest_year"].astype("Int64")
    return result[STATUS_COLUMNS + ["kind", "is_aggregate", "not_applicable"]]


def _judge(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    kind = frame["kind"].to_numpy()
    comparator = frame["comparator"].to_numpy()
    target = frame["target"].astype(float).to_numpy()
    v = frame["value"].astype(float).to_numpy()
    v0 = frame["earliest_value"].astype(float).to_numpy()
    previous = frame["previous_value"].astype(float).to_numpy()
    t = frame["latest_year"].astype(float).to_numpy()
    t0 = frame["earliest_year"].astype(float).to_numpy()
    n = frame["readings"].to_numpy()
    has_data = n > 0

    at_least, at_most = comparator == ">=", comparator == "<="
    decrease, boolean = comparator == "decrease", kind == "boolean"
    ratio = kind == "ratio"
    achieved = np.select(
        [ratio & (at_least | at_most), at_least, at_most, boolean, decrease],
        [_ratio_meets(frame, at_least), v >= target, v <= target, v == 1, v < previous],
        default=False,
    ) & has_data

    projectable = (at_least | at_most) & ~boolean & (n >= 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(projectable, (v - v0) / (t - t0), np.nan)
    projected = v + slope * (TARGET_YEAR - t)
    projected = np.where(ratio, np.clip(projected, 0, 100), np.maximum(projected, 0))
    projected = np.where(projectable, projected, np.nan)
    reaches = np.where(at_least, projected >= target - PROJECTION_TOLERANCE, projected <= target + PROJECTION_TOLERANCE)
    away = np.where(at_least, slope < 0, slope > 0)

    status = np.select(
        [
            ~has_data,
            achieved,
            (n < 2),
            boolean & (previous == 1),
            boolean,
            decrease & (v == previous),
            decrease,
            away,
            reaches,
        ],
        ["no_data", "achieved", "insufficient_data", "regressing", "off_track", "off_track", "regressing",
         "regressing", "on_track"],
        default="off_track",
    )
    return status, projected


def _ratio_meets(frame: pd.DataFrame, at_least: np.ndarray) -> np.ndarray:
    """numerator × 100 ≥ target × denominator (or ≤), in integers: never after rounding."""
    numerator = frame["numerator"].fillna(0).astype("int64").to_numpy()
    denominator = frame["denominator"].fillna(0).astype("int64").to_numpy()
    scaled_target = np.rint(frame["target"].fillna(0).astype(float).to_numpy() * TARGET_SCALE).astype("int64")
    left = numerator * 100 * TARGET_SCALE
    right = scaled_target * denominator
    return np.where(at_least, left >= right, left <= right)
