"""The reporting cycle in the pages, through AppTest against a real database: submitting from the entry
page, the returned reason shown to the locality's editors, the submitted year read-only for them, the
bulk approval of only what was selected, the reporting page and the overview's counts."""

import io

import pytest
import test_access_pages as access_pages
from openpyxl import load_workbook
from test_access_pages import button, entry_key, run_app, texts

from kpi.app import reporting
from kpi.engine import timeliness
from kpi.store import cycle, queries
from kpi.store.readings import apply_readings, input_frame
from kpi.vocabulary import Source

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")
# The access pages' fixtures: the demo data, an admin, an editor of xã Lạc Phượng and a viewer.
app_db, accounts = access_pages.app_db, access_pages.accounts

NC_MISSING_2025 = {"locality_code": "NHI_CHIEU", "indicator_code": "TGPL_DUOC_TRO_GIUP", "year": 2025,
                   "numerator": 0, "denominator": 0}


def entry_page(account, year: int = 2025, locality: str = "LAC_PHUONG"):
    app = run_app(account, "pages/entry.py")
    app.selectbox(key="entry_locality").set_value(locality)
    app.selectbox(key="entry_year").set_value(year).run()
    assert not app.exception
    return app


def test_an_editor_submits_from_the_entry_page_and_the_year_becomes_read_only(accounts, app_db):
    app = entry_page(accounts["editor"])
    # Past its deadline: said as a warning, with the days.
    assert any("Hạn nộp báo cáo năm 2025: 15/01/2026 — chưa nộp, đã **quá hạn" in w for w in texts(app.warning))
    button(app, "Nộp báo cáo năm 2025").click().run()
    assert not app.exception
    assert any("Đã nộp báo cáo năm 2025 lúc" in s for s in texts(app.success))
    assert cycle.state_of(app_db, "LAC_PHUONG", 2025).submitted_by == "canbo_lp"
    [notice] = [i for i in texts(app.info) if "nộp lúc" in i]
    assert "đã được «canbo_lp» nộp lúc" in notice and "đề nghị quản trị viên trả lại" in notice
    assert app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", 2025)).disabled
    assert button(app, "Lưu số liệu").disabled
    assert not [b for b in app.button if b.label.startswith("Nộp báo cáo")]
    # An admin may still correct it.
    admin = entry_page(accounts["admin"])
    assert not admin.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", 2025)).disabled


def test_a_year_with_missing_figures_names_them_before_any_click_and_cannot_be_submitted(accounts, app_db):
    app = run_app(accounts["admin"], "pages/entry.py")
    app.selectbox(key="entry_locality").set_value("NHI_CHIEU")
    app.selectbox(key="entry_year").set_value(2025).run()
    assert button(app, "Nộp báo cáo năm 2025").disabled
    [said] = [t for t in texts(app.warning) + texts(app.caption) if "chưa có số liệu" in t]
    assert "Còn 1 chỉ tiêu chưa có số liệu: «Người thuộc diện trợ giúp pháp lý được trợ giúp khi có yêu cầu»;" in said
    assert cycle.state_of(app_db, "NHI_CHIEU", 2025).state == "draft"

    # The last figure saved: the button opens.
    apply_readings(app_db, input_frame([NC_MISSING_2025]), user=accounts["admin"], source=Source.FORM)
    app.run()
    assert not button(app, "Nộp báo cáo năm 2025").disabled
    assert not [t for t in texts(app.warning) + texts(app.caption) if "chưa có số liệu" in t]

    # Many missing: their count, the empty fields below show which.
    app.selectbox(key="entry_year").set_value(2026).run()
    assert button(app, "Nộp báo cáo năm 2026").disabled
    assert any("Còn 7 chỉ tiêu chưa có số liệu (các ô còn trống bên dưới)" in t for t in texts(app.warning) + texts(app.caption))


def test_a_returned_year_shows_its_reason_to_the_editor_and_opens_the_form_again(accounts, app_db):
    cycle.submit(app_db, "LAC_PHUONG", 2025, "canbo_lp")
    admin = run_app(accounts["admin"], "pages/approvals.py")
    admin.selectbox(key="approvals_year").set_value(2025).run()
    admin.selectbox(key="approvals_locality").set_value("LAC_PHUONG").run()
    button(admin, "Trả lại để địa phương sửa").click().run()
    assert any("Phải ghi lý do trả lại" in e for e in texts(admin.error))
    admin.text_input(key="approvals_note_LAC_PHUONG_2025").set_value("**Số vụ việc** chưa khớp [Công an xã]")
    button(admin, "Trả lại để địa phương sửa").click().run()
    assert any("Đã trả lại báo cáo năm 2025 của xã Lạc Phượng." in s for s in texts(admin.success))

    app = entry_page(accounts["editor"])
    [warning] = [w for w in texts(app.warning) if "trả lại" in w]
    assert "bị «quantri» trả lại lúc" in warning
    # The reason is shown as typed, not as Markdown.
    assert "Lý do: **Số vụ việc** chưa khớp [Công an xã]" in warning
    assert not app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", 2025)).disabled
    assert button(app, "Nộp báo cáo năm 2025")


