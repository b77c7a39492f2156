import streamlit as st

from kpi.app import cache, session, widgets
from kpi.app import tasks as model
from kpi.app.year_picker import pick_year
from kpi.engine.tasks import counts as task_counts
from kpi.files.task_reports import apply_parsed_tasks, parse_task_file, template_bytes, template_file_name
from kpi.formatting import format_integer
from kpi.problems import Rejected
from kpi.store.models import CycleState
from kpi.store.rights import rights_of
from kpi.store.tasks import apply_task_reports
from kpi.vocabulary import MIME_TYPES, Source

FEEDBACK_KEY = "tasks_feedback"
APPLIED_KEY = "tasks_applied"


def counts_text(result) -> str:
    return (f"{format_integer(result.created)} tạo mới, {format_integer(result.updated)} cập nhật, "
            f"{format_integer(result.unchanged)} không đổi")


def save(year: int, code: str) -> None:
    """Runs before the page redraws, so the problems can be drawn beside their tasks."""
    feedback = {"scope": (year, code), "problems": [], "general": []}
    signed_in = session.account()
    rows = model.form_rows(model.items(year, code, model.today()), st.session_state)
    if signed_in is None:
        feedback["general"] = ["Phiên đăng nhập đã kết thúc, chưa ghi gì. Hãy đăng nhập lại."]
    elif not rows:
        feedback["nothing"] = True
    else:
        try:
            feedback["saved"] = apply_task_reports(cache.engine(), rows, user=signed_in, source=Source.FORM)
        except Rejected as rejected:
            feedback["problems"] = rejected.problems
        else:
            cache.invalidate()
    st.session_state[FEEDBACK_KEY] = feedback


def apply_file(data: bytes, file_name: str, checksum: str) -> None:
    signed_in = session.account()
    if signed_in is None:
        st.session_state[APPLIED_KEY] = {"checksum": checksum, "logged_out": True}
        return
    try:
        result = apply_parsed_tasks(cache.engine(), parse_task_file(data, file_name), user=signed_in)
    except Rejected as rejected:
        st.session_state[APPLIED_KEY] = {"checksum": checksum, "problems": rejected.problems}
    else:
        st.session_state[APPLIED_KEY] = {"checksum": checksum, "result": result}
        cache.invalidate()


