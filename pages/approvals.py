"""Phê duyệt: lock a locality's figures for a year, reopen them, and the history (admins only)."""

import streamlit as st

from kpi.app import access as access_views
from kpi.app import cache, choices, entry, session, widgets
from kpi.formatting import format_timestamp
from kpi.problems import Rejected
from kpi.store import approvals
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


session.page_header("Phê duyệt số liệu", requires=session.ADMINISTER)
st.caption("Số liệu đã phê duyệt của một địa phương trong một năm bị khóa: biểu mẫu, tải tệp và dòng lệnh đều không "
           "sửa được cho đến khi quản trị viên mở lại. Mọi lần phê duyệt và mở lại được ghi vào lịch sử.")

localities = cache.localities()
with_plan = choices.with_plan(localities)
if with_plan.empty:
    st.info("Chưa có địa phương nào có kế hoạch, nên chưa có số liệu để phê duyệt.")
    st.stop()
names = dict(zip(localities["code"], localities["name"]))
latest = cache.latest_year() or current_year()
years = year_choices(current_year())

controls = st.columns([3, 1])
code = controls[0].selectbox("Địa phương", with_plan["code"].tolist(), format_func=names.get, key="approvals_locality")
year = controls[1].selectbox("Năm", years, index=years.index(min(latest, current_year())), key="approvals_year")

held = st.session_state.pop(FEEDBACK_KEY, None)
if held is not None:
    succeeded, messages = held
    for message in messages:
        if succeeded:
            st.success(widgets.plain(message), icon=":material/check_circle:")
        else:
            st.error(widgets.plain(message), icon=":material/error:")

plan_code = with_plan.set_index("code").loc[code, "plan_code"]
fields = entry.plan_fields(cache.indicators(), cache.plan_targets(), plan_code)
stored = entry.stored_figures(cache.readings(), code, year)
state = cache.approval(code, year)
note_key = f"approvals_note_{code}_{year}"
with st.container(border=True):
    st.markdown(f"**{widgets.plain(names[code])} — năm {year}**: {len(stored)}/{len(fields)} chỉ tiêu đã có số liệu.")
    if state is None:
        st.info("Chưa phê duyệt: số liệu còn sửa được.", icon=":material/lock_open:")
        st.text_input("Ghi chú (không bắt buộc)", max_chars=approvals.MAX_NOTE_LENGTH, key=note_key)
        st.button("Phê duyệt và khóa số liệu", type="primary", icon=":material/lock:", key="approvals_approve",
                  on_click=act, args=(approvals.approve, code, year, note_key,
                                      f"Đã phê duyệt số liệu năm {year} của {names[code]}."))
    else:
        st.success(widgets.plain(f"Đã phê duyệt bởi «{state.approved_by}» lúc {format_timestamp(state.approved_at)}: "
                            "số liệu đang bị khóa."), icon=":material/lock:")
        st.text_input("Lý do mở lại (không bắt buộc)", max_chars=approvals.MAX_NOTE_LENGTH, key=note_key)
        st.button("Mở lại để sửa", icon=":material/lock_open:", key="approvals_reopen",
                  on_click=act, args=(approvals.reopen, code, year, note_key,
                                      f"Đã mở lại số liệu năm {year} của {names[code]}: số liệu sửa được."))

st.header(f"Tình trạng phê duyệt năm {year}", divider="gray")
approved = approvals.approvals(cache.engine(), year)
st.dataframe(access_views.approval_state_table(with_plan, approved), hide_index=True)

st.header(f"Lịch sử phê duyệt năm {year}", divider="gray")
history = approvals.approval_history(cache.engine(), year=year)
if history.empty:
    st.caption(f"Chưa có lần phê duyệt hay mở lại nào cho năm {year}.")
else:
    st.dataframe(access_views.approval_history_table(history), hide_index=True)
