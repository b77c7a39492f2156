"""Meeting reports: the Word and Excel files say what the engine says, for the demo data and a hand-made case."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docx import Document
from docx.table import Table
from matplotlib.image import imread
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from kpi import formatting as fmt
from kpi.app import cache, widgets
from kpi.app.session import SESSION_KEY
from kpi.engine import scope
from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.report.content import ScopeError, scope_choices, subject_code
from kpi.report.docx import report_docx
from kpi.report.xlsx import READINGS_SHEET, STATUS_SHEET, TASKS_SHEET, report_xlsx
from kpi.store import queries, sessions
from kpi.store.accounts import create_user
from kpi.store.readings import apply_readings, input_frame
from kpi.vocabulary import Source
from kpi.years import year_choices

PAGE = Path(__file__).resolve().parents[2] / "pages" / "report.py"
YEAR = 2025


def word(data: bytes):
    return Document(io.BytesIO(data))


def text_before_first_table_after_letterhead(document) -> str:
    """The first page's opening: everything up to the first indicator table."""
    texts = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            if block.rows[0].cells[0].text == "TT":
                break
            continue
        texts.append(block.text)
    return "\n".join(texts)


def indicator_rows(document) -> dict[str, list[str]]:
    """Indicator name -> the cell texts of its row, over every indicator table."""
    rows = {}
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[0] != "TT":
            continue
        for row in table.rows[1:]:
            cells = [c.text for c in row.cells]
            rows[cells[1].split("\n")[0]] = dict(zip(header, cells))
    return rows


def ranking_rows(document) -> list[dict[str, str]]:
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[0] == "Hạng":
            return [dict(zip(header, (c.text for c in row.cells))) for row in table.rows[1:]]
    return []


def chart_images(document) -> list[np.ndarray]:
    images = []
    for shape in document.inline_shapes:
        relation = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        images.append(imread(io.BytesIO(document.part.related_parts[relation].blob), format="png"))
    return images


def has_colour(image: np.ndarray, colour: str) -> bool:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return bool((np.abs(image[..., :3] - rgb).max(axis=-1) < 1.5 / 255).any())