def test_bulk_approval_approves_only_the_selected_localities(accounts, app_db):
    apply_readings(app_db, input_frame([NC_MISSING_2025]), user=accounts["admin"], source=Source.FORM)
    cycle.submit(app_db, "LAC_PHUONG", 2025, "canbo_lp")
    cycle.submit(app_db, "NHI_CHIEU", 2025, "quantri")
    app = run_app(accounts["admin"], "pages/approvals.py")
    app.selectbox(key="approvals_year").set_value(2025).run()
    waiting = next(d.value for d in app.dataframe if "Người nộp" in d.value.columns)
    assert sorted(waiting["Mã"]) == ["LAC_PHUONG", "NHI_CHIEU"]
    assert set(waiting["Chỉ tiêu có số liệu"]) == {"14/14", "7/7"}
    assert button(app, "Phê duyệt 0 địa phương đã chọn").disabled
    # What a locality submitted, before approving it.
    app.selectbox(key="approvals_preview").set_value("NHI_CHIEU").run()
    figures = next(d.value for d in app.dataframe if "Số liệu" in d.value.columns)
    assert figures.set_index("Chỉ tiêu").loc["Người thuộc diện trợ giúp pháp lý được trợ giúp khi có yêu cầu",
                                             "Số liệu"] == "Không phát sinh"
    app.multiselect(key="approvals_pick_2025").set_value(["NHI_CHIEU"]).run()
    button(app, "Phê duyệt 1 địa phương đã chọn").click().run()
    assert not app.exception
    assert any("Đã phê duyệt số liệu năm 2025 của 1 địa phương: NHI_CHIEU." in s for s in texts(app.success))
    assert cycle.is_locked(app_db, "NHI_CHIEU", 2025)
    assert cycle.state_of(app_db, "LAC_PHUONG", 2025).state == "submitted"
    waiting = next(d.value for d in app.dataframe if "Người nộp" in d.value.columns)
    assert waiting["Mã"].tolist() == ["LAC_PHUONG"]


def test_the_reporting_page_lists_every_locality_overdue_first_and_filters(accounts, app_db):
    cycle.submit(app_db, "LAC_PHUONG", 2025, "canbo_lp")
    app = run_app(accounts["viewer"], "pages/reporting.py")
    app.selectbox(key="reporting_year").set_value(2025).run()
    assert not app.exception
    table = next(d.value for d in app.dataframe if "Hạn nộp" in d.value.columns)
    assert table["Mã"].tolist() == ["NHI_CHIEU", "LAC_PHUONG"]
    overdue = table.set_index("Mã").loc["NHI_CHIEU"]
    assert overdue["Tình trạng"] == "Chưa nộp" and overdue["Thời hạn"].startswith("Quá hạn ")
    assert overdue["Có số liệu"] == "6/7" and overdue["Cán bộ phụ trách"] == "Chưa giao"
    assert table.set_index("Mã").loc["LAC_PHUONG", "Cán bộ phụ trách"] == "canbo_lp"
    assert [m.value for m in app.metric][:1] == ["1/2"]
    app.multiselect(key="reporting_filter").set_value(["Đã nộp"]).run()
    assert next(d.value for d in app.dataframe if "Hạn nộp" in d.value.columns)["Mã"].tolist() == ["LAC_PHUONG"]
    app.multiselect(key="reporting_filter").set_value(["Quá hạn"]).run()
    assert next(d.value for d in app.dataframe if "Hạn nộp" in d.value.columns)["Mã"].tolist() == ["NHI_CHIEU"]
    assert [b.label for b in app.get("download_button")] == ["Tải bảng này (Excel)"]


def test_the_reporting_export_keeps_text_as_text(app_db):
    table = timeliness.reporting(app_db, 2025)
    table.loc[0, "locality_name"] = "=HYPERLINK(\"http://x.example\")"
    sheet = load_workbook(io.BytesIO(reporting.xlsx_bytes(reporting.table_view(table), "Tình hình"))).active
    rows = list(sheet.values)
    assert rows[1] == tuple(reporting.HEADERS)
    assert rows[2][0] == "=HYPERLINK(\"http://x.example\")" and sheet.cell(3, 1).data_type == "s"
    assert len(rows) == 2 + len(table)


def test_the_overview_shows_the_cycles_counts(accounts, app_db):
    cycle.submit(app_db, "LAC_PHUONG", 2025, "canbo_lp")
    cycle.approve(app_db, "LAC_PHUONG", 2025, "quantri")
    app = run_app(accounts["viewer"])
    app.selectbox(key="overview_year").set_value(2025).run()
    counts = timeliness.counts(timeliness.reporting(app_db, 2025, "HAI_PHONG"))
    assert timeliness.counts_text(2025, counts) in texts(app.caption)
    assert (counts.submitted, counts.approved, counts.expected) == (1, 1, 2)
    assert queries.readings(app_db).shape[0] > 0
