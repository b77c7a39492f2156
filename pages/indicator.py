import streamlit as st

from kpi.app import cache, charts, overview, session, widgets
from kpi.app import indicator as comparison
from kpi.app.year_picker import pick_year
from kpi.years import current_year, year_choices

PAGE_SIZE = 20

session.page_header("Chỉ tiêu")

indicators = cache.indicators()
localities = cache.localities()
names = dict(zip(localities["code"], localities["name"]))
indicator_names = dict(zip(indicators["code"], indicators["name"]))
parents = overview.parent_options(localities)
years = year_choices(max(cache.latest_year() or current_year(), current_year()))

controls = st.columns([3, 1])
code = controls[0].selectbox("Chỉ tiêu", indicators["code"].tolist(), format_func=indicator_names.get,
                             key="indicator_code")
indicator = indicators.set_index("code").loc[code].rename(code)
indicator["code"] = code

parent_code = parents["code"].iloc[0] if len(parents) == 1 else None
if len(parents) > 1:
    parent_code = st.selectbox("Cấp trên", parents["code"].tolist(), format_func=names.get, key="indicator_parent")
year = pick_year("Tính đến năm", years, cache.reporting_year(parent_code), key="indicator_year", container=controls[1])

definition = comparison.definition(indicator, cache.plan_targets(), cache.plans())
with st.expander("Định nghĩa chỉ tiêu và kế hoạch đặt ra chỉ tiêu", expanded=True):
    for label, text in definition["parts"].items():
        st.markdown(f"**{label}:** {widgets.plain(text)}")
    st.markdown("**Kế hoạch đặt ra chỉ tiêu:**")
    for plan, target in zip(definition["sources"]["Kế hoạch"], definition["sources"]["Mục tiêu 2030"]):
        st.markdown(f"- {widgets.plain(plan)} — mục tiêu 2030: {target}")

st.header(f"Giá trị mới nhất của từng địa phương (tính đến năm {year})", divider="gray")
query = st.text_input("Tìm địa phương", key="indicator_search", placeholder="Tên hoặc mã, có dấu hay không dấu")
described = cache.described(year, parent_code, None, code)
compared = comparison.localities_compared(described, localities, code, parent_code, query)

if compared.empty:
    st.info("Không có địa phương nào khớp với tìm kiếm." if query.strip()
            else "Chưa có địa phương nào có chỉ tiêu này trong kế hoạch.")
else:
    page_number = 1
    if len(compared) > PAGE_SIZE:
        pages = overview.page_count(len(compared), PAGE_SIZE)
        # A list of pages, not a number field: nothing to mistype, no English range message.
        page_number = st.selectbox(f"Trang (1–{pages})", range(1, pages + 1), key="indicator_page")
    shown = overview.page(compared, page_number, PAGE_SIZE)
    if shown["value"].notna().any():
        st.plotly_chart(charts.comparison_figure(shown, indicator["kind"], indicator["comparator"], indicator["target"]),
                        config=widgets.PLOT_CONFIG, theme=None, key="indicator_comparison")
    # The page of the chart: the table of thousands of localities at once would not stay interactive.
    st.dataframe(comparison.comparison_table(shown), hide_index=True)

if parent_code is not None:
    aggregate = described[(described["locality_code"] == parent_code) & (described["indicator_code"] == code)]
    if not aggregate.empty:
        status = aggregate.iloc[0].to_dict()
        st.header(f"{widgets.plain(names[parent_code])}: số liệu tổng hợp qua các năm", divider="gray")
        widgets.status_badge(status["status"])
        st.caption(f"Mục tiêu 2030: {status['target_text']} · Dự báo 2030: {status['projection_text']} · "
                   f"Báo cáo năm {year}: {status['completeness_text']}")
        pair = cache.locality_series(parent_code, code)
        figure = charts.progress_figure(pair, status)
        left, right = st.columns([3, 2])
        if figure is None:
            left.info(charts.no_figure_text(pair, "Chưa có số liệu tổng hợp."))
        else:
            left.plotly_chart(figure, config=widgets.PLOT_CONFIG, theme=None, key="indicator_aggregate_chart")
        right.dataframe(comparison.aggregate_years(pair, parent_code, code), hide_index=True)
