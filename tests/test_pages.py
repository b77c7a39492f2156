"""Every page through Streamlit's AppTest, against a real SQLite file built with the fixtures."""

import html
import io
import json
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from conftest import PROJECT_DIR
from docx import Document
from shared_data import HAI_PHONG_UNITS, add_year_example
from sqlalchemy import event
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.app import cache, entry, session, upload, widgets, year_picker
from kpi.app import indicator as comparison
from kpi.app import tasks as tasks_model
from kpi.engine import scope as overview
from kpi.engine.assess import assess
from kpi.files.catalogue import add_localities
from kpi.numbers import Refusal
from kpi.report.docx import report_docx
from kpi.store import cycle, queries, sessions
from kpi.store.accounts import Account, create_user, get_account
from kpi.store.demo import load_demo
from kpi.store.readings import apply_readings, input_frame
from kpi.store.tasks import apply_task_reports, task_reports
from kpi.vocabulary import NOTE_TOO_LONG
from kpi.years import current_year, today

DASHBOARD = str(PROJECT_DIR / "dashboard.py")
PAGES = ["pages/overview.py", "pages/locality.py", "pages/indicator.py", "pages/entry.py", "pages/upload.py",
         "pages/data.py", "pages/approvals.py", "pages/users.py", "pages/localities.py", "pages/tasks.py"]
THIS_YEAR = current_year()
ADMIN = "quantri"
PASSWORD = "mật khẩu thử nghiệm"


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


@pytest.fixture
def app_db(engine, database_url, monkeypatch, served_navigation):
    """The app's database, with one admin (the login itself is tested in test_access_pages.py)."""
    monkeypatch.setenv("KPI_DATABASE_URL", database_url)
    create_user(engine, ADMIN, PASSWORD, "admin")
    return engine


@pytest.fixture
def demo_db(app_db):
    load_demo(app_db)
    return app_db


