"""Task-report files: the same reader and all-or-nothing rules as reading files, and the template."""

import io

import openpyxl
import pytest

from kpi.files.task_reports import import_task_file, parse_task_file, template_bytes
from kpi.problems import Rejected
from kpi.store.accounts import create_user
from kpi.store.tasks import task_reports

PASSWORD = "mật khẩu đủ dài 1"


def csv_bytes(text: str, encoding: str = "utf-8-sig") -> bytes:
    return text.encode(encoding)


def test_vietnamese_headers_and_status_labels_in_any_case_with_or_without_diacritics(engine):
    data = csv_bytes("Mã địa phương;Mã nhiệm vụ;Kỳ;Tình trạng;Sản phẩm;Ghi chú;Tên nhiệm vụ\n"
                     "LAC_PHUONG;2.1;2026;HOÀN THÀNH;Quyết định số 45/QĐ-UBND ngày 20/6/2026;;bỏ qua\n"
                     "LAC_PHUONG;2.2.a;2026-Q1;dang thuc hien;;chờ danh mục;\n"
                     "LAC_PHUONG;2.2.a;2026-Q2;not_started;;;\n"
                     "LAC_PHUONG;2.2.a;2026-Q3;;;;\n")
    result = import_task_file(engine, data, "bao_cao.csv", user_name="dòng lệnh")
    assert (result.created, result.updated) == (3, 0)
    stored = task_reports(engine).sort_values("period").fillna("")
    assert stored[["task_code", "period", "status", "note", "file_name"]].values.tolist() == [
        ["2.1", "2026", "done", "", "bao_cao.csv"], ["2.2.a", "2026-Q1", "in_progress", "chờ danh mục", "bao_cao.csv"],
        ["2.2.a", "2026-Q2", "not_started", "", "bao_cao.csv"]]


def test_a_file_with_any_bad_row_is_refused_whole_with_every_problem_by_row_and_column(engine):
    data = csv_bytes("locality_code,task_code,period,status,evidence,note\n"
                     "LAC_PHUONG,2.1,2026,done,Quyết định 45,\n"
                     "LAC_PHUONG,2.4.a,2026,Hoàn thành,,\n"
                     "LAC_PHUONG,2.4.b,2026,xong rồi,,\n"
                     "NHI_CHIEU,2.1,2026,done,Kế hoạch 3,\n")
    with pytest.raises(Rejected) as rejected:
        import_task_file(engine, data, "sai.csv", user_name="dòng lệnh")
    # The file's own problems come first; the plan is checked once the file reads well.
    assert [(p.row, p.column) for p in rejected.value.problems] == [(4, "status")]
    with pytest.raises(Rejected) as rejected:
        import_task_file(engine, data.replace("xong rồi".encode(), b"done"), "sai.csv", user_name="dòng lệnh")
    assert [(p.row, p.column) for p in rejected.value.problems] == [(3, "evidence"), (4, "evidence"), (5, "task_code")]
    assert "phải ghi sản phẩm" in rejected.value.problems[0].message
    assert task_reports(engine).empty


def test_missing_columns_are_named(engine):
    with pytest.raises(Rejected) as rejected:
        parse_task_file(csv_bytes("Mã địa phương,Kỳ,Tình trạng\nLAC_PHUONG,2026,done\n"), "thieu.csv")
    assert "«Mã nhiệm vụ» (task_code)" in str(rejected.value)


def test_an_editor_file_for_another_locality_is_refused(engine):
    editor = create_user(engine, "bientap", PASSWORD, "editor", ["LAC_PHUONG"])
    data = csv_bytes("locality_code,task_code,period,status,evidence\nNHI_CHIEU,2.1.1,2026,done,Kế hoạch 3\n")
    with pytest.raises(Rejected) as rejected:
        import_task_file(engine, data, "khac.csv", user=editor)
    assert rejected.value.problems[0].row == 2 and "không được ghi" in rejected.value.problems[0].message
    assert task_reports(engine).empty


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_filled_in_imports_back(engine, file_format):
    import_task_file(engine, csv_bytes("locality_code,task_code,period,status,evidence\n"
                                       "LAC_PHUONG,2.1,2026,done,=Quyết định 45\n"), "a.csv", user_name="dòng lệnh")
    data = template_bytes(engine, "LAC_PHUONG", 2026, file_format)
    if file_format == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        sheet = workbook.active
        headers = [cell.value for cell in sheet[1]]
        assert headers[:6] == ["locality_code", "task_code", "period", "status", "evidence", "note"]
        assert "Cơ quan chủ trì" in headers
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        # 34 tasks less the two once-tasks of later years, 2.2.a four times.
        assert len(rows) == 35
        done = next(row for row in rows if row[1] == "2.1")
        # Stored text that looks like a formula stays text.
        assert done[3:5] == ("Hoàn thành", "=Quyết định 45")
        assert sheet.cell(2, 5).data_type == "s"
        sheet.cell(3, 4).value, sheet.cell(3, 5).value = "Hoàn thành", "Kế hoạch 7/KH-UBND"
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
        result = import_task_file(engine, data, "mau.xlsx", user_name="dòng lệnh")
        assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    else:
        text = data.decode("utf-8-sig")
        assert "'=Quyết định 45" in text and "Cơ quan chủ trì" in text
