"""The overview in a meeting, in a real headless Chromium at 1366×768 and 1920×1080 with the 114
communes and wards of Hải Phòng: who is behind is named in the first screen, no label of the matrix
overlaps another (measured on the figure as the browser drew it), the detail table shows value,
target and status without scrolling sideways, and the printed page (A4 landscape) keeps every
column. Screenshots go to KPI_SCREENSHOTS_DIR (docs/screenshots for the user guide) or a temporary
folder. Server and browser from tests/browser.py."""

import itertools
import re
import subprocess

import pandas as pd
import pytest
from browser import SCREENSHOTS, chromium, log_in, needs_chromium, new_tab, settle, streamlit_server
from conftest import PROJECT_DIR
from playwright.sync_api import Page, expect
from shared_data import HAI_PHONG_UNITS

from kpi.app.overview import DETAIL_WIDTHS
from kpi.files.catalogue import add_localities, load_catalog
from kpi.store.accounts import create_user
from kpi.store.db import make_engine
from kpi.store.readings import apply_readings, input_frame

TIMEOUT_MS = 120_000
ADMIN, PASSWORD = "lanhdao", "Mật khẩu lãnh đạo 2026"
PLANS = ["KH_LAC_PHUONG_2026", "KH_171_NHI_CHIEU"]
YEARS = [2023, 2024, 2025]

pytestmark = needs_chromium


def hai_phong_readings(engine) -> None:
    """The 114 units on the two real plans, with made-up figures for three years; every ninth unit has
    not reported for the last year."""
    units = pd.read_csv(HAI_PHONG_UNITS, dtype=str, keep_default_na=False)
    units["plan_code"] = [PLANS[i % 2] for i in range(len(units))]
    units = units.rename(columns={"ma_dvhc_unverified": "ma_dvhc"})
    add_localities(engine, units[["code", "name", "kind", "parent_code", "ma_dvhc", "plan_code"]]
                   .to_csv(index=False).encode(), "localities.csv")
    targets = pd.read_csv(PROJECT_DIR / "data" / "plans.csv", dtype=str)
    kinds = pd.read_csv(PROJECT_DIR / "data" / "indicators.csv", dtype=str).set_index("code")["kind"]
    rows = []
    for number, unit in enumerate(units.itertuples()):
        for indicator in targets.loc[targets["plan_code"] == unit.plan_code, "indicator_code"]:
            for step, year in enumerate(YEARS):
                if year == YEARS[-1] and number % 9 == 0:
                    continue
                row = {"locality_code": unit.code, "indicator_code": indicator, "year": year}
                if kinds[indicator] == "ratio":
                    denominator = 20 + (number * 7) % 180
                    share = min(1.0, 0.6 + ((number * 13 + len(indicator)) % 35) / 100 + 0.03 * step)
                    row |= {"numerator": round(denominator * share), "denominator": denominator}
                elif kinds[indicator] == "count":
                    row["value"] = max(0, (number * 5) % 30 - 3 * step)
                else:
                    row["value"] = int((number + step) % 4 != 0)
                rows.append(row)
    apply_readings(engine, input_frame(rows), user_name="kiểm thử", source="cli")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("meeting")
    database_url = f"sqlite:///{directory / 'kpi.sqlite3'}"
    engine = make_engine(database_url)
    load_catalog(engine)
    hai_phong_readings(engine)
    create_user(engine, ADMIN, PASSWORD, "viewer")
    engine.dispose()
    with streamlit_server(directory, database_url) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def overview(browser, base: str, width: int, height: int) -> Page:
    """The overview as the viewer sees it after logging in, at this size of screen."""
    page = new_tab(browser, width, height)
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base)
    settle(page)
    log_in(page, ADMIN, PASSWORD)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    page.wait_for_timeout(1000)
    return page


# The corners of every label of the matrix as drawn on the screen (rotated headers included).
LABEL_CORNERS = """(chart) => {
  const corners = (element) => {
    const box = element.getBBox(), matrix = element.getScreenCTM();
    return [[box.x, box.y], [box.x + box.width, box.y], [box.x + box.width, box.y + box.height],
            [box.x, box.y + box.height]].map(([x, y]) => [matrix.a * x + matrix.c * y + matrix.e,
                                                          matrix.b * x + matrix.d * y + matrix.f]);
  };
  const plot = chart.querySelector('.nsewdrag').getBoundingClientRect();
  return {
    headers: Array.from(chart.querySelectorAll('.xtick text')).map(corners),
    rows: Array.from(chart.querySelectorAll('.ytick text')).map(corners),
    cells: Array.from(chart.querySelectorAll('.annotation-text')).map(corners),
    plot: [plot.left, plot.top, plot.right, plot.bottom],
    columns: chart.querySelectorAll('.xtick text').length,
  };
}"""


