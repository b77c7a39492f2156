"""Meeting reports (sơ kết, tổng kết, yearly reports): what they say, gathered once from the engine.

The Word and Excel writers (report_docx, report_xlsx) only lay this content out, so both files,
the Báo cáo page and `python -m kpi report` tell the same story as the other pages.
"""

from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine import scope as scope_overview
from kpi.engine import timeliness
from kpi.engine.assess import Assessment, evaluate_scope
from kpi.engine.describe import describe_statuses
from kpi.engine.reporting_year import partial_warning
from kpi.engine.tasks import TaskCounts, counts, scope_items
from kpi.store import queries
from kpi.vocabulary import KEY, Kind

# The tables show the figures of up to this many years, ending at the report's year.
YEARS_SHOWN = 5
# Beyond this many plans the title page names the first ones and counts the rest.
PLANS_LISTED = 10


class ScopeError(ValueError):
    """The scope asked for does not exist (a usage error, with a Vietnamese message)."""


class part:
    """A part of the content, worked out the first time it is read and kept on the instance: what
    functools.cached_property does, without the lock it takes on Python 3.11 (one per attribute for
    every instance, so two sessions making reports at once waited on each other's parts)."""

    def __init__(self, work_out):
        self.work_out = work_out
        self.__doc__ = work_out.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, content, owner=None):
        if content is None:
            return self
        # Kept in the instance's __dict__, which Python reads before this descriptor from then on.
        value = content.__dict__[self.name] = self.work_out(content)
        return value


class ReportContent:
    """What a report of `year` about a locality (or, by default, the top of the hierarchy) says.

    The scope's readings are read and evaluated once, here; every other part is worked out the first
    time a writer reads it and kept: the Word report has no use for the workbook's table of every
    figure of 3,300 localities, the workbook none for the ranking or the changes against last year,
    and the Báo cáo page's preview needs only the title and the first paragraph."""

    def __init__(self, engine: Engine, year: int, locality_code: str | None = None):
        self._engine = engine
        self.year = year
        self.localities = queries.localities(engine)
        self.locality_code = code = subject_code(self.localities, locality_code)
        evaluated = evaluate_scope(engine, code)
        self.years = years_shown(evaluated.years(), year)
        # Only what the parts read is kept while a file is written: the series of the years shown, built
        # alone (the whole series of 3,300 localities is 64 MB), and last year's statuses judged now
        # (0.1 s), rather than the evaluation of every reading (26 MB).
        self._assessment = evaluated.assessment(year, with_series=True, years=self.years)
        self._previous = evaluated.assessment(year - 1).statuses
        locality = self.localities.set_index("code").loc[code]
        self.locality_name: str = locality["name"]
        self.locality_kind: str = locality["kind"]
        self.has_children = bool((self.localities["parent_code"] == code).any())
        self.generated_at = datetime.now(fmt.LOCAL_TIME)

    @part
    def plan_titles(self) -> list[str]:
        return plan_titles(self._engine, self.localities, self.locality_code)

    @part
    def described(self) -> pd.DataFrame:
        """describe_statuses() of the whole scope."""
        return describe_statuses(self._assessment)

    @part
    def subject(self) -> pd.DataFrame:
        """describe_statuses() of the locality the report is about (the same rows as in `described`)."""
        if "described" in self.__dict__:
            return self.described[self.described["locality_code"] == self.locality_code].reset_index(drop=True)
        return describe_statuses(scope_overview.narrow(self._assessment, [self.locality_code]))

    @part
    def figures(self) -> pd.DataFrame:
        """The subject's figures for the years shown, with their texts (see figure_texts)."""
        return figure_texts(self._assessment, self.locality_code, self.years)

    @part
    def series(self) -> pd.DataFrame:
        """Every figure of the scope in the years shown, for the workbook."""
        return scope_series(self._engine, self._assessment, self.years)

    @part
    def subject_series(self) -> pd.DataFrame:
        """The subject's figures in the years shown, for its charts."""
        return scope_series(self._engine, self._assessment, self.years, self.locality_code)

    @part
    def ranking(self) -> pd.DataFrame:
        return scope_overview.ranking(self._assessment.statuses, self.localities, self.locality_code)

    # kpi.engine.scope's lists of who is behind: localities with no figure for the year (children of a
    # parent), the subject's indicators not achieved, furthest first, and the change of each of its
    # indicators against the year before.
    @part
    def not_reported(self) -> pd.DataFrame:
        if not self.has_children:
            return pd.DataFrame(columns=scope_overview.NOT_REPORTED_COLUMNS)
        return scope_overview.not_reported(self._assessment.statuses, self.localities, self.locality_code)

    @part
    def behind(self) -> pd.DataFrame:
        return scope_overview.behind_indicators(self.subject, self._previous, self.locality_code, limit=None)

    @part
    def changes(self) -> pd.DataFrame:
        return scope_overview.changes(self.subject, self._previous, self.locality_code)

    @part
    def missing_by_child(self) -> pd.Series:
        """For a parent: how many indicators each locality under it has not reported for the year,
        by name (in Vietnamese order), only those with any."""
        statuses = self._assessment.statuses
        names = self.localities.set_index("code")
        children = names.index[names["parent_code"] == self.locality_code]
        rows = statuses[statuses["locality_code"].isin(children) & (statuses["reported"] == 0)]
        missing = rows["locality_code"].map(names["name"]).rename("locality_name").to_frame()
        counts = missing.groupby("locality_name").size()
        return counts.sort_index(key=fmt.by_name("locality_name"))

    @part
    def _reporting(self) -> tuple[int, int]:
        if self.has_children:
            return scope_overview.reporting(self._assessment.statuses, self.localities, self.locality_code)
        return int((self.subject["reported"] > 0).sum()), len(self.subject)

    @property
    def reported_localities(self) -> int:
        return self._reporting[0]

    @property
    def expected_localities(self) -> int:
        return self._reporting[1]

    @part
    def cycle(self) -> timeliness.CycleCounts:
        """The reporting cycle of the scope for the year (submitted, on time, late, overdue, approved)."""
        return scope_overview.reporting_cycle(self._engine, self.year, self.locality_code)

    @part
    def demo_count(self) -> int:
        return queries.demo_reading_count(self._engine)

    @part
    def tasks(self) -> pd.DataFrame:
        """The plan tasks due in the year (kpi.engine.tasks.scope_items), judged on the day the report is made."""
        return scope_items(self._engine, self.year, self.locality_code, self.generated_at.date())

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(self.subject["group"]))

    @property
    def status_counts(self) -> dict[str, int]:
        counts = self.subject["status"].value_counts()
        return {status: int(counts.get(status, 0)) for status in fmt.STATUS_ORDER}


