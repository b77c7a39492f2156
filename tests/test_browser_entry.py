"""The entry form in a real headless Chromium, with the city's 114 units loaded: figures typed the
Vietnamese way (`1.180`) are shown as they will be stored and stored exactly; `12,5` and `-3` are
refused at their field, with the reason, and nothing is written; the outcome of a press of "Lưu số
liệu" shows under the button. Saves the screenshots of the user guide (1366×768) to docs/screenshots/
when KPI_SCREENSHOTS_DIR=docs/screenshots, else to a temporary folder. Server and browser from
tests/browser.py."""

import csv
import os
import re
import subprocess
import sys

import pytest
from browser import (
    chromium,
    go,
    log_in,
    needs_chromium,
    new_tab,
    open_page,
    settle,
    streamlit_server,
    viewport_screenshot,
)
from conftest import PROJECT_DIR
from playwright.sync_api import Page, expect

from kpi.app.entry import widget_key
from kpi.store import cycle, queries
from kpi.store.accounts import create_user
from kpi.store.db import make_engine
from kpi.store.readings import apply_readings, input_frame
from kpi.years import current_year
from tests.shared_data import HAI_PHONG_UNITS

WIDTH, HEIGHT = 1366, 768
THIS_YEAR = current_year()
ADMIN, ADMIN_PASSWORD = "quantri", "Mật khẩu quản trị 2026"
NUMERATOR = widget_key("LAC_PHUONG", THIS_YEAR, "HO_TICH_DUNG_HAN", "numerator")
DENOMINATOR = widget_key("LAC_PHUONG", THIS_YEAR, "HO_TICH_DUNG_HAN", "denominator")

pytestmark = needs_chromium


# Text from data written to look like Markdown, a Streamlit colour, LaTeX, HTML and bare links.
HOSTILE = "**TỈNH** [bấm vào](https://evil.example/phish) :red[ĐỎ] $x^2$ <b>x</b> www.evil.example a@evil.example"


def hai_phong_localities(folder, hostile: bool = False) -> str:
    """The 114 units as a localities file: each with Lạc Phượng's plan, Nhị Chiểu with its own;
    `hostile` renames the city and Lạc Phượng to HOSTILE followed by their names."""
    with HAI_PHONG_UNITS.open(encoding="utf-8") as source:
        units = list(csv.DictReader(source))
    path = folder / "hai_phong.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["code", "name", "kind", "parent_code", "ma_dvhc", "plan_code"])
        if hostile:
            writer.writerow(["HAI_PHONG", f"{HOSTILE} thành phố Hải Phòng", "thành phố", "", "", ""])
        for unit in units:
            if hostile and unit["code"] == "LAC_PHUONG":
                unit["name"] = f"{HOSTILE} xã Lạc Phượng"
            plan = "KH_171_NHI_CHIEU" if unit["code"] == "NHI_CHIEU" else "KH_LAC_PHUONG_2026"
            writer.writerow([unit["code"], unit["name"], unit["kind"], unit["parent_code"], "", plan])
    return str(path)


@pytest.fixture
def server(request, tmp_path):
    """A real Streamlit server on a database set up as the README says, with the 114 units, an admin
    and Lạc Phượng's civil-registration figures of this year stored as 1.234/1.234. Parametrized
    with True: the city and Lạc Phượng carry HOSTILE in their names, a note and an approval reason."""
    hostile = getattr(request, "param", False)
    database_url = f"sqlite:///{tmp_path / 'kpi.sqlite3'}"
    env = {**os.environ, "KPI_DATABASE_URL": database_url}
    for command in (["init"], ["localities", hai_phong_localities(tmp_path, hostile)]):
        subprocess.run([sys.executable, "-m", "kpi", *command], cwd=PROJECT_DIR, env=env, check=True, capture_output=True)
    engine = make_engine(database_url)
    create_user(engine, ADMIN, ADMIN_PASSWORD, "admin")
    apply_readings(engine, input_frame([{"locality_code": "LAC_PHUONG", "indicator_code": "HO_TICH_DUNG_HAN",
                                         "year": THIS_YEAR, "numerator": 1234, "denominator": 1234}]),
                   user_name=ADMIN, source="form")
    if hostile:
        apply_readings(engine, input_frame([{"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL",
                                             "year": THIS_YEAR - 1, "value": 20, "note": f"{HOSTILE} ghi chú"}]),
                       user_name=ADMIN, source="form")
        cycle.approve(engine, "LAC_PHUONG", THIS_YEAR - 1, ADMIN, f"{HOSTILE} lý do")
    with streamlit_server(tmp_path, database_url) as base:
        yield base, engine
    engine.dispose()


@pytest.fixture
def page(server):
    with chromium() as browser:
        yield new_tab(browser, WIDTH, HEIGHT)


def text_field(page: Page, key: str):
    return page.locator(f".st-key-{key} input")


def type_figure(page: Page, key: str, text: str) -> None:
    """Type over what the field holds and leave it, as a person does (Tab commits a text field)."""
    text_field(page, key).fill(text)
    text_field(page, key).press("Tab")
    settle(page)


def under_field(page: Page, key: str):
    """The column a field sits in: the figure it will store, or why not, is drawn under it."""
    return page.locator(f"[data-testid='stColumn']:has(.st-key-{key})")


def stored_figures(engine) -> list:
    readings = queries.readings(engine).set_index(["locality_code", "indicator_code", "year"])
    return readings.loc[("LAC_PHUONG", "HO_TICH_DUNG_HAN", THIS_YEAR), ["numerator", "denominator"]].tolist()


