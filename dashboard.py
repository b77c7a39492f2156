"""Entry point: `streamlit run dashboard.py`."""

import streamlit as st

from kpi import ui

st.set_page_config(page_title="Thượng tôn pháp luật — Chỉ tiêu 2030", page_icon="⚖️", layout="wide")

ui.ensure_database()
st.navigation([st.Page("pages/overview.py", title="Tổng quan", icon="📊", default=True)]).run()
