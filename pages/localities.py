"""Quản trị: every locality with its parent and plan, those without a plan, a plan given to many at
once, and a localities file loaded after a preview of its changes (admins only)."""

import streamlit as st

from kpi.app import cache, session, widgets
from kpi.app import localities as model
from kpi.files.catalogue import REMOVE, add_localities, assign_plan
from kpi.formatting import by_name, format_integer
from kpi.problems import Rejected

FEEDBACK_KEY = "localities_feedback"
UPLOAD_ROUND_KEY = "localities_upload_round"
PENDING_KEY = "localities_assign_pending"


def report(section: str, action, done: str) -> None:
    """Run one change; keep its outcome for the section it came from."""
    try:
        changes = action()
    except Rejected as rejected:
        st.session_state[FEEDBACK_KEY] = (section, False, rejected.problems)
        return
    st.session_state[FEEDBACK_KEY] = (section, True, f"{done}: {changes.summary()}")
    cache.invalidate()


def preview_assignment(shown_codes: list[str]) -> None:
    """What the assignment chosen in the form would change, kept with the choice itself: the button
    below applies exactly what was previewed (one click changed 112 communes' plans without a look)."""
    state = st.session_state
    codes = list(shown_codes if state["localities_assign_all_shown"] else state["localities_assign_codes"])
    plan = state["localities_assign_plan"]
    plan_code = None if plan == REMOVE else plan
    state.pop(PENDING_KEY, None)
    try:
        state[PENDING_KEY] = (codes, plan_code, assign_plan(cache.engine(), codes, plan_code, dry_run=True))
    except Rejected as rejected:
        state[FEEDBACK_KEY] = ("assign", False, rejected.problems)


def assign() -> None:
    codes, plan_code, _ = st.session_state.pop(PENDING_KEY)
    report("assign", lambda: assign_plan(cache.engine(), codes, plan_code), "Đã gán kế hoạch")
    st.session_state["localities_assign_codes"] = []


def cancel_assignment() -> None:
    st.session_state.pop(PENDING_KEY, None)


def apply_file(data: bytes, file_name: str) -> None:
    report("file", lambda: add_localities(cache.engine(), data, file_name), f"Đã nạp tệp {file_name}")
    # A new uploader: the file just applied is not offered again.
    st.session_state[UPLOAD_ROUND_KEY] = st.session_state.get(UPLOAD_ROUND_KEY, 0) + 1


def show_preview(intro: str, preview) -> int:
    """What a change would do: its summary and the table of the localities it changes; how many."""
    st.info(f"{intro}: {widgets.plain(preview.summary())}", icon=":material/preview:")
    changed = model.changes_table(preview)
    if not changed.empty:
        st.dataframe(changed, hide_index=True)
    return len(changed)


def feedback(section: str) -> None:
    """The outcome of the last change, where its button is, once."""
    held = st.session_state.get(FEEDBACK_KEY)
    if held is None or held[0] != section:
        return
    del st.session_state[FEEDBACK_KEY]
    _, succeeded, outcome = held
    if succeeded:
        st.success(widgets.plain(outcome), icon=":material/check_circle:")
    else:
        st.error("Không thực hiện được, chưa ghi gì:", icon=":material/error:")
        widgets.problems_list(outcome)


session.page_header("Quản lý địa phương", requires=session.ADMINISTER)
localities = cache.localities()
plans = cache.plans()
counted = model.plan_counts(localities)

st.caption("Mỗi địa phương theo dõi các chỉ tiêu trong kế hoạch của mình; địa phương chưa có kế hoạch không có chỉ tiêu "
           f"nào trên các trang khác. Địa phương cấp trên ({format_integer(counted.parents)}, không tính dưới đây) được "
           "tổng hợp từ các địa phương cấp dưới.")
counts = st.columns(3)
counts[0].metric("Địa phương báo cáo", format_integer(counted.reporting))
counts[1].metric("Có kế hoạch", format_integer(counted.with_plan))
counts[2].metric("Chưa có kế hoạch", format_integer(counted.without_plan))

st.header("Danh sách địa phương", divider="gray")
only_without_plan = st.toggle(f"Chỉ hiện địa phương chưa có kế hoạch ({format_integer(counted.without_plan)})",
                              key="localities_only_without_plan")
table = model.localities_table(localities, plans, only_without_plan=only_without_plan)
st.dataframe(table, hide_index=True, height=widgets.table_height(len(table), 10))
shown_codes = table["Mã"].tolist()

st.header("Gán kế hoạch cho nhiều địa phương", divider="gray")
names = dict(zip(localities["code"], localities["name"]))
with st.form("localities_assign"):
    st.checkbox(f"Mọi địa phương đang hiện trong danh sách trên ({format_integer(len(shown_codes))})",
                key="localities_assign_all_shown")
    st.multiselect("Hoặc chọn địa phương", localities.sort_values("name", key=by_name("name"))["code"].tolist(),
                   format_func=lambda code: f"{names[code]} ({code})", placeholder="Chọn địa phương",
                   key="localities_assign_codes")
    st.selectbox("Kế hoạch", model.plan_choices(plans), format_func=lambda code: model.plan_label(plans, code),
                 key="localities_assign_plan")
    st.form_submit_button("Xem trước", icon=":material/preview:", on_click=preview_assignment, args=(shown_codes,))
pending = st.session_state.get(PENDING_KEY)
if pending is not None:
    codes, plan_code, preview = pending
    changed = show_preview(f"Nếu gán kế hoạch «{widgets.plain(model.plan_label(plans, plan_code or REMOVE))}» cho "
                           f"{format_integer(len(codes))} địa phương", preview)
    choices = st.columns([2, 1, 3])
    choices[0].button(f"Gán kế hoạch cho {format_integer(changed)} địa phương", type="primary",
                      disabled=not changed, on_click=assign, key="localities_assign_apply")
    choices[1].button("Hủy", on_click=cancel_assignment, key="localities_assign_cancel")
feedback("assign")

st.header("Nạp tệp địa phương", divider="gray")
st.caption("Tệp CSV hoặc XLSX có dòng tiêu đề đúng tên các cột: code (mã địa phương), name (tên), kind (loại: xã, "
           "phường…), parent_code (mã cấp trên), ma_dvhc (mã đơn vị hành chính), plan_code (mã kế hoạch); "
           "xem mục «Danh mục và tệp địa phương» của hướng dẫn định dạng tệp. "
           "Để trống plan_code (hoặc ma_dvhc) thì giữ nguyên kế hoạch đang có (địa phương mới chưa có kế hoạch); ghi «-» "
           "để bỏ kế hoạch. Xem trước các thay đổi rồi mới áp dụng; tệp có lỗi thì không ghi gì.")
upload = st.file_uploader("Tệp địa phương", type=["csv", "xlsx"],
                          key=f"localities_file_{st.session_state.get(UPLOAD_ROUND_KEY, 0)}")
feedback("file")
if upload is not None:
    data = upload.getvalue()
    preview = cache.localities_preview(data, upload.name)
    if isinstance(preview, list):
        st.error(f"Tệp {widgets.plain(upload.name)} có {format_integer(len(preview))} lỗi, chưa ghi gì. Sửa rồi tải lại:",
                 icon=":material/error:")
        widgets.problems_list(preview)
    else:
        changed = show_preview("Nếu áp dụng", preview)
        st.button("Áp dụng các thay đổi", type="primary", disabled=not changed, on_click=apply_file,
                  args=(data, upload.name), key="localities_apply")
