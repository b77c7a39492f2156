import streamlit as st

from kpi.app import cache, charts, choices, overview, session, widgets
from kpi.app import locality as locality_model
from kpi.app import tables as views
from kpi.app.year_picker import pick_year
from kpi.engine import scope
from kpi.engine.reporting_year import partial_warning
from kpi.formatting import NOT_APPLICABLE
from kpi.years import current_year, year_choices

session.page_header("Địa phương")

localities = cache.localities()
ordered = choices.hierarchy_order(localities)
names = dict(zip(localities["code"], localities["name"]))
years = year_choices(max(cache.latest_year() or current_year(), current_year()))

controls = st.columns([3, 1])
code = controls[0].selectbox("Địa phương", ordered["code"].tolist(), format_func=names.get, key="locality_code")
year = pick_year("Tính đến năm", years, cache.reporting_year(code), key="locality_year", container=controls[1])

series = cache.locality_series(code)
rows = cache.described(year, code, (code,))
locality = localities.set_index("code").loc[code]
plans = cache.plans().set_index("code")["title"]

if isinstance(locality["plan_code"], str):
    st.markdown(f"**Kế hoạch:** {widgets.plain(plans.get(locality['plan_code'], locality['plan_code']))}")
if rows.empty:
    st.info("Địa phương này chưa có kế hoạch và không có địa phương cấp dưới nào có kế hoạch, nên chưa có chỉ tiêu để theo dõi.")
    st.stop()
is_aggregate = bool(rows["is_aggregate"].iloc[0])
if is_aggregate:
    summary = cache.overview_summary(year, code)
    st.info(f"Số liệu của {widgets.plain(names[code])} là **số liệu tổng hợp** từ các địa phương cấp dưới "
            f"(tỷ lệ tính theo tổng tử số / tổng mẫu số). Năm {year}: "
            f"{overview.reporting_text(summary.reported, summary.expected)}.")
    partial = partial_warning(summary.reported, summary.expected)
    if partial:
        st.warning(f"Năm {year}: {partial}.", icon=":material/warning:")

counts = scope.status_counts(rows, code)
for column, row in zip(st.columns(len(counts)), counts.itertuples()):
    column.metric(widgets.status_markdown(row.status), row.count)

for group, indicators in rows.sort_values("position").groupby("group", sort=False):
    st.header(widgets.plain(group), divider="gray")
    for status in indicators.to_dict("records"):
        pair = locality_model.indicator_series(series, status["indicator_code"])
        with st.container(border=True):
            text, chart = st.columns([2, 3])
            with text:
                st.markdown(f"**{widgets.plain(status['indicator_name'])}**")
                widgets.status_badge(status["status"])
                st.metric(f"Giá trị mới nhất ({status['latest_year_text']})", status["value_text"],
                          help="Năm gần nhất có số liệu tính được.")
                if status["counts_text"]:
                    st.caption(f"Số liệu: {status['counts_text']}")
                st.caption(f"Mục tiêu 2030: {status['target_text']} · Dự báo 2030: {status['projection_text']}")
                if is_aggregate:
                    st.caption(f"Báo cáo năm {year}: {status['completeness_text']}")
                quiet = charts.not_applicable_years(pair)
                if quiet:
                    st.caption(f"{NOT_APPLICABLE}: năm {', '.join(map(str, quiet))}")
            with chart:
                figure = charts.progress_figure(pair, status)
                if figure is None:
                    st.info(charts.no_figure_text(pair, "Chưa có số liệu."))
                else:
                    st.plotly_chart(figure, config=widgets.PLOT_CONFIG, theme=None, key=f"locality_chart_{status['indicator_code']}")
            # Across the card: who, when and how need more room than the text column has at 1366 px.
            history_year = locality_model.history_year(status)
            if history_year is not None:
                with st.expander(f"Lịch sử số liệu năm {history_year}", icon=":material/history:"):
                    history = cache.history(code, status["indicator_code"], history_year)
                    st.dataframe(views.history_table(history, status["kind"]), hide_index=True)
