"""Entry point of the Streamlit script (`streamlit run serve.py` serves it with the session cookie route)."""

import streamlit as st

from kpi.app import cache, guard, session, widgets
from kpi.store.rights import rights_of

st.set_page_config(page_title="Thượng tôn pháp luật — Chỉ tiêu 2030", page_icon=":material/balance:", layout="wide")

cache.ensure_database()
# One tiny read per run: every cached query is keyed by it, so writes from anywhere show now.
cache.refresh_data_version()
# Before the login form too: typing in it would show Streamlit's English "Press Enter to submit form".
widgets.vietnamese_chrome()
account = session.login_gate()
rights = rights_of(account)
session.account_menu(account)

# Pages grouped in menus: a top bar with more pages than fit its width folds the rest under an English
# "3 more"; four entries fit at 1024 px.
sections = {
    "": [st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True)],
    "Xem số liệu": [
        st.Page("pages/locality.py", title="Địa phương", icon=":material/location_city:"),
        st.Page("pages/indicator.py", title="Chỉ tiêu", icon=":material/flag:"),
        st.Page("pages/tasks.py", title="Nhiệm vụ", icon=":material/task_alt:"),
        st.Page("pages/report.py", title="Báo cáo", icon=":material/description:"),
        st.Page("pages/data.py", title="Dữ liệu", icon=":material/table_view:"),
    ],
}
reporting_page = st.Page("pages/reporting.py", title="Tình hình báo cáo", icon=":material/event_available:")
ENTRY_PAGES = [("pages/entry.py", "Nhập số liệu", ":material/edit_note:"),
               ("pages/upload.py", "Tải tệp lên", ":material/upload_file:")]
ADMIN_PAGES = [("pages/approvals.py", "Phê duyệt số liệu", ":material/verified:"),
               ("pages/users.py", "Tài khoản", ":material/manage_accounts:"),
               ("pages/localities.py", "Địa phương và kế hoạch", ":material/account_tree:")]


def pages(entries: list[tuple[str, str, str]], shown: bool) -> list:
    """Pages of the menu, or (not shown) pages an account may not use: still there, so that opened by
    their address they say so in Vietnamese (kpi.app.session.page_header) where Streamlit would say an
    English "Page not found"; the write path refuses whatever reaches it anyway."""
    return [st.Page(path, title=title, icon=icon, visibility="visible" if shown else "hidden")
            for path, title, icon in entries]


# Who submitted and who is late: the city office's page. An admin finds it beside the approvals, a
# viewer (the leadership) among the pages to read; an editor sees its own deadline where it enters figures.
if not rights.may_write:
    sections["Xem số liệu"].append(reporting_page)
if rights.may_write:
    sections["Nhập số liệu"] = pages(ENTRY_PAGES, shown=True)
else:
    sections[""] += pages(ENTRY_PAGES, shown=False)
# One menu for the admin pages keeps the top bar on one line beside the sidebar.
if rights.may_administer:
    sections["Quản trị"] = [reporting_page, *pages(ADMIN_PAGES, shown=True)]
else:
    sections[""] += pages(ADMIN_PAGES, shown=False)
guard.run_page(st.navigation(sections, position="top"))
