import streamlit as st

from kpi.app import cache, choices, entry, session, widgets
from kpi.app import tables as views
from kpi.formatting import format_integer, format_target
from kpi.problems import Rejected
from kpi.store.readings import apply_readings, locked_message
from kpi.store.rights import rights_of
from kpi.vocabulary import NOTE_MAX_LENGTH, Kind, Source
from kpi.years import current_year, year_choices

FEEDBACK_KEY = "entry_feedback"


def save(locality_code: str, year: int, fields, stored: dict) -> None:
    """Runs before the page redraws, so the errors can be drawn next to their fields."""
    feedback = {"scope": (locality_code, year), "fields": {}, "general": []}
    account = session.account()
    figures = entry.form_figures(fields, st.session_state, locality_code, year)
    submission = entry.submission(fields, figures, locality_code, year, stored)
    if account is None:
        feedback["general"] = ["Phiên đăng nhập đã kết thúc, chưa ghi gì. Hãy đăng nhập lại."]
    elif submission.frame.empty:
        feedback["nothing"] = True
    else:
        try:
            feedback["saved"] = apply_readings(cache.engine(), submission.frame, user=account, source=Source.FORM)
        except Rejected as rejected:
            feedback["fields"], feedback["general"] = entry.problems_by_field(rejected.problems, submission.indicator_of_row)
        else:
            cache.invalidate()
    st.session_state[FEEDBACK_KEY] = feedback


account = session.page_header("Nhập số liệu", requires=session.WRITE)

localities = cache.localities()
with_plan = choices.with_plan(localities)
if with_plan.empty:
    st.info("Chưa có địa phương nào có kế hoạch. Thêm địa phương và kế hoạch bằng `python -m kpi localities TỆP`.")
    st.stop()
writable = rights_of(account).writable(with_plan["code"].tolist())
if not writable:
    st.info("Tài khoản này chưa được giao địa phương nào có kế hoạch. Hãy liên hệ quản trị viên.", icon=":material/info:")
    st.stop()
names = dict(zip(localities["code"], localities["name"]))
years = year_choices(current_year())

controls = st.columns([3, 1])
code = controls[0].selectbox("Địa phương", writable, format_func=names.get, key="entry_locality")
year = controls[1].selectbox("Năm", years, key="entry_year")
plan_code = with_plan.set_index("code").loc[code, "plan_code"]
st.caption(f"Kế hoạch: {cache.plans().set_index('code')['title'].get(plan_code, plan_code)}")

fields = entry.plan_fields(cache.indicators(), cache.plan_targets(), plan_code)
readings = cache.readings()
stored = entry.stored_figures(readings, code, year)
previous = entry.stored_figures(readings, code, year - 1)
defaults = {
    entry.widget_key(code, year, f.code, name): entry.widget_default(f.kind, name, stored.get(f.code))
    for f in fields.itertuples() for name in entry.FIELDS
}
approval = cache.approval(code, year)
locked = approval is not None
current = entry.form_figures(fields, {k: st.session_state.get(k, v) for k, v in defaults.items()}, code, year)

feedback = st.session_state.get(FEEDBACK_KEY, {})
if feedback.get("scope") != (code, year):
    feedback = {"fields": {}, "general": []}
if "saved" in feedback:
    result = feedback["saved"]
    st.success(f"Đã lưu số liệu năm {year}: {format_integer(result.created)} tạo mới, "
               f"{format_integer(result.updated)} cập nhật, {format_integer(result.unchanged)} không đổi.", icon=":material/check_circle:")
if feedback.get("nothing"):
    st.info("Không có số liệu nào thay đổi, chưa ghi gì.", icon=":material/info:")
if feedback["fields"] or feedback["general"]:
    st.error("Chưa lưu: số liệu có lỗi, xem thông báo bên dưới từng ô. Không có số liệu nào được ghi.", icon=":material/error:")
for message in feedback["general"]:
    st.error(widgets.plain(message))
if locked:
    st.info(widgets.plain(locked_message(names[code], code, year, approval.approved_by, approval.approved_at)), icon=":material/lock:")

st.markdown(f"Có {len(stored)}/{len(fields)} chỉ tiêu đã có số liệu năm {year}. "
            "Chỉ những chỉ tiêu có thay đổi được ghi; chỉ tiêu để trống hoàn toàn không bị xóa. "
            f"Người nhập được ghi là tài khoản «{widgets.plain(account.name)}».")

with st.form(f"entry_form_{code}_{year}"):
    for group, group_fields in fields.groupby("group", sort=False):
        st.subheader(group, divider="gray")
        for f in group_fields.itertuples():
            def key(name: str, indicator_code: str = f.code) -> str:
                return entry.widget_key(code, year, indicator_code, name)

            def errors(name: str, indicator_code: str = f.code) -> None:
                for message in feedback["fields"].get((indicator_code, name), []):
                    st.error(message)

            st.markdown(f"**{f.name}**")
            st.caption(f"Mục tiêu 2030: {format_target(f.kind, f.comparator, f.target)}")
            columns = st.columns([1, 1, 2])
            if f.kind == Kind.RATIO:
                with columns[0]:
                    st.number_input(f"Tử số: {f.numerator_label}", min_value=0, step=1, value=defaults[key("numerator")],
                                    key=key("numerator"), disabled=locked)
                    errors("numerator")
                with columns[1]:
                    st.number_input(f"Mẫu số: {f.denominator_label}", min_value=0, step=1,
                                    value=defaults[key("denominator")], key=key("denominator"),
                                    help="Nhập 0 nếu trong năm không phát sinh.", disabled=locked)
                    errors("denominator")
            elif f.kind == Kind.COUNT:
                with columns[0]:
                    st.number_input(f"Số lượng ({f.unit})" if f.unit else "Số lượng", min_value=0, step=1,
                                    value=defaults[key("value")], key=key("value"), disabled=locked)
                    errors("value")
            else:
                with columns[0]:
                    options = list(entry.BOOLEAN_OPTIONS)
                    default = defaults[key("value")]
                    st.radio("Có/Không", options, index=None if default is None else options.index(default),
                             horizontal=True, key=key("value"), disabled=locked)
                    errors("value")
            with columns[2]:
                st.text_input("Ghi chú", value=defaults[key("note")] or "", key=key("note"), max_chars=NOTE_MAX_LENGTH, disabled=locked)
                errors("note")
            warning = entry.far_from_last_year(f.kind, current[f.code], previous.get(f.code), year)
            if warning:
                st.warning(warning, icon=":material/warning:")
    st.form_submit_button("Lưu số liệu", type="primary", disabled=locked, on_click=save, args=(code, year, fields, stored))

st.header("Lịch sử số liệu", divider="gray")
field_names = dict(zip(fields["code"], fields["name"]))
history_code = st.selectbox("Chỉ tiêu", fields["code"].tolist(), format_func=field_names.get, key="entry_history_indicator")
kind = fields.set_index("code").loc[history_code, "kind"]
history = cache.history(code, history_code, year)
st.markdown(f"**Các lần ghi số liệu năm {year}** (mới nhất trước)")
if history.empty:
    st.caption(f"Chưa có số liệu năm {year}.")
else:
    st.dataframe(views.history_table(history, kind), hide_index=True)
earlier = entry.earlier_figures(readings, code, history_code, year)
st.markdown("**Các năm trước**")
if earlier.empty:
    st.caption("Chưa có số liệu các năm trước.")
else:
    st.dataframe(views.history_table(earlier, kind, with_year=True), hide_index=True)