def build_content(engine: Engine, year: int, locality_code: str | None = None) -> ReportContent:
    return ReportContent(engine, year, locality_code)


def task_counts(content: ReportContent) -> TaskCounts:
    return counts(content.tasks, judged_on(content))


def judged_on(content: ReportContent) -> date:
    return content.generated_at.date()


def task_sentence(content: ReportContent) -> str:
    """The tasks of the plan(s) due in the report's year, in one sentence."""
    if content.tasks.empty:
        return f"Không có nhiệm vụ nào của kế hoạch đến hạn trong năm {content.year}."
    tally = task_counts(content)
    places = (f" của {fmt.format_integer(content.tasks['locality_code'].nunique())} địa phương"
              if content.has_children else "")
    return (f"Nhiệm vụ của kế hoạch đến hạn trong năm {content.year}{places}: {fmt.format_integer(tally.due)} lượt "
            f"nhiệm vụ; {fmt.format_integer(tally.done)} hoàn thành, {fmt.format_integer(tally.in_progress)} đang "
            f"thực hiện, {fmt.format_integer(tally.overdue)} quá hạn (đã qua hạn mà chưa hoàn thành, xét ngày "
            f"{judged_on(content).strftime('%d/%m/%Y')}).")


def subject_code(localities: pd.DataFrame, locality_code: str | None) -> str:
    """The locality the report is about: the one asked for, or else the top of the hierarchy."""
    if locality_code is not None:
        if locality_code not in set(localities["code"]):
            raise ScopeError(f"Không có địa phương với mã «{locality_code}».")
        return locality_code
    roots = localities.loc[localities["parent_code"].isna() | (localities["parent_code"] == ""), "code"].tolist()
    if len(roots) != 1:
        raise ScopeError("Có nhiều địa phương cấp cao nhất: hãy chọn một địa phương (--locality MÃ).")
    return roots[0]


def scope_choices(localities: pd.DataFrame) -> dict[str, str]:
    """Locality code -> label for choosing a report's scope: the top of the hierarchy first."""
    is_root = localities["parent_code"].isna() | (localities["parent_code"] == "")
    ordered = pd.concat([localities[is_root], localities[~is_root].sort_values("name", key=fmt.by_name("name"))])
    return {
        row.code: f"{row.name} (toàn {row.kind})" if root else row.name
        for row, root in zip(ordered.itertuples(), is_root.reindex(ordered.index))
    }


def file_name(locality_code: str, year: int, suffix: str) -> str:
    """An ASCII name that survives e-mail and every file system: bao-cao-lac-phuong-2025.docx."""
    return f"bao-cao-{locality_code.lower().replace('_', '-')}-{year}{suffix}"


def years_shown(years_with_rows: list[int], year: int) -> list[int]:
    """Up to YEARS_SHOWN years ending at the report's year, without leading years before any figure."""
    known = [known_year for known_year in years_with_rows if known_year <= year]
    first = max(year - YEARS_SHOWN + 1, min(known) if known else year)
    return list(range(first, year + 1))


