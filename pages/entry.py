import streamlit as st

from kpi.app import cache, choices, cycle, entry, session, widgets
from kpi.app import tables as views
from kpi.app.year_picker import pick_year
from kpi.formatting import format_integer, format_target
from kpi.problems import Rejected
from kpi.store import accounts as auth
from kpi.store.readings import apply_readings
from kpi.store.rights import rights_of
from kpi.vocabulary import COLUMN_LABELS, NOTE_MAX_LENGTH, Kind, Source
from kpi.years import current_year, year_choices

# The outcome of the last press of "Lưu số liệu", shown once, under the button and as a toast.
OUTCOME_KEY = "entry_outcome"
# Problems the write path found in saved figures, shown at their fields while those stay as they were.
PROBLEMS_KEY = "entry_problems"


def save(locality_code: str, year: int, fields, stored: dict) -> None:
    """Runs before the page redraws, so the outcome can be drawn where the button is."""
    account = session.account()
    form = entry.read_form(fields, st.session_state, locality_code, year)
    names = dict(zip(fields["code"], fields["name"]))
    outcome = {"scope": (locality_code, year), "kind": "error", "messages": []}
    problems = {}
    if account is None:
        outcome["messages"] = ["Phiên đăng nhập đã kết thúc, chưa ghi gì. Hãy đăng nhập lại."]
    elif form.refused:
        problems = {place: [reason] for place, reason in form.refused.items()}
    else:
        submission = entry.submission(fields, form.figures, locality_code, year, stored)
        if submission.frame.empty:
            outcome["kind"] = "nothing"
        else:
            try:
                outcome["saved"] = apply_readings(cache.engine(), submission.frame, user=account, source=Source.FORM)
                outcome["kind"] = "saved"
            except Rejected as rejected:
                problems, outcome["messages"] = entry.problems_by_field(rejected.problems, submission.indicator_of_row)
            else:
                cache.invalidate()
    if problems:
        outcome["messages"] = [
            f"{widgets.plain(names[indicator])}, ô «{COLUMN_LABELS[name]}»: {' '.join(messages)}"
            for (indicator, name), messages in problems.items()] + outcome["messages"]
        outcome["refused_fields"] = len(problems)
    st.session_state[OUTCOME_KEY] = outcome
    st.session_state[PROBLEMS_KEY] = {"scope": (locality_code, year), "fields": problems,
                                      "values": entry_values(fields, locality_code, year)}


def entry_values(fields, locality_code: str, year: int) -> dict[str, tuple]:
    """indicator_code -> what its fields hold now, to tell whether a problem is still about them."""
    return {f.code: tuple(st.session_state.get(entry.widget_key(locality_code, year, f.code, name)) for name in entry.FIELDS)
            for f in fields.itertuples()}


def show_outcome(outcome: dict, year: int) -> None:
    if outcome["kind"] == "saved":
        result = outcome["saved"]
        message = (f"Đã lưu số liệu năm {year}: {format_integer(result.created)} tạo mới, "
                   f"{format_integer(result.updated)} cập nhật, {format_integer(result.unchanged)} không đổi.")
        st.success(message, icon=":material/check_circle:")
        st.toast(message, icon=":material/check_circle:")
    elif outcome["kind"] == "nothing":
        st.info("Không có số liệu nào thay đổi, chưa ghi gì.", icon=":material/info:")
        st.toast("Không có số liệu nào thay đổi, chưa ghi gì.", icon=":material/info:")
    else:
        headline = "Chưa lưu, không có số liệu nào được ghi."
        if outcome.get("refused_fields"):
            headline = (f"Chưa lưu, không có số liệu nào được ghi: {format_integer(outcome['refused_fields'])} ô có lỗi, "
                        "xem thông báo tại từng ô.")
        st.error("\n".join([headline, *(f"- {message}" for message in outcome["messages"])]), icon=":material/error:")
        st.toast(headline, icon=":material/error:")


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
# Figures are entered for the year under way: the form opens on it unless a year was picked.
year = pick_year("Năm", years, years[0], key="entry_year", container=controls[1])
plan_code = with_plan.set_index("code").loc[code, "plan_code"]
st.caption(f"Kế hoạch: {widgets.plain(cache.plans().set_index('code')['title'].get(plan_code, plan_code))}")

fields = entry.plan_fields(cache.indicators(), cache.plan_targets(), plan_code)
readings = cache.locality_readings(code)
stored = entry.stored_figures(readings, code, year)
previous = entry.stored_figures(readings, code, year - 1)
defaults = {
    entry.widget_key(code, year, f.code, name): entry.widget_default(f.kind, name, stored.get(f.code))
    for f in fields.itertuples() for name in entry.FIELDS
}
# The reporting cycle: the year's state, a returned year's reason, the submit button (kpi.app.cycle).
locked = cycle.entry_block(account, code, names[code], year, cache.plans().set_index("code")["report_due"].get(plan_code))
form = entry.read_form(fields, {k: st.session_state.get(k, v) for k, v in defaults.items()}, code, year)

# An outcome belongs to the press that made it: shown on the run right after it, never again.
outcome = st.session_state.pop(OUTCOME_KEY, None)
if outcome is not None and outcome["scope"] != (code, year):
    outcome = None