def open_page(page: str, account: Account | None = None) -> AppTest:
    """The page as the logged-in admin (or the given account) sees it."""
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    signed_in = account or get_account(cache.engine(), ADMIN)
    app.session_state[session.SESSION_KEY] = sessions.start(cache.engine(), signed_in.id).session_id
    # Pages take their URL from their file name, so AppTest can open one without a first run.
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def read(elements) -> list[str]:
    """What a person reads in these elements: Markdown's escapes (kpi.app.widgets.plain) resolved."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", e.value).replace(widgets.WORD_JOINER, "") for e in elements]


def shown_table(app: AppTest, *columns: str):
    """The first table showing these columns (st.dataframe has no key to find it by)."""
    return next(d.value for d in app.dataframe if set(columns) <= set(d.value.columns))


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_and_says_when_data_is_demo(demo_db, page):
    app = open_page(page)
    assert app.title[0].value
    assert any("dữ liệu minh họa" in w for w in texts(app.warning))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_a_fresh_install_without_charts(app_db, page):
    app = open_page(page)
    assert not any("dữ liệu minh họa" in w for w in texts(app.warning))
    assert not app.get("plotly_chart")


def test_fresh_install_first_screen_says_what_to_do_and_can_load_demo_data(app_db):
    app = open_page(PAGES[0])
    assert "Chưa có số liệu nào" in app.info[0].value
    links = [link.proto.page for link in app.get("page_link")]
    assert len(links) == 2
    button(app, "Nạp dữ liệu minh họa").click().run()
    assert not app.exception
    assert queries.demo_reading_count(app_db) == 113
    assert any("dữ liệu minh họa" in w for w in texts(app.warning))
    assert app.get("plotly_chart")


def test_overview_counts_and_table_match_the_engine(demo_db):
    app = open_page(PAGES[0])
    assert app.selectbox(key="overview_year").value == 2025
    statuses = assess(demo_db, 2025, "HAI_PHONG").statuses
    city = statuses[statuses["locality_code"] == "HAI_PHONG"]["status"].value_counts()
    shown = {m.label: int(m.value) for m in app.metric}
    assert shown == {widgets.status_markdown(s): int(city.get(s, 0)) for s in fmt.STATUS_ORDER}
    assert any("2/2 địa phương đã báo cáo" in h for h in texts(app.subheader))

    table = shown_table(app, "Địa phương", "Tên đầy đủ của chỉ tiêu", "Giá trị", "Mục tiêu 2030", "Đánh giá")
    engine_labels = {(r.locality_code, r.indicator_code): fmt.STATUS_LABELS[r.status] for r in statuses.itertuples()}
    assert len(table) == len(engine_labels)
    names = {"thành phố Hải Phòng": "HAI_PHONG", "xã Lạc Phượng": "LAC_PHUONG", "phường Nhị Chiểu": "NHI_CHIEU"}
    indicators = dict(zip(queries.indicators(demo_db)["name"], queries.indicators(demo_db)["code"]))
    shown_labels = {(names[a], indicators[b]): c
                    for a, b, c in zip(table["Địa phương"], table["Tên đầy đủ của chỉ tiêu"], table["Đánh giá"])}
    assert shown_labels == engine_labels

    ranking = shown_table(app, "Hạng", "Tỷ lệ đạt")
    assert ranking["Địa phương"].tolist() == ["xã Lạc Phượng", "phường Nhị Chiểu"]


def test_overview_year_selector_changes_the_figures(demo_db):
    app = open_page(PAGES[0])
    app.selectbox(key="overview_year").set_value(2020).run()
    assert not app.exception
    statuses = assess(demo_db, 2020, "HAI_PHONG").statuses
    achieved = int((statuses[statuses["locality_code"] == "HAI_PHONG"]["status"] == "achieved").sum())
    assert int(app.metric[0].value) == achieved
    assert any("năm 2020" in h for h in texts(app.subheader))
    # The ranking's count of indicators reported is the year shown's, and says so.
    ranking = shown_table(app, "Hạng", "Tỷ lệ đạt")
    assert "Chỉ tiêu đã báo cáo năm 2020" in ranking.columns and "Phê duyệt năm 2020" in ranking.columns


def test_overview_with_many_localities_pages_and_searches(demo_db):
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code"] + [
        f"XA_{i:03d},xã Thử Nghiệm {i},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(114)]
    add_localities(demo_db, "\n".join(lines).encode(), "localities.csv")
    app = open_page(PAGES[0])
    assert any("2/116 địa phương đã báo cáo" in h for h in texts(app.subheader))
    assert app.number_input(key="overview_page").max == 12
    assert any("Đang hiển thị 10 trong 116 địa phương" in c for c in texts(app.caption))
    app.text_input(key="overview_search").set_value("thu nghiem 11").run()
    assert not app.exception
    ranking = shown_table(app, "Hạng", "Tỷ lệ đạt")
    assert sorted(ranking["Địa phương"]) == sorted(["xã Thử Nghiệm 11", *[f"xã Thử Nghiệm {i}" for i in range(110, 114)]])


def test_overview_with_many_localities_draws_one_page_and_pages_on(demo_db):
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code"] + [
        f"XA_{i:03d},xã Thử Nghiệm {i},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(114)]
    add_localities(demo_db, "\n".join(lines).encode(), "localities.csv")
    assessment = assess(demo_db, 2025, "HAI_PHONG")
    ranked = overview.ranking(assessment.statuses, assessment.catalog.localities, "HAI_PHONG")["label"].tolist()
    app = open_page(PAGES[0])
    # Ten localities a page: the ranking table, and the detail table (15 indicators of ten localities
    # and the aggregate), not every one of the 116.
    assert shown_table(app, "Hạng", "Tỷ lệ đạt")["Địa phương"].tolist() == ranked[:10]
    assert sum(len(frame.value) for frame in app.dataframe) <= 10 + 15 * 11
    app.number_input(key="overview_page").set_value(2).run()
    assert not app.exception
    assert shown_table(app, "Hạng", "Tỷ lệ đạt")["Địa phương"].tolist() == ranked[10:20]
    assert any("Đang hiển thị 10 trong 116 địa phương" in c for c in texts(app.caption))
    assert any("2/116 địa phương đã báo cáo" in h for h in texts(app.subheader))
    matrix = next(chart for chart in app.get("plotly_chart") if "overview_matrix" in chart.proto.id)
    rows = json.loads(matrix.proto.spec)["data"][0]["y"]
    assert len(rows) == 11 and "Thử Nghiệm" in rows[1]


def plotted(app: AppTest, key: str, trace: str) -> list:
    chart = next(chart for chart in app.get("plotly_chart") if chart.proto.id.endswith(key))
    return next(t["y"] for t in json.loads(chart.proto.spec)["data"] if t.get("name") == trace)


@pytest.mark.parametrize("code", ["HO_TICH_DUNG_HAN", "CHUAN_TIEP_CAN_PL"])
def test_indicator_page_draws_the_aggregate_of_the_whole_scope(demo_db, code):
    app = open_page("pages/indicator.py")
    app.selectbox(key="indicator_code").set_value(code).run()
    assert not app.exception
    series = assess(demo_db, 2025, "HAI_PHONG").series
    expected = comparison.aggregate_years(series, "HAI_PHONG", code)
    assert shown_table(app, "Năm", "Báo cáo").values.tolist() == expected.values.tolist()
    pair = series[(series["locality_code"] == "HAI_PHONG") & (series["indicator_code"] == code)].sort_values("year")
    assert plotted(app, "indicator_aggregate_chart", "Số liệu") == pair["value"].dropna().astype(float).tolist()


def test_locality_page_shows_statuses_of_the_engine(demo_db):
    app = open_page("pages/locality.py")
    app.selectbox(key="locality_code").set_value("LAC_PHUONG").run()
    assert not app.exception
    statuses = assess(demo_db, 2025, "LAC_PHUONG").statuses
    own = statuses[statuses["locality_code"] == "LAC_PHUONG"]
    badges = [m.value for m in app.markdown if m.value.startswith(":") and "-badge[" in m.value]
    assert sorted(badges) == sorted(widgets.status_markdown(s) for s in own["status"])
    assert "Hòa giải ở cơ sở" in texts(app.header)
    assert "Số liệu: 45/50 vụ việc" in texts(app.caption)
    assert "Không phát sinh: năm 2025" in texts(app.caption)
    assert any("Không phát sinh trong mọi năm" in i for i in texts(app.info))
    assert len(app.get("plotly_chart")) == len(own) - 1


def test_locality_page_for_the_city_shows_aggregates_with_completeness(demo_db):
    app = open_page("pages/locality.py")
    assert app.selectbox(key="locality_code").value == "HAI_PHONG"
    assert any("số liệu tổng hợp" in i and "2/2 địa phương đã báo cáo" in i for i in texts(app.info))
    assert "Báo cáo năm 2025: 1/2 địa phương" in texts(app.caption)


def test_indicator_page_with_many_localities_shows_one_page_and_pages_on(demo_db):
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code"] + [
        f"XA_{i:03d},xã Thử Nghiệm {i},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(114)]
    add_localities(demo_db, "\n".join(lines).encode(), "localities.csv")
    app = open_page("pages/indicator.py")
    app.selectbox(key="indicator_code").set_value("HO_TICH_DUNG_HAN").run()
    first = shown_table(app, "Địa phương", "Năm số liệu")["Địa phương"].tolist()
    assert first[:2] == ["xã Lạc Phượng", "phường Nhị Chiểu"] and len(first) == 20
    app.selectbox(key="indicator_page").set_value(2).run()
    assert not app.exception
    second = shown_table(app, "Địa phương", "Năm số liệu")["Địa phương"].tolist()
    assert len(second) == 20 and not set(first) & set(second)


@pytest.mark.parametrize("locality", ["HAI_PHONG", "LAC_PHUONG"])
def test_locality_page_draws_each_indicator_from_the_whole_scope_series(demo_db, locality):
    app = open_page("pages/locality.py")
    app.selectbox(key="locality_code").set_value(locality).run()
    assert not app.exception
    series = assess(demo_db, 2025, locality).series
    drawn = 0
    for code, pair in series[series["locality_code"] == locality].groupby("indicator_code"):
        values = pair.sort_values("year")["value"].dropna().astype(float).tolist()
        if values:
            assert plotted(app, f"locality_chart_{code}", "Số liệu") == values
            drawn += 1
    assert drawn == len(app.get("plotly_chart")) > 5


def test_indicator_page_compares_localities_and_defines_the_indicator(demo_db):
    app = open_page("pages/indicator.py")
    app.selectbox(key="indicator_code").set_value("HO_TICH_DUNG_HAN").run()
    assert not app.exception
    table = shown_table(app, "Địa phương", "Năm số liệu")
    assert table[["Địa phương", "Giá trị", "Đánh giá"]].values.tolist() == [
        ["xã Lạc Phượng", "99,9%", "Đúng lộ trình"], ["phường Nhị Chiểu", "90,0%", "Đi lùi"]]
    assert any("Tổng số sự kiện hộ tịch phát sinh" in m for m in texts(app.markdown))
    assert sum("mục tiêu 2030: ≥ 100%" in m for m in texts(app.markdown)) == 2
    years = shown_table(app, "Năm", "Báo cáo")
    assert years.iloc[0].tolist() == ["2025", "96,6%", "2.899/3.000", "2/2 địa phương"]


def entry_key(indicator, name, locality="LAC_PHUONG", year=THIS_YEAR):
    return entry.widget_key(locality, year, indicator, name)


def open_entry(locality="LAC_PHUONG") -> AppTest:
    app = open_page("pages/entry.py")
    app.selectbox(key="entry_locality").set_value(locality).run()
    assert app.selectbox(key="entry_year").value == THIS_YEAR
    return app


def test_entry_form_saves_through_the_write_path_and_the_overview_changes(demo_db):
    app = open_entry()
    app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator")).set_value("46")
    app.text_input(key=entry_key("HOA_GIAI_THANH", "denominator")).set_value("50")
    app.text_input(key=entry_key("TGPL_DUOC_TRO_GIUP", "numerator")).set_value("0")
    app.text_input(key=entry_key("TGPL_DUOC_TRO_GIUP", "denominator")).set_value("0")
    app.radio(key=entry_key("CHUAN_TIEP_CAN_PL", "value")).set_value("Có")
    app.text_input(key=entry_key("CHUAN_TIEP_CAN_PL", "note")).set_value("QĐ công nhận số 12")
    button(app, "Lưu số liệu").click().run()

    assert not app.exception
    assert any("Đã lưu số liệu năm" in s and "3 tạo mới" in s for s in texts(app.success))
    assert not app.error
    stored = queries.readings(demo_db, full=True)
    saved = stored[stored["year"] == THIS_YEAR].set_index("indicator_code")
    assert sorted(saved.index) == ["CHUAN_TIEP_CAN_PL", "HOA_GIAI_THANH", "TGPL_DUOC_TRO_GIUP"]
    assert saved.loc["HOA_GIAI_THANH", ["numerator", "denominator"]].tolist() == [46, 50]
    assert saved.loc["CHUAN_TIEP_CAN_PL", "note"] == "QĐ công nhận số 12"
    assert set(saved["entered_by"]) == {ADMIN} and set(saved["source"]) == {"form"}
    assert not saved["is_demo"].any()
    # The form shows what is now stored.
    assert app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator")).value == "46"

    app.switch_page("pages/overview.py")
    app.run()
    assert app.selectbox(key="overview_year").value == THIS_YEAR
    assert any(f"năm {THIS_YEAR}: 1/2 địa phương đã báo cáo" in h for h in texts(app.subheader))


@contextmanager
def full_reads() -> Iterator[list[str]]:
    """The statements the app sends for readings with who entered them and when, while in the block."""
    sent = []

    def remember(connection, cursor, statement, parameters, context, executemany):
        if re.search(r"\bFROM reading\b", statement) and "reading.entered_by" in statement:
            sent.append(" ".join(statement.split()))

    event.listen(cache.engine(), "before_cursor_execute", remember)
    try:
        yield sent
    finally:
        event.remove(cache.engine(), "before_cursor_execute", remember)


def test_the_entry_and_approval_pages_read_only_the_readings_of_the_locality_shown(demo_db):
    """Every reading of the store with who entered it and when, read for one form, took 5 s and 800 MB
    at 3,300 localities, again after every save. (The approvals page also judges the whole scope, from
    the figures alone, as the overview does.)"""
    with full_reads() as sent:
        open_entry("NHI_CHIEU")
        open_page("pages/approvals.py").selectbox(key="approvals_locality").set_value("LAC_PHUONG").run()
    assert len(sent) >= 2
    assert all("WHERE reading.locality_code IN" in statement for statement in sent), sent


def test_entry_form_rejects_bad_figures_next_to_the_field_and_writes_nothing(demo_db):
    before = queries.readings(demo_db, full=True)
    app = open_entry()
    app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator")).set_value("60")
    app.text_input(key=entry_key("HOA_GIAI_THANH", "denominator")).set_value("50")
    app.text_input(key=entry_key("PBGDPL_CBCC", "denominator")).set_value("61")
    app.text_input(key=entry_key("QPPL_TRINH_TU", "numerator")).set_value("8")
    app.text_input(key=entry_key("QPPL_TRINH_TU", "denominator")).set_value("8")
    button(app, "Lưu số liệu").click().run()

    assert not app.exception
    errors = texts(app.error)
    assert any("Chưa lưu" in e for e in errors)
    assert "Tử số không được lớn hơn mẫu số." in errors and "Thiếu tử số." in errors
    assert not app.success
    assert queries.readings(demo_db, full=True).equals(before)
    # The error sits right under the numerator it is about (after the figure it would store).
    assert after_field(app, entry_key("HOA_GIAI_THANH", "numerator")) == ["Sẽ lưu: **60**", "Tử số không được lớn hơn mẫu số."]
    # What the user typed is kept for correcting.
    assert app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator")).value == "60"


def test_a_note_longer_than_the_limit_is_kept_in_its_field_and_refused_there(demo_db):
    """The field used to cap its length: a pasted note of 600 characters was dropped whole, silently."""
    before = queries.readings(demo_db, full=True)
    note = "Số liệu theo báo cáo của tổ hòa giải. " * 16  # 608 characters
    app = open_entry()
    app.text_input(key=entry_key("HOA_GIAI_THANH", "note")).set_value(note).run()
    assert app.text_input(key=entry_key("HOA_GIAI_THANH", "note")).value == note
    refusal = f"{NOTE_TOO_LONG} (Đang có {len(note.strip())} ký tự.)"
    assert after_field(app, entry_key("HOA_GIAI_THANH", "note"))[0] == refusal
    button(app, "Lưu số liệu").click().run()
    assert not app.success and any("Chưa lưu" in e for e in texts(app.error))
    assert queries.readings(demo_db, full=True).equals(before)
    # Said once under the field after the press, not once more for the save.
    assert after_field(app, entry_key("HOA_GIAI_THANH", "note")).count(refusal) == 1


def test_the_entry_form_says_when_last_years_report_is_overdue(demo_db):
    """The demo's figures of last year were never submitted: an editor on this year's form was not told."""
    last = THIS_YEAR - 1
    due = date(THIS_YEAR, 1, 15)  # the demo plans' deadline, 15/01
    overdue = (today() - due).days
    app = open_entry()
    said = [w for w in read(app.warning) if w.startswith(f"Báo cáo năm {last} của xã Lạc Phượng chưa nộp")]
    if overdue <= 0:  # the first half of January: not overdue yet
        assert said == []
        return
    assert said == [f"Báo cáo năm {last} của xã Lạc Phượng chưa nộp, đã quá hạn {fmt.format_integer(overdue)} ngày "
                    f"(hạn nộp 15/01/{THIS_YEAR}). Chọn năm {last} ở ô «Năm» để hoàn thiện số liệu và nộp."]
    app.selectbox(key="entry_year").set_value(last).run()
    assert not [w for w in read(app.warning) if w.startswith(f"Báo cáo năm {last} của")]
    assert any(w.startswith(f"Hạn nộp báo cáo năm {last}: 15/01/{THIS_YEAR} — chưa nộp, đã **quá hạn "
                            f"{fmt.format_integer(overdue)} ngày**") for w in read(app.warning))
    cycle.approve(demo_db, "LAC_PHUONG", last, ADMIN)
    app = open_entry()
    assert not [w for w in read(app.warning) if w.startswith(f"Báo cáo năm {last} của")]


def flat_values(app: AppTest) -> list:
    return [(node.type, getattr(node, "key", None) or getattr(node, "value", None)) for node in _walk(app.main)]


def test_entry_form_stores_figures_typed_the_vietnamese_way_and_shows_them_before_saving(demo_db):
    apply_readings(demo_db, input_frame([{"locality_code": "LAC_PHUONG", "indicator_code": "HO_TICH_DUNG_HAN",
                                          "year": THIS_YEAR, "numerator": 1234, "denominator": 1234}]),
                   user_name="Nguyễn Văn A", source="form")
    app = open_entry()
    numerator = entry_key("HO_TICH_DUNG_HAN", "numerator")
    assert app.text_input(key=numerator).value == "1.234"
    assert after_field(app, numerator) == ["Đã lưu: **1.234**"]
    app.text_input(key=numerator).set_value("1.180").run()
    assert after_field(app, numerator) == ["Sẽ lưu: **1.180** (đang là 1.234)"]
    app.text_input(key=entry_key("VU_VIEC_VPPL", "value")).set_value("1 234").run()
    assert after_field(app, entry_key("VU_VIEC_VPPL", "value")) == ["Sẽ lưu: **1.234**"]
    button(app, "Lưu số liệu").click().run()

    stored = queries.readings(demo_db, full=True).set_index(["indicator_code", "year"])
    assert stored.loc[("HO_TICH_DUNG_HAN", THIS_YEAR), ["numerator", "denominator"]].tolist() == [1180, 1234]
    assert stored.loc[("VU_VIEC_VPPL", THIS_YEAR), "value"] == 1234
    # The outcome is where the button was pressed, and a toast.
    shown = flat_values(app)
    pressed = shown.index(("button", "entry_save"))
    [success] = [i for i, (kind, _) in enumerate(shown) if kind == "success"]
    assert success == pressed + 1 and "1 tạo mới, 1 cập nhật" in shown[success][1]
    assert any("Đã lưu số liệu" in t for t in texts(app.toast))
    assert app.text_input(key=numerator).value == "1.180"


@pytest.mark.parametrize(("typed", "reason"), [("12,5", Refusal.DECIMAL_COMMA), ("-3", Refusal.NEGATIVE),
                                               ("95%", Refusal.PERCENT), ("1,234", Refusal.AMBIGUOUS)])
def test_entry_form_refuses_a_figure_at_its_field_and_writes_nothing(demo_db, typed, reason):
    before = queries.readings(demo_db, full=True)
    batches = len(queries.import_batches(demo_db))
    app = open_entry()
    numerator = entry_key("HOA_GIAI_THANH", "numerator")
    app.text_input(key=numerator).set_value(typed)
    app.text_input(key=entry_key("HOA_GIAI_THANH", "denominator")).set_value("50")
    # A good figure beside it is not saved either: a form is saved whole or not at all.
    app.text_input(key=entry_key("TGPL_DUOC_TRO_GIUP", "numerator")).set_value("3")
    app.text_input(key=entry_key("TGPL_DUOC_TRO_GIUP", "denominator")).set_value("3").run()
    assert after_field(app, numerator) == [reason.value]
    button(app, "Lưu số liệu").click().run()

    assert not app.exception and not app.success
    assert after_field(app, numerator) == [reason.value]
    shown = flat_values(app)
    refusal = shown[shown.index(("button", "entry_save")) + 1]
    assert refusal[0] == "error" and "Chưa lưu, không có số liệu nào được ghi: 1 ô có lỗi" in refusal[1]
    assert f"ô «Tử số»: {reason.value}" in refusal[1]
    assert any("Chưa lưu" in t for t in texts(app.toast))
    assert queries.readings(demo_db, full=True).equals(before)
    assert len(queries.import_batches(demo_db)) == batches
    assert app.text_input(key=numerator).value == typed


def test_entry_outcome_is_shown_once_and_never_above_a_later_lock_notice(demo_db):
    app = open_entry()
    app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator")).set_value("46")
    app.text_input(key=entry_key("HOA_GIAI_THANH", "denominator")).set_value("50")
    button(app, "Lưu số liệu").click().run()
    assert any("Đã lưu số liệu" in s for s in texts(app.success))
    app.text_input(key=entry_key("HOA_GIAI_THANH", "note")).set_value("đã rà soát").run()
    assert not app.success
    cycle.approve(demo_db, "LAC_PHUONG", THIS_YEAR, ADMIN)
    cache.invalidate()
    app.run()
    assert any("phê duyệt" in i for i in texts(app.info))
    assert not app.success and not app.error


def after_field(app: AppTest, key: str) -> list[str]:
    """What the page shows under a field, up to the next field."""
    flat = list(_walk(app.main))
    at = next(i for i, n in enumerate(flat) if getattr(n, "key", None) == key)
    shown = []
    for node in flat[at + 1:]:
        if getattr(node, "key", None) or node.type in ("text_input", "radio", "button"):
            break
        if getattr(node, "value", None) is not None:
            shown.append(node.value)
    return shown


def _walk(node):
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for child in children.values():
        yield from _walk(child)


def test_entry_form_prefills_stored_figures_and_warns_far_from_last_year(demo_db):
    app = open_page("pages/entry.py")
    app.selectbox(key="entry_locality").set_value("LAC_PHUONG")
    app.selectbox(key="entry_year").set_value(2025).run()
    assert app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", year=2025)).value == "45"
    assert app.radio(key=entry_key("CHUAN_TIEP_CAN_PL", "value", year=2025)).value == "Không"
    assert any("Mẫu số khác nhiều so với năm 2024 (20 → 40)" in w for w in texts(app.warning))
    assert not any("Tỷ lệ khác nhiều" in w for w in texts(app.warning))

    app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", year=2025)).set_value("20")
    button(app, "Lưu số liệu").click().run()
    assert any("Đã lưu" in s and "1 cập nhật" in s for s in texts(app.success))
    assert any("Tỷ lệ khác nhiều so với năm 2024 (82,0% → 40,0%)" in w for w in texts(app.warning))

    app.selectbox(key="entry_history_indicator").set_value("HOA_GIAI_THANH").run()
    history = shown_table(app, "Thời điểm", "Người nhập")
    assert history[["Số liệu", "Người nhập", "Cách nhập"]].values.tolist() == [
        ["40,0%", ADMIN, "Biểu mẫu"], ["90,0%", "demo", "Dữ liệu minh họa"]]
    earlier = shown_table(app, "Năm", "Thời điểm", "Người nhập")
    assert earlier["Năm"].tolist()[:2] == ["2024", "2023"]


def test_data_page_filters_and_tells_demo_from_real(demo_db):
    rows = [{"locality_code": "NHI_CHIEU", "indicator_code": "TGPL_DUOC_TRO_GIUP", "year": 2025, "numerator": 1, "denominator": 2}]
    apply_readings(demo_db, input_frame(rows), user_name="Nguyễn Văn A", source="form")
    app = open_page("pages/data.py")
    assert any("trong đó **113** là dữ liệu minh họa" in m for m in texts(app.markdown))
    assert len(shown_table(app, "Địa phương", "Cách nhập")) == 114
    app.radio(key="data_demo").set_value("real").run()
    table = shown_table(app, "Địa phương", "Cách nhập")
    assert table[["Địa phương", "Số liệu", "Dữ liệu minh họa"]].values.tolist() == [["phường Nhị Chiểu", "50,0%", "không"]]
    assert [b.label for b in app.get("download_button")] == ["Tải XLSX", "Tải CSV"]


def test_data_page_lists_the_first_readings_without_reading_every_one(demo_db):
    """Every reading of 3,300 localities with who and when, read to open the page, took 6 s and 830 MB."""
    with full_reads() as sent:
        app = open_page("pages/data.py")
        app.multiselect(key="data_localities").set_value(["NHI_CHIEU"]).run()
    assert len(sent) == 2 and all(" LIMIT " in statement for statement in sent), sent
    assert set(shown_table(app, "Địa phương", "Cách nhập")["Địa phương"]) == {"phường Nhị Chiểu"}
    count = len(queries.readings(demo_db, localities=["NHI_CHIEU"]))
    assert f"{count} số liệu khớp bộ lọc" in " ".join(texts(app.caption)) and count > 10


def test_config_gives_each_status_badge_its_chart_colour_caps_uploads_and_skips_the_full_gc():
    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    for status, colour in fmt.STATUS_COLOURS.items():
        assert config["theme"][f"{widgets.STATUS_BADGE_COLOURS[status]}Color"] == colour
    assert config["server"]["enableXsrfProtection"] is True
    assert 1 <= config["server"]["maxUploadSize"] <= 50
    assert config["server"]["headless"] is True
    # Code changed on disk is never imported again into a running app (docs/operations.md: restart).
    assert config["server"]["fileWatcherType"] == "none"
    # A full garbage collection after every run cost half the server's CPU per click (bench.load). The
    # option is hidden (undocumented): get_option raises if this Streamlit no longer knows it.
    assert config["runner"]["postScriptGC"] is False
    assert isinstance(streamlit_config.get_option("runner.postScriptGC"), bool)


def test_saving_an_unchanged_form_writes_nothing(demo_db):
    batches = len(queries.import_batches(demo_db))
    app = open_page("pages/entry.py")
    app.selectbox(key="entry_year").set_value(2025).run()
    button(app, "Lưu số liệu").click().run()
    assert "Không có số liệu nào thay đổi, chưa ghi gì." in texts(app.info)
    assert len(queries.import_batches(demo_db)) == batches


UPLOAD = ("Mã địa phương;Mã chỉ tiêu;Năm;Tử số;Mẫu số;Giá trị;Ghi chú\n"
          "xã Lạc Phượng;HOA_GIAI_THANH;2025;47;50;;\n"
          "LAC_PHUONG;VU_VIEC_VPPL;2025;;;24;giảm 1 vụ\n"
          f"LAC_PHUONG;HOA_GIAI_THANH;{THIS_YEAR};1.200;1.250;;\n")


def test_upload_previews_then_applies_a_file(demo_db):
    app = open_page("pages/upload.py")
    app.file_uploader(key="upload_file").set_value(("lac_phuong.csv", UPLOAD.encode("utf-8"), "text/csv")).run()
    assert not app.exception
    assert any(f"Xem trước tệp «{widgets.plain('lac_phuong.csv')}»: 3 dòng hợp lệ." in i for i in texts(app.info))
    assert {m.label: m.value for m in app.metric} == {"Sẽ tạo mới": "1", "Sẽ cập nhật": "2", "Không đổi": "0"}
    before = queries.readings(demo_db, full=True)
    old = before.set_index(["indicator_code", "year"])
    old_ratio = old.loc[("HOA_GIAI_THANH", 2025)]
    preview = shown_table(app, "Dòng trong tệp", "Số liệu cũ", "Số liệu mới")
    # Names, not codes, and the figure before and after for every row that changes it.
    assert preview["Địa phương"].tolist() == ["xã Lạc Phượng"] * 3
    assert preview["Chỉ tiêu"].tolist()[0] == "Tỷ lệ hòa giải thành"
    assert preview["Thay đổi"].tolist() == ["Cập nhật", "Cập nhật", "Tạo mới"]
    assert preview["Số liệu mới"].tolist() == ["94,0% (47/50)", "24", "96,0% (1.200/1.250)"]
    assert preview["Số liệu cũ"].tolist() == [
        fmt.format_value("ratio", old_ratio.numerator, old_ratio.denominator) +
        f" ({fmt.format_integer(old_ratio.numerator)}/{fmt.format_integer(old_ratio.denominator)})",
        fmt.format_integer(old.loc[("VU_VIEC_VPPL", 2025), "value"]), fmt.NO_VALUE]
    assert preview["Ghi chú mới"].tolist() == ["", "giảm 1 vụ", ""]
    assert before[before["year"] == THIS_YEAR].empty
    # As the form warns when the figure is typed: against the file's own figure of the year before (47/50,
    # row 2) for row 4, against the stored one (2024) for the others, which are near it.
    assert any(w.startswith("1 số liệu khác nhiều so với năm trước") for w in read(app.warning))
    warned = shown_table(app, "Dòng trong tệp", "Cảnh báo")
    assert warned.values.tolist() == [["4", "xã Lạc Phượng", "Tỷ lệ hòa giải thành",
                                       f"Mẫu số khác nhiều so với năm {THIS_YEAR - 1} (50 → 1.250). Hãy kiểm tra lại số liệu."]]

    button(app, "Áp dụng tệp này").click().run()
    assert not app.exception
    assert any(f"Đã áp dụng tệp «{widgets.plain('lac_phuong.csv')}»: 1 tạo mới, 2 cập nhật, 0 không đổi." in s for s in texts(app.success))
    stored = queries.readings(demo_db, full=True).set_index(["indicator_code", "year"])
    assert stored.loc[("HOA_GIAI_THANH", THIS_YEAR), ["numerator", "denominator"]].tolist() == [1200, 1250]
    assert stored.loc[("VU_VIEC_VPPL", 2025), "entered_by"] == ADMIN
    assert stored.loc[("VU_VIEC_VPPL", 2025), "source"] == "import"
    batches = shown_table(app, "Lần nhập", "Tệp")
    assert batches.iloc[0][["Người nhập", "Tệp", "Tạo mới", "Cập nhật"]].tolist() == [ADMIN, "lac_phuong.csv", "1", "2"]


def test_upload_lists_every_problem_by_row_and_column_and_writes_nothing(demo_db):
    bad = ("locality_code,indicator_code,year,numerator,denominator,value\n"
           "LAC_PHUONG,HOA_GIAI_THANH,2025,60,50,\n"
           "LAC_PHUONG,KHONG_CO,2025,1,2,\n"
           "LAC_PHUONG,QPPL_TRINH_TU,2025,5,5,\n")
    before = queries.readings(demo_db, full=True)
    app = open_page("pages/upload.py")
    app.file_uploader(key="upload_file").set_value(("sai.csv", bad.encode("utf-8"), "text/csv")).run()
    assert not app.exception
    assert any(f"Tệp «{widgets.plain('sai.csv')}» có 2 lỗi, chưa ghi gì" in e for e in texts(app.error))
    problems = shown_table(app, "Dòng", "Cột", "Lỗi")
    assert problems["Dòng"].tolist() == ["2", "3"]
    assert problems["Cột"].tolist() == ["numerator", "indicator_code"]
    assert not [b for b in app.button if b.label == "Áp dụng tệp này"]
    assert queries.readings(demo_db, full=True).equals(before)


def test_upload_page_offers_prefilled_templates(demo_db):
    app = open_page("pages/upload.py")
    app.selectbox(key="upload_template_locality").set_value("NHI_CHIEU")
    app.selectbox(key="upload_template_year").set_value(2025).run()
    assert not app.exception
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Tải mẫu XLSX", "Tải mẫu CSV"]


def open_tasks(account: Account | None = None, year: int = 2026) -> AppTest:
    app = open_page("pages/tasks.py", account)
    app.selectbox(key="tasks_year").set_value(year).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def task_key(task: str, period: str, field: str, locality: str = "LAC_PHUONG") -> str:
    return tasks_model.widget_key(locality, task, period, field)


@pytest.fixture
def task_editor(app_db):
    return create_user(app_db, "bientap", PASSWORD, "editor", ["LAC_PHUONG"])


def test_tasks_form_saves_a_report_with_evidence_for_the_editors_locality(app_db, task_editor):
    app = open_tasks(task_editor)
    assert app.selectbox(key="tasks_scope").value == "LAC_PHUONG"
    assert [t.label for t in app.tabs] == ["Tình trạng nhiệm vụ", "Nhập báo cáo", "Tải tệp báo cáo"]
    table = shown_table(app, "Mã", "Cơ quan chủ trì", "Tình trạng")
    assert table.set_index("Mã").loc["2.4.a", "Cơ quan chủ trì"] == "Văn phòng HĐND và UBND xã"
    assert "2.10.b" not in set(table["Mã"])
    app.selectbox(key=task_key("2.1", "2026", "status")).set_value("done")
    app.text_input(key=task_key("2.1", "2026", "evidence")).input("Quyết định số 45/QĐ-UBND ngày 25/6/2026")
    app.selectbox(key=task_key("2.2.a", "2026-Q1", "status")).set_value("in_progress")
    button(app, "Lưu báo cáo nhiệm vụ").click().run()
    assert not app.exception
    assert any("Đã lưu báo cáo nhiệm vụ năm 2026: 2 tạo mới" in s for s in texts(app.success))
    stored = task_reports(app_db).set_index(["task_code", "period"])
    assert stored.loc[("2.1", "2026"), ["status", "evidence", "entered_by", "source"]].tolist() == [
        "done", "Quyết định số 45/QĐ-UBND ngày 25/6/2026", "bientap", "form"]
    assert stored.loc[("2.2.a", "2026-Q1"), "status"] == "in_progress"
    assert shown_table(app, "Mã", "Tình trạng").set_index("Mã").loc["2.1", "Sản phẩm"] == \
        "Quyết định số 45/QĐ-UBND ngày 25/6/2026"
    app.selectbox(key="tasks_history").set_value(0).run()
    history = shown_table(app, "Người nhập", "Cách nhập")
    assert history[["Tình trạng", "Người nhập", "Cách nhập"]].values.tolist() == [["Hoàn thành", "bientap", "Biểu mẫu"]]


def test_tasks_form_refuses_done_without_evidence_beside_the_task_and_writes_nothing(app_db, task_editor):
    app = open_tasks(task_editor)
    app.selectbox(key=task_key("2.4.a", "2026", "status")).set_value("done")
    app.selectbox(key=task_key("2.1", "2026", "status")).set_value("in_progress")
    button(app, "Lưu báo cáo nhiệm vụ").click().run()
    assert not app.exception
    errors = texts(app.error)
    assert any("Chưa lưu" in e for e in errors)
    assert any("phải ghi sản phẩm" in e for e in errors)
    assert task_reports(app_db).empty


def test_tasks_page_offers_no_form_for_another_locality_or_a_viewer(app_db, task_editor):
    app = open_tasks(task_editor)
    app.selectbox(key="tasks_scope").set_value("NHI_CHIEU").run()
    assert [t.label for t in app.tabs] == ["Tình trạng nhiệm vụ"]
    viewer = create_user(app_db, "xem", PASSWORD, "viewer")
    app = open_tasks(viewer)
    app.selectbox(key="tasks_scope").set_value("LAC_PHUONG").run()
    assert [t.label for t in app.tabs] == ["Tình trạng nhiệm vụ"]


def test_tasks_form_is_locked_in_an_approved_year(app_db, task_editor):
    cycle.approve(app_db, "LAC_PHUONG", 2026, ADMIN)
    app = open_tasks(task_editor)
    assert any("phê duyệt (khóa)" in w for w in texts(app.warning))
    assert app.selectbox(key=task_key("2.1", "2026", "status")).disabled
    assert next(b for b in app.button if b.label == "Lưu báo cáo nhiệm vụ").disabled


def test_tasks_file_upload_previews_then_applies(app_db, task_editor):
    app = open_tasks(task_editor)
    data = ("Mã địa phương,Mã nhiệm vụ,Kỳ,Tình trạng,Sản phẩm\n"
            "LAC_PHUONG,2.4.a,2026,Hoàn thành,Kế hoạch số 12/KH-UBND ngày 20/3/2026\n").encode()
    app.file_uploader(key="tasks_file").set_value(("nhiemvu.csv", data, "text/csv")).run()
    assert any("Xem trước: 1 tạo mới" in i for i in read(app.info))
    assert task_reports(app_db).empty
    button(app, "Ghi tệp này").click().run()
    assert any("Đã ghi tệp «nhiemvu.csv»: 1 tạo mới" in s for s in read(app.success))
    assert task_reports(app_db)["file_name"].tolist() == ["nhiemvu.csv"]
    other = b"locality_code,task_code,period,status,evidence\nNHI_CHIEU,2.1.1,2026,done,X\n"
    app.file_uploader(key="tasks_file").set_value(("khac.csv", other, "text/csv")).run()
    assert any("có 1 lỗi" in e for e in read(app.error))
    assert len(task_reports(app_db)) == 1


def test_tasks_page_for_the_city_ranks_localities_and_lead_agencies(app_db):
    apply_task_reports(app_db, [{"locality_code": "NHI_CHIEU", "task_code": "2.1.1", "period": "2026", "status": "done",
                                 "evidence": "Kế hoạch số 3"}], user_name="dòng lệnh", source="cli")
    app = open_tasks()
    assert app.selectbox(key="tasks_scope").value == "HAI_PHONG"
    assert [t.label for t in app.tabs] == ["Địa phương nhiều nhiệm vụ quá hạn", "Theo cơ quan chủ trì", "Nhiệm vụ quá hạn"]
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Đến hạn trong năm"], metrics["Hoàn thành"]) == ("67", "1")
    # The three states add up to the tasks due; the overdue are among those not done.
    states = int(metrics["Hoàn thành"]) + int(metrics["Đang thực hiện"]) + int(metrics["Chưa thực hiện"])
    assert states == 67 and int(metrics["Quá hạn"]) <= 67 - int(metrics["Hoàn thành"])
    localities = shown_counts(shown_table(app, "Địa phương", "Quá hạn", "Đến hạn trong năm"), "Địa phương")
    nhi_chieu = localities.loc["phường Nhị Chiểu"]
    assert nhi_chieu[["Đến hạn trong năm", "Hoàn thành", "Đang thực hiện", "Chưa thực hiện"]].tolist() == [32, 1, 0, 31]
    # Each row's states add up to its tasks due, as the cards above do.
    leads = shown_counts(shown_table(app, "Cơ quan chủ trì", "Quá hạn"), "Cơ quan chủ trì")
    for table in (localities, leads):
        states = table["Hoàn thành"] + table["Đang thực hiện"] + table["Chưa thực hiện"]
        assert (states == table["Đến hạn trong năm"]).all()
    assert leads["Chưa thực hiện"].sum() == int(metrics["Chưa thực hiện"])
    assert "Văn phòng HĐND và UBND phường" in set(leads.index)
    overdue = shown_table(app, "Địa phương", "Mã", "Hạn")
    assert overdue.columns[0] == "Địa phương" and overdue["Tình trạng"].str.startswith("Quá hạn").all()


def shown_counts(table, by: str):
    """A tasks table's counts, shown as Vietnamese write them (1.072, as text), back as numbers."""
    counts = table.set_index(by)
    assert all(isinstance(cell, str) and cell == fmt.format_integer(int(cell.replace(".", "")))
               for cell in counts.to_numpy().ravel())
    return counts.map(lambda shown: int(shown.replace(".", "")))


