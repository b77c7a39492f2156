"""The report's content: each part is worked out when a writer first reads it, and says the same
whichever way it was reached."""

import pandas as pd
import pytest

from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.files.catalogue import add_localities
from kpi.report.content import build_content
from kpi.report.docx import render_docx
from kpi.report.xlsx import render_xlsx

YEAR = 2025


def test_the_word_report_does_not_work_out_what_only_the_workbook_and_pdf_show(demo_engine):
    content = build_content(demo_engine, YEAR)
    render_docx(content)
    worked_out = set(vars(content))
    assert {"subject", "subject_series", "ranking", "missing_by_child"} <= worked_out
    assert not {"described", "series", "behind", "changes", "not_reported"} & worked_out


def test_the_workbook_does_not_work_out_what_only_the_documents_show(demo_engine):
    content = build_content(demo_engine, YEAR)
    render_xlsx(content)
    worked_out = set(vars(content))
    assert {"described", "series", "tasks"} <= worked_out
    assert not {"ranking", "behind", "changes", "subject_series", "figures"} & worked_out


def test_the_subject_is_the_same_described_alone_or_within_the_whole_scope(demo_engine):
    alone = build_content(demo_engine, YEAR).subject
    content = build_content(demo_engine, YEAR)
    within = content.described[content.described["locality_code"] == "HAI_PHONG"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, within)
    pd.testing.assert_frame_equal(content.subject, within)


@pytest.mark.parametrize("code", ["HAI_PHONG", "LAC_PHUONG"])
def test_the_subject_series_is_the_scope_series_of_the_subject(demo_engine, code):
    content = build_content(demo_engine, YEAR, code)
    series = content.series
    expected = series[series["locality_code"] == code].reset_index(drop=True)
    pd.testing.assert_frame_equal(content.subject_series, expected)
    # A commune's own figures are readings, here the demo's, and say so.
    assert code == "HAI_PHONG" or content.subject_series["is_demo"].eq(True).all()


def test_missing_reports_of_each_child_count_the_indicators_it_has_not_reported(demo_engine):
    # Two localities with no figure at all, whose names code-point order would put the other way round.
    table = pd.DataFrame({"code": ["XUAN_DAI", "DAI_AN"], "name": ["xã Xuân Đài", "xã Đại An"], "kind": "xã",
                          "parent_code": "HAI_PHONG", "ma_dvhc": "", "plan_code": "KH_LAC_PHUONG_2026"})
    add_localities(demo_engine, table.to_csv(index=False).encode(), "new.csv")
    content = build_content(demo_engine, YEAR)
    described = describe_statuses(assess(demo_engine, YEAR, "HAI_PHONG"))
    children = described[(described["parent_code"] == "HAI_PHONG") & (described["reported"] == 0)]
    expected = children.groupby("locality_name").size()
    assert content.missing_by_child.to_dict() == expected.to_dict()
    names = list(content.missing_by_child.index)
    assert names.index("xã Đại An") < names.index("xã Xuân Đài")
