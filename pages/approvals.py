"""Phê duyệt: approve many submitted localities at once after seeing what each submitted; return a
submitted year with a reason, approve or reopen one locality's year; the history (admins only)."""

import streamlit as st

from kpi.app import access as access_views
from kpi.app import cache, choices, entry, reporting, session, widgets
from kpi.app.year_picker import pick_year
from kpi.formatting import format_timestamp
from kpi.problems import Rejected
from kpi.store import accounts as auth
from kpi.store import cycle
from kpi.store.models import CycleState
from kpi.years import current_year, year_choices

FEEDBACK_KEY = "approvals_feedback"


def act(action, locality_code: str, year: int, note_key: str, success: str) -> None:
    current = session.account()
    if current is None:
        st.session_state[FEEDBACK_KEY] = (False, ["Phiên đăng nhập đã kết thúc. Hãy đăng nhập lại."])
        return
    try:
        action(cache.engine(), locality_code, year, current.name, st.session_state[note_key])
    except Rejected as rejected:
        st.session_state[FEEDBACK_KEY] = (False, [problem.message for problem in rejected.problems])
        return
    st.session_state[FEEDBACK_KEY] = (True, [success])
    st.session_state[note_key] = ""
    cache.invalidate()


def approve_selected(year: int, pick_key: str) -> None:
    """Approve exactly the localities chosen, all or none."""
    codes = list(st.session_state.get(pick_key) or [])
    current = session.account()
    if current is None:
        st.session_state[FEEDBACK_KEY] = (False, ["Phiên đăng nhập đã kết thúc. Hãy đăng nhập lại."])
        return
    try:
        approved = cycle.approve_many(cache.engine(), year, codes, current.name, st.session_state["approvals_bulk_note"])
    except Rejected as rejected:
        st.session_state[FEEDBACK_KEY] = (False, [problem.message for problem in rejected.problems])
        return
    st.session_state[FEEDBACK_KEY] = (True, [f"Đã phê duyệt số liệu năm {year} của {len(approved)} địa phương: "
                                             f"{', '.join(state.locality_code for state in approved)}."])
    st.session_state["approvals_bulk_note"] = ""
    st.session_state.pop(pick_key, None)
    cache.invalidate()


session.page_header("Phê duyệt số liệu", requires=session.ADMINISTER)
st.caption("Địa phương nộp báo cáo khi đã nhập đủ số liệu; quản trị viên xem số liệu đã nộp rồi phê duyệt (khóa), "
           "hoặc trả lại kèm lý do để địa phương sửa và nộp lại. Số liệu đã phê duyệt bị khóa với mọi cách ghi cho "
           "đến khi quản trị viên mở lại (cần lý do). Mọi bước được ghi vào lịch sử.")

localities = cache.localities()
with_plan = choices.with_plan(localities)
if with_plan.empty:
    st.info("Chưa có địa phương nào có kế hoạch, nên chưa có số liệu để phê duyệt.")
    st.stop()
names = dict(zip(localities["code"], localities["name"]))
years = year_choices(current_year())
year = pick_year("Năm", years, cache.reporting_year(None), key="approvals_year")

held = st.session_state.pop(FEEDBACK_KEY, None)
if held is not None:
    succeeded, messages = held
    for message in messages:
        if succeeded:
            st.success(widgets.plain(message), icon=":material/check_circle:")
        else:
            st.error(widgets.plain(message), icon=":material/error:")

st.header(f"Báo cáo đã nộp, chờ phê duyệt — năm {year}", divider="gray")
status = cache.reporting(year, None)
submitted = status[status["state"] == CycleState.SUBMITTED].reset_index(drop=True)
if submitted.empty:
    st.caption(f"Chưa có địa phương nào nộp báo cáo năm {year} đang chờ phê duyệt.")
