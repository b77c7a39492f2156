"""Báo cáo: the meeting report of a year and a scope, as Word, Excel and PDF files."""

from functools import partial

import streamlit as st

from kpi.app import cache, session, widgets
from kpi.app.year_picker import pick_year
from kpi.report.content import file_name
from kpi.report.docx import report_docx
from kpi.report.pdf import report_pdf
from kpi.report.xlsx import report_xlsx
from kpi.vocabulary import MIME_TYPES
from kpi.years import current_year, year_choices

session.page_header("Báo cáo họp")
st.caption("Báo cáo kết quả thực hiện các chỉ tiêu đến năm 2030, dùng cho họp, sơ kết, tổng kết và báo cáo hằng năm: "
           "tệp Word để trình, tệp Excel để cán bộ tính toán lại số liệu.")
latest = cache.latest_year()
if latest is None:
    st.info("Chưa có số liệu để lập báo cáo. Hãy nhập số liệu, tải tệp lên, hoặc nạp dữ liệu minh họa bằng lệnh "
            "`python -m kpi demo`.")
    st.stop()

scopes = cache.report_scopes()
years = year_choices(current_year())
year_column, scope_column = st.columns([1, 3])
code = scope_column.selectbox("Phạm vi", list(scopes), format_func=scopes.get, key="report_scope")
year = pick_year("Năm báo cáo", years, cache.reporting_year(code), key="report_year", container=year_column)

title, summary, completeness = cache.report_preview(year, code)
with st.container(border=True):
    st.markdown(f"**BÁO CÁO — {widgets.plain(title)}**")
    st.markdown(widgets.plain(summary))
    st.markdown(widgets.plain(completeness))

# The files are made only when a button is clicked: a Word report draws one chart per group.
engine = cache.engine()
word_column, excel_column, pdf_column = st.columns(3)
word_column.download_button("Tải báo cáo Word (.docx)", data=partial(report_docx, engine, year, code),
                            file_name=file_name(code, year, ".docx"), mime=MIME_TYPES["docx"], on_click="ignore",
                            icon=":material/description:", type="primary", key="report_download_docx")
excel_column.download_button("Tải bảng số liệu Excel (.xlsx)", data=partial(report_xlsx, engine, year, code),
                             file_name=file_name(code, year, ".xlsx"), mime=MIME_TYPES["xlsx"], on_click="ignore",
                             icon=":material/table_view:", key="report_download_xlsx")
pdf_column.download_button("Tải bản PDF để in (.pdf)", data=partial(report_pdf, engine, year, code),
                           file_name=file_name(code, year, ".pdf"), mime=MIME_TYPES["pdf"], on_click="ignore",
                           icon=":material/picture_as_pdf:", key="report_download_pdf")
