"""`python -m kpi` in real processes against a real database file."""

import json
import os
import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import PROJECT_DIR
from sqlalchemy import inspect

from kpi.files.catalogue import add_localities
from kpi.files.sheets import read_table
from kpi.store import queries
from kpi.store.db import make_engine
from kpi.store.demo import demo_rows

JSON_FIELDS = {"locality_code", "indicator_code", "as_of", "latest_year", "value", "numerator", "denominator",
               "target", "comparator", "status", "projected_2030", "reported", "expected"}


@pytest.fixture
def initialised(run_cli):
    assert run_cli("init").returncode == 0
    return run_cli


@pytest.mark.parametrize("command", [["localities", PROJECT_DIR / "tests" / "data" / "hai_phong_units.csv"],
                                     ["progress", "--year", "2025", "--json"], ["demo"], ["user", "list"]])
def test_before_init_a_command_says_to_run_init_and_writes_nothing(run_cli, database_url, command):
    done = run_cli(*command)
    assert done.returncode == 2, done
    assert "chưa được khởi tạo" in done.stderr and "python -m kpi init" in done.stderr
    assert done.stdout == ""
    engine = make_engine(database_url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_init_twice_and_demo_twice(initialised):
    again = initialised("init")
    assert again.returncode == 0 and "15 chỉ tiêu" in again.stdout
    first, second = initialised("demo"), initialised("demo")
    assert first.returncode == second.returncode == 0
    assert f"{len(demo_rows())} tạo mới" in first.stdout
    assert f"0 tạo mới, 0 cập nhật, {len(demo_rows())} không đổi" in second.stdout


def test_progress_prints_a_vietnamese_table(initialised):
    initialised("demo")
    result = initialised("progress", "--year", "2025")
    assert result.returncode == 0, result.stderr
    for text in ("thành phố Hải Phòng", "xã Lạc Phượng", "phường Nhị Chiểu", "Tỷ lệ hòa giải thành", "Đạt",
                 "Đúng lộ trình", "Cần tăng tốc", "Đi lùi", "Chưa đủ dữ liệu", "Chưa có số liệu", "Không phát sinh",
                 "99,9%", "2/2 địa phương", "số liệu minh họa"):
        assert text in result.stdout, text


def test_progress_json_has_the_contract_fields(initialised):
    initialised("demo")
    result = initialised("progress", "--year", "2025", "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert {frozenset(r) for r in records} == {frozenset(JSON_FIELDS)}
    by_key = {(r["locality_code"], r["indicator_code"]): r for r in records}
    assert len(by_key) == len(records) == 15 + 14 + 7
    mediation = by_key[("LAC_PHUONG", "HOA_GIAI_THANH")]
    assert mediation | {"projected_2030": None} == {
        "locality_code": "LAC_PHUONG", "indicator_code": "HOA_GIAI_THANH", "as_of": 2025, "latest_year": 2025,
        "value": 90.0, "numerator": 45, "denominator": 50, "target": 80.0, "comparator": ">=", "status": "achieved",
        "projected_2030": None, "reported": 1, "expected": 1,
    }
    legal_aid = by_key[("NHI_CHIEU", "TGPL_DUOC_TRO_GIUP")]
    assert legal_aid["status"] == "no_data" and legal_aid["value"] is None and legal_aid["latest_year"] is None
    city_civil = by_key[("HAI_PHONG", "HO_TICH_DUNG_HAN")]
    assert (city_civil["numerator"], city_civil["denominator"]) == (1999 + 900, 2000 + 1000)
    assert (city_civil["reported"], city_civil["expected"]) == (2, 2)
    assert {r["status"] for r in records} == {"achieved", "on_track", "off_track", "regressing",
                                               "insufficient_data", "no_data"}


def test_progress_of_one_locality_and_of_a_parent(initialised):
    initialised("demo")
    one = json.loads(initialised("progress", "--year", "2025", "--locality", "NHI_CHIEU", "--json").stdout)
    assert {r["locality_code"] for r in one} == {"NHI_CHIEU"}
    parent = json.loads(initialised("progress", "--year", "2025", "--locality", "HAI_PHONG", "--json").stdout)
    assert {r["locality_code"] for r in parent} == {"HAI_PHONG", "LAC_PHUONG", "NHI_CHIEU"}


def test_usage_errors_exit_2_in_vietnamese(initialised):
    missing = initialised("progress")
    assert missing.returncode == 2 and "Lỗi cú pháp lệnh" in missing.stderr
    unknown = initialised("progress", "--year", "2025", "--locality", "NOWHERE")
    assert unknown.returncode == 2 and "NOWHERE" in unknown.stderr
    assert initialised("export", "out.pdf").returncode == 2
    assert initialised("localities", "does-not-exist.csv").returncode == 2
    assert initialised("progress", "--help").returncode == 0


@pytest.mark.parametrize("command", [[], ["progress"], ["user", "add"]])
def test_help_speaks_vietnamese(command):
    """argparse's own words (usage:, options:, positional arguments:, -h's help) are replaced too."""
    shown = subprocess.run([sys.executable, "-m", "kpi", *command, "--help"], cwd=PROJECT_DIR, capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0
    assert shown.stdout.startswith(f"Cách dùng: python -m kpi {' '.join(command)}".rstrip())
    assert "hiện hướng dẫn này rồi thoát" in shown.stdout and "tùy chọn:" in shown.stdout
    for english in ("usage", "options", "positional", "argument", "show this help"):
        assert english not in shown.stdout


# Each a mistake argparse itself words: a command that does not exist, an option with too few values
# or a value it takes none of, an option it does not know (after what is required), a bad number.
@pytest.mark.parametrize("command", [
    ["frob"], ["user", "add", "x", "--role", "editor", "--locality"], ["progress", "--year", "2024", "--json=1"],
    ["progress", "--year", "2024", "--khong-co"], ["progress", "--year", "hai nghìn"],
    ["progress", "--year", "2024", "--locality"],
])
def test_usage_errors_speak_vietnamese(command):
    refused = subprocess.run([sys.executable, "-m", "kpi", *command], cwd=PROJECT_DIR, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2
    assert refused.stderr.startswith("Cách dùng: ") and "Lỗi cú pháp lệnh: " in refused.stderr
    message = refused.stderr[refused.stderr.index("Lỗi cú pháp lệnh: "):]
    for english in ("argument", "expected", "choose", "invalid", "ignored", "unrecognized", "required", "usage"):
        assert english not in message.lower(), message


def test_a_bad_localities_file_exits_1_and_writes_nothing(initialised, engine, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("code,name,kind,parent_code,ma_dvhc,plan_code\nNEW_ONE,xã Mới,xã,HAI_PHONG,,\nbad,,làng,X,,\n",
                    encoding="utf-8")
    result = initialised("localities", path)
    assert result.returncode == 1
    assert "Dòng 3" in result.stderr and "chưa ghi gì" in result.stderr
    assert "NEW_ONE" not in set(queries.localities(engine)["code"])


def test_a_file_wrong_in_every_row_prints_the_first_problems_and_counts_the_rest(initialised, engine, tmp_path):
    path = tmp_path / "so-lieu.csv"
    lines = ["locality_code,indicator_code,year,numerator,denominator,value,note"]
    lines += [f"LAC_PHUONG,HOA_GIAI_THANH,{1800 + i},abc,10,," for i in range(250)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = initialised("import", path)
    assert result.returncode == 1
    listed = [line for line in result.stderr.splitlines() if line.startswith("- ")]
    assert len(listed) == 200 and "Dòng 2" in listed[0]
    total = int(re.search(r"có ([\d.]+) lỗi", result.stderr).group(1).replace(".", ""))
    assert total > 250  # a figure that is not a number in every row, and years out of range
    assert result.stderr.rstrip().endswith(f"… và {total - 200} lỗi khác (chỉ in 200 lỗi đầu, theo thứ tự dòng).")
    assert queries.readings(engine).empty


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_reads_back_as_the_stored_readings(initialised, engine, tmp_path, suffix):
    initialised("demo")
    path = tmp_path / f"export{suffix}"
    result = initialised("export", path)
    assert result.returncode == 0, result.stderr
    exported = read_table(path.read_bytes(), path.name)
    stored = queries.readings(engine, full=True)
    assert len(exported) == len(stored) == len(demo_rows())
    key = ["locality_code", "indicator_code", "year"]
    exported = exported.sort_values(key).reset_index(drop=True)
    stored = stored.sort_values(key).reset_index(drop=True)
    for column in ("numerator", "denominator", "value"):
        as_text = stored[column].map(lambda v: "" if pd.isna(v) else str(int(v)))
        assert exported[column].tolist() == as_text.tolist()
    assert exported["year"].tolist() == stored["year"].astype(str).tolist()
    assert set(exported["is_demo"]) == {"có"}
    assert "xã Lạc Phượng" in set(exported["locality_name"])


def test_many_localities_load_and_are_judged(initialised, engine, tmp_path):
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code"]
    lines += [f"XA_{i:04d},xã Thử Nghiệm {i},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(3300)]
    path = tmp_path / "national.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = initialised("localities", path)
    assert result.returncode == 0, result.stderr
    assert "3.300 thêm mới" in result.stdout
    records = json.loads(initialised("progress", "--year", "2025", "--json").stdout)
    city = [r for r in records if r["locality_code"] == "HAI_PHONG" and r["indicator_code"] == "QPPL_TRINH_TU"]
    assert city[0]["expected"] == 3300 + 2


def test_output_piped_into_a_reader_that_stops_early_is_not_an_error(initialised, engine, database_url):
    # More output than a pipe holds, so the writer is still writing when the reader goes away.
    lines = ["code,name,kind,parent_code,ma_dvhc,plan_code"]
    lines += [f"XA_{i:03d},xã Thử Nghiệm {i},xã,HAI_PHONG,,KH_171_NHI_CHIEU" for i in range(300)]
    add_localities(engine, "\n".join(lines).encode(), "units.csv")
    env = {**os.environ, "KPI_DATABASE_URL": database_url}
    process = subprocess.Popen([sys.executable, "-m", "kpi", "progress", "--year", "2025"], cwd=PROJECT_DIR, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    process.stdout.read(10)
    process.stdout.close()
    assert process.wait(timeout=120) == 0
    assert "Traceback" not in process.stderr.read().decode()


TASK_JSON_FIELDS = ["locality_code", "task_code", "title", "lead", "output", "period", "due", "status", "evidence",
                    "overdue"]


def test_task_report_then_tasks_json_judges_overdue_exactly_on_the_given_day(initialised, tmp_path):
    initialised("user", "add", "bientap", "--role", "editor", "--locality", "LAC_PHUONG", stdin="mật khẩu đủ dài 1\n")
    good = tmp_path / "bao_cao.csv"
    good.write_text("Mã địa phương,Mã nhiệm vụ,Kỳ,Tình trạng,Sản phẩm\n"
                    "LAC_PHUONG,2.4.a,2026,Đang thực hiện,\n"
                    "LAC_PHUONG,2.1,2026,Hoàn thành,Quyết định số 45/QĐ-UBND ngày 25/6/2026\n", encoding="utf-8")
    dry = initialised("task-report", good, "--dry-run", "--user", "bientap")
    assert dry.returncode == 0 and "Chạy thử" in dry.stdout and "2 tạo mới" in dry.stdout
    applied = initialised("task-report", good, "--user", "bientap")
    assert applied.returncode == 0, applied.stderr
    assert "2 tạo mới" in applied.stdout

    def judged(day: str) -> dict:
        result = initialised("tasks", "--year", "2026", "--locality", "LAC_PHUONG", "--on", day, "--json")
        assert result.returncode == 0, result.stderr
        records = json.loads(result.stdout)
        assert all(list(record) == TASK_JSON_FIELDS for record in records)
        return {(r["task_code"], r["period"]): r for r in records}

    on_the_day, the_day_after = judged("2026-03-31"), judged("2026-04-01")
    assert on_the_day[("2.4.a", "2026")]["overdue"] is False
    assert the_day_after[("2.4.a", "2026")] == {
        "locality_code": "LAC_PHUONG", "task_code": "2.4.a",
        "title": "Ban hành Kế hoạch và tổ chức triển khai thực hiện công tác PBGDPL",
        "lead": "Văn phòng HĐND và UBND xã", "output": "Kế hoạch/ Văn bản chỉ đạo", "period": "2026",
        "due": "2026-03-31", "status": "in_progress", "evidence": None, "overdue": True}
    assert the_day_after[("2.2.a", "2026-Q1")]["overdue"] is True
    assert the_day_after[("2.2.a", "2026-Q2")]["overdue"] is False
    done = judged("2026-12-31")[("2.1", "2026")]
    assert (done["status"], done["overdue"], done["evidence"]) == ("done", False, "Quyết định số 45/QĐ-UBND ngày 25/6/2026")
    assert ("2.10.b", "2028") not in the_day_after
    review = initialised("tasks", "--year", "2028", "--locality", "LAC_PHUONG", "--on", "2029-01-01", "--json")
    review_task = next(r for r in json.loads(review.stdout) if r["task_code"] == "2.10.b")
    assert (review_task["title"], review_task["due"], review_task["overdue"]) == ("Sơ kết giai đoạn 2026-2028", "2028-12-31", True)


def test_task_report_is_refused_without_evidence_and_for_another_locality(initialised, tmp_path):
    initialised("user", "add", "bientap", "--role", "editor", "--locality", "LAC_PHUONG", stdin="mật khẩu đủ dài 1\n")
    bad = tmp_path / "sai.csv"
    bad.write_text("locality_code,task_code,period,status,evidence\n"
                   "LAC_PHUONG,2.1,2026,done,\n"
                   "NHI_CHIEU,2.1.1,2026,in_progress,\n", encoding="utf-8")
    refused = initialised("task-report", bad, "--user", "bientap")
    assert refused.returncode == 1
    assert "Dòng 2, cột «evidence»: Nhiệm vụ «Hoàn thành» phải ghi sản phẩm" in refused.stderr
    assert "Dòng 3, cột «locality_code» (giá trị «NHI_CHIEU»): Tài khoản «bientap» không được ghi" in refused.stderr
    listed = initialised("tasks", "--year", "2026", "--locality", "LAC_PHUONG", "--on", "31/12/2026", "--json")
    assert all(record["status"] == "not_started" for record in json.loads(listed.stdout))


def test_tasks_prints_a_vietnamese_list_and_refuses_a_bad_day(initialised):
    listed = initialised("tasks", "--year", "2026", "--on", "2026-07-01")
    assert listed.returncode == 0
    for text in ("xã Lạc Phượng (LAC_PHUONG)", "phường Nhị Chiểu (NHI_CHIEU)", "Quý I/2026", "QUÁ HẠN",
                 "hạn 30/06/2026", "chủ trì: Văn phòng HĐND và UBND"):
        assert text in listed.stdout, text
    bad = initialised("tasks", "--year", "2026", "--on", "31/13/2026")
    assert bad.returncode == 2 and "ngày không hợp lệ" in bad.stderr


# --- hostile input and failures (issue 19): a Vietnamese message, never a traceback --------------------------

HEADER = "locality_code,indicator_code,year,numerator,denominator,value,note\n"


def refused(result, code: int, *words: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("content, words", [
    (HEADER + "LAC_PHUONG,VU_VIEC_VPPL,2025,,,3," + "x" * 200_000 + "\n", "quá giới hạn 32.767 ký tự một ô"),
    (HEADER + '"LAC_PHUONG",' + ",".join(["1"] * 100_000) + "\n", "quá giới hạn 200 ô một dòng"),
    (HEADER + "LAC_PHUONG,VU_VIEC_VPPL,2025,,,3," + "y" * 120_000 + "\n", "quá giới hạn 32.767 ký tự một ô"),
    (HEADER + "LAC_PHUONG,VU_VIEC_VPPL,2025,,,3," + "y" * 20_000 + "\n", "Ghi chú dài quá 500 ký tự"),
])
def test_import_of_a_hostile_file_is_refused_in_vietnamese(initialised, engine, tmp_path, content, words):
    path = tmp_path / "xau.csv"
    path.write_text(content)
    refused(initialised("import", path), 1, words)
    assert queries.readings(engine).empty


def test_a_long_note_is_refused_by_row_and_column(initialised, tmp_path):
    path = tmp_path / "dai.csv"
    path.write_text(HEADER + "LAC_PHUONG,VU_VIEC_VPPL,2025,,,3," + "y" * 501 + "\n")
    result = initialised("import", path)
    refused(result, 1, "Dòng 2, cột «note» (giá trị «yyyy")
    assert "y" * 100 not in result.stderr  # the note is named by its start, not printed whole


@pytest.mark.parametrize("command", [["export"], ["report", "--year", "2025"], ["backup"]])
@pytest.mark.parametrize("target", ["/proc/kpi/out", "/proc/out"])
def test_writing_where_nothing_can_be_written_is_refused_in_vietnamese(initialised, command, target):
    suffix = {"export": ".csv", "report": ".xlsx", "backup": ".sqlite3"}[command[0]]
    refused(initialised(*command, target + suffix), 1, "Không")


@pytest.mark.parametrize("command", [["export"], ["report", "--year", "2025"]])
def test_writing_into_a_missing_folder_is_refused_naming_the_file(initialised, tmp_path, command):
    target = tmp_path / "khong_co" / ("a.csv" if command[0] == "export" else "a.xlsx")
    refused(initialised(*command, target), 1, "thư mục hoặc tệp không tồn tại", str(target))


def test_backup_refuses_to_overwrite_unless_told(initialised, tmp_path):
    target = tmp_path / "kpi.sqlite3"
    target.write_text("quan trọng")
    refused(initialised("backup", target), 1, "đã có; không ghi đè", "--overwrite")
    assert target.read_text() == "quan trọng"
    done = initialised("backup", target, "--overwrite")
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() not in (b"", "quan trọng".encode())  # an SQLite file or a pg_dump archive


@pytest.mark.parametrize("url, code, words", [
    ("mysql://kpi@localhost/kpi", 2, "KPI_DATABASE_URL phải là"),
    ("oracle://x", 2, "KPI_DATABASE_URL phải là"),
    ("postgresql://kpi@127.0.0.1:1/kpi", 1, "Không làm việc được với cơ sở dữ liệu"),
])
def test_an_unusable_database_url_is_refused_in_vietnamese(run_cli, url, code, words):
    refused(run_cli("progress", "--year", "2025", url=url), code, words)


def test_an_unexpected_error_is_logged_to_the_file_not_the_screen(run_cli, tmp_path, monkeypatch):
    not_a_database = tmp_path / "kpi.sqlite3"
    not_a_database.write_bytes(b"this is not a database" * 100)
    log = tmp_path / "nhat_ky" / "kpi.log"
    monkeypatch.setenv("KPI_LOG_FILE", str(log))
    result = run_cli("progress", "--year", "2025", url=f"sqlite:///{not_a_database}")
    refused(result, 1, "Lỗi không lường trước", str(log))
    assert "Traceback" in log.read_text() and "DatabaseError" in log.read_text()


@pytest.mark.parametrize("args", [["report", "--year", "1900", "a.docx"], ["progress", "--year", "99999"],
                                  ["progress", "--year", "2014"], ["approvals", "--year", "3000"],
                                  ["progress", "--year", "hai nghìn"]])
def test_years_are_checked_on_every_command(initialised, args):
    refused(initialised(*args), 2, "năm")


def test_an_approval_note_over_the_limit_is_refused(initialised):
    refused(initialised("approve", "--locality", "LAC_PHUONG", "--year", "2025", "--user", "x", "--note", "z" * 501),
            2, "quá giới hạn 500 ký tự")
REPORTING_FIELDS = ["locality_code", "year", "state", "due", "submitted_at", "timeliness", "days_late", "readings",
                    "expected"]


def complete(engine, locality_code: str, year: int) -> None:
    """Give every indicator of the locality's plan a reading for the year (a system actor's)."""
    from kpi.store.readings import apply_readings, input_frame

    plan = queries.localities(engine).set_index("code").loc[locality_code, "plan_code"]
    targets = queries.plan_targets(engine)
    kinds = queries.indicators(engine).set_index("code")["kind"]
    have = set(queries.readings(engine).query("locality_code == @locality_code and year == @year")["indicator_code"])
    figures = {"ratio": {"numerator": 1, "denominator": 1}, "count": {"value": 0}, "boolean": {"value": 1}}
    rows = [{"locality_code": locality_code, "indicator_code": code, "year": year, **figures[kinds[code]]}
            for code in targets.loc[targets["plan_code"] == plan, "indicator_code"] if code not in have]
    if rows:
        apply_readings(engine, input_frame(rows), user_name="cli", source="cli")


def test_reporting_json_judges_submissions_before_on_and_after_the_deadline(demo_engine, run_cli):
    from sqlalchemy import update

    from kpi.store import accounts, cycle
    from kpi.store.db import write_session
    from kpi.store.models import YearReport

    engine = demo_engine
    accounts.create_user(engine, "quantri", "mật khẩu đủ dài 1", "admin")
    submissions = {  # the deadline of 2025's figures is 15/01/2026, of 2024's 15/01/2025 (Asia/Ho_Chi_Minh)
        ("LAC_PHUONG", 2025): "2026-01-10T03:00:00+00:00",   # five days before
        ("NHI_CHIEU", 2025): "2026-01-15T16:59:59+00:00",    # 23:59:59 on the day, in Vietnam
        ("LAC_PHUONG", 2024): "2025-01-20T02:00:00+00:00",   # five days after
    }
    for (code, year), moment in submissions.items():
        complete(engine, code, year)
        assert run_cli("submit", "--locality", code, "--year", year, "--user", "quantri").returncode == 0
        # As if submitted then: the submission's own moment is the clock's.
        with write_session(engine) as session:
            session.execute(update(YearReport).where(YearReport.locality_code == code, YearReport.year == year)
                            .values(submitted_at=pd.Timestamp(moment).to_pydatetime()))
    cycle.approve(engine, "LAC_PHUONG", 2024, "quantri")

    def reporting(*args) -> dict:
        done = run_cli("reporting", *args, "--json")
        assert done.returncode == 0, done.stderr
        objects = json.loads(done.stdout)
        assert all(list(o) == REPORTING_FIELDS for o in objects)
        return {o["locality_code"]: o for o in objects}

    of_2025 = reporting("--year", "2025", "--on", "2026-02-01")
    assert of_2025["LAC_PHUONG"] == {"locality_code": "LAC_PHUONG", "year": 2025, "state": "submitted", "due": "2026-01-15",
                                     "submitted_at": "2026-01-10T03:00:00+00:00", "timeliness": "on_time",
                                     "days_late": 0, "readings": 14, "expected": 14}
    assert {k: of_2025["NHI_CHIEU"][k] for k in ("state", "timeliness", "days_late", "readings", "expected")} == {
        "state": "submitted", "timeliness": "on_time", "days_late": 0, "readings": 7, "expected": 7}
    of_2024 = reporting("--year", "2024", "--on", "2026-02-01")
    assert [of_2024["LAC_PHUONG"][k] for k in ("state", "timeliness", "days_late")] == ["approved", "late", 5]
    # Not submitted: overdue from the day after the deadline, counted on the judging day.
    assert [of_2024["NHI_CHIEU"][k] for k in ("state", "submitted_at", "timeliness", "days_late")] == [
        "draft", None, "overdue", 382]
    assert reporting("--year", "2024", "--on", "2025-01-16")["NHI_CHIEU"]["days_late"] == 1
    assert reporting("--year", "2024", "--on", "15/01/2025")["NHI_CHIEU"]["timeliness"] == "not_due"
    assert list(reporting("--year", "2025", "--locality", "NHI_CHIEU")) == ["NHI_CHIEU"]
    assert set(reporting("--year", "2025", "--locality", "HAI_PHONG")) == {"LAC_PHUONG", "NHI_CHIEU"}

    text = run_cli("reporting", "--year", "2024", "--on", "2026-02-01")
    assert text.returncode == 0
    assert "Báo cáo năm 2024: 1/2 địa phương đã nộp (0 đúng hạn, 1 trễ hạn), 1 quá hạn chưa nộp, 1 đã phê duyệt." in text.stdout
    # The overdue first.
    assert text.stdout.splitlines()[1].startswith("phường Nhị Chiểu (NHI_CHIEU): Chưa nộp; hạn 15/01/2025")
    for bad, code in ((["--on", "31/02/2026"], 2), (["--locality", "HA_NOI"], 2)):
        refused = run_cli("reporting", "--year", "2025", *bad)
        assert refused.returncode == code and ("không hợp lệ" in refused.stderr or "Không có địa phương" in refused.stderr)

def test_report_without_a_year_is_made_for_the_reporting_year(demo_engine, run_cli, tmp_path):
    from shared_data import add_year_example

    add_year_example(demo_engine)
    result = run_cli("report", str(tmp_path / "bao-cao.xlsx"))
    assert result.returncode == 0, result.stderr
    assert "Đã lập báo cáo năm 2025" in result.stdout
