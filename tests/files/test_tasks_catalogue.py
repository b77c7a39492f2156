"""data/tasks.csv holds every task of both plans, in the plans' words, with the timing read right."""

from datetime import date

import pandas as pd
import pytest
from conftest import PROJECT_DIR

from kpi.periods import periods

TASKS = pd.read_csv(PROJECT_DIR / "data" / "tasks.csv", dtype=str, keep_default_na=False)
PLANS = set(pd.read_csv(PROJECT_DIR / "data" / "plans.csv", dtype=str)["plan_code"])
# Seed 000 section III.2: sub-tasks a), b)… of each item (2.1 and 2.6 have none: one task each).
LAC_PHUONG = {"2.1": 1, "2.2": 4, "2.3": 4, "2.4": 9, "2.5": 5, "2.6": 1, "2.7": 3, "2.8": 2, "2.9": 2, "2.10": 3}
# Seed 001 section II.2: the bullets of each item.
NHI_CHIEU = {"2.1": 8, "2.2": 5, "2.3": 4, "2.4": 4, "2.5": 3, "2.6": 3, "2.7": 3, "2.8": 2}


def task(plan: str, code: str) -> pd.Series:
    return TASKS.set_index(["plan_code", "code"]).loc[(plan, code)]


@pytest.mark.parametrize(("plan", "sections"), [("KH_LAC_PHUONG_2026", LAC_PHUONG), ("KH_171_NHI_CHIEU", NHI_CHIEU)])
def test_every_task_of_each_section_is_there(plan, sections):
    own = TASKS[TASKS["plan_code"] == plan]
    section = own["code"].str.extract(r"^(2\.\d+)")[0]
    assert section.value_counts().to_dict() == sections
    assert own["code"].is_unique


def test_plan_codes_match_the_plans_and_every_row_has_its_words():
    assert set(TASKS["plan_code"]) == PLANS
    for column in ("group", "title", "lead", "schedule"):
        assert (TASKS[column] != "").all(), column


@pytest.mark.parametrize(("plan", "code", "title", "lead", "output", "schedule", "due"), [
    ("KH_LAC_PHUONG_2026", "2.10.b", "Sơ kết giai đoạn 2026-2028", "Văn phòng HĐND và UBND xã", "Báo cáo sơ kết.",
     "once", "31/12/2028"),
    ("KH_LAC_PHUONG_2026", "2.10.c", "Tổng kết giai đoạn 2026-2030", "Văn phòng HĐND và UBND xã", "Báo cáo tổng kết.",
     "once", "31/12/2030"),
    ("KH_LAC_PHUONG_2026", "2.4.a", "Ban hành Kế hoạch và tổ chức triển khai thực hiện công tác PBGDPL",
     "Văn phòng HĐND và UBND xã", "Kế hoạch/ Văn bản chỉ đạo", "yearly", "31/03"),
    ("KH_LAC_PHUONG_2026", "2.4.f", "Ban hành Kế hoạch tổ chức các hoạt động hưởng ứng Ngày Pháp luật Việt Nam",
     "Văn phòng HĐND và UBND xã, Trung tâm Dịch vụ Sự nghiệp công xã",
     "Kế hoạch, các hoạt động hưởng ứng Ngày Pháp luật Việt Nam", "yearly", "30/11"),
    ("KH_LAC_PHUONG_2026", "2.2.a", "Rà soát, lập danh mục văn bản QPPL của Hội đồng nhân dân, Ủy ban nhân dân xã "
     "ban hành được giao quy định chi tiết thi hành Luật, Nghị quyết giao", "Văn phòng HĐND và UBND",
     "Quyết định phê duyệt danh mục xây dựng văn bản QPPL", "quarterly", ""),
    ("KH_LAC_PHUONG_2026", "2.4.c", "Thực hiện truyền thông chính sách từ sớm, từ xa, nhất là các chính sách mới, có "
     "tác động lớn đến xã hội, người dân, doanh nghiệp nhằm tạo sự đồng thuận và tự nguyện chấp hành chính sách",
     "Văn phòng HĐND và UBND xã, Trung tâm Dịch vụ Sự nghiệp công xã",
     "Đăng Công thông tin điện tử của xã; phóng sự, tin bài truyền thông chính sách", "continuous", "31/12"),
    ("KH_171_NHI_CHIEU", "2.6.1", None, "Các phòng, ban, cơ quan, đơn vị", "", "continuous", "31/12"),
])
def test_tasks_read_as_the_plans_word_them(plan, code, title, lead, output, schedule, due):
    row = task(plan, code)
    if title is not None:
        assert row["title"] == title
    assert (row["lead"], row["output"], row["schedule"], row["due"]) == (lead, output, schedule, due)


def test_the_first_task_is_due_at_the_end_of_the_second_quarter_of_2026():
    row = task("KH_LAC_PHUONG_2026", "2.1")
    assert (row["schedule"], row["due"], row["timing"]) == ("once", "30/06/2026", "Trong Quý II năm 2026")
    assert periods(row["schedule"], row["due"], 2026) == [("2026", date(2026, 6, 30))]
    assert task("KH_171_NHI_CHIEU", "2.1.1")["title"].startswith("Xây dựng và triển khai kế hoạch phổ biến, giáo dục "
                                                                   "pháp luật hằng năm")
