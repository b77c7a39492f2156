import functools

import streamlit as st

from kpi.app import access as access_views
from kpi.app import cache, overview, session, widgets
from kpi.app import tasks as plan_tasks
from kpi.app.year_picker import pick_year
from kpi.engine import timeliness
from kpi.engine.reporting_year import partial_warning
from kpi.formatting import format_completeness
from kpi.report.content import file_name
from kpi.report.pdf import report_pdf
from kpi.store.demo import load_demo
from kpi.store.rights import rights_of
from kpi.vocabulary import MIME_TYPES
from kpi.years import current_year, year_choices

PAGE_SIZES = [10, 20, 50]

account = session.page_header("Tổng quan tiến độ đến năm 2030")
widgets.meeting_layout()
rights = rights_of(account)

latest = cache.latest_year()
if latest is None:
    if not rights.may_write:
        st.info("**Chưa có số liệu nào.** Số liệu do cán bộ nhập liệu và quản trị viên nhập; trang này sẽ hiện tiến độ "
                "khi có số liệu.", icon=":material/info:")
        st.stop()
    st.info("**Chưa có số liệu nào.** Để bắt đầu, chọn một trong các cách dưới đây.", icon=":material/info:")
    start = st.columns(3)
    with start[0], st.container(border=True):
        st.markdown("**Nhập số liệu** của một địa phương cho một năm bằng biểu mẫu.")
        st.page_link("pages/entry.py", label="Mở trang Nhập số liệu", icon=":material/edit_note:")
    with start[1], st.container(border=True):
        st.markdown("**Tải tệp lên**: tải mẫu CSV/XLSX, điền số liệu rồi tải lên.")
        st.page_link("pages/upload.py", label="Mở trang Tải tệp lên", icon=":material/upload_file:")
    # The demo loader writes for every locality as a system actor, so it is an admin's choice.
    if rights.may_administer:
        with start[2], st.container(border=True):
            st.markdown("**Xem thử** với dữ liệu minh họa (được đánh dấu là dữ liệu minh họa, có thể xóa sau).")
            if st.button("Nạp dữ liệu minh họa", key="overview_load_demo"):
                load_demo(cache.engine())
                cache.invalidate()
                st.rerun()
    st.caption("Dòng lệnh tương ứng: `python -m kpi import TỆP --user TÊN_ĐĂNG_NHẬP`, `python -m kpi demo`.")
    st.stop()

localities = cache.localities()
parents = overview.parent_options(localities)
names = dict(zip(localities["code"].tolist(), localities["name"].tolist()))
years = year_choices(max(latest, current_year()))
indicators = cache.indicators()

controls = st.columns([1, 2, 2, 2])
if parents.empty:
    parent_code = None
elif len(parents) == 1:
    parent_code = parents["code"].iloc[0]
else:
    parent_code = controls[1].selectbox("Cấp trên", parents["code"].tolist(), format_func=names.get,
                                        key="overview_parent")
year = pick_year("Năm", years, cache.reporting_year(parent_code), key="overview_year", container=controls[0])
query = controls[2].text_input("Tìm địa phương", key="overview_search", placeholder="Tên hoặc mã, có dấu hay không dấu")
group = controls[3].selectbox("Nhóm chỉ tiêu", overview.group_options(indicators), key="overview_group")

summary = cache.overview_summary(year, parent_code)

approved = cache.approvals(year)
st.subheader(f"{widgets.plain(names[parent_code]) + ' — ' if parent_code else ''}năm {year}: "
             f"{overview.reporting_text(summary.reported, summary.expected)}")
partial = partial_warning(summary.reported, summary.expected)
if partial:
    reporting_year = cache.reporting_year(parent_code)
    st.warning(f"Năm {year}: {partial}."
               + (f" Năm báo cáo gần nhất là năm {reporting_year}." if reporting_year != year else ""),
               icon=":material/warning:")
st.caption(f"Số liệu đã được phê duyệt (khóa): "
           f"{format_completeness(access_views.approved_count(summary.locality_codes, approved), summary.expected)}. "
           f"Xem từng địa phương ở cột «Phê duyệt năm {year}» của bảng xếp hạng.")
st.caption(timeliness.counts_text(year, cache.reporting_cycle(year, parent_code)))  # the reporting cycle
if (tasks_line := plan_tasks.summary_text(year, parent_code)) is not None:
    st.caption(tasks_line)