def test_overview_says_how_many_tasks_fallen_due_are_done_and_overdue(demo_db):
    app = open_page("pages/overview.py")
    app.selectbox(key="overview_year").set_value(2026).run()
    assert any(c.startswith("Nhiệm vụ đến hạn: ") and "hoàn thành /" in c and "quá hạn" in c for c in texts(app.caption))


def test_upload_lists_cell_problems_rights_and_locks_in_one_list(demo_db):
    editor = create_user(demo_db, "canbo_lac_phuong", PASSWORD, "editor", ["LAC_PHUONG"])
    cycle.approve(demo_db, "LAC_PHUONG", 2024, ADMIN)
    bad = ("locality_code,indicator_code,year,numerator,denominator,value\n"
           "LAC_PHUONG,HOA_GIAI_THANH,2025,60,50,\n"
           "NHI_CHIEU,QPPL_TRINH_TU,2025,1,2,\n"
           "LAC_PHUONG,HOA_GIAI_THANH,2024,1,2,\n")
    before = queries.readings(demo_db, full=True)
    app = open_page("pages/upload.py", editor)
    app.file_uploader(key="upload_file").set_value(("ba_loi.csv", bad.encode(), "text/csv")).run()
    assert not app.exception
    assert any("Tệp «ba_loi.csv» có 3 lỗi" in e for e in read(app.error)), read(app.error) + read(app.info)
    problems = shown_table(app, "Dòng", "Cột", "Lỗi")
    assert problems["Dòng"].tolist() == ["2", "3", "4"]
    assert "Tử số không được lớn hơn mẫu số" in problems["Lỗi"][0]
    assert "không được ghi số liệu của địa phương này" in problems["Lỗi"][1]
    assert "đã được «quantri» phê duyệt" in problems["Lỗi"][2]
    assert queries.readings(demo_db, full=True).equals(before)