held = st.session_state.get(PROBLEMS_KEY) or {}
still_typed = entry_values(fields, code, year) if held.get("scope") == (code, year) else {}
saved_problems = {place: messages for place, messages in held.get("fields", {}).items()
                  if place not in form.refused and still_typed.get(place[0]) == held["values"].get(place[0])}

st.markdown(f"Có {len(stored)}/{len(fields)} chỉ tiêu đã có số liệu năm {year}. "
            "Gõ số như thường viết: `1.234` hoặc `1234` (dấu chấm ngăn cách hàng nghìn); dưới mỗi ô hiện số sẽ được lưu. "
            "Chỉ những chỉ tiêu có thay đổi được ghi; chỉ tiêu để trống hoàn toàn không bị xóa. "
            f"Người nhập được ghi là tài khoản «{widgets.plain(account.name)}».")


def number_field(label: str, indicator, name: str, help: str | None = None) -> None:
    """A text field read through kpi.numbers, with the figure as it will be stored, or the reason
    it is refused, right under it."""
    key = entry.widget_key(code, year, indicator.code, name)
    st.text_input(label, value=defaults[key], key=key, disabled=locked, help=help, placeholder="Ví dụ: 1.234")
    if (indicator.code, name) in form.refused:
        st.error(form.refused[(indicator.code, name)], icon=":material/error:")
    else:
        figure = form.figures[indicator.code][name]
        was = (stored.get(indicator.code) or {}).get(name)
        if figure is not None and figure == was:
            st.caption(f"Đã lưu: **{format_integer(figure)}**")
        elif figure is not None:
            st.caption(f"Sẽ lưu: **{format_integer(figure)}**" + ("" if was is None else f" (đang là {format_integer(was)})"))
        elif was is not None:
            st.caption(f"Để trống: giữ {format_integer(was)} nếu cả chỉ tiêu để trống")
    field_problems(indicator, name)


def field_problems(indicator, name: str) -> None:
    for message in saved_problems.get((indicator.code, name), []):
        st.error(message, icon=":material/error:")


with st.container(key="entry_form"):
    for group, group_fields in fields.groupby("group", sort=False):
        st.subheader(widgets.plain(group), divider="gray")
        for f in group_fields.itertuples():
            st.markdown(f"**{widgets.plain(f.name)}**")
            st.caption(f"Mục tiêu 2030: {format_target(f.kind, f.comparator, f.target)}")
            columns = st.columns([1, 1, 2])
            if f.kind == Kind.RATIO:
                with columns[0]:
                    number_field(f"Tử số: {widgets.plain(f.numerator_label)}", f, "numerator")
                with columns[1]:
                    number_field(f"Mẫu số: {widgets.plain(f.denominator_label)}", f, "denominator",
                                 help="Nhập 0 nếu trong năm không phát sinh.")
            elif f.kind == Kind.COUNT:
                with columns[0]:
                    number_field(f"Số lượng ({widgets.plain(f.unit)})" if f.unit else "Số lượng", f, "value")
            else:
                with columns[0]:
                    options = list(entry.BOOLEAN_OPTIONS)
                    key = entry.widget_key(code, year, f.code, "value")
                    default = defaults[key]
                    st.radio("Có/Không", options, index=None if default is None else options.index(default),
                             horizontal=True, key=key, disabled=locked)
                    field_problems(f, "value")
            with columns[2]:
                key = entry.widget_key(code, year, f.code, "note")
                st.text_input("Ghi chú", value=defaults[key], key=key, disabled=locked,
                              help=f"Tối đa {NOTE_MAX_LENGTH} ký tự.")
                if (f.code, "note") in form.refused:
                    st.error(form.refused[(f.code, "note")], icon=":material/error:")
                field_problems(f, "note")
            warning = entry.far_from_last_year(f.kind, form.figures[f.code], previous.get(f.code), year)
            if warning:
                st.warning(warning, icon=":material/warning:")
    st.button("Lưu số liệu", type="primary", disabled=locked, on_click=save, args=(code, year, fields, stored),
              key="entry_save")
    if outcome is not None:
        with st.container(key="entry_outcome"):
            show_outcome(outcome, year)

st.header("Lịch sử số liệu", divider="gray")
field_names = dict(zip(fields["code"], fields["name"]))
history_code = st.selectbox("Chỉ tiêu", fields["code"].tolist(), format_func=field_names.get, key="entry_history_indicator")
kind = fields.set_index("code").loc[history_code, "kind"]
history = cache.history(code, history_code, year)
st.markdown(f"**Các lần ghi số liệu năm {year}** (mới nhất trước)")
if history.empty:
    st.caption(f"Chưa có số liệu năm {year}.")
else:
    st.dataframe(views.history_table(history, kind, people=auth.people(cache.engine())), hide_index=True)
earlier = entry.earlier_figures(readings, code, history_code, year)
st.markdown("**Các năm trước**")
if earlier.empty:
    st.caption("Chưa có số liệu các năm trước.")
else:
    st.dataframe(views.history_table(earlier, kind, with_year=True, people=auth.people(cache.engine())), hide_index=True)
