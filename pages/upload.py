import streamlit as st

from kpi.app import cache, choices, session, upload, widgets
from kpi.app import tables as views
from kpi.app.year_picker import pick_year
from kpi.files import importer
from kpi.files.templates import template_file_name
from kpi.formatting import format_integer
from kpi.problems import Rejected
from kpi.store import accounts as auth
from kpi.store.rights import rights_of
from kpi.vocabulary import MIME_TYPES
from kpi.years import current_year, year_choices

APPLIED_KEY = "upload_applied"


def apply(check: upload.UploadCheck) -> None:
    account = session.account()
    if account is None:
        st.session_state[APPLIED_KEY] = {"checksum": check.digest, "logged_out": True}
        return
    try:
        # The write path checks everything again, inside its transaction: rights and locks may have
        # changed since the preview.
        result = importer.apply_parsed(cache.engine(), check.parsed, user=account)
    except Rejected as rejected:
        st.session_state[APPLIED_KEY] = {"checksum": check.digest, "problems": rejected.problems}
    else:
        st.session_state[APPLIED_KEY] = {"checksum": check.digest, "result": result}
        cache.invalidate()
    upload.forget_check()


def counts_text(result) -> str:
    return (f"{format_integer(result.created)} tạo mới, {format_integer(result.updated)} cập nhật, "
            f"{format_integer(result.unchanged)} không đổi")


account = session.page_header("Tải tệp lên", requires=session.WRITE)
rights = rights_of(account)

localities = cache.localities()
with_plan = choices.with_plan(localities)
writable = rights.writable(with_plan["code"].tolist())
if not writable:
    st.info("Tài khoản này chưa được giao địa phương nào có kế hoạch. Hãy liên hệ quản trị viên.", icon=":material/info:")
    st.stop()
names = dict(zip(localities["code"], localities["name"]))
years = year_choices(current_year())

st.header("1. Tải mẫu tệp số liệu", divider="gray")
st.caption("Mẫu có sẵn mã và tên các chỉ tiêu trong kế hoạch của địa phương, điền sẵn số liệu đã có. "
           "Điền tử số và mẫu số cho chỉ tiêu tỷ lệ, giá trị cho chỉ tiêu số lượng và có/không.")
controls = st.columns([3, 1])
# A template of every locality is for admins; an editor's templates cover its own localities only.
template_choices = [None, *writable] if rights.may_administer else writable
template_locality = controls[0].selectbox("Địa phương", template_choices,
                                          format_func=lambda c: "Tất cả địa phương" if c is None else names[c],
                                          key="upload_template_locality")
template_year = pick_year("Năm", years, cache.reporting_year(template_locality), key="upload_template_year",
                          container=controls[1])
buttons = st.columns(4)
for column, file_format in zip(buttons, ("xlsx", "csv")):
    column.download_button(
        f"Tải mẫu {file_format.upper()}", cache.template(template_locality, template_year, file_format),
        file_name=template_file_name(template_locality, template_year, file_format),
        mime=MIME_TYPES[file_format], icon=":material/download:", key=f"upload_template_{file_format}",
    )

st.header("2. Tải tệp số liệu lên", divider="gray")
st.caption("Tệp được kiểm tra toàn bộ trước: nếu có một dòng sai, không dòng nào được ghi. "
           "Xem trước kết quả rồi bấm «Áp dụng» để ghi. "
           f"Người nhập được ghi là tài khoản «{widgets.plain(account.name)}»"
           + ("." if rights.may_administer else "; tệp chỉ được có số liệu của các địa phương được giao cho tài khoản này."))
# The uploader's own "10MB per file" is English (hidden by kpi.app.widgets.VIETNAMESE_CHROME).
uploaded = st.file_uploader(f"Chọn tệp {upload.ACCEPTED_HINT} (tối đa {st.get_option('server.maxUploadSize')} MB)",
                            key="upload_file",
                            help="Tệp .txt là tệp Excel lưu dạng «Unicode Text» (các cột cách nhau bằng dấu tab).")
if uploaded is not None:
    data = uploaded.getvalue()
    check = upload.check_upload(data, uploaded.name, account)
    applied = st.session_state.get(APPLIED_KEY, {})
    if applied.get("checksum") == check.digest and "result" in applied:
        st.success(f"Đã áp dụng tệp «{widgets.plain(uploaded.name)}»: {counts_text(applied['result'])}.", icon=":material/check_circle:")
    elif check.problems:
        st.error(f"Tệp «{widgets.plain(uploaded.name)}» có {format_integer(len(check.problems))} lỗi, chưa ghi gì vào cơ sở dữ liệu. "
                 "Sửa các lỗi dưới đây (theo dòng và cột trong tệp, kể cả quyền ghi và số liệu đã phê duyệt) rồi "
                 "tải lên lại.", icon=":material/error:")
        widgets.problems_list(check.problems)
    else:
        parsed, preview = check.parsed, check.preview
        if applied.get("checksum") == check.digest and "problems" in applied:
            st.error("Không áp dụng được tệp, chưa ghi gì vào cơ sở dữ liệu:", icon=":material/error:")
            widgets.problems_list(applied["problems"])
        if applied.get("checksum") == check.digest and applied.get("logged_out"):
            st.error("Phiên đăng nhập đã kết thúc, chưa ghi gì. Hãy đăng nhập lại.", icon=":material/error:")
        st.info(f"Xem trước tệp «{widgets.plain(uploaded.name)}»: {format_integer(preview.total)} dòng hợp lệ.", icon=":material/preview:")
        if parsed.notice:
            st.caption(parsed.notice)
        metrics = st.columns(3)
        metrics[0].metric("Sẽ tạo mới", format_integer(preview.created))
        metrics[1].metric("Sẽ cập nhật", format_integer(preview.updated))
        metrics[2].metric("Không đổi", format_integer(preview.unchanged))
        if parsed.skipped_rows:
            st.caption(importer.skipped_rows_text(parsed.skipped_rows) + ".")
        if preview.created + preview.updated == 0:
            st.info("Mọi số liệu trong tệp đã có sẵn, không có gì thay đổi.")
        else:
            st.caption("Các số liệu sẽ tạo mới hoặc thay đổi (cũ → mới):")
            st.dataframe(upload.changes_table(preview.changes, localities, cache.indicators()), hide_index=True)
        if check.unlike_last_year:
            st.warning(f"{format_integer(len(check.unlike_last_year))} số liệu khác nhiều so với năm trước (như biểu mẫu "
                       "cảnh báo khi gõ). Hãy kiểm tra lại trước khi áp dụng; đây chỉ là cảnh báo, không chặn.",
                       icon=":material/warning:")
            st.dataframe(upload.unlike_last_year_table(check.unlike_last_year, preview.changes, localities,
                                                       cache.indicators()), hide_index=True)
        st.button("Áp dụng tệp này", type="primary", on_click=apply, args=(check,), key="upload_apply")

st.header("3. Các lần nhập số liệu trước", divider="gray")
batches = cache.import_batches()
if batches.empty:
    st.caption("Chưa có lần nhập nào.")
else:
    st.dataframe(views.batches_table(batches, auth.people(cache.engine())), hide_index=True)