def open_form(page: Page, base: str, expected: str = "1.234", logged_in: bool = False) -> None:
    """A new session on the entry form of xã Lạc Phượng; `logged_in`: the browser has the login cookie."""
    open_page(page, base, "")
    if not logged_in:
        log_in(page, ADMIN, ADMIN_PASSWORD)
    go(page, "Nhập số liệu")
    page.locator(".st-key-entry_locality").click()
    page.keyboard.type("xã Lạc Phượng")
    page.keyboard.press("Enter")
    settle(page)
    expect(text_field(page, NUMERATOR)).to_have_value(expected)


def test_a_figure_typed_the_vietnamese_way_is_shown_then_stored_exactly(server, page):
    base, engine = server
    open_form(page, base)
    expect(under_field(page, NUMERATOR)).to_contain_text("Đã lưu: 1.234")

    type_figure(page, NUMERATOR, "1.180")
    expect(under_field(page, NUMERATOR)).to_contain_text("Sẽ lưu: 1.180 (đang là 1.234)")
    page.get_by_role("button", name="Lưu số liệu").click()
    settle(page)

    outcome = page.locator(".st-key-entry_outcome")
    expect(outcome).to_contain_text(f"Đã lưu số liệu năm {THIS_YEAR}: 0 tạo mới, 1 cập nhật")
    expect(page.get_by_test_id("stToast")).to_contain_text("Đã lưu số liệu")
    expect(outcome).to_be_in_viewport()
    assert stored_figures(engine) == [1180, 1234]
    viewport_screenshot(page, "entry-saved")
    viewport_screenshot(page, "entry-saved-field", NUMERATOR)

    # Opened afresh (a new session, still logged in by its cookie), the field shows what is stored.
    open_form(page, base, expected="1.180", logged_in=True)


@pytest.mark.parametrize(("typed", "reason"), [
    ("12,5", "Số đếm phải là số nguyên"), ("-3", "Không nhận số âm."),
])
def test_a_figure_that_is_not_a_whole_number_is_refused_at_its_field(server, page, typed, reason):
    base, engine = server
    open_form(page, base)
    batches = len(queries.import_batches(engine))

    type_figure(page, NUMERATOR, typed)
    expect(under_field(page, NUMERATOR).get_by_test_id("stAlertContentError")).to_contain_text(reason)
    page.get_by_role("button", name="Lưu số liệu").click()
    settle(page)

    outcome = page.locator(".st-key-entry_outcome")
    expect(outcome).to_contain_text("Chưa lưu, không có số liệu nào được ghi: 1 ô có lỗi")
    expect(outcome).to_contain_text(reason)
    expect(outcome).to_be_in_viewport()
    expect(page.get_by_test_id("stToast")).to_contain_text("Chưa lưu")
    expect(under_field(page, NUMERATOR).get_by_test_id("stAlertContentError")).to_contain_text(reason)
    expect(text_field(page, NUMERATOR)).to_have_value(typed)
    assert stored_figures(engine) == [1234, 1234]
    assert len(queries.import_batches(engine)) == batches
    if typed == "-3":
        viewport_screenshot(page, "entry-refused")
        viewport_screenshot(page, "entry-refused-field", NUMERATOR)


def shown_text(page: Page) -> str:
    """The text of the page as drawn (word joiners, which only break bare links, taken out)."""
    return page.get_by_test_id("stMain").evaluate("main => main.innerText").replace("\u2060", "")


def assert_inert(page: Page) -> None:
    main = page.get_by_test_id("stMain")
    # Headings carry an anchor to themselves (href="#slug"); no other link may come from the text.
    expect(main.locator("a[href*='evil']:not([href^='#'])")).to_have_count(0)
    # `**TỈNH**` made bold (the report's title is bold as a whole, around the literal name).
    expect(main.locator("strong, b, em").filter(has_text=re.compile(r"^\s*TỈNH\s*$"))).to_have_count(0)
    expect(main.locator(".katex")).to_have_count(0)
    expect(main.locator("[data-testid='stException']")).to_have_count(0)


@pytest.mark.parametrize("server", [True], indirect=True)
def test_hostile_text_is_text_in_a_real_browser(server, page):
    base, engine = server
    page.set_viewport_size({"width": 1920, "height": 1080})   # every menu of the navigation bar in view
    open_page(page, base, "")
    log_in(page, ADMIN, ADMIN_PASSWORD)
    # Overview: the city's name heads the page; the matrix and ranking charts label Lạc Phượng.
    assert f"{HOSTILE} thành phố Hải Phòng" in shown_text(page)
    assert_inert(page)
    for svg in page.locator(".js-plotly-plot").all():
        expect(svg.locator("a")).to_have_count(0)
    go(page, "Địa phương")
    assert f"{HOSTILE} thành phố Hải Phòng" in shown_text(page)
    assert_inert(page)
    go(page, "Báo cáo")
    assert f"{HOSTILE} thành phố Hải Phòng" in shown_text(page)
    assert_inert(page)
    go(page, "Nhập số liệu")
    page.locator(".st-key-entry_locality").click()
    page.keyboard.type("xã Lạc Phượng")
    page.keyboard.press("Enter")
    settle(page)
    page.locator(".st-key-entry_year").click()
    page.keyboard.type(str(THIS_YEAR - 1))
    page.keyboard.press("Enter")
    settle(page)
    assert f"{HOSTILE} xã Lạc Phượng" in shown_text(page)   # the notice of the approved year
    assert_inert(page)
    go(page, "Phê duyệt số liệu", menu="Quản trị")
    page.locator(".st-key-approvals_locality").click()
    page.keyboard.type("xã Lạc Phượng")
    page.keyboard.press("Enter")
    settle(page)
    assert f"{HOSTILE} xã Lạc Phượng" in shown_text(page)
    assert_inert(page)
