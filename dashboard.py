"""Entry point: `streamlit run dashboard.py`."""

import streamlit as st

from kpi.app import cache, guard, session
from kpi.store.rights import rights_of

st.set_page_config(page_title="Thượng tôn pháp luật — Chỉ tiêu 2030", page_icon=":material/balance:", layout="wide")

cache.ensure_database()
account = session.login_gate()
rights = rights_of(account)
session.account_sidebar(account)

pages = [
    st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True),
    st.Page("pages/locality.py", title="Địa phương", icon=":material/location_city:"),
    st.Page("pages/indicator.py", title="Chỉ tiêu", icon=":material/flag:"),
    st.Page("pages/tasks.py", title="Nhiệm vụ", icon=":material/task_alt:"),
    st.Page("pages/report.py", title="Báo cáo", icon=":material/description:"),
]
# A viewer is not shown the pages it may not use; the pages refuse it too, and the write path refuses
# whatever reaches it.
if rights.may_write:
    pages += [
        st.Page("pages/entry.py", title="Nhập số liệu", icon=":material/edit_note:"),
        st.Page("pages/upload.py", title="Tải tệp lên", icon=":material/upload_file:"),
    ]
pages.append(st.Page("pages/data.py", title="Dữ liệu", icon=":material/table_view:"))
sections = {"": pages}
# One menu for the admin pages keeps the top bar on one line beside the sidebar.
if rights.may_administer:
    sections["Quản trị"] = [
        st.Page("pages/approvals.py", title="Phê duyệt số liệu", icon=":material/verified:"),
        st.Page("pages/users.py", title="Tài khoản", icon=":material/manage_accounts:"),
    ]
guard.run_page(st.navigation(sections, position="top"))
