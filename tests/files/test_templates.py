"""kpi.files.templates: the file staff download, fill in and upload again."""

import io

import openpyxl
import pandas as pd
import pytest

from kpi.files.importer import import_file
from kpi.files.templates import HELP_COLUMNS, template_bytes, template_file_name, template_frame
from kpi.problems import Rejected
from kpi.store import queries
from kpi.store.readings import apply_readings, input_frame
from kpi.vocabulary import INPUT_COLUMNS

YEAR = 2024


def plan_indicators(engine, plan_code: str) -> list[str]:
    targets = queries.plan_targets(engine)
    order = queries.indicators(engine)["code"].tolist()
    codes = set(targets.loc[targets["plan_code"] == plan_code, "indicator_code"])
    return [code for code in order if code in codes]


def test_one_row_per_indicator_of_the_plan_with_names_and_labels(engine):
    frame = template_frame(engine, "LAC_PHUONG", YEAR)
    assert list(frame.columns) == [*INPUT_COLUMNS, *HELP_COLUMNS.values()]
    assert frame["indicator_code"].tolist() == plan_indicators(engine, "KH_LAC_PHUONG_2026")
    assert set(frame["locality_code"]) == {"LAC_PHUONG"} and set(frame["year"]) == {YEAR}
    assert set(frame["Tên địa phương"]) == {"xã Lạc Phượng"}
    first = frame.iloc[0]
    assert first["Tên chỉ tiêu"] == "Văn bản QPPL ban hành tuân thủ đầy đủ trình tự, thủ tục"
    assert first["Tử số là"] == "Số văn bản tuân thủ đầy đủ trình tự, thủ tục"
    assert first["Mẫu số là"] == "Tổng số văn bản QPPL ban hành trong năm"
    assert frame[["numerator", "denominator", "value", "note"]].isna().all().all()


def test_a_locality_without_a_plan_gets_the_rows_of_its_children_and_none_gets_all(engine):
    city = template_frame(engine, "HAI_PHONG", YEAR)
    everyone = template_frame(engine, None, YEAR)
    expected = len(plan_indicators(engine, "KH_LAC_PHUONG_2026")) + len(plan_indicators(engine, "KH_171_NHI_CHIEU"))
    assert len(city) == len(everyone) == expected
    assert list(dict.fromkeys(city["locality_code"])) == ["LAC_PHUONG", "NHI_CHIEU"]


def test_an_unknown_locality_is_refused(engine):
    with pytest.raises(Rejected):
        template_frame(engine, "KHONG_CO", YEAR)


def test_stored_figures_are_prefilled_but_demo_figures_are_not(demo_engine):
    apply_readings(demo_engine, input_frame([
        {"locality_code": "LAC_PHUONG", "indicator_code": "QPPL_TRINH_TU", "year": YEAR, "numerator": 7, "denominator": 9,
         "note": "số thật"},
        {"locality_code": "LAC_PHUONG", "indicator_code": "CHUAN_TIEP_CAN_PL", "year": YEAR, "value": 0},
    ]), user_name="a", source="form")
    frame = template_frame(demo_engine, "LAC_PHUONG", YEAR).set_index("indicator_code")
    assert (frame.at["QPPL_TRINH_TU", "numerator"], frame.at["QPPL_TRINH_TU", "denominator"]) == (7, 9)
    assert frame.at["QPPL_TRINH_TU", "note"] == "số thật"
    assert frame.at["CHUAN_TIEP_CAN_PL", "value"] == "không"
    # DIEM_NONG_VPPL has a demo figure for 2024: it must not come back as real data.
    assert pd.isna(frame.at["DIEM_NONG_VPPL", "value"])


def fill(frame: pd.DataFrame) -> pd.DataFrame:
    """What a person does with the template: figures in the rows they know, others left empty."""
    frame = frame.copy().astype({"numerator": object, "denominator": object, "value": object})
    for index, row in frame.iterrows():
        if row["indicator_code"] == "QPPL_KIEM_TRA":
            continue
        if row["Cách nhập"].startswith("Tỷ lệ"):
            frame.loc[index, ["numerator", "denominator"]] = [index + 1, 2 * index + 2]
        elif row["Cách nhập"].startswith("Số lượng"):
            frame.loc[index, "value"] = "1.234"
        else:
            frame.loc[index, "value"] = "có"
    return frame


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_filled_template_imports_back_and_its_next_download_imports_unchanged(engine, tmp_path, file_format):
    blank = template_bytes(engine, "LAC_PHUONG", YEAR, file_format)
    path = tmp_path / f"mau.{file_format}"
    path.write_bytes(blank)
    template = read_back(path)
    filled = fill(template)
    path.write_bytes(write_like_a_person(filled, file_format))
    result = import_file(engine, path.read_bytes(), path.name, user_name="cán bộ")
    plan = plan_indicators(engine, "KH_LAC_PHUONG_2026")
    assert (result.created, result.updated, result.unchanged) == (len(plan) - 1, 0, 0)
    stored = queries.readings(engine).set_index("indicator_code")
    assert stored.at["VU_VIEC_VPPL", "value"] == 1234 and stored.at["CHUAN_TIEP_CAN_PL", "value"] == 1
    assert "QPPL_KIEM_TRA" not in stored.index

    again = template_bytes(engine, "LAC_PHUONG", YEAR, file_format)
    prefilled = read_back_bytes(again, file_format).set_index("indicator_code")
    assert prefilled.at["VU_VIEC_VPPL", "value"] == "1234" and prefilled.at["CHUAN_TIEP_CAN_PL", "value"] == "có"
    result = import_file(engine, again, f"mau2.{file_format}", user_name="cán bộ")
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(plan) - 1)


def read_back(path) -> pd.DataFrame:
    return read_back_bytes(path.read_bytes(), path.suffix.lstrip("."))


def read_back_bytes(data: bytes, file_format: str) -> pd.DataFrame:
    if file_format == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to show the diacritics
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    return pd.DataFrame(rows[1:], columns=rows[0])


def write_like_a_person(frame: pd.DataFrame, file_format: str) -> bytes:
    if file_format == "csv":
        return frame.to_csv(index=False, sep=";").encode("utf-8-sig")
    book = openpyxl.Workbook()
    book.active.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        book.active.append([_typed_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed_cell(value):
    """Numbers typed into Excel are numbers; the rest stays text."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    return value


def test_template_file_names():
    assert template_file_name("LAC_PHUONG", 2025, "xlsx") == "mau_nhap_so_lieu_LAC_PHUONG_2025.xlsx"
    assert template_file_name(None, 2025, "csv") == "mau_nhap_so_lieu_tat_ca_2025.csv"