else:
    st.dataframe(reporting.approval_choices(submitted), hide_index=True)
    pick_key = f"approvals_pick_{year}"
    codes = st.multiselect("Chọn địa phương để phê duyệt", submitted["locality_code"].tolist(), format_func=names.get,
                           key=pick_key, placeholder="Chọn một hoặc nhiều địa phương đã nộp")
    with st.expander("Xem số liệu đã nộp của một địa phương", icon=":material/visibility:"):
        shown = st.selectbox("Địa phương", submitted["locality_code"].tolist(), format_func=names.get,
                             key="approvals_preview")
        plan_code = with_plan.set_index("code").loc[shown, "plan_code"]
        fields = entry.plan_fields(cache.indicators(), cache.plan_targets(), plan_code)
        st.dataframe(reporting.submitted_figures(cache.locality_readings(shown), fields, shown, year), hide_index=True)
    st.text_input("Ghi chú khi phê duyệt (không bắt buộc)", max_chars=cycle.MAX_NOTE_LENGTH, key="approvals_bulk_note")
    st.button(f"Phê duyệt {len(codes)} địa phương đã chọn", type="primary", icon=":material/lock:",
              disabled=not codes, key="approvals_bulk", on_click=approve_selected, args=(year, pick_key))

st.header("Từng địa phương", divider="gray")
code = st.selectbox("Địa phương", with_plan["code"].tolist(), format_func=names.get, key="approvals_locality")
plan_code = with_plan.set_index("code").loc[code, "plan_code"]
fields = entry.plan_fields(cache.indicators(), cache.plan_targets(), plan_code)
stored = entry.stored_figures(cache.locality_readings(code), code, year)
state = cache.year_state(code, year)
note_key = f"approvals_note_{code}_{year}"
with st.container(border=True):
    st.markdown(widgets.plain(f"{names[code]} — năm {year}: {len(stored)}/{len(fields)} chỉ tiêu đã có số liệu; "
                              f"tình trạng: {state.label}."))
    if state.state == CycleState.APPROVED:
        st.success(widgets.plain(f"Đã phê duyệt bởi «{state.approved_by}» lúc {format_timestamp(state.approved_at)}: "
                                 "số liệu đang bị khóa."), icon=":material/lock:")
        st.text_input("Lý do mở lại (bắt buộc)", max_chars=cycle.MAX_NOTE_LENGTH, key=note_key)
        st.button("Mở lại để sửa", icon=":material/lock_open:", key="approvals_reopen",
                  on_click=act, args=(cycle.reopen, code, year, note_key,
                                      f"Đã mở lại số liệu năm {year} của {names[code]}: số liệu sửa được."))
    else:
        if state.state == CycleState.SUBMITTED:
            st.info(widgets.plain(f"Đã nộp bởi «{state.submitted_by}» lúc {format_timestamp(state.submitted_at)}, chờ "
                                  "phê duyệt."), icon=":material/outbox:")
        else:
            st.info(f"Chưa phê duyệt ({state.label.lower()}): số liệu còn sửa được. Phê duyệt lúc này được ghi lại là "
                    "phê duyệt khi chưa nộp.", icon=":material/lock_open:")
        st.text_input("Ghi chú hoặc lý do (bắt buộc khi trả lại)", max_chars=cycle.MAX_NOTE_LENGTH, key=note_key)
        buttons = st.columns(2)
        buttons[0].button("Phê duyệt và khóa số liệu", type="primary", icon=":material/lock:", key="approvals_approve",
                          on_click=act, args=(cycle.approve, code, year, note_key,
                                              f"Đã phê duyệt số liệu năm {year} của {names[code]}."))
        if state.state == CycleState.SUBMITTED:
            buttons[1].button("Trả lại để địa phương sửa", icon=":material/undo:", key="approvals_return",
                              on_click=act, args=(cycle.return_year, code, year, note_key,
                                                  f"Đã trả lại báo cáo năm {year} của {names[code]}."))

st.header(f"Tình trạng phê duyệt năm {year}", divider="gray")
st.dataframe(access_views.approval_state_table(with_plan, cache.approvals(year), auth.people(cache.engine())),
             hide_index=True)
st.caption("Hạn nộp, ngày nộp và địa phương quá hạn: trang «Tình hình báo cáo».")

st.header(f"Lịch sử năm {year}", divider="gray")
history = cycle.history(cache.engine(), year=year)
if history.empty:
    st.caption(f"Chưa có lần nộp, trả lại, phê duyệt hay mở lại nào cho năm {year}.")
else:
    st.dataframe(access_views.approval_history_table(history, auth.people(cache.engine())), hide_index=True)