def test_upload_accepts_excel_unicode_text_and_refuses_other_types_in_vietnamese(app_db):
    unicode_text = "Mã địa phương\tMã chỉ tiêu\tNăm\tTử số\tMẫu số\tGiá trị\tGhi chú\r\n"
    unicode_text += "LAC_PHUONG\tHOA_GIAI_THANH\t2025\t47\t50\t\tghi chú\r\n"
    app = open_page("pages/upload.py")
    uploader = app.file_uploader(key="upload_file")
    assert uploader.proto.type == []  # every type reaches the reader, which answers in Vietnamese
    uploader.set_value(("so_lieu.txt", unicode_text.encode("utf-16"), "text/plain")).run()
    assert not app.exception and not app.error
    assert any("Xem trước tệp «so_lieu.txt»: 1 dòng hợp lệ." in i for i in read(app.info))
    app.file_uploader(key="upload_file").set_value(("bao_cao.pdf", b"%PDF-1.4", "application/pdf")).run()
    assert not app.exception
    assert any("Chỉ nhận tệp .csv hoặc .xlsx (và .txt" in e for e in [*read(app.error), *map(str, shown_table(
        app, "Lỗi")["Lỗi"])])


def test_upload_checks_a_file_once_and_words_skipped_rows_as_row_numbers(app_db):
    text = ("locality_code,indicator_code,year,numerator,denominator,value\n"
            "LAC_PHUONG,HOA_GIAI_THANH,2025,47,50,\n" + "LAC_PHUONG,VU_VIEC_VPPL,2025,,,\n" * 14 +
            "LAC_PHUONG,QPPL_TRINH_TU,2025,,,\n")
    app = open_page("pages/upload.py")
    app.file_uploader(key="upload_file").set_value(("mau.csv", text.encode(), "text/csv")).run()
    first = app.session_state[upload.CHECK_KEY]
    app.selectbox(key="upload_template_year").set_value(2024).run()
    assert app.session_state[upload.CHECK_KEY] is first
    skipped = [c for c in texts(app.caption) if c.startswith("Bỏ qua")]
    assert skipped == ["Bỏ qua 15 dòng chưa có số liệu (dòng để trống của tệp mẫu): dòng số 3, 4, 5, 6, 7, 8, 9, 10, "
                       "11, 12, 13, 14, 15, 16, 17 trong tệp."]


