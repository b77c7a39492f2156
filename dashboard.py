"""Entry point: `streamlit run dashboard.py`."""

from pathlib import Path

import streamlit as st

from kpi import ui

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Thượng tôn pháp luật — Chỉ tiêu 2030", page_icon=":material/balance:", layout="wide")

ui.ensure_database()
pages = [
    st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True),
    st.Page("pages/locality.py", title="Địa phương", icon=":material/location_city:"),
    st.Page("pages/indicator.py", title="Chỉ tiêu", icon=":material/flag:"),
    st.Page("pages/entry.py", title="Nhập số liệu", icon=":material/edit_note:"),
    st.Page("pages/upload.py", title="Tải tệp lên", icon=":material/upload_file:"),
    st.Page("pages/data.py", title="Dữ liệu", icon=":material/table_view:"),
]
if (HERE / "pages" / "report.py").exists():
    pages.insert(3, st.Page("pages/report.py", title="Báo cáo", icon=":material/description:"))
st.navigation(pages, position="top").run()
