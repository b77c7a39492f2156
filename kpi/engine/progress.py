"""The progress engine: yearly series (with aggregates up the hierarchy) and statuses toward 2030.

Pure pandas, DataFrame in and DataFrame out; no database and no Streamlit. Every step is one
vectorised pass, so the cost grows with the number of readings, never with localities squared.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.vocabulary import Kind

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


def judged_pairs(catalog: Catalog, expected: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every (locality, indicator) to judge, with its kind, comparator, target, whether it is an
    aggregate, and how many localities are expected to report it each year.

    A locality is judged on its plan; a parent on every indicator of any descendant's plan, against
    the indicator's default target. Aggregated booleans are judged as ratios of localities with "có".
    """
    kinds = catalog.indicators.set_index("code")["kind"]
    own = catalog.localities[["code", "plan_code"]].merge(catalog.plan_targets, on="plan_code")
    own = own.rename(columns={"code": "locality_code"}).assign(is_aggregate=False, expected=1)
    own["kind"] = own["indicator_code"].map(kinds)

    expected = _expected_descendants(catalog) if expected is None else expected
    aggregate = (
        expected.groupby(["ancestor_code", "indicator_code"]).size().rename("expected").reset_index()
        .rename(columns={"ancestor_code": "locality_code"})
    )
    defaults = catalog.indicators.rename(columns={"code": "indicator_code"})
    aggregate = aggregate.merge(defaults[["indicator_code", "kind", "comparator", "target"]], on="indicator_code")
    is_boolean = aggregate["kind"] == Kind.BOOLEAN
    aggregate.loc[is_boolean, ["kind", "comparator", "target"]] = ["ratio", ">=", 100.0]
    aggregate["is_aggregate"] = True
    columns = ["locality_code", "indicator_code", "kind", "comparator", "target", "is_aggregate", "expected"]
    pairs = pd.concat([own[columns], aggregate[columns]], ignore_index=True)
    # A locality with both a plan and children is judged on its own readings.
    return pairs.drop_duplicates(["locality_code", "indicator_code"], ignore_index=True)


def ancestor_links(localities: pd.DataFrame) -> pd.DataFrame:
    """(ancestor_code, descendant_code) for every ancestor of every locality, each locality's nearest
    first; a parent chain that loops ends where it repeats."""
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
    return _series_frame(_series_rows(readings, catalog, _expected_descendants(catalog)))