def test_upload_of_hostile_files_shows_vietnamese_messages(app_db):
    app = open_page("pages/upload.py")
    for name, data, words in [
        ("dai.csv", b"a,b\n1," + b"x" * 200_000 + b"\n", "quá giới hạn 32.767 ký tự một ô"),
        ("rong.csv", b"a,b\n" + b",".join([b"1"] * 100_000) + b"\n", "quá giới hạn 200 ô một dòng"),
    ]:
        app.file_uploader(key="upload_file").set_value((name, data, "text/csv")).run()
        assert not app.exception
        assert any(words in message for message in shown_table(app, "Lỗi")["Lỗi"])


# Breaking the schema by hand is SQLite's DROP TABLE; the guard under test does not depend on the backend.
@pytest.mark.sqlite_only
def test_an_unexpected_error_on_a_page_is_logged_and_shown_in_vietnamese(app_db, caplog):
    with app_db.begin() as connection:
        connection.exec_driver_sql("DROP TABLE importbatch")
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    admin = get_account(cache.engine(), ADMIN)
    app.session_state[session.SESSION_KEY] = sessions.start(cache.engine(), admin.id).session_id
    app.switch_page("pages/upload.py").run()
    assert not app.exception
    [message] = [e for e in texts(app.error) if "lỗi không lường trước" in e]
    assert "mã lỗi" in message and "Traceback" not in message and "importbatch" not in message
    logged = [r for r in caplog.records if r.name == "kpi"]
    assert logged and logged[0].exc_info is not None and "importbatch" in str(logged[0].exc_info[1])