def sheet_records(workbook, name: str) -> list[dict]:
    rows = list(workbook[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def expected(engine, locality_code: str) -> pd.DataFrame:
    described = describe_statuses(assess(engine, YEAR, locality_code))
    return described[described["locality_code"] == locality_code]


def test_city_word_report_matches_the_engine_on_demo_data(demo_engine):
    document = word(report_docx(demo_engine, YEAR))
    city = expected(demo_engine, "HAI_PHONG")
    opening = text_before_first_table_after_letterhead(document)

    assert "DỮ LIỆU MINH HỌA" in opening and "113 số liệu minh họa" in opening
    assert "DỮ LIỆU MINH HỌA" in document.sections[0].header.paragraphs[0].text
    assert "BÁO CÁO\nKết quả thực hiện các kế hoạch" in opening and f"thành phố Hải Phòng năm {YEAR}" in opening
    assert "Kế hoạch số 171/KH-UBND ngày 13/5/2026" in opening and "xã Lạc Phượng" in opening
    counts = city["status"].value_counts()
    for status, label in fmt.STATUS_LABELS.items():
        assert f"{label}: {counts.get(status, 0)}" in opening
    assert f"Năm {YEAR}: 2/2 địa phương đã báo cáo số liệu." in opening

    rows = indicator_rows(document)
    assert len(rows) == len(city) == 15
    for indicator in city.itertuples():
        row = rows[indicator.indicator_name]
        assert row["Đánh giá"] == indicator.status_label
        assert row["Mục tiêu 2030"] == indicator.target_text
        assert f"Báo cáo năm {YEAR}: {indicator.completeness_text}" in row["Chỉ tiêu"]
        if indicator.latest_year_text == str(YEAR):
            shown = indicator.value_text if indicator.kind != "count" else f"{indicator.value_text} {indicator.unit}"
            assert row[str(YEAR)].split("\n")[0] == shown
            assert indicator.counts_text in row[str(YEAR)]
    assert list(rows["Tỷ lệ hòa giải thành"].values())[3:8] == [
        "79,5%\n35/44 vụ việc", "80,0%\n36/45 vụ việc", "83,3%\n40/48 vụ việc", "82,0%\n41/50 vụ việc",
        "90,0%\n45/50 vụ việc"]
    assert rows["Người thuộc diện trợ giúp pháp lý được trợ giúp khi có yêu cầu"][str(YEAR)] == fmt.NOT_APPLICABLE

    ranking = ranking_rows(document)
    assert [(r["Hạng"], r["Địa phương"], r["Chỉ tiêu đạt"], r["Tỷ lệ đạt"]) for r in ranking] == [
        ("1", "xã Lạc Phượng", "5/14", "35,7%"), ("2", "phường Nhị Chiểu", "2/7", "28,6%")]
    children = describe_statuses(assess(demo_engine, YEAR, "HAI_PHONG"))
    for row in ranking:
        own = children[children["locality_name"] == row["Địa phương"]]
        assert row["Chỉ tiêu đạt"] == f"{(own['status'] == 'achieved').sum()}/{len(own)}"

    images = chart_images(document)
    groups = list(dict.fromkeys(city["group"]))
    assert len(images) == len(groups) == 7
    for image, group in zip(images, groups):
        statuses = set(city.loc[city["group"] == group, "status"])
        for status, colour in fmt.STATUS_COLOURS.items():
            assert has_colour(image, colour) == (status in statuses), (group, status)


def test_locality_word_report_names_its_plan_and_has_no_ranking(demo_engine):
    document = word(report_docx(demo_engine, YEAR, "NHI_CHIEU"))
    own = expected(demo_engine, "NHI_CHIEU")
    opening = text_before_first_table_after_letterhead(document)
    text = "\n".join(p.text for p in document.paragraphs)

    assert "Kết quả thực hiện Kế hoạch số 171/KH-UBND ngày 13/5/2026" in opening and f"năm {YEAR}" in opening
    assert "PHƯỜNG NHỊ CHIỂU" in document.tables[0].rows[0].cells[0].text
    assert f"Năm {YEAR}: đã báo cáo số liệu 6/7 chỉ tiêu." in opening
    assert ranking_rows(document) == [] and "XẾP HẠNG" not in text
    assert "Chưa báo cáo: Người thuộc diện trợ giúp pháp lý được trợ giúp khi có yêu cầu." in text
    rows = indicator_rows(document)
    assert {name: row["Đánh giá"] for name, row in rows.items()} == dict(zip(own["indicator_name"], own["status_label"]))
    assert rows["Ban hành kịp thời Kế hoạch theo dõi tình hình thi hành văn bản QPPL hằng năm"][str(YEAR)] == "Có"


def test_excel_report_matches_the_engine_on_demo_data(demo_engine):
    workbook = load_workbook(io.BytesIO(report_xlsx(demo_engine, YEAR)))
    assessment = assess(demo_engine, YEAR, "HAI_PHONG")
    described = describe_statuses(assessment)

    assert workbook.sheetnames[1:] == [STATUS_SHEET, READINGS_SHEET, TASKS_SHEET]
    info = "\n".join(str(c.value) for c in workbook.worksheets[0]["A"])
    assert "113 số liệu minh họa" in info

    statuses = {(r["Mã địa phương"], r["Mã chỉ tiêu"]): r for r in sheet_records(workbook, STATUS_SHEET)}
    assert len(statuses) == len(described) == 15 + 14 + 7
    for row in described.itertuples():
        record = statuses[(row.locality_code, row.indicator_code)]
        assert record["Đánh giá"] == row.status_label
        assert record["Năm đánh giá"] == YEAR
        assert record["Số liệu (hiển thị)"] == row.value_text
        assert (record["Số địa phương đã báo cáo"], record["Số địa phương phải báo cáo"]) == (row.reported, row.expected)
    city_civil = statuses[("HAI_PHONG", "HO_TICH_DUNG_HAN")]
    assert (city_civil["Tử số"], city_civil["Mẫu số"], city_civil["Tỷ lệ (%)"]) == (2899, 3000, 96.6)
    assert statuses[("LAC_PHUONG", "VU_VIEC_VPPL")]["Giá trị"] == 25
    assert statuses[("LAC_PHUONG", "TGPL_DUOC_TRO_GIUP")]["Tỷ lệ (%)"] is None

    readings = sheet_records(workbook, READINGS_SHEET)
    assert len(readings) == assessment.series["year"].between(YEAR - 4, YEAR).sum()
    assert "số liệu từng năm từ 2021 đến 2025" in info
    mediation = next(r for r in readings if (r["Mã địa phương"], r["Mã chỉ tiêu"], r["Năm"]) ==
                     ("LAC_PHUONG", "HOA_GIAI_THANH", 2025))
    assert (mediation["Tử số"], mediation["Mẫu số"], mediation["Tỷ lệ (%)"]) == (45, 50, 90.0)
    assert mediation["Dữ liệu minh họa"] == "có" and mediation["Số liệu tổng hợp"] == "không"
    assert all(isinstance(r["Tử số"], int) and isinstance(r["Tỷ lệ (%)"], (int, float))
               for r in readings if r["Mẫu số"])
    assert all(isinstance(r["Giá trị"], int) for r in readings if r["Mẫu số"] is None)


@pytest.fixture
def hand_made(engine):
    """9/10 and 10/100 make 19/110 for the city (a weighted ratio, not the mean 50%), real data only."""
    rows = [
        {"locality_code": "LAC_PHUONG", "indicator_code": "HO_TICH_DUNG_HAN", "year": 2024, "numerator": 8, "denominator": 10},
        {"locality_code": "NHI_CHIEU", "indicator_code": "HO_TICH_DUNG_HAN", "year": 2024, "numerator": 5, "denominator": 100},
        {"locality_code": "LAC_PHUONG", "indicator_code": "HO_TICH_DUNG_HAN", "year": 2025, "numerator": 9, "denominator": 10},
        {"locality_code": "NHI_CHIEU", "indicator_code": "HO_TICH_DUNG_HAN", "year": 2025, "numerator": 10, "denominator": 100},
        {"locality_code": "LAC_PHUONG", "indicator_code": "TGPL_DUOC_TRO_GIUP", "year": 2025, "numerator": 0, "denominator": 0},
        {"locality_code": "NHI_CHIEU", "indicator_code": "TGPL_DUOC_TRO_GIUP", "year": 2025, "numerator": 0, "denominator": 0},
        {"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2024, "value": 30},
        {"locality_code": "LAC_PHUONG", "indicator_code": "VU_VIEC_VPPL", "year": 2025, "value": 25},
    ]
    apply_readings(engine, input_frame(rows), user_name="tester", source=Source.FORM)
    return engine


def test_hand_made_case_in_word_and_excel(hand_made):
    document = word(report_docx(hand_made, YEAR))
    city = expected(hand_made, "HAI_PHONG").set_index("indicator_code")
    rows = indicator_rows(document)
    opening = text_before_first_table_after_letterhead(document)

    assert "MINH HỌA" not in opening and document.sections[0].header.paragraphs[0].text == ""
    civil = rows["Sự kiện hộ tịch được đăng ký kịp thời, đúng quy định"]
    assert list(civil)[3:5] == ["2024", "2025"]
    assert civil["2024"] == "11,8%\n13/110 sự kiện"
    assert civil["2025"] == "17,3%\n19/110 sự kiện"
    assert civil["Đánh giá"] == city.at["HO_TICH_DUNG_HAN", "status_label"] == "Cần tăng tốc"
    assert rows["Người thuộc diện trợ giúp pháp lý được trợ giúp khi có yêu cầu"]["2025"] == "Không phát sinh"
    crimes = rows["Số vụ việc vi phạm pháp luật"]
    assert (crimes["2024"], crimes["2025"], crimes["Đánh giá"]) == ("30 vụ việc", "25 vụ việc", "Đạt")
    assert "Chưa có số liệu: 13" in opening and "Đạt: 1;" in opening and "Cần tăng tốc: 1;" in opening

    workbook = load_workbook(io.BytesIO(report_xlsx(hand_made, YEAR)))
    assert "minh họa" not in "\n".join(str(c.value) for c in workbook.worksheets[0]["A"])
    statuses = {(r["Mã địa phương"], r["Mã chỉ tiêu"]): r for r in sheet_records(workbook, STATUS_SHEET)}
    record = statuses[("HAI_PHONG", "HO_TICH_DUNG_HAN")]
    assert (record["Tử số"], record["Mẫu số"], record["Tỷ lệ (%)"]) == (19, 110, 17.3)
    assert record["Số liệu (hiển thị)"] == "17,3%" and record["Đánh giá"] == "Cần tăng tốc"
    readings = sheet_records(workbook, READINGS_SHEET)
    assert {r["Dữ liệu minh họa"] for r in readings if r["Số liệu tổng hợp"] == "không"} == {"không"}
    assert len(readings) == 8 + 5


def test_report_for_a_year_without_figures_says_so(engine):
    document = word(report_docx(engine, 2020, "LAC_PHUONG"))
    rows = indicator_rows(document)
    assert {row["Đánh giá"] for row in rows.values()} == {"Chưa có số liệu"} and len(rows) == 14
    assert "Năm 2020: đã báo cáo số liệu 0/14 chỉ tiêu." in text_before_first_table_after_letterhead(document)


@pytest.mark.parametrize(("code", "parents", "answer"), [
    (None, [None, "A", "A"], "ROOT"),
    ("B", [None, "A", "A"], "B"),
    ("NOPE", [None, "A", "A"], ScopeError),
    (None, [None, None, "A"], ScopeError),
])
def test_subject_code(code, parents, answer):
    localities = pd.DataFrame({"code": ["ROOT", "A", "B"], "parent_code": parents})
    if answer is ScopeError:
        with pytest.raises(ScopeError):
            subject_code(localities, code)
    else:
        assert subject_code(localities, code) == answer


def test_ranking_uses_exact_shares_and_shares_ranks_on_ties():
    achieved = {"A": (1, 7), "B": (2, 14), "C": (1, 3), "D": (333, 1000), "E": (0, 2)}
    rows = [{"parent_code": "P", "locality_code": code, "locality_name": f"xã {code}",
             "status": "achieved" if i < hit else "off_track", "reported": int(i % 2 == 0)}
            for code, (hit, total) in achieved.items() for i in range(total)]
    described = pd.DataFrame(rows).assign(is_aggregate=False)
    localities = described.drop_duplicates("locality_code").rename(columns={"locality_code": "code", "locality_name": "name"})
    table = scope.ranking(described, localities, "P")
    assert list(zip(table["locality_code"], table["rank"], table["share_text"])) == [
        ("C", 1, "33,3%"), ("D", 2, "33,3%"), ("B", 3, "14,3%"), ("A", 3, "14,3%"), ("E", 5, "0,0%")]
    assert table.set_index("locality_code").at["D", "reported_text"] == "500/1.000"


def test_scope_and_year_choices(engine):
    choices = scope_choices(queries.localities(engine))
    assert list(choices.items()) == [("HAI_PHONG", "thành phố Hải Phòng (toàn thành phố)"),
                                     ("NHI_CHIEU", "phường Nhị Chiểu"), ("LAC_PHUONG", "xã Lạc Phượng")]
    assert year_choices(2026)[:2] == [2026, 2025] and year_choices(2026)[-1] == 2015


def test_cli_report_writes_word_and_excel(demo_engine, run_cli, tmp_path):
    result = run_cli("report", "--year", "2025", "--locality", "NHI_CHIEU", tmp_path / "nhi-chieu.docx")
    assert result.returncode == 0, result.stderr
    assert "Đã lập báo cáo năm 2025" in result.stdout
    assert len(indicator_rows(word((tmp_path / "nhi-chieu.docx").read_bytes()))) == 7

    result = run_cli("report", "--year", "2025", tmp_path / "thanh-pho.XLSX")
    assert result.returncode == 0, result.stderr
    workbook = load_workbook(tmp_path / "thanh-pho.XLSX")
    assert {r["Mã địa phương"] for r in sheet_records(workbook, STATUS_SHEET)} == {"HAI_PHONG", "LAC_PHUONG", "NHI_CHIEU"}


@pytest.mark.parametrize(("args", "message"), [
    (["--year", "2025", "--locality", "KHONG_CO", "out.docx"], "Không có địa phương với mã «KHONG_CO»."),
    (["--year", "2025", "out.txt"], "phải có đuôi .docx (Word), .xlsx (Excel) hoặc .pdf"),
])
def test_cli_report_usage_errors(engine, run_cli, tmp_path, args, message):
    result = run_cli("report", *[str(tmp_path / a) if a.startswith("out.") else a for a in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert list(tmp_path.glob("out.*")) == []


def as_viewer(app: AppTest, account) -> AppTest:
    """Every page needs a login; a viewer may read and download reports."""
    app.session_state[SESSION_KEY] = sessions.start(cache.engine(), account.id).session_id
    return app


@pytest.fixture
def page(engine, database_url, monkeypatch, fresh_streamlit_caches):
    monkeypatch.setenv("KPI_DATABASE_URL", database_url)
    viewer = create_user(engine, "lanhdao", "mật khẩu thử nghiệm", "viewer")
    return lambda: as_viewer(AppTest.from_file(str(PAGE), default_timeout=60), viewer)


def test_report_page_offers_both_downloads(demo_engine, page):
    app = page().run()
    assert not app.exception
    assert app.warning[0].value == ("Đang hiển thị **dữ liệu minh họa** (113 số liệu minh họa, không phải số liệu thật).")
    buttons = app.get("download_button")
    assert [b.label for b in buttons] == ["Tải báo cáo Word (.docx)", "Tải bảng số liệu Excel (.xlsx)",
                                          "Tải bản PDF để in (.pdf)"]
    assert all(b.proto.deferred_file_id for b in buttons)
    assert app.selectbox(key="report_year").value == 2025
    # Both are escaped as text from data (kpi.app.widgets.plain).
    assert widgets.plain("Đạt: 5;") in app.markdown[1].value and "thành phố Hải Phòng" in app.markdown[0].value

    app.selectbox(key="report_scope").set_value("NHI_CHIEU").run()
    app.selectbox(key="report_year").set_value(2024).run()
    assert not app.exception
    assert widgets.plain("Kế hoạch số 171/KH-UBND") in app.markdown[0].value and "năm 2024" in app.markdown[0].value
    assert app.markdown[2].value == widgets.plain("Năm 2024: đã báo cáo số liệu 6/7 chỉ tiêu.")
    assert len(app.get("download_button")) == 3


def test_report_page_without_figures_explains_instead(engine, page):
    app = page().run()
    assert not app.exception
    assert "Chưa có số liệu" in app.info[0].value
    assert len(app.get("download_button")) == 0


def test_reports_have_a_section_on_tasks_done_in_progress_and_overdue_with_evidence(engine):
    from kpi.store.tasks import apply_task_reports

    apply_task_reports(engine, [
        {"locality_code": "LAC_PHUONG", "task_code": "2.1", "period": "2026", "status": "done",
         "evidence": "=Quyết định số 45/QĐ-UBND ngày 25/6/2026"},
        {"locality_code": "LAC_PHUONG", "task_code": "2.3.a", "period": "2026", "status": "in_progress"},
    ], user_name="dòng lệnh", source="cli")
    document = word(report_docx(engine, 2026, "LAC_PHUONG"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2026" in text
    assert "35 lượt nhiệm vụ; 1 hoàn thành, 1 đang thực hiện" in text
    rows = {row.cells[0].text: [c.text for c in row.cells] for row in document.tables[-1].rows}
    assert rows["2.1"][4:] == ["Hoàn thành", "=Quyết định số 45/QĐ-UBND ngày 25/6/2026"]
    assert rows["2.3.a"][4] == "Đang thực hiện"
    workbook = load_workbook(io.BytesIO(report_xlsx(engine, 2026)))
    records = sheet_records(workbook, TASKS_SHEET)
    done = next(r for r in records if r["Mã địa phương"] == "LAC_PHUONG" and r["Mã nhiệm vụ"] == "2.1")
    assert (done["Tình trạng"], done["Sản phẩm (đã báo cáo)"], done["Hạn"]) == (
        "Hoàn thành", "=Quyết định số 45/QĐ-UBND ngày 25/6/2026", "30/06/2026")
    city = word(report_docx(engine, 2026))
    city_text = "\n".join(p.text for p in city.paragraphs)
    assert "của 2 địa phương: 67 lượt nhiệm vụ; 1 hoàn thành" in city_text
    assert "Theo cơ quan chủ trì (như kế hoạch ghi):" in city_text
    # The city's tables per locality and per lead agency: each row's states add up to its tasks due.
    by_locality, by_lead = city.tables[-2:]
    headers = [c.text for c in by_locality.rows[0].cells]
    assert headers == ["Địa phương", "Đến hạn", "Hoàn thành", "Đang thực hiện", "Chưa thực hiện", "Quá hạn"]
    assert [c.text for c in by_lead.rows[0].cells] == ["Cơ quan chủ trì", *headers[1:]]
    lac = next([c.text for c in row.cells] for row in by_locality.rows if row.cells[0].text == "xã Lạc Phượng")
    assert lac[1:5] == ["35", "1", "1", "33"]
    for table in (by_locality, by_lead):
        for row in table.rows[1:]:
            due, done, in_progress, not_started = (int(c.text) for c in row.cells[1:5])
            assert done + in_progress + not_started == due