def entry_form(year: int, code: str, scoped) -> None:
    feedback = st.session_state.get(FEEDBACK_KEY, {})
    if feedback.get("scope") != (year, code):
        feedback = {"problems": [], "general": []}
    if "saved" in feedback:
        st.success(f"Đã lưu báo cáo nhiệm vụ năm {year}: {counts_text(feedback['saved'])}.", icon=":material/check_circle:")
    if feedback.get("nothing"):
        st.info("Không có báo cáo nào thay đổi, chưa ghi gì.", icon=":material/info:")
    for message in feedback["general"]:
        st.error(widgets.plain(message))
    by_row: dict[int, list[str]] = {}
    for problem in feedback["problems"]:
        by_row.setdefault(problem.row, []).append(problem.message)
    if feedback["problems"]:
        st.error("Chưa lưu: có báo cáo chưa hợp lệ, xem thông báo bên dưới từng nhiệm vụ. Không có báo cáo nào được ghi.",
                 icon=":material/error:")
    # The same rule as the year's figures (kpi.store.cycle.write_refusals), which the write path applies.
    state = cache.year_state(code, year)
    locked = state.state == CycleState.APPROVED or (
        state.state == CycleState.SUBMITTED and not rights_of(session.account()).may_administer)
    if state.state == CycleState.APPROVED:
        st.warning(f"Số liệu năm {year} của địa phương này đã được «{widgets.plain(state.approved_by)}» phê duyệt (khóa): "
                   "báo cáo nhiệm vụ của năm này cũng không sửa được.", icon=":material/lock:")
    elif locked:
        st.warning(f"Báo cáo năm {year} của địa phương này đã nộp: báo cáo nhiệm vụ của năm này chỉ quản trị viên sửa "
                   "được, hoặc sửa sau khi được trả lại.", icon=":material/lock:")
    st.caption("«Hoàn thành» phải ghi sản phẩm: số và ngày của văn bản, sự kiện, sản phẩm. Chỉ những nhiệm vụ có thay đổi "
               "mới được ghi.")
    with st.form(f"tasks_form_{code}_{year}", border=False):
        for group, rows in scoped.groupby("group", sort=False):
            st.markdown(f"**{widgets.plain(group)}**")
            for item in rows.itertuples():
                columns = st.columns([5, 2, 3, 2])
                overdue = " — :red[**Quá hạn**]" if item.overdue else ""
                columns[0].markdown(f"**{widgets.plain(item.task_code)}** {widgets.plain(item.title)}  \n"
                                    f":gray[Chủ trì: {widgets.plain(item.lead)} · {item.period_label} · hạn "
                                    f"{item.due.strftime('%d/%m/%Y')}]{overdue}")
                keys = {field: model.widget_key(code, item.task_code, item.period, field) for field in ("status", "evidence", "note")}
                columns[1].selectbox("Tình trạng", model.STATUS_CHOICES, index=model.STATUS_CHOICES.index(item.status),
                                     format_func=model.status_label, key=keys["status"], disabled=locked)
                columns[2].text_input("Sản phẩm", value=item.evidence if isinstance(item.evidence, str) else "",
                                      key=keys["evidence"], placeholder="Số, ngày văn bản; sự kiện; sản phẩm",
                                      disabled=locked, max_chars=2000)
                columns[3].text_input("Ghi chú", value=item.note if isinstance(item.note, str) else "", key=keys["note"],
                                      disabled=locked, max_chars=2000)
                for message in by_row.get(item.Index + 1, []):
                    st.error(widgets.plain(message))
        st.form_submit_button("Lưu báo cáo nhiệm vụ", type="primary", on_click=save, args=(year, code),
                              disabled=locked)


def file_section(year: int, code: str, signed_in) -> None:
    st.caption("Mẫu có sẵn các nhiệm vụ đến hạn trong năm của địa phương, cơ quan chủ trì, hạn và báo cáo đã có. "
               "Ghi Tình trạng (Chưa thực hiện, Đang thực hiện, Hoàn thành), Sản phẩm và Ghi chú; dòng để trống được bỏ qua. "
               "Tệp được kiểm tra toàn bộ: một dòng sai thì không dòng nào được ghi.")
    buttons = st.columns(4)
    for column, file_format in zip(buttons, ("xlsx", "csv")):
        column.download_button(f"Tải mẫu {file_format.upper()}",
                               template_bytes(cache.engine(), code, year, file_format),
                               file_name=template_file_name(code, year, file_format), mime=MIME_TYPES[file_format],
                               icon=":material/download:", key=f"tasks_template_{file_format}")
    uploaded = st.file_uploader("Chọn tệp báo cáo nhiệm vụ (CSV hoặc XLSX)", type=["csv", "xlsx"], key="tasks_file")
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        parsed = parse_task_file(data, uploaded.name)
        preview = apply_parsed_tasks(cache.engine(), parsed, user=signed_in, dry_run=True)
    except Rejected as rejected:
        st.error(f"Tệp «{widgets.plain(uploaded.name)}» có {format_integer(len(rejected.problems))} lỗi, chưa ghi gì. "
                 "Sửa các lỗi dưới đây (theo dòng và cột trong tệp) rồi tải lên lại.", icon=":material/error:")
        widgets.problems_list(rejected.problems)
        return
    applied = st.session_state.get(APPLIED_KEY, {})
    if applied.get("checksum") == parsed.checksum and "result" in applied:
        st.success(f"Đã ghi tệp «{widgets.plain(uploaded.name)}»: {counts_text(applied['result'])}.", icon=":material/check_circle:")
        return
    if applied.get("checksum") == parsed.checksum and "problems" in applied:
        st.error("Không ghi được tệp, chưa ghi gì:", icon=":material/error:")
        widgets.problems_list(applied["problems"])
    st.info(f"Xem trước: {counts_text(preview)}.", icon=":material/preview:")
    if parsed.notice:
        st.caption(widgets.plain(parsed.notice))
    st.button("Ghi tệp này", type="primary", on_click=apply_file, args=(data, uploaded.name, parsed.checksum),
              key="tasks_apply")


