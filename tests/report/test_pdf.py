"""The PDF to take away: it opens (poppler renders it), and says what `progress --json` says."""

import json
import shutil
import subprocess
import unicodedata

import pandas as pd
import pytest
from pypdf import PdfReader
from shared_data import HAI_PHONG_UNITS

from kpi import formatting as fmt
from kpi.engine.describe import SHORT_NAMES
from kpi.files.catalogue import add_localities
from kpi.report import pdf
from kpi.store import queries
from kpi.store.readings import apply_readings, input_frame

YEAR = 2025
POPPLER = shutil.which("pdftoppm")


def pdf_lines(path) -> list[str]:
    """The text of every page, one line per line of the page as drawn."""
    return [unicodedata.normalize("NFC", line) for page in PdfReader(path).pages
            for line in page.extract_text(extraction_mode="layout").splitlines()]


def progress_json(run_cli, *args: str) -> list[dict]:
    result = run_cli("progress", "--year", str(YEAR), "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def status_line(lines: list[str], indicator_name: str) -> str:
    """The lines of the per-indicator table around where the indicator's row starts (its first words):
    a row whose cells wrap is drawn over several lines, its status on the middle one."""
    start = " ".join(indicator_name.split()[:4])
    rows = [" ".join(lines[max(0, i - 2):i + 3]) for i, line in enumerate(lines) if start in line]
    found = [row for row in rows if any(label in row for label in fmt.STATUS_LABELS.values())]
    assert found, f"no row for {indicator_name!r}"
    return found[-1]


@pytest.mark.skipif(POPPLER is None, reason="poppler-utils is not installed (.ci/run installs it)")
@pytest.mark.parametrize("locality", [None, "LAC_PHUONG", "NHI_CHIEU"])
def test_cli_pdf_opens_and_carries_the_statuses_of_progress_json(demo_engine, run_cli, tmp_path, locality):
    target = tmp_path / "bao-cao.pdf"
    args = ["--locality", locality] if locality else []
    result = run_cli("report", "--year", str(YEAR), *args, target)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF")

    # poppler renders every page to an image of A4 landscape (wider than tall).
    subprocess.run([POPPLER, "-r", "30", "-png", target, tmp_path / "page"], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(target).pages) >= 2
    from matplotlib.image import imread
    height, width, _ = imread(pages[0]).shape
    assert width > height

    lines = pdf_lines(target)
    subject = locality or "HAI_PHONG"
    names = queries.indicators(demo_engine).set_index("code")["name"]
    statuses = [row for row in progress_json(run_cli, *args) if row["locality_code"] == subject]
    assert statuses
    for row in statuses:
        line = status_line(lines, names[row["indicator_code"]])
        assert fmt.STATUS_LABELS[row["status"]] in line, line
    assert "DỮ LIỆU MINH HỌA — KHÔNG PHẢI SỐ LIỆU THẬT" in "\n".join(lines)


def test_city_pdf_names_who_is_behind_and_draws_every_locality(demo_engine, tmp_path):
    add_localities(demo_engine, b"code,name,kind,parent_code,ma_dvhc,plan_code\n"
                                b"XA_IM_LANG,x\xc3\xa3 Im L\xe1\xba\xb7ng,x\xc3\xa3,HAI_PHONG,,KH_171_NHI_CHIEU\n",
                   "localities.csv")
    target = tmp_path / "thanh-pho.pdf"
    target.write_bytes(pdf.report_pdf(demo_engine, YEAR))
    text = "\n".join(pdf_lines(target))
    assert f"Địa phương chưa báo cáo năm {YEAR} (1/3)" in text
    assert "xã Im Lặng." in text
    assert "Các chỉ tiêu còn xa mục tiêu năm 2030 nhất" in text
    # The matrix: a row for the aggregate and each locality, a column for each indicator's short name.
    for label in ("thành phố Hải Phòng (tổng hợp)", "xã Lạc Phượng", "phường Nhị Chiểu", "xã Im Lặng"):
        assert label in text
    assert "Hòa giải" in text and "Điểm nóng" in text
    # The change against the year before sits beside the figures (▲ / ▼ / =).
    assert any(mark in text for mark in ("▲", "▼", "= không đổi"))


def test_every_matrix_text_fits_its_cell_at_a_readable_size():
    """The rule that keeps the PDF's matrix from overlapping: each text is drawn at the matrix size,
    or shrunk to fit its cell; every Hải Phòng name and every value text stays at 5 pt or more."""
    document = pdf.MeetingPdf("thử", demo=False)
    column = (pdf.PAGE_WIDTH - pdf.LOCALITY_COLUMN) / len(SHORT_NAMES)
    names = pd.read_csv(HAI_PHONG_UNITS)["name"].tolist() + ["thành phố Hải Phòng (tổng hợp)", "xã Tân Tiến (XA_0000)"]
    for name in names:
        assert pdf.fitting_size(document, name, pdf.LOCALITY_COLUMN) == pdf.MATRIX_SIZE, name
    for value in ["100,0%", "99,9%", "1.234", "Có", "Không", fmt.NO_VALUE, fmt.NOT_APPLICABLE, "95,0% (2024)"]:
        size = pdf.fitting_size(document, value, column)
        assert 5 <= size <= pdf.MATRIX_SIZE, value
        document.set_font(pdf.FONT, "", size)
        assert document.get_string_width(value) <= column - 2 * document.c_margin + 1e-6


def test_pdf_of_a_year_without_figures_still_opens(engine, tmp_path):
    target = tmp_path / "trong.pdf"
    target.write_bytes(pdf.report_pdf(engine, YEAR, "LAC_PHUONG"))
    text = "\n".join(pdf_lines(target))
    assert "Không có chỉ tiêu nào có số liệu mà chưa đạt mục tiêu." in text
    assert "Chưa có số liệu" in text


def test_pdf_text_from_data_is_text(engine, tmp_path):
    apply_readings(engine, input_frame([{"locality_code": "LAC_PHUONG", "indicator_code": "DIEM_NONG_VPPL",
                                         "year": YEAR, "value": 2}]), user_name="kiểm thử", source="cli")
    add_localities(engine, "code,name,kind,parent_code,ma_dvhc,plan_code\n"
                           "XA_HTML,xã <b>Đậm</b> =1+1,xã,HAI_PHONG,,KH_171_NHI_CHIEU\n".encode(), "localities.csv")
    target = tmp_path / "thanh-pho.pdf"
    target.write_bytes(pdf.report_pdf(engine, YEAR))
    assert "xã <b>Đậm</b> =1+1" in "\n".join(pdf_lines(target))
