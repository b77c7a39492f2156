import streamlit as st

from kpi import ui
from kpi.presentation import describe_statuses, status_table

st.title("Tổng quan tiến độ đến năm 2030")
ui.demo_banner()
year = ui.latest_year()
if year is None:
    st.info("Chưa có số liệu. Hãy nhập số liệu, tải tệp lên, hoặc nạp dữ liệu minh họa bằng lệnh `python -m kpi demo`.")
    st.stop()
st.dataframe(status_table(describe_statuses(ui.assessment(year))), hide_index=True)