def statuses(series: pd.DataFrame, pairs: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """One row per judged (locality, indicator) as of a year, with the fields of `progress --json`."""
    return _statuses(_rows_of(series), pairs, as_of)


def evaluate(readings: pd.DataFrame, catalog: Catalog, as_of: int, *,
             with_series: bool = True) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """yearly_series and statuses in one pass: the series as a table only when asked for (its text
    columns are most of the time and memory of the engine at 600,000 readings)."""
    evaluated = Evaluation.of(readings, catalog)
    return (evaluated.series() if with_series else None), evaluated.statuses(as_of)


@dataclass(frozen=True)
class Evaluation:
    """Readings turned into the yearly series (own and aggregate) once, as plain arrays: statuses as
    of any year, the series, and who reported in which year are read off it without reading or
    aggregating the readings again. Never modified once built, so one can be shared."""

    rows: "_Rows"
    pairs: pd.DataFrame

    @classmethod
    def of(cls, readings: pd.DataFrame, catalog: Catalog) -> "Evaluation":
        expected = _expected_descendants(catalog)
        return cls(_compact(_series_rows(readings, catalog, expected)), judged_pairs(catalog, expected))

    def statuses(self, as_of: int, localities: Sequence[str] | None = None) -> pd.DataFrame:
        """Statuses as of a year, of every judged pair or of some localities' only (judged from their
        own rows alone, aggregates included: 49,002 pairs take 0.08 s, one locality's almost nothing)."""
        if localities is None:
            return _statuses(self.rows, self.pairs, as_of)
        pairs = self.pairs[self.pairs["locality_code"].isin(list(localities))]
        return _statuses(self.rows.selected(localities=localities), pairs, as_of)

    def series(self, years: Sequence[int] | None = None) -> pd.DataFrame:
        """The yearly series, or only its rows of some years (the labels of every row of 3,300
        localities were most of a report's memory)."""
        return _series_frame(self.rows.selected(years=years))

    def years(self, localities: Sequence[str] | None = None) -> list[int]:
        """The years with a row in the series (of these localities' rows, if given)."""
        return np.unique(self.rows.selected(localities=localities).columns["year"]).astype(int).tolist()

    def reported_years(self) -> pd.DataFrame:
        """(locality_code, year) of every locality's own readings, one row per pair."""
        columns = self.rows.columns
        own = ~columns["is_aggregate"]
        key = pd.DataFrame({"locality": columns["locality"][own], "year": columns["year"][own]}).drop_duplicates()
        return pd.DataFrame({"locality_code": self.rows.localities.labels(key["locality"].to_numpy()),
                             "year": key["year"].to_numpy(dtype=np.int64)})


_KINDS = ("ratio", "boolean", "count")


class _CodeSpace:
    """Codes (locality or indicator) as integers: positions in their sorted list, so sorting by
    integers sorts by code, and joins and groupings work on integers instead of strings."""

    def __init__(self, *columns):
        uniques = [np.asarray(pd.unique(pd.Series(column).dropna()), dtype=object) for column in columns]
        self.codes = pd.Index(np.unique(np.concatenate(uniques)) if uniques else [], dtype=object)

    @classmethod
    def spanning(cls, main: pd.Series, *others) -> tuple["_CodeSpace", np.ndarray]:
        """The space of main's codes and others', and main as positions (main hashed once)."""
        positions, uniques = pd.factorize(main)
        space = cls(uniques, *others)
        return space, space.codes.get_indexer(uniques)[positions] if len(uniques) else positions

    def __len__(self) -> int:
        return len(self.codes)

    def codes_of(self, column) -> np.ndarray:
        positions, uniques = pd.factorize(column)
        return self.codes.get_indexer(uniques)[positions] if len(uniques) else positions

    def by_position(self, codes: pd.Series, values: list, missing) -> list:
        """values given by code, rearranged by position (missing where a code has none)."""
        result = [missing] * len(self.codes)
        for position, value in zip(self.codes.get_indexer(codes), values):
            if position >= 0:
                result[position] = value
        return result

    def labels(self, positions: np.ndarray):
        return _labels(self.codes.tolist(), positions)


@dataclass
class _Rows:
    """A yearly series as integer positions and plain arrays, NaN where a figure is missing; kind
    is a position in _KINDS (-1: an indicator the catalogue lacks)."""

    localities: _CodeSpace
    indicators: _CodeSpace
    columns: dict[str, np.ndarray]

    def selected(self, *, localities: Sequence[str] | None = None, years: Sequence[int] | None = None) -> "_Rows":
        """The rows of some localities (codes) and/or some years; all of them when neither is given."""
        mask = np.ones(len(self.columns["year"]), dtype=bool)
        if localities is not None:
            positions = self.localities.codes.get_indexer(list(localities))
            mask &= np.isin(self.columns["locality"], positions[positions >= 0])
        if years is not None:
            mask &= np.isin(self.columns["year"], list(years))
        if mask.all():
            return self
        return _Rows(self.localities, self.indicators, {name: values[mask] for name, values in self.columns.items()})


def _series_rows(readings: pd.DataFrame, catalog: Catalog, expected: pd.DataFrame) -> _Rows:
    localities, locality = _CodeSpace.spanning(readings["locality_code"], expected["ancestor_code"],
                                               expected["descendant_code"])
    indicators, indicator = _CodeSpace.spanning(readings["indicator_code"], expected["indicator_code"],
                                                catalog.indicators["code"])
    kind_of = indicators.by_position(catalog.indicators["code"], catalog.indicators["kind"].tolist(), None)
    kind_codes = np.array([_KINDS.index(k) if k in _KINDS else -1 for k in kind_of], dtype=np.int64)

    own = {
        "locality": locality,
        "indicator": indicator,
        "year": readings["year"].to_numpy(dtype=np.int64),
        "kind": kind_codes[indicator] if len(kind_codes) else np.full(len(readings), -1),
        "numerator": _floats(readings["numerator"]),
        "denominator": _floats(readings["denominator"]),
        "value": _floats(readings["value"]),
    }
    own["value"] = _value(own["kind"] == 0, own["numerator"], own["denominator"], own["value"])
    own["reported"] = own["expected"] = np.ones(len(readings), dtype=np.int64)
    own["is_aggregate"] = np.zeros(len(readings), dtype=bool)

    aggregate = _aggregate(own, expected, localities, indicators, kind_codes)
    # Own readings first: a locality with both a plan and children is judged on its own readings,
    # and np.unique keeps the first row of each key, in key (= code, code, year) order.
    year = np.concatenate([own["year"], aggregate["year"]])
    first_year = int(year.min()) if len(year) else 0
    years = int(year.max()) - first_year + 1 if len(year) else 1
    key = np.concatenate([own["locality"], aggregate["locality"]]) * len(indicators)
    key += np.concatenate([own["indicator"], aggregate["indicator"]])
    key *= years
    key += year - first_year
    del year
    _, kept = np.unique(key, return_index=True)
    del key
    columns = {}
    for name in list(own):
        columns[name] = np.concatenate([own.pop(name), aggregate.pop(name)])[kept]
    return _Rows(localities, indicators, columns)


# Held rows (an Evaluation is kept per data version by the app) in narrower types, 44 bytes a row
# instead of 73: positions and counts of localities fit 32 bits, years 16. Figures stay float64 (NaN
# marks a missing figure; float32 is exact only to 2**24).
_COMPACT_TYPES = {"locality": np.int32, "indicator": np.int32, "year": np.int16, "kind": np.int8,
                  "reported": np.int32, "expected": np.int32}


def _compact(rows: _Rows) -> _Rows:
    rows.columns.update({name: rows.columns[name].astype(narrow) for name, narrow in _COMPACT_TYPES.items()})
    return rows


def _series_frame(rows: _Rows) -> pd.DataFrame:
    columns = rows.columns
    return pd.DataFrame({
        "locality_code": rows.localities.labels(columns["locality"]),
        "indicator_code": rows.indicators.labels(columns["indicator"]),
        "year": columns["year"].astype(np.int64),
        "kind": _labels(list(_KINDS), columns["kind"]),
        "numerator": _nullable(columns["numerator"]),
        "denominator": _nullable(columns["denominator"]),
        "value": _nullable(columns["value"]),
        "reported": columns["reported"].astype(np.int64),
        "expected": columns["expected"].astype(np.int64),
        "is_aggregate": columns["is_aggregate"],
    }, columns=SERIES_COLUMNS)


def _rows_of(series: pd.DataFrame) -> _Rows:
    """The figures statuses need from a series table."""
    localities, locality = _CodeSpace.spanning(series["locality_code"])
    indicators, indicator = _CodeSpace.spanning(series["indicator_code"])
    return _Rows(localities, indicators, {
        "locality": locality,
        "indicator": indicator,
        "year": series["year"].to_numpy(dtype=np.int64),
        "numerator": _floats(series["numerator"]),
        "denominator": _floats(series["denominator"]),
        "value": _floats(series["value"]),
        "reported": series["reported"].to_numpy(),
    })


def _labels(names: list[str], positions: np.ndarray):
    """Text column from positions into names; -1 is missing."""
    return pd.array(np.array(names, dtype=object), dtype="str").take(positions, allow_fill=True)


def _floats(column: pd.Series) -> np.ndarray:
    return column.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


def _nullable(values: np.ndarray) -> pd.arrays.FloatingArray:
    return pd.arrays.FloatingArray(values, np.isnan(values))


def _value(ratio: np.ndarray, numerator: np.ndarray, denominator: np.ndarray, value: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = 100 * numerator / np.where(denominator > 0, denominator, np.nan)
    return np.where(ratio, percent, value)


def _aggregate(own: dict, expected: pd.DataFrame, localities: _CodeSpace, indicators: _CodeSpace,
               kind_codes: np.ndarray) -> dict:
    if expected.empty or not len(own["year"]):
        return {name: values[:0] for name, values in own.items()}
    kind = own["kind"]
    ratio, boolean = kind == 0, kind == 1
    counted = ratio & (own["denominator"] > 0)
    # Ratios: Σ numerators / Σ denominators over children with denominator > 0 (weighted, not a
    # mean of percentages). Booleans: children with 1 over children that reported. A missing
    # figure adds nothing to a sum. Every share is a whole number, so sums are exact in any order.
    shares = {
        "numerator": np.where(ratio, np.where(counted, own["numerator"], 0), np.where(boolean, own["value"], np.nan)),
        "denominator": np.where(ratio, np.where(counted, own["denominator"], 0), np.where(boolean, 1.0, np.nan)),
        "value": np.where(~ratio & ~boolean, own["value"], np.nan),
    }
    ancestor = localities.codes_of(expected["ancestor_code"])
    descendant = localities.codes_of(expected["descendant_code"])
    expected_indicator = indicators.codes_of(expected["indicator_code"])
    n_localities, n_indicators = len(localities), len(indicators)
    # Each reading joined to every ancestor expecting it (the hierarchy's links, on integer keys).
    links = pd.DataFrame({"link": descendant * n_indicators + expected_indicator, "ancestor": ancestor})
    reading_links = pd.DataFrame({"link": own["locality"] * n_indicators + own["indicator"],
                                  "reading": np.arange(len(kind))})
    joined = reading_links.merge(links, on="link")
    reading, joined_ancestor = joined["reading"].to_numpy(), joined["ancestor"].to_numpy()
    year = own["year"][reading]
    first_year = int(year.min()) if len(year) else 0
    years = int(year.max()) - first_year + 1 if len(year) else 1
    pair = joined_ancestor * n_indicators + own["indicator"][reading]
    groups, group_of = np.unique(pair * years + (year - first_year), return_inverse=True)
    sums = {name: np.bincount(group_of, weights=np.nan_to_num(values[reading], nan=0.0), minlength=len(groups))
            for name, values in shares.items()}
    group_pair = groups // years
    expected_counts = np.bincount(ancestor * n_indicators + expected_indicator, minlength=n_localities * n_indicators)
    group_kind = kind_codes[group_pair % n_indicators]
    is_count = group_kind == 2
    numerator = np.where(is_count, np.nan, sums["numerator"])
    denominator = np.where(is_count, np.nan, sums["denominator"])
    # Aggregated booleans are shares of localities: ratios.
    group_kind = np.where(group_kind == 1, 0, group_kind)
    return {
        "locality": group_pair // n_indicators,
        "indicator": group_pair % n_indicators,
        "year": groups % years + first_year,
        "numerator": numerator,
        "denominator": denominator,
        "value": _value(group_kind == 0, numerator, denominator, sums["value"]),
        "kind": group_kind,
        "reported": np.bincount(group_of, minlength=len(groups)),
        "expected": expected_counts[group_pair],
        "is_aggregate": np.ones(len(groups), dtype=bool),
    }


def _statuses(rows: _Rows, pairs: pd.DataFrame, as_of: int) -> pd.DataFrame:
    columns, n_indicators = rows.columns, len(rows.indicators)
    pair_of_row = columns["locality"].astype(np.int64) * n_indicators + columns["indicator"]
    year = columns["year"].astype(np.int64)
    known = np.flatnonzero((year <= as_of) & ~np.isnan(columns["value"]))
    # Known readings of a pair, oldest first (a series is in this order already).
    order = np.lexsort((year[known], pair_of_row[known]))
    if not np.array_equal(order, np.arange(len(known))):
        known = known[order]
    known_pair = pair_of_row[known]
    starts = np.flatnonzero(np.r_[True, known_pair[1:] != known_pair[:-1]]) if len(known) else known[:0]
    ends = np.r_[starts[1:], len(known)].astype(np.int64) - 1
    counts = ends - starts + 1

    result = pairs.reset_index(drop=True).copy()
    pair_locality = rows.localities.codes.get_indexer(result["locality_code"])
    pair_indicator = rows.indicators.codes.get_indexer(result["indicator_code"])
    pair_key = np.where((pair_locality >= 0) & (pair_indicator >= 0), pair_locality * n_indicators + pair_indicator, -1)
    group = _find(known_pair[starts], pair_key)
    readings = _take(counts, group, 0)
    latest = _take(known, _take(ends, group, -1), -1)
    earliest = _take(known, _take(starts, group, -1), -1)
    previous = np.where(readings >= 2, _take(known, _take(ends - 1, group, -1), -1), -1)

    float_year = year.astype(np.float64)
    result["latest_year"] = _take(float_year, latest, np.nan)
    for name in ("value", "numerator", "denominator"):
        result[name] = _nullable(_take(columns[name], latest, np.nan))
    result["earliest_year"] = _take(float_year, earliest, np.nan)
    result["earliest_value"] = _take(columns["value"], earliest, np.nan)
    result["previous_value"] = _take(columns["value"], previous, np.nan)
    result["readings"] = readings.astype(int)

    # The row of the year asked about (one per pair at most).
    this_year = np.flatnonzero(year == as_of)
    this_year = this_year[np.argsort(pair_of_row[this_year], kind="stable")]
    now = _take(this_year, _find(pair_of_row[this_year], pair_key), -1)
    result["reported"] = _take(columns["reported"], now, 0).astype(int)
    denominator_now = _take(columns["denominator"], now, np.nan)
    # "Không phát sinh" in the year asked about: a valid report with nothing to count.
    result["not_applicable"] = (result["kind"] == Kind.RATIO).to_numpy(dtype=bool) & (denominator_now == 0)

    result["status"], result["projected_2030"] = _judge(result)
    result["as_of"] = as_of
    result["latest_year"] = result["latest_year"].astype("Int64")
    return result[STATUS_COLUMNS + ["kind", "is_aggregate", "not_applicable"]]


def _find(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each key in sorted_keys, -1 where it is not there."""
    if not len(sorted_keys):
        return np.full(len(keys), -1)
    slot = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[slot] == keys, slot, -1)


def _take(values: np.ndarray, positions: np.ndarray, missing) -> np.ndarray:
    """values at positions; missing where the position is -1 (the appended last element)."""
    return np.append(values, missing)[positions]


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
    decrease, boolean = comparator == "decrease", kind == Kind.BOOLEAN
    ratio = kind == Kind.RATIO
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
