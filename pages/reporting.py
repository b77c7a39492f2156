"""Tình hình báo cáo: every locality of a scope with its state in the reporting cycle, deadline,
submission, timeliness, readings and the editors answering for it; the overdue first."""

import streamlit as st

from kpi.app import cache, overview, reporting, session, widgets
from kpi.engine.timeliness import counts
from kpi.formatting import format_integer
from kpi.vocabulary import MIME_TYPES
from kpi.years import current_year, today, year_choices

session.page_header("Tình hình báo cáo")
st.caption("Địa phương nào đã nộp báo cáo số liệu năm, nộp đúng hạn hay trễ hạn, địa phương nào quá hạn chưa nộp, "
           "và ai phụ trách nhập liệu ở đó. Hạn nộp số liệu năm N là ngày trong kế hoạch của địa phương (mặc định "
           "15/01) của năm N+1; số ngày tính theo lịch, giờ Việt Nam.")

localities = cache.localities()
parents = overview.parent_options(localities)
names = dict(zip(localities["code"], localities["name"]))
years = year_choices(current_year())
default_year = min(cache.latest_year() or current_year() - 1, current_year())

controls = st.columns([1, 2, 3])
year = controls[0].selectbox("Năm số liệu", years, index=years.index(default_year), key="reporting_year")
if parents.empty:
    scope = None
elif len(parents) == 1:
    scope = parents["code"].iloc[0]
else:
    scope = controls[1].selectbox("Phạm vi", parents["code"].tolist(), format_func=names.get, key="reporting_scope")
chosen = controls[2].multiselect("Lọc theo tình trạng", reporting.FILTERS, key="reporting_filter",
                                 placeholder="Tất cả tình trạng")

table = cache.reporting(year, scope)
if table.empty:
    st.info("Chưa có địa phương nào có kế hoạch trong phạm vi này.")
    st.stop()
cycle_counts = counts(table)
metrics = st.columns(5)
metrics[0].metric("Đã nộp", f"{format_integer(cycle_counts.submitted)}/{format_integer(cycle_counts.expected)}")
metrics[1].metric("Đúng hạn", format_integer(cycle_counts.on_time))
metrics[2].metric("Trễ hạn", format_integer(cycle_counts.late))
metrics[3].metric("Quá hạn chưa nộp", format_integer(cycle_counts.overdue))
metrics[4].metric("Đã phê duyệt", format_integer(cycle_counts.approved))

shown = reporting.filtered(table, chosen)
view = reporting.table_view(shown)
scope_name = names.get(scope, "mọi địa phương")
st.caption(f"Xét đến ngày {today():%d/%m/%Y}. Đang hiển thị {format_integer(len(shown))}/{format_integer(len(table))} "
           "địa phương, địa phương quá hạn lâu nhất ở trên cùng.")
st.dataframe(view, hide_index=True, height=widgets.table_height(len(view), 14), column_order=reporting.SCREEN_COLUMNS,
             column_config=reporting.COLUMN_WIDTHS)
st.download_button("Tải bảng này (Excel)", reporting.xlsx_bytes(view, f"Tình hình báo cáo số liệu năm {year} — "
                                                               f"{scope_name}, xét đến ngày {today():%d/%m/%Y}"),
                   file_name=f"tinh-hinh-bao-cao-{year}.xlsx", mime=MIME_TYPES["xlsx"], icon=":material/download:",
                   key="reporting_download")
