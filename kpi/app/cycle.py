"""The reporting cycle where figures are entered: the year's state, the reason it was returned or
reopened, and the "Nộp báo cáo" button, drawn as one block above the entry form.

Part of kpi.app, the only Streamlit-aware code.
"""

import streamlit as st

from kpi.app import cache, session, widgets
from kpi.engine.timeliness import OVERDUE, judge_state
from kpi.formatting import format_integer, format_timestamp
from kpi.problems import Rejected
from kpi.store import cycle
from kpi.store.accounts import Account
from kpi.store.models import CycleState
from kpi.store.rights import rights_of
from kpi.years import current_year, report_due_date, today

FEEDBACK_KEY = "cycle_feedback"


def submit(locality_code: str, year: int) -> None:
    """A button callback: submit the year as the account signed in, and say how it went."""
    account = session.account()
    if account is None:
        st.session_state[FEEDBACK_KEY] = (locality_code, year, False, ["Phiên đăng nhập đã kết thúc. Hãy đăng nhập lại."])
        return
    try:
        state = cycle.submit(cache.engine(), locality_code, year, account.name)
    except Rejected as rejected:
        st.session_state[FEEDBACK_KEY] = (locality_code, year, False, [p.message for p in rejected.problems])
        return
    st.session_state[FEEDBACK_KEY] = (locality_code, year, True, [
        f"Đã nộp báo cáo năm {year} lúc {format_timestamp(state.submitted_at)}. Số liệu năm này chỉ còn xem được, "
        "trừ khi quản trị viên trả lại."])
    cache.invalidate()


# Missing indicators named beside the submit button up to this many.
NAMED_MISSING = 3


def entry_block(account: Account, locality_code: str, locality_name: str, year: int, report_due: str | None) -> bool:
    """Draw where the year stands in the cycle and the submit button; True when this account may not
    change the figures now (kpi.store.cycle.write_refusals says the same inside the write path)."""
    state = cache.year_state(locality_code, year)
    is_admin = rights_of(account).may_administer
    due = report_due_date(report_due, year)
    _last_years_report(locality_name, locality_code, year, report_due)
    held = st.session_state.get(FEEDBACK_KEY)
    if held is not None and held[:2] == (locality_code, year):
        st.session_state.pop(FEEDBACK_KEY)
        for message in held[3]:
            (st.success if held[2] else st.error)(widgets.plain(message),
                                                  icon=":material/check_circle:" if held[2] else ":material/error:")
    if state.state == CycleState.APPROVED:
        st.info(widgets.plain(cycle.locked_message(locality_name, state)), icon=":material/lock:")
        return True
    if state.state == CycleState.SUBMITTED:
        text = (f"Báo cáo năm {year} đã được «{state.submitted_by}» nộp lúc {format_timestamp(state.submitted_at)} "
                f"(hạn nộp {due:%d/%m/%Y}). ")
        text += ("Quản trị viên vẫn sửa được số liệu (mọi lần sửa được ghi lại), trả lại hoặc phê duyệt."
                 if is_admin else "Số liệu chỉ còn xem được; nếu cần sửa, đề nghị quản trị viên trả lại báo cáo.")
        st.info(widgets.plain(text), icon=":material/outbox:")
        return not is_admin
    if state.state == CycleState.RETURNED:
        st.warning(widgets.plain(f"Báo cáo năm {year} bị «{state.changed_by}» trả lại lúc "
                                 f"{format_timestamp(state.changed_at)}. Lý do: {state.reason}"),
                   icon=":material/undo:")
    elif state.reason:
        st.info(widgets.plain(f"Số liệu năm {year} đã được «{state.changed_by}» mở lại lúc "
                              f"{format_timestamp(state.changed_at)}. Lý do: {state.reason}"), icon=":material/lock_open:")
    columns = st.columns([3, 1], vertical_alignment="center")
    timeliness, days = judge_state(state, due, today())
    missing = cache.missing_indicators(locality_code, year)
    how = "Nộp khi mọi chỉ tiêu đã có số liệu; sau khi nộp, cán bộ nhập liệu không sửa được nữa."
    if missing:
        # Said before the click (kpi.store.cycle.submit refuses for the same list); a few by name, many by
        # their count (the form below shows which are empty).
        named = (": " + "; ".join(f"«{widgets.plain(name)}»" for name in missing) if len(missing) <= NAMED_MISSING
                 else " (các ô còn trống bên dưới)")
        how += (f" Còn {format_integer(len(missing))} chỉ tiêu chưa có số liệu{named}; chỉ tiêu không phát sinh thì "
                "nhập mẫu số 0.")
    if timeliness == OVERDUE:
        columns[0].warning(f"Hạn nộp báo cáo năm {year}: {due:%d/%m/%Y} — chưa nộp, đã **quá hạn "
                           f"{format_integer(days)} ngày**. {how}", icon=":material/schedule:")
    else:
        columns[0].caption(f"Hạn nộp báo cáo năm {year}: {due:%d/%m/%Y}. {how}")
    columns[1].button(f"Nộp báo cáo năm {year}", icon=":material/send:", key="cycle_submit", on_click=submit,
                      args=(locality_code, year), width="stretch", disabled=bool(missing))
    return False


def _last_years_report(locality_name: str, locality_code: str, year_shown: int, report_due: str | None) -> None:
    """Whatever year the form shows (it opens on the year under way), last year's report overdue is said
    where the figures are entered: otherwise an editor learnt it only from the city's reporting page."""
    last = current_year() - 1
    if year_shown == last:
        return
    due = report_due_date(report_due, last)
    timeliness, days = judge_state(cache.year_state(locality_code, last), due, today())
    if timeliness == OVERDUE:
        st.warning(widgets.plain(f"Báo cáo năm {last} của {locality_name} chưa nộp, đã quá hạn "
                                 f"{format_integer(days)} ngày (hạn nộp {due:%d/%m/%Y}). Chọn năm {last} ở ô «Năm» để "
                                 "hoàn thiện số liệu và nộp."), icon=":material/schedule:")