# Who is behind, named, in the first screen of a projector: the indicators furthest from their
# targets (with the change against the year before), the localities that have not reported and those
# with the lowest share of targets achieved.
if parent_code is not None:
    behind = overview.in_group(cache.behind(year, parent_code), group)
    st.markdown(f"**Chỉ tiêu còn xa mục tiêu 2030 nhất** — số liệu tổng hợp năm {year}, so với năm trước")
    if behind.empty:
        st.success("Mọi chỉ tiêu có số liệu đều đã đạt mục tiêu.")
    else:
        st.dataframe(overview.behind_table(behind), hide_index=True, row_height=widgets.COMPACT_ROW_PX,
                     height=widgets.table_height(len(behind), 4, widgets.COMPACT_ROW_PX),
                     column_config=overview.BEHIND_COLUMNS, key="overview_behind")
        widgets.printed_only(overview.table_html(overview.behind_frame(behind), behind["status"].tolist()))
missing = cache.not_reported(year, parent_code)
st.markdown(overview.not_reported_line(missing, summary.expected, year, widgets.plain))
st.markdown(overview.lowest_line(cache.ranking(year, parent_code), widgets.plain))

if summary.counts is not None:
    st.caption("Số chỉ tiêu theo mức đánh giá, tính trên số liệu tổng hợp từ các địa phương cấp dưới.")
    for column, row in zip(st.columns(len(summary.counts)), summary.counts.itertuples()):
        column.metric(widgets.status_markdown(row.status), row.count)

ranking = cache.ranking(year, parent_code, query)
if ranking.empty:
    st.info("Không có địa phương nào khớp với tìm kiếm." if query.strip() else "Chưa có địa phương nào có kế hoạch.")
    st.stop()

sorting = st.columns([3, 1, 1, 1])
orders = overview.sort_options(indicators, group)
sort_by = sorting[0].selectbox("Sắp xếp mọi trang theo", list(orders), format_func=orders.get, key="overview_sort")
descending = sorting[1].toggle("Đảo thứ tự", key="overview_descending")
ordered = cache.ordered_ranking(year, parent_code, query, sort_by, descending)
page_size, page_number = PAGE_SIZES[0], 1
if len(ordered) > PAGE_SIZES[0]:
    page_size = sorting[2].selectbox("Số địa phương mỗi trang", PAGE_SIZES, key="overview_page_size")
    pages = overview.page_count(len(ordered), page_size)
    page_number = sorting[3].number_input(f"Trang (1–{pages})", min_value=1, max_value=pages, value=1, step=1,
                                          key="overview_page")
shown = overview.page(ordered, page_number, page_size)
st.caption(f"Đang hiển thị {len(shown)} trong {len(ordered)} địa phương, xếp theo "
           f"{orders[sort_by].lower()}{' (đảo thứ tự)' if descending else ''}.")

matrix_tab, ranking_tab, table_tab = st.tabs(["Ma trận chỉ tiêu", "Xếp hạng", "Bảng chi tiết"])
codes = tuple(([parent_code] if parent_code is not None else []) + shown["locality_code"].tolist())
with matrix_tab:
    st.plotly_chart(cache.matrix_chart(year, parent_code, codes, group), config=widgets.PLOT_CONFIG, theme=None,
                    key="overview_matrix")
    st.caption("Mỗi hàng một địa phương, mỗi cột một chỉ tiêu (đưa chuột vào ô để xem tên đầy đủ, số liệu và mức "
               "đánh giá). Màu ô theo mức đánh giá (chú giải ở trên). Ô trống: chỉ tiêu không có trong kế hoạch "
               "của địa phương.")
    with st.expander("Tên đầy đủ của các chỉ tiêu"):
        st.dataframe(overview.indicator_legend(indicators, group), hide_index=True)
with ranking_tab:
    st.plotly_chart(cache.ranking_chart(year, parent_code, query, page_number, page_size, sort_by, descending),
                    config=widgets.PLOT_CONFIG, theme=None, key="overview_ranking")
    # The page of the chart and the matrix: thousands of rows at once would not stay interactive.
    ranking_shown = overview.ranking_table(shown, year)
    ranking_shown.insert(2, f"Phê duyệt năm {year}", access_views.approval_labels(shown["locality_code"], approved))
    st.dataframe(ranking_shown, hide_index=True)
with table_tab:
    detail = overview.detail_table(overview.in_group(cache.described(year, parent_code, codes), group))
    st.dataframe(detail, hide_index=True, column_config=widgets.text_widths(overview.DETAIL_WIDTHS))

# The page to take away: the browser's print (the layout below drops the navigation, the tabs and
# the chart, and prints the matrix as a table that fits A4 landscape) or the PDF of the scope.
widgets.print_layout()
widgets.printed_only(overview.matrix_html(cache.matrix_grid(year, parent_code, codes, group)))
if parent_code is not None:
    st.download_button("Tải bản PDF để in hoặc gửi", data=functools.partial(report_pdf, cache.engine(), year, parent_code),
                       file_name=file_name(parent_code, year, ".pdf"), mime=MIME_TYPES["pdf"], on_click="ignore",
                       icon=":material/picture_as_pdf:", key="overview_pdf")