def test_a_cli_import_shows_in_a_running_app_at_the_next_rerun(demo_db, run_cli, tmp_path):
    app = open_page("pages/data.py")
    assert len(shown_table(app, "Địa phương", "Cách nhập")) == 113
    path = tmp_path / "lac_phuong.csv"
    path.write_text("locality_code,indicator_code,year,value,note\nLAC_PHUONG,VU_VIEC_VPPL,2025,21,Nhập từ dòng lệnh\n",
                    encoding="utf-8")
    assert run_cli("import", path).returncode == 0
    app.run()
    table = shown_table(app, "Địa phương", "Cách nhập")
    assert "Nhập từ dòng lệnh" in set(table["Ghi chú"])
    assert len(table) == 113


def test_localities_written_elsewhere_show_on_the_admin_page_at_the_next_rerun(demo_db):
    app = open_page("pages/localities.py")
    assert len(shown_table(app, "Mã", "Kế hoạch")) == 3
    add_localities(demo_db, HAI_PHONG_UNITS.read_bytes(), "hai_phong_units.csv")
    app.run()
    assert len(shown_table(app, "Mã", "Kế hoạch")) == 115
    # The city is not one of the localities that report: 114 = 2 with a plan + 112 without.
    assert {m.label: m.value for m in app.metric} == {"Địa phương báo cáo": "114", "Có kế hoạch": "2",
                                                      "Chưa có kế hoạch": "112"}


def test_localities_page_lists_filters_and_gives_a_plan_to_many_at_once(demo_db):
    add_localities(demo_db, HAI_PHONG_UNITS.read_bytes(), "hai_phong_units.csv")
    app = open_page("pages/localities.py")
    table = shown_table(app, "Mã", "Kế hoạch")
    assert list(table.columns) == ["Mã", "Tên", "Loại", "Cấp trên", "Mã ĐVHC", "Kế hoạch"]
    rows = table.set_index("Mã")
    assert rows.loc["HAI_PHONG", "Kế hoạch"] == "Tổng hợp từ cấp dưới"
    assert rows.loc["LAC_PHUONG", "Cấp trên"] == "thành phố Hải Phòng"
    assert rows.loc["LAC_PHUONG", "Kế hoạch"].startswith("KH_LAC_PHUONG_2026 — ")
    assert rows.loc["AN_LAO", "Kế hoạch"] == "Chưa có kế hoạch"

    app.toggle(key="localities_only_without_plan").set_value(True).run()
    assert len(shown_table(app, "Mã", "Kế hoạch")) == 112
    app.checkbox(key="localities_assign_all_shown").check()
    app.selectbox(key="localities_assign_plan").set_value("KH_171_NHI_CHIEU")
    button(app, "Xem trước").click().run()
    # A look first: nothing written until the assignment previewed is confirmed.
    assert any("cho 112 địa phương: 0 thêm mới, 112 cập nhật, 0 không đổi." in i for i in read(app.info))
    assert len(shown_table(app, "Mã", "Thay đổi", "Chi tiết")) == 112
    assert queries.localities(demo_db)["plan_code"].notna().sum() == 2
    button(app, "Hủy").click().run()
    assert not [i for i in read(app.info) if "cho 112 địa phương" in i]
    assert queries.localities(demo_db)["plan_code"].notna().sum() == 2
    button(app, "Xem trước").click().run()
    button(app, "Gán kế hoạch cho 112 địa phương").click().run()
    assert not app.exception
    assert any("Đã gán kế hoạch: 0 thêm mới, 112 cập nhật, 0 không đổi." in s for s in read(app.success))
    plans = queries.localities(demo_db).set_index("code")["plan_code"]
    assert plans["AN_LAO"] == "KH_171_NHI_CHIEU" and plans["LAC_PHUONG"] == "KH_LAC_PHUONG_2026"
    assert shown_table(app, "Mã", "Kế hoạch").empty
    assert {m.label: m.value for m in app.metric}["Chưa có kế hoạch"] == "0"


