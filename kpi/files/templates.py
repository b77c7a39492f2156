"""The downloadable file staff fill in: the upload layout, one row per indicator of each plan.

The canonical columns come first, then names and labels to help whoever fills it in; the importer
ignores those extra columns, and skips rows left without figures.
"""

import pandas as pd
from sqlalchemy import Engine, select

from kpi.files.export import table_bytes
from kpi.problems import Problem, Rejected
from kpi.store import queries
from kpi.store.db import among, read_session, without_index
from kpi.store.models import Reading
from kpi.vocabulary import INPUT_COLUMNS, NO, YES, Kind

HELP_COLUMNS = {
    "locality_name": "Tên địa phương",
    "indicator_name": "Tên chỉ tiêu",
    "how_to": "Cách nhập",
    "numerator_label": "Tử số là",
    "denominator_label": "Mẫu số là",
}
HOW_TO = {
    Kind.RATIO: "Tỷ lệ: nhập tử số và mẫu số (số nguyên), để trống cột value; mẫu số 0 nếu không phát sinh",
    Kind.COUNT: "Số lượng: nhập số nguyên không âm vào cột value",
    Kind.BOOLEAN: "Có/Không: nhập «có» hoặc «không» vào cột value",
}


def template_frame(engine: Engine, locality_code: str | None, year: int) -> pd.DataFrame:
    """Rows for every indicator of the plan of the locality (of its descendants, for a locality
    without a plan such as the city; of every locality with a plan for None), with the figures
    already stored for that year. Demo figures are not prefilled: a filled-in file is real data."""
    localities = _localities(engine, locality_code)
    indicators = queries.indicators(engine)
    rows = (
        localities[["code", "name", "plan_code"]]
        .rename(columns={"code": "locality_code", "name": "locality_name"})
        .merge(queries.plan_targets(engine)[["plan_code", "indicator_code"]], on="plan_code")
        .merge(indicators.rename(columns={"code": "indicator_code", "name": "indicator_name"}), on="indicator_code")
        .sort_values(["locality_code", "position"], kind="stable")
        .assign(year=year)
    )
    rows = rows.merge(_stored(engine, year, localities["code"]), on=["locality_code", "indicator_code"], how="left")
    rows["value"] = rows["value"].astype(object).where(rows["kind"] != Kind.BOOLEAN, rows["value"].map({1: YES, 0: NO}))
    rows["value"] = rows["value"].where(rows["value"].notna(), None)
    rows["how_to"] = rows["kind"].map(HOW_TO)
    frame = rows[[*INPUT_COLUMNS, *HELP_COLUMNS]].rename(columns=HELP_COLUMNS).reset_index(drop=True)
    return frame.astype({"year": "int64", "numerator": "Int64", "denominator": "Int64"})


def template_bytes(engine: Engine, locality_code: str | None, year: int, file_format: str) -> bytes:
    """The template as a .csv (UTF-8 with BOM, for Excel) or .xlsx file."""
    return table_bytes(template_frame(engine, locality_code, year), file_format, sheet_name="Số liệu")


def template_file_name(locality_code: str | None, year: int, file_format: str) -> str:
    return f"mau_nhap_so_lieu_{locality_code or 'tat_ca'}_{year}.{file_format}"


def _localities(engine: Engine, locality_code: str | None) -> pd.DataFrame:
    localities = queries.localities(engine)
    with_plan = localities[localities["plan_code"].notna()]
    if locality_code is None:
        return with_plan
    if locality_code not in set(localities["code"]):
        raise Rejected([Problem(None, None, locality_code, "Không có địa phương với mã này.")])
    parent_of = {code: parent for code, parent in zip(localities["code"], localities["parent_code"]) if isinstance(parent, str)}

    def within(code: str) -> bool:
        while code:
            if code == locality_code:
                return True
            code = parent_of.get(code)
        return False

    own = with_plan[with_plan["code"] == locality_code]
    return own if not own.empty else with_plan[with_plan["code"].map(within)]


def _stored(engine: Engine, year: int, locality_codes: pd.Series) -> pd.DataFrame:
    """The real (not demo) readings of the year of these localities, or of more (the caller's merge
    keeps its own): a commune's template reads its own rows by key, not the year of every commune."""
    statement = select(Reading.locality_code, Reading.indicator_code, Reading.numerator, Reading.denominator,
                       Reading.value, Reading.note).where(without_index(Reading.year) == year, ~Reading.is_demo)
    statement = among(statement, Reading.locality_code, locality_codes)
    with read_session(engine) as session:
        stored = pd.DataFrame(session.execute(statement).all(),
                              columns=["locality_code", "indicator_code", "numerator", "denominator", "value", "note"])
    return stored.astype({"numerator": "Int64", "denominator": "Int64", "value": "Int64", "note": object})
