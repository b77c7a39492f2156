"""Every page through Streamlit's AppTest, against a real SQLite file built with the fixtures."""

import json
import tomllib

import pytest
from conftest import PROJECT_DIR
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.app import cache, entry, session, widgets
from kpi.app import indicator as comparison
from kpi.engine import scope as overview
from kpi.engine.assess import assess
from kpi.files.catalogue import add_localities
from kpi.store import queries
from kpi.store.accounts import Account, create_user, get_account
from kpi.store.demo import load_demo
from kpi.store.readings import apply_readings, input_frame
from kpi.years import current_year

DASHBOARD = str(PROJECT_DIR / "dashboard.py")
PAGES = ["pages/overview.py", "pages/locality.py", "pages/indicator.py", "pages/entry.py", "pages/upload.py",
         "pages/data.py", "pages/approvals.py", "pages/users.py"]
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
    app.session_state[session.ACCOUNT_KEY] = account or get_account(cache.engine(), ADMIN)
    # Pages take their URL from their file name, so AppTest can open one without a first run.
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(elements) -> list[str]:
    return [e.value for e in elements]


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
    app.number_input(key="indicator_page").set_value(2).run()
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
    app.number_input(key=entry_key("HOA_GIAI_THANH", "numerator")).set_value(46)
    app.number_input(key=entry_key("HOA_GIAI_THANH", "denominator")).set_value(50)
    app.number_input(key=entry_key("TGPL_DUOC_TRO_GIUP", "numerator")).set_value(0)
    app.number_input(key=entry_key("TGPL_DUOC_TRO_GIUP", "denominator")).set_value(0)
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
    assert app.number_input(key=entry_key("HOA_GIAI_THANH", "numerator")).value == 46

    app.switch_page("pages/overview.py")
    app.run()
    assert app.selectbox(key="overview_year").value == THIS_YEAR
    assert any(f"năm {THIS_YEAR}: 1/2 địa phương đã báo cáo" in h for h in texts(app.subheader))


def test_entry_form_rejects_bad_figures_next_to_the_field_and_writes_nothing(demo_db):
    before = queries.readings(demo_db, full=True)
    app = open_entry()
    app.number_input(key=entry_key("HOA_GIAI_THANH", "numerator")).set_value(60)
    app.number_input(key=entry_key("HOA_GIAI_THANH", "denominator")).set_value(50)
    app.number_input(key=entry_key("PBGDPL_CBCC", "denominator")).set_value(61)
    app.number_input(key=entry_key("QPPL_TRINH_TU", "numerator")).set_value(8)
    app.number_input(key=entry_key("QPPL_TRINH_TU", "denominator")).set_value(8)
    button(app, "Lưu số liệu").click().run()

    assert not app.exception
    errors = texts(app.error)
    assert any("Chưa lưu" in e for e in errors)
    assert "Tử số không được lớn hơn mẫu số." in errors and "Thiếu tử số." in errors
    assert not app.success
    assert queries.readings(demo_db, full=True).equals(before)
    # The error sits in the form right after the numerator it is about.
    form = app.get("form")[0]
    flat = [node for node in _walk(form)]
    numerator = next(i for i, n in enumerate(flat) if getattr(n, "key", None) == entry_key("HOA_GIAI_THANH", "numerator"))
    assert getattr(flat[numerator + 1], "value", None) == "Tử số không được lớn hơn mẫu số."
    # What the user typed is kept for correcting.
    assert app.number_input(key=entry_key("HOA_GIAI_THANH", "numerator")).value == 60


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
    assert app.number_input(key=entry_key("HOA_GIAI_THANH", "numerator", year=2025)).value == 45
    assert app.radio(key=entry_key("CHUAN_TIEP_CAN_PL", "value", year=2025)).value == "Không"
    assert any("Mẫu số khác nhiều so với năm 2024 (20 → 40)" in w for w in texts(app.warning))
    assert not any("Tỷ lệ khác nhiều" in w for w in texts(app.warning))

    app.number_input(key=entry_key("HOA_GIAI_THANH", "numerator", year=2025)).set_value(20)
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


def test_config_gives_each_status_badge_its_chart_colour_and_caps_uploads():
    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    for status, colour in fmt.STATUS_COLOURS.items():
        assert config["theme"][f"{widgets.STATUS_BADGE_COLOURS[status]}Color"] == colour
    assert config["server"]["enableXsrfProtection"] is True
    assert 1 <= config["server"]["maxUploadSize"] <= 50
    assert config["server"]["headless"] is True


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
    assert any("Xem trước tệp «lac_phuong.csv»: 3 dòng hợp lệ." in i for i in texts(app.info))
    assert {m.label: m.value for m in app.metric} == {"Sẽ tạo mới": "1", "Sẽ cập nhật": "2", "Không đổi": "0"}
    preview = shown_table(app, "Dòng", "Mã chỉ tiêu")
    assert preview[["Dòng", "Số liệu", "Tử số"]].values.tolist() == [["2", "94,0%", "47"], ["3", "24", ""],
                                                                     ["4", "96,0%", "1.200"]]
    before = queries.readings(demo_db, full=True)
    assert before[before["year"] == THIS_YEAR].empty

    button(app, "Áp dụng tệp này").click().run()
    assert not app.exception
    assert any("Đã áp dụng tệp «lac_phuong.csv»: 1 tạo mới, 2 cập nhật, 0 không đổi." in s for s in texts(app.success))
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
    assert any("Tệp «sai.csv» có 2 lỗi, chưa ghi gì" in e for e in texts(app.error))
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