def test_localities_page_refuses_a_plan_change_that_would_hide_figures(demo_db):
    before = queries.localities(demo_db)
    app = open_page("pages/localities.py")
    app.multiselect(key="localities_assign_codes").set_value(["LAC_PHUONG"])
    app.selectbox(key="localities_assign_plan").set_value("-")
    button(app, "Xem trước").click().run()
    assert any("chưa ghi gì" in e for e in texts(app.error))
    problems = shown_table(app, "Dòng", "Lỗi")
    assert "HOA_GIAI_THANH" in problems["Lỗi"].iloc[0]
    assert queries.localities(demo_db).equals(before)


LOCALITIES_FILE = ("code,name,kind,parent_code,ma_dvhc,plan_code\n"
                   "LAC_PHUONG,xã Lạc Phượng,xã,HAI_PHONG,,\n"
                   "NHI_CHIEU,phường Nhị Chiểu,phường,HAI_PHONG,11311,\n"
                   "AN_LAO,xã An Lão,xã,HAI_PHONG,,KH_LAC_PHUONG_2026\n")


def test_localities_page_previews_a_file_then_applies_it(demo_db):
    app = open_page("pages/localities.py")
    app.file_uploader(key="localities_file_0").set_value(("units.csv", LOCALITIES_FILE.encode(), "text/csv")).run()
    assert not app.exception
    assert any("Nếu áp dụng: 1 thêm mới, 1 cập nhật, 1 không đổi." in i for i in read(app.info))
    preview = shown_table(app, "Thay đổi", "Chi tiết")
    assert preview.values.tolist() == [["AN_LAO", "xã An Lão", "Thêm mới", ""],
                                       ["NHI_CHIEU", "phường Nhị Chiểu", "Cập nhật", "mã ĐVHC: (không có) → 11311"]]
    assert "AN_LAO" not in set(queries.localities(demo_db)["code"])

    button(app, "Áp dụng các thay đổi").click().run()
    assert not app.exception
    assert any("Đã nạp tệp units.csv: 1 thêm mới, 1 cập nhật" in s for s in read(app.success))
    stored = queries.localities(demo_db).set_index("code")
    assert stored.loc["AN_LAO", "plan_code"] == "KH_LAC_PHUONG_2026"
    assert stored.loc["LAC_PHUONG", "plan_code"] == "KH_LAC_PHUONG_2026"
    assert "AN_LAO" in set(shown_table(app, "Mã", "Kế hoạch")["Mã"])


def test_localities_page_lists_a_bad_file_s_problems_and_offers_nothing_to_apply(demo_db):
    cycle = "code,name,kind,parent_code\nHAI_PHONG,thành phố Hải Phòng,thành phố,LAC_PHUONG\n"
    app = open_page("pages/localities.py")
    app.file_uploader(key="localities_file_0").set_value(("vong.csv", cycle.encode(), "text/csv")).run()
    assert any("Tệp vong.csv có 1 lỗi, chưa ghi gì" in e for e in read(app.error))
    assert "vòng lặp" in shown_table(app, "Dòng", "Lỗi")["Lỗi"].iloc[0]
    assert not [b for b in app.button if b.label == "Áp dụng các thay đổi"]


def test_a_viewer_sees_a_figure_s_history_on_the_locality_page(demo_db):
    rows = [{"locality_code": "LAC_PHUONG", "indicator_code": "HOA_GIAI_THANH", "year": 2025, "numerator": 46, "denominator": 50}]
    apply_readings(demo_db, input_frame(rows), user_name="Nguyễn Văn A", source="form")
    viewer = create_user(demo_db, "nguoixem", PASSWORD, "viewer")
    app = open_page("pages/locality.py", viewer)
    app.selectbox(key="locality_code").set_value("LAC_PHUONG").run()
    assert not app.exception
    assert "Lịch sử số liệu năm 2025" in [e.label for e in app.expander]
    histories = [d.value for d in app.dataframe if "Người nhập" in d.value.columns]
    mediation = next(h for h in histories if h["Người nhập"].tolist() == ["Nguyễn Văn A", "demo"])
    assert mediation["Số liệu"].tolist() == ["92,0%", "90,0%"]
    assert mediation["Cách nhập"].iloc[0] != mediation["Cách nhập"].iloc[1]

def test_overview_opens_on_the_reporting_year_with_its_address(demo_db):
    # One commune entered 2026; 102 of 114 reported 2025: the overview opens on 2025 (domain.md).
    add_year_example(demo_db)
    app = open_page(PAGES[0])
    assert app.selectbox(key="overview_year").value == 2025
    assert app.query_params[year_picker.QUERY_PARAM] == "2025"
    assert any("năm 2025: 102/114 địa phương đã báo cáo" in h for h in texts(app.subheader))
    assert not app.warning or not any("chỉ" in w for w in texts(app.warning))
    app.text_input(key="overview_search").set_value("Thử Nghiệm 100").run()
    table = shown_table(app, "Địa phương", "Giá trị", "Báo cáo")
    older = table[(table["Địa phương"] == "xã Thử Nghiệm 100") & (table["Giá trị"] == "95,0% (2024)")]
    assert older["Báo cáo"].tolist() == ["Chưa báo cáo năm 2025"]
    assert (table["Giá trị"] == "Chưa báo cáo năm 2025").any()


def test_an_aggregate_of_one_commune_carries_a_warning(demo_db):
    add_year_example(demo_db)
    app = open_page(PAGES[0])
    app.selectbox(key="overview_year").set_value(2026).run()
    assert app.query_params[year_picker.QUERY_PARAM] == "2026"
    warnings = texts(app.warning)
    assert any("chỉ 1/114 địa phương đã báo cáo" in w and "năm 2025" in w for w in warnings), warnings
    aggregate = shown_table(app, "Địa phương", "Báo cáo")
    assert "chỉ 1/114 địa phương" in aggregate.loc[aggregate["Địa phương"] == "thành phố Hải Phòng", "Báo cáo"].tolist()


@pytest.mark.parametrize("address, shown", [("2023", 2023), ("1990", 2025), ("hai", 2025), ("", 2025)])
def test_the_year_in_the_address_opens_that_year(demo_db, address, shown):
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    app.session_state[session.SESSION_KEY] = sessions.start(cache.engine(), get_account(cache.engine(), ADMIN).id).session_id
    app.query_params[year_picker.QUERY_PARAM] = address
    app.switch_page(PAGES[0]).run()
    assert not app.exception
    assert app.selectbox(key="overview_year").value == shown
    assert app.query_params[year_picker.QUERY_PARAM] == str(shown)


def test_the_tasks_page_keeps_its_year_in_the_address(demo_db):
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    app.session_state[session.SESSION_KEY] = sessions.start(cache.engine(), get_account(cache.engine(), ADMIN).id).session_id
    app.query_params[year_picker.QUERY_PARAM] = "2027"
    app.switch_page("pages/tasks.py").run()
    assert not app.exception
    assert app.selectbox(key="tasks_year").value == 2027
    app.selectbox(key="tasks_year").set_value(2028).run()
    assert app.query_params[year_picker.QUERY_PARAM] == "2028"


def test_a_picked_year_stays_picked_on_every_page(demo_db):
    app = open_page(PAGES[0])
    app.selectbox(key="overview_year").set_value(2022).run()
    for page, key in [("pages/locality.py", "locality_year"), ("pages/indicator.py", "indicator_year"),
                      ("pages/report.py", "report_year"), ("pages/approvals.py", "approvals_year"),
                      ("pages/entry.py", "entry_year"), ("pages/upload.py", "upload_template_year"),
                      (PAGES[0], "overview_year")]:
        # Switching pages drops the address's year, as the browser's navigation does.
        app.query_params.clear()
        app.switch_page(page).run()
        assert not app.exception, page
        assert app.selectbox(key=key).value == 2022, page
        assert app.query_params[year_picker.QUERY_PARAM] == "2022", page


def test_pages_open_on_the_reporting_year_of_their_scope(demo_db):
    add_year_example(demo_db)
    app = open_page("pages/locality.py")
    assert app.selectbox(key="locality_year").value == 2025
    # Until a year is picked, the year follows the scope: XA_0100 last reported 2024.
    app.selectbox(key="locality_code").set_value("XA_0100").run()
    assert app.selectbox(key="locality_year").value == 2024
    report = open_page("pages/report.py")
    report.selectbox(key="report_scope").set_value("XA_0101").run()
    assert report.selectbox(key="report_year").value == 2026