def plan_titles(engine: Engine, localities: pd.DataFrame, code: str) -> list[str]:
    """The plans the scope follows: the locality's own, or else those of the localities under it."""
    own = localities.loc[localities["code"] == code, "plan_code"].dropna().tolist()
    codes = own or localities.loc[localities["parent_code"] == code, "plan_code"].dropna().unique().tolist()
    plans = queries.plans(engine).set_index("code")["title"]
    return [plans[c] for c in sorted(set(codes), key=codes.index) if c in plans.index]


def report_title(content: ReportContent) -> str:
    if len(content.plan_titles) == 1:
        subject = content.plan_titles[0]
    else:
        subject = ("các kế hoạch xây dựng mô hình “thượng tôn và tuân thủ pháp luật” trên địa bàn "
                   f"{content.locality_name}")
    return f"Kết quả thực hiện {subject} năm {content.year}"


def summary_paragraph(content: ReportContent) -> str:
    counts = content.status_counts
    total = sum(counts.values())
    parts = "; ".join(f"{fmt.STATUS_LABELS[s]}: {fmt.format_integer(n)}" for s, n in counts.items())
    aggregate = " (số liệu tổng hợp từ các địa phương cấp dưới)" if content.subject["is_aggregate"].any() else ""
    return (f"Tính đến năm {content.year}, {content.locality_name}{aggregate} có "
            f"{fmt.format_integer(total)} chỉ tiêu được theo dõi, đánh giá so với mục tiêu năm 2030, trong đó: "
            f"{parts}.")


def completeness_sentence(content: ReportContent) -> str:
    reported = fmt.format_integer(content.reported_localities)
    expected = fmt.format_integer(content.expected_localities)
    if content.has_children:
        # The mark of a partial aggregate says the counts itself: once, not twice in a row.
        partial = partial_warning(content.reported_localities, content.expected_localities)
        if partial:
            return f"Năm {content.year}: {partial}."
        return f"Năm {content.year}: {reported}/{expected} địa phương đã báo cáo số liệu."
    return f"Năm {content.year}: đã báo cáo số liệu {reported}/{expected} chỉ tiêu."


def cycle_sentence(content: ReportContent) -> str:
    """How many localities of the scope submitted the year's report, on time or late, are overdue, approved."""
    return timeliness.counts_text(content.year, content.cycle)


def figure_texts(assessment: Assessment, code: str, years: list[int]) -> pd.DataFrame:
    """The locality's figure of each indicator and year shown: value text and counts text."""
    series = assessment.series
    rows = series[(series["locality_code"] == code) & series["year"].isin(years)]
    indicators = assessment.catalog.indicators.set_index("code")
    texts = []
    for row in rows.itertuples():
        base_kind, unit = indicators.at[row.indicator_code, "kind"], indicators.at[row.indicator_code, "unit"]
        value_text = fmt.format_value(row.kind, row.numerator, row.denominator, row.value)
        counts_text = ""
        if row.kind == Kind.RATIO and value_text != fmt.NOT_APPLICABLE:
            counts_text = fmt.format_counts(row.numerator, row.denominator,
                                            "địa phương" if base_kind == Kind.BOOLEAN else _unit(unit))
        elif row.kind == Kind.COUNT and _unit(unit):
            value_text = f"{value_text} {unit}"
        texts.append((row.indicator_code, int(row.year), value_text, counts_text))
    return pd.DataFrame(texts, columns=["indicator_code", "year", "value_text", "counts_text"])


def scope_series(engine: Engine, assessment: Assessment, years: list[int],
                 locality_code: str | None = None) -> pd.DataFrame:
    """Every figure of the scope (or of one locality of it) in the years shown, with names, notes and
    the demo mark of readings (the whole history is one `python -m kpi export` away)."""
    series = assessment.series
    chosen = series["year"].isin(years)
    if locality_code is not None:
        chosen &= series["locality_code"] == locality_code
    series = series[chosen]
    # One locality's marks, not the store's: in a demo store every reading is marked.
    marks = queries.reading_marks(engine, years, None if locality_code is None else [locality_code])
    frame = series.merge(marks, on=KEY, how="left")
    # Each row of the series that is no aggregate is a reading: one without a mark is not demo data.
    unmarked = ~frame["is_aggregate"] & frame["is_demo"].isna()
    frame["is_demo"] = frame["is_demo"].astype(object).mask(unmarked, False)
    names = assessment.catalog.localities[["code", "name"]].rename(columns={"code": "locality_code",
                                                                            "name": "locality_name"})
    indicators = assessment.catalog.indicators[["code", "name", "group", "position"]].rename(
        columns={"code": "indicator_code", "name": "indicator_name"})
    frame = frame.merge(names, on="locality_code", how="left").merge(indicators, on="indicator_code", how="left")
    frame = frame.sort_values(["is_aggregate", "locality_code", "position", "year"], ascending=[False, True, True, True])
    return frame.reset_index(drop=True)


def _unit(unit) -> str:
    return unit if isinstance(unit, str) else ""