account = session.page_header("Nhiệm vụ theo kế hoạch")
rights = rights_of(account)
localities = cache.localities()
options = model.scope_options(localities)
if not options:
    st.info("Chưa có địa phương nào có kế hoạch.", icon=":material/info:")
    st.stop()
names = dict(zip(localities["code"], localities["name"]))
years = model.years()
controls = st.columns([1, 3])
year = pick_year("Năm", years, model.default_year(), key="tasks_year", container=controls[0])
code = controls[1].selectbox("Địa phương", options, format_func=names.get, key="tasks_scope",
                             index=model.default_scope(options, () if rights.may_administer else rights.localities))
on = model.today()
scoped = model.items(year, code, on)
if scoped.empty:
    st.info(f"Không có nhiệm vụ nào đến hạn trong năm {year}.", icon=":material/info:")
    st.stop()

counts = task_counts(scoped, on)
st.caption(f"Các nhiệm vụ của kế hoạch đến hạn trong năm {year}, xét quá hạn theo ngày hôm nay "
           f"({on.strftime('%d/%m/%Y')}): quá hạn là đã qua hạn mà chưa hoàn thành (nằm trong số đang thực hiện "
           "và chưa thực hiện).")
metrics = st.columns(5)
for column, (name, label) in zip(metrics, model.COUNT_HEADERS.items()):
    column.metric(label, format_integer(getattr(counts, name)))

is_locality = scoped["locality_code"].nunique() == 1 and scoped["locality_code"].iloc[0] == code
if is_locality:
    tabs = ["Tình trạng nhiệm vụ"]
    may_write = rights.may_write_locality(code)
    if may_write:
        tabs += ["Nhập báo cáo", "Tải tệp báo cáo"]
    shown = st.tabs(tabs)
    with shown[0]:
        st.dataframe(model.task_table(scoped), hide_index=True)
        with st.expander("Lịch sử báo cáo của một nhiệm vụ"):
            picked = st.selectbox("Nhiệm vụ và kỳ", scoped.index.tolist(), key="tasks_history",
                                  format_func=lambda i: f"{scoped.at[i, 'task_code']} — {scoped.at[i, 'period_label']}")
            history = model.history_table(code, scoped.at[picked, "task_code"], scoped.at[picked, "period"])
            if history.empty:
                st.caption("Chưa có báo cáo nào cho nhiệm vụ và kỳ này.")
            else:
                st.dataframe(history, hide_index=True)
    if may_write:
        with shown[1]:
            entry_form(year, code, scoped)
        with shown[2]:
            file_section(year, code, account)
else:
    most, leads, overdue = st.tabs(["Địa phương nhiều nhiệm vụ quá hạn", "Theo cơ quan chủ trì", "Nhiệm vụ quá hạn"])
    with most:
        st.dataframe(model.locality_table(scoped), hide_index=True)
    with leads:
        st.caption("Cơ quan chủ trì ghi như trong kế hoạch của từng địa phương.")
        st.dataframe(model.lead_table(scoped), hide_index=True)
    with overdue:
        late = model.overdue_table(scoped)
        if late.empty:
            st.success("Không có nhiệm vụ nào quá hạn.", icon=":material/check_circle:")
        else:
            st.dataframe(late, hide_index=True)