# Text from data is text: a name, a note and a reason written to look like Markdown, HTML and LaTeX.
HOSTILE = "**TỈNH** [bấm vào](https://evil.example/phish) :red[ĐỎ] $x^2$ <b>x</b> www.evil.example a@evil.example"
# Options of these are drawn as plain text, not Markdown; text fields hold what was typed.
LITERAL_OPTIONS = {"selectbox", "multiselect"}
LITERAL_FIELDS = {"default", "value", "raw_value"}


@pytest.fixture
def hostile_db(demo_db):
    """The city and xã Lạc Phượng renamed to the hostile text, one of its notes and an approval reason too."""
    add_localities(demo_db, ("code,name,kind,parent_code,ma_dvhc,plan_code\n"
                             f"HAI_PHONG,{HOSTILE} thành phố,thành phố,,,\n"
                             f"LAC_PHUONG,{HOSTILE} xã,xã,HAI_PHONG,,KH_LAC_PHUONG_2026\n").encode(), "dia_phuong.csv")
    apply_readings(demo_db, input_frame([{"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2024,
                                          "value": 30, "note": f"{HOSTILE} ghi chú"}]), user_name=ADMIN, source="form")
    cycle.approve(demo_db, "LAC_PHUONG", 2024, ADMIN, f"{HOSTILE} lý do")
    return demo_db


def markdown_strings(node) -> list[str]:
    """Every string an element or block hands Streamlit's Markdown renderer (bodies, labels, help,
    radio options, expander and tab titles), leaving out what is drawn as plain text."""
    proto = getattr(node, "proto", None)
    found = []
    if proto is not None and node.type not in ("plotly_chart", "text", "arrow_data_frame", "dataframe"):
        for field, value in proto.ListFields():
            if field.name in LITERAL_FIELDS or (node.type in LITERAL_OPTIONS and field.name == "options"):
                continue
            found.extend(_strings(value))
    for child in getattr(node, "children", {}).values():
        found.extend(markdown_strings(child))
    return found


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if hasattr(value, "ListFields"):
        return [s for _, v in value.ListFields() for s in _strings(v)]
    if isinstance(value, (list, tuple)) or type(value).__name__.startswith("Repeated"):
        return [s for v in value for s in _strings(v)]
    return []


def assert_shown_as_text(app: AppTest) -> int:
    """The hostile text appears only as widgets.plain makes it (every mark escaped, no bare link),
    in the page and its charts; returns how many times it appears."""
    escaped = widgets.plain(HOSTILE)
    bodies = markdown_strings(app.main) + markdown_strings(app.sidebar) + texts(app.toast)
    for body in bodies:
        # The print-only tables are HTML (kpi.app.widgets.printed_only): there the text is HTML-escaped.
        rest = body.replace(escaped, "").replace(html.escape(HOSTILE), "")
        assert "TỈNH" not in rest and "evil" not in rest and "ĐỎ" not in rest, body
    for chart in app.get("plotly_chart"):
        labels = _json_strings(json.loads(chart.proto.spec))
        for label in labels:
            assert "<b>x</b>" not in label and "<a" not in label, label
    return sum(body.count(escaped) for body in bodies)


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def test_plain_escapes_every_mark_and_breaks_bare_links():
    shown = widgets.plain(f"{HOSTILE}\n# tiêu đề\n    mã\n1. mục")
    assert "\n" not in shown
    # Taking the backslashes and word joiners out gives the text back, on one line.
    assert shown.replace("\\", "").replace(widgets.WORD_JOINER, "") == f"{HOSTILE} # tiêu đề mã 1. mục".replace("\\", "")
    for mark in "*[]()$:<>#._@/":
        assert mark not in shown.replace(f"\\{mark}", "")
    for link in ("https://", "www.", "a@evil"):
        assert link not in shown.replace("\\", "")


@pytest.mark.parametrize(("page", "selector", "choice"), [
    ("pages/overview.py", None, None),
    ("pages/locality.py", "locality_code", "HAI_PHONG"),
    ("pages/indicator.py", None, None),
    ("pages/entry.py", "entry_locality", "LAC_PHUONG"),
    ("pages/upload.py", None, None),
    ("pages/data.py", None, None),
    ("pages/approvals.py", "approvals_locality", "LAC_PHUONG"),
    ("pages/users.py", None, None),
    ("pages/report.py", "report_scope", "LAC_PHUONG"),
])
def test_hostile_names_notes_and_reasons_are_shown_as_text_on_every_page(hostile_db, page, selector, choice):
    app = open_page(page)
    if selector is not None:
        app.selectbox(key=selector).set_value(choice).run()
        assert not app.exception
    shown = assert_shown_as_text(app)
    if page not in ("pages/entry.py", "pages/upload.py", "pages/data.py", "pages/users.py"):
        assert shown, "the page names the city or the chosen locality in its text"
    if page == "pages/entry.py":
        app.selectbox(key="entry_year").set_value(2024).run()
        assert assert_shown_as_text(app)   # the lock notice names the locality
        app.selectbox(key="entry_year").set_value(2025).run()
        app.text_input(key=entry_key("HOA_GIAI_THANH", "numerator", year=2025)).set_value("-3")
        button(app, "Lưu số liệu").click().run()
        assert_shown_as_text(app)
        assert any("Chưa lưu" in t for t in texts(app.toast))
    if page == "pages/approvals.py":
        app.selectbox(key="approvals_year").set_value(2025).run()
        button(app, "Phê duyệt và khóa số liệu").click().run()
        assert not app.exception and assert_shown_as_text(app) >= 2   # the outcome names the locality


def test_the_word_report_holds_hostile_names_literally(hostile_db):
    document = Document(io.BytesIO(report_docx(hostile_db, 2025, "HAI_PHONG")))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    assert f"{HOSTILE} xã" in text and f"{HOSTILE} thành phố" in text
    local = Document(io.BytesIO(report_docx(hostile_db, 2025, "LAC_PHUONG")))
    assert any(f"{HOSTILE} xã" in p.text for p in local.paragraphs)

def test_overview_names_who_is_behind_and_filters_and_sorts_every_page(demo_db):
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code"] + [
        f"XA_{i:03d},xã Thử Nghiệm {i},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(30)]
    add_localities(demo_db, "\n".join(lines).encode(), "localities.csv")
    # The last commune of the ranking is the only one to fall back on QPPL_TRINH_TU.
    apply_readings(demo_db, input_frame([
        {"locality_code": "XA_029", "indicator_code": "QPPL_TRINH_TU", "year": year, "numerator": n, "denominator": 10}
        for year, n in ((2024, 9), (2025, 5))]), user_name="kiểm thử", source="cli")
    app = open_page(PAGES[0])
    missing = next(m.value for m in app.markdown if m.value.startswith("**Chưa báo cáo năm 2025"))
    assert missing.startswith("**Chưa báo cáo năm 2025 (29/32 địa phương):** xã Thử Nghiệm 0, xã Thử Nghiệm 1,")
    assert "và 4 địa phương khác" in missing
    behind = shown_table(app, "Chỉ tiêu", "Giá trị", "Đánh giá", "So với năm trước")
    engine_statuses = assess(demo_db, 2025, "HAI_PHONG").statuses
    city = engine_statuses[engine_statuses["locality_code"] == "HAI_PHONG"].set_index("indicator_code")["status"]
    assert set(behind["Đánh giá"]) <= {fmt.STATUS_LABELS[s] for s in city if s != "achieved"}
    assert behind["So với năm trước"].str.match(r"^[▲▼=]|Chưa|—").all()

    # Sorting by an indicator reorders every page: the commune that fell back comes first.
    app.selectbox(key="overview_sort").set_value("QPPL_TRINH_TU").run()
    assert not app.exception
    assert shown_table(app, "Hạng", "Tỷ lệ đạt")["Địa phương"].iloc[0] == "xã Thử Nghiệm 29"
    # A group of indicators: the matrix and the detail table keep only its columns and rows.
    app.selectbox(key="overview_group").set_value("Hòa giải ở cơ sở").run()
    assert not app.exception
    matrix = next(chart for chart in app.get("plotly_chart") if "overview_matrix" in chart.proto.id)
    assert json.loads(matrix.proto.spec)["data"][0]["x"] == ["Kiện toàn tổ HG", "Hòa giải thành"]
    detail = shown_table(app, "Địa phương", "Tên đầy đủ của chỉ tiêu")
    assert set(detail["Chỉ tiêu"]) == {"Kiện toàn tổ HG", "Hòa giải thành"}
    assert [b.label for b in app.get("download_button")] == ["Tải bản PDF để in hoặc gửi"]