def overlap(first: list, second: list) -> bool:
    """Whether two convex polygons (lists of corners) overlap by more than a pixel (separating axes)."""
    for polygon in (first, second):
        for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
            axis = (y1 - y2, x2 - x1)
            a = [axis[0] * x + axis[1] * y for x, y in first]
            b = [axis[0] * x + axis[1] * y for x, y in second]
            length = (axis[0] ** 2 + axis[1] ** 2) ** 0.5 or 1
            if min(max(a), max(b)) - max(min(a), min(b)) <= length:
                return False
    return True


def assert_no_label_overlaps(page: Page) -> dict:
    chart = page.locator(".js-plotly-plot").first.element_handle()
    labels = page.evaluate(LABEL_CORNERS, chart)
    assert labels["headers"] and labels["rows"] and labels["cells"]
    for kind in ("headers", "rows", "cells"):
        for first, second in itertools.combinations(labels[kind], 2):
            assert not overlap(first, second), f"{kind} overlap: {first} {second}"
    left, top, right, bottom = labels["plot"]
    width = (right - left) / labels["columns"]
    for cell in labels["cells"]:
        xs = [x for x, _ in cell]
        # Each value stays inside its column, with a pixel to spare on each side.
        assert max(xs) - min(xs) <= width - 2, (cell, width)
    for row in labels["rows"]:
        assert max(x for x, _ in row) <= left + 1, "a locality's name runs into the matrix"
    for header in labels["headers"]:
        assert max(y for _, y in header) <= top + 1, "a header runs into the matrix"
    return labels


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_who_is_behind_reads_in_the_first_screen_and_no_matrix_label_overlaps(server, browser, width, height):
    page = overview(browser, server, width, height)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"meeting-overview-{width}.png"))
    # The first screen names the indicators furthest from target and the units not reported.
    for text in ("Chỉ tiêu còn xa mục tiêu 2030 nhất", "Chưa báo cáo năm 2025 (13/114 địa phương):",
                 "Tỷ lệ chỉ tiêu đạt thấp nhất:"):
        box = page.get_by_text(text).first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= height, text
    expect(page.get_by_text("phường Thành Đông").first).to_be_visible()

    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    labels = assert_no_label_overlaps(page)
    assert labels["columns"] == 15 and len(labels["rows"]) == 11

    # The detail table: locality, indicator, value, year, target and status fit the width.
    page.get_by_role("tab", name="Bảng chi tiết").click()
    settle(page)
    grid = page.locator(".stDataFrame").last
    grid.scroll_into_view_if_needed()
    shown = list(DETAIL_WIDTHS)[: list(DETAIL_WIDTHS).index("Đánh giá") + 1]
    assert sum(DETAIL_WIDTHS[c] for c in shown) <= grid.bounding_box()["width"]
    page.screenshot(path=str(SCREENSHOTS / f"meeting-detail-{width}.png"))


def test_printed_overview_fits_a4_landscape_without_navigation(server, browser, tmp_path):
    page = overview(browser, server, 1366, 768)
    page.emulate_media(media="print")
    page.wait_for_timeout(500)
    for hidden in ("[data-testid='stSidebar']", ".stPlotlyChart", ".stTabs", "header"):
        assert all(not element.is_visible() for element in page.locator(hidden).all()), hidden
    expect(page.locator(".kpi-print-matrix")).to_be_visible(timeout=TIMEOUT_MS)
    target = tmp_path / "in.pdf"
    page.pdf(path=str(target), prefer_css_page_size=True, print_background=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", target, SCREENSHOTS / "meeting-print"],
                   check=True, timeout=120)
    text = subprocess.run(["pdftotext", "-layout", target, "-"], capture_output=True, text=True, check=True).stdout
    # Every column of the matrix is on the page (the last one too), and who is behind.
    for words in ("Trình tự", "Vụ vi", "Chuẩn", "thành phố Hải Phòng (tổng hợp)", "Chưa báo cáo năm 2025"):
        assert words in text, words
    assert "Đăng xuất" not in text and "Tổng quan" in text
    info = subprocess.run(["pdfinfo", target], capture_output=True, text=True, check=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts \(A4\)", info).groups())
    assert width > height  # A4 landscape
