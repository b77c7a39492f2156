"""Báo cáo: the meeting report of a year and a scope, as Word and Excel files."""

from functools import partial

import streamlit as st

from kpi import ui
from kpi.readings import current_year, year_choices
from kpi.report import DOCX_MIME, XLSX_MIME, file_name
from kpi.report_docx import report_docx
from kpi.report_xlsx import report_xlsx

ui.page_header("Báo cáo họp")
st.caption("Báo cáo kết quả thực hiện các chỉ tiêu đến năm 2030, dùng cho họp, sơ kết, tổng kết và báo cáo hằng năm: "
           "tệp Word để trình, tệp Excel để cán bộ tính toán lại số liệu.")
latest = ui.latest_year()
if latest is None:
    st.info("Chưa có số liệu để lập báo cáo. Hãy nhập số liệu, tải tệp lên, hoặc nạp dữ liệu minh họa bằng lệnh "
            "`python -m kpi demo`.")
    st.stop()

scopes = ui.report_scopes()
years = year_choices(current_year())
year_column, scope_column = st.columns([1, 3])
year = year_column.selectbox("Năm báo cáo", years, index=years.index(latest), key="report_year")
code = scope_column.selectbox("Phạm vi", list(scopes), format_func=scopes.get, key="report_scope")

title, summary, completeness = ui.report_preview(year, code)
with st.container(border=True):
    st.markdown(f"**BÁO CÁO — {title}**")
    st.write(summary)
    st.write(completeness)

# The files are made only when a button is clicked: a Word report draws one chart per group.
engine = ui.engine()
word_column, excel_column = st.columns(2)
word_column.download_button("Tải báo cáo Word (.docx)", data=partial(report_docx, engine, year, code),
                            file_name=file_name(code, year, ".docx"), mime=DOCX_MIME, on_click="ignore",
                            icon=":material/description:", type="primary", key="report_download_docx")
excel_column.download_button("Tải bảng số liệu Excel (.xlsx)", data=partial(report_xlsx, engine, year, code),
                             file_name=file_name(code, year, ".xlsx"), mime=XLSX_MIME, on_click="ignore",
                             icon=":material/table_view:", key="report_download_xlsx")
