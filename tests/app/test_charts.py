"""The plotly figure builders, on the engine's real output for the demo data and on small frames."""

import math

import pandas as pd
import plotly.io as pio
import pytest

from kpi import formatting as fmt
from kpi.app import charts
from kpi.engine import scope as overview
from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses


@pytest.fixture
def lac_phuong(demo_engine):
    assessment = assess(demo_engine, 2025, "LAC_PHUONG")
    return assessment, describe_statuses(assessment).set_index("indicator_code")


def pair(assessment, indicator_code):
    series = assessment.series
    return series[(series["locality_code"] == "LAC_PHUONG") & (series["indicator_code"] == indicator_code)]


def trace(figure, starts_with):
    return next(t for t in figure.data if t.name.startswith(starts_with))


def test_progress_figure_draws_readings_target_line_and_dashed_projection(lac_phuong):
    assessment, described = lac_phuong
    status = described.loc["HOA_GIAI_THANH"]
    figure = charts.progress_figure(pair(assessment, "HOA_GIAI_THANH"), status)

    readings = trace(figure, "Số liệu")
    assert list(readings.x) == list(range(2019, 2026))
    assert readings.y[-1] == pytest.approx(90.0)
    target = trace(figure, "Mục tiêu 2030")
    assert list(target.y) == [80.0, 80.0] and target.x[-1] == 2030
    assert target.line.dash == "dot"
    assert "≥ 80%" in target.name
    projection = trace(figure, "Dự báo 2030")
    assert projection.line.dash == "dash"
    assert list(projection.x) == [2025, 2030]
    assert projection.y[-1] == pytest.approx(status["projected_2030"])
    assert projection.line.color == fmt.STATUS_COLOURS[status["status"]]
    assert figure.layout.separators == ",."


def test_khong_phat_sinh_year_is_marked_and_never_plotted_as_zero(lac_phuong):
    assessment, described = lac_phuong
    # PBGDPL_QUYEN_NGHIA_VU: 9/10 in 2023, 19/20 in 2024, 0/0 in 2025.
    figure = charts.progress_figure(pair(assessment, "PBGDPL_QUYEN_NGHIA_VU"), described.loc["PBGDPL_QUYEN_NGHIA_VU"])

    for plotted in figure.data:
        assert 2025 not in [x for x, y in zip(plotted.x, plotted.y) if y is not None and y == 0]
    assert list(trace(figure, "Số liệu").x) == [2023, 2024]
    marks = [a for a in figure.layout.annotations if a.text == fmt.NOT_APPLICABLE]
    assert [a.x for a in marks] == [2025]
    assert [(s.x0, s.x1) for s in figure.layout.shapes] == [(2024.6, 2025.4)]


def test_no_chart_when_every_year_is_khong_phat_sinh(lac_phuong):
    assessment, described = lac_phuong
    series = pair(assessment, "TGPL_DUOC_TRO_GIUP")
    assert len(series) == 7
    assert charts.progress_figure(series, described.loc["TGPL_DUOC_TRO_GIUP"]) is None
    assert charts.not_applicable_years(series) == list(range(2019, 2026))
    # Said where the chart would be, rather than «no figures» beside seven years of them.
    assert charts.no_figure_text(series, "Chưa có số liệu.") == "Không phát sinh trong mọi năm đã báo cáo."
    assert charts.no_figure_text(series.iloc[:0], "Chưa có số liệu.") == "Chưa có số liệu."


def test_boolean_chart_reads_co_khong_and_decrease_target_has_no_line(lac_phuong):
    assessment, described = lac_phuong
    boolean = charts.progress_figure(pair(assessment, "CHUAN_TIEP_CAN_PL"), described.loc["CHUAN_TIEP_CAN_PL"])
    assert list(boolean.layout.yaxis.ticktext) == ["Không", "Có"]
    assert list(trace(boolean, "Mục tiêu").y) == [1.0, 1.0]

    decrease = charts.progress_figure(pair(assessment, "VU_VIEC_VPPL"), described.loc["VU_VIEC_VPPL"])
    assert [t.name for t in decrease.data] == ["Số liệu"]


def test_matrix_colours_each_cell_by_status_and_leaves_cells_outside_a_plan_blank(demo_engine):
    assessment = assess(demo_engine, 2025, "HAI_PHONG")
    described = describe_statuses(assessment)
    grid = overview.matrix(described, ["HAI_PHONG", "LAC_PHUONG", "NHI_CHIEU"])
    figure = charts.matrix_figure(grid.status, grid.value, grid.hover, grid.short)

    heatmap = figure.data[0]
    order = fmt.STATUS_ORDER
    # Localities are rows, indicators columns under their short names.
    assert list(heatmap.y) == ["thành phố Hải Phòng (tổng<br>hợp)", "xã Lạc Phượng", "phường Nhị Chiểu"]
    assert list(heatmap.x)[:2] == ["Trình tự QPPL", "Kiểm tra QPPL"]
    for i, (_, row) in enumerate(grid.status.T.iterrows()):
        for j, code in enumerate(row):
            cell = heatmap.z[i][j]
            if isinstance(code, str):
                assert cell == order.index(code)
            else:
                assert math.isnan(cell)
    # The colour scale maps status i to its colour: z = i sits in the middle of band i.
    for i, code in enumerate(order):
        position = (i + 0.5) / len(order)
        band = [c for p, c in heatmap.colorscale if p <= position][-1]
        assert band == fmt.STATUS_COLOURS[code]
    cells = grid.status.notna().sum().sum()
    assert len(figure.layout.annotations) == cells
    assert any(a.text == "90,0%" for a in figure.layout.annotations)
    # Counts and completeness are in the hover, not in the cell (they spilled into the next one).
    assert any("45/50 vụ việc" in text and "Tỷ lệ hòa giải thành" in text for row in heatmap.customdata for text in row)
    assert not any("vụ việc" in a.text or "địa phương" in a.text for a in figure.layout.annotations)


@pytest.mark.parametrize(("value", "shown", "size"), [
    ("90,0%", "90,0%", charts.MATRIX_FONT_SIZE), ("100,0%", "100,0%", charts.MATRIX_FONT_SIZE - 2),
    ("Không phát sinh", "Không<br>phát sinh", charts.MATRIX_FONT_SIZE - 3),
    ("Chưa báo cáo năm 2025", "Chưa<br>báo cáo", charts.MATRIX_FONT_SIZE - 3),
    ("95,0% (2024)", "95,0%<br>(2024)", charts.MATRIX_FONT_SIZE - 3),
])
def test_matrix_cells_hold_short_texts(value, shown, size):
    assert charts.cell_text(value) == shown
    assert charts.cell_font_size(shown) == size


def test_user_supplied_names_stay_plain_text_in_charts():
    status = pd.DataFrame({"<b>Chỉ tiêu</b>": ["achieved"]}, index=["<script>x</script>"])
    value = pd.DataFrame({"<b>Chỉ tiêu</b>": ["<i>9</i>"]}, index=status.index)
    figure = charts.matrix_figure(status, value, value)
    assert "<script>" not in figure.data[0].x[0] and "&lt;script&gt;" in figure.data[0].x[0]
    assert "&lt;b&gt;" in figure.data[0].y[0]
    assert "&lt;i&gt;9&lt;/i&gt;" in figure.layout.annotations[0].text


def test_ranking_figure_stacks_one_bar_per_status_in_its_colour(demo_engine):
    assessment = assess(demo_engine, 2025, "HAI_PHONG")
    ranking = overview.ranking(assessment.statuses, assessment.catalog.localities, "HAI_PHONG")
    figure = charts.ranking_figure(ranking)
    assert [t.name for t in figure.data] == [fmt.STATUS_LABELS[s] for s in fmt.STATUS_ORDER]
    assert [t.marker.color for t in figure.data] == [fmt.STATUS_COLOURS[s] for s in fmt.STATUS_ORDER]
    achieved = figure.data[0]
    assert list(achieved.x) == ranking["achieved"].tolist()
    assert [a.text.strip() for a in figure.layout.annotations] == [f"{s} đạt" for s in ranking["share_text"]]


def test_every_figure_is_drawn_on_the_white_template(lac_phuong):
    assessment, described = lac_phuong
    status = pd.DataFrame({"xã A": ["achieved"]}, index=["Chỉ tiêu"])
    ranking = pd.DataFrame({"label": ["xã A"], "share_text": ["50,0%"], "judged": [2],
                            **{code: [1 if code in ("achieved", "off_track") else 0] for code in fmt.STATUS_ORDER}})
    rows = pd.DataFrame({"label": ["xã A"], "value": [95.0], "value_text": ["95,0%"], "status": ["on_track"]})
    figures = [
        charts.progress_figure(pair(assessment, "HOA_GIAI_THANH"), described.loc["HOA_GIAI_THANH"].to_dict()),
        charts.matrix_figure(status, status, status), charts.ranking_figure(ranking),
        charts.comparison_figure(rows, "ratio", ">=", 100.0),
    ]
    white = pio.templates["plotly_white"].to_plotly_json()
    assert all(figure.layout.template.to_plotly_json() == white for figure in figures)


def test_comparison_figure_leaves_out_localities_without_a_value():
    rows = pd.DataFrame({
        "label": ["xã A", "xã B", "xã C"], "value": [95.0, None, 40.0],
        "value_text": ["95,0%", "Không phát sinh", "40,0%"], "status": ["on_track", "no_data", "regressing"],
    })
    figure = charts.comparison_figure(rows, "ratio", ">=", 100.0)
    bars = figure.data[0]
    assert list(bars.y) == ["xã A", "xã C"]
    assert list(bars.marker.color) == [fmt.STATUS_COLOURS["on_track"], fmt.STATUS_COLOURS["regressing"]]
    assert figure.layout.shapes[0].x0 == 100.0


def test_a_bar_of_zero_keeps_its_text_clear_of_the_name():
    rows = pd.DataFrame({"label": ["xã Lạc Phượng"], "value": [0.0], "value_text": ["Không"], "status": ["off_track"]})
    figure = charts.comparison_figure(rows, "boolean", ">=", 1)
    # The bar's text sits at the axis; the name ends this far left of it (in pixels).
    assert figure.data[0].textposition == "outside"
    assert figure.layout.yaxis.ticklabelstandoff >= 20


@pytest.mark.parametrize("background, expected", [
    ("#1a7f37", charts.LIGHT_TEXT), ("#cf222e", charts.LIGHT_TEXT), ("#e8a33d", charts.DARK_TEXT),
    ("#9aa4ae", charts.DARK_TEXT), ("#ffffff", charts.DARK_TEXT),
])
def test_text_colour_reads_on_each_status_colour(background, expected):
    assert charts.text_colour(background) == expected


def test_wrap_breaks_long_labels_at_words():
    assert charts.wrap("một hai ba bốn năm", 8) == "một hai<br>ba bốn<br>năm"


@pytest.mark.parametrize("highest, step", [(0, 1), (2, 1), (5, 1), (6, 2), (10, 2), (11, 5), (24, 5), (26, 10),
                                           (1234, 500)])
def test_count_axes_tick_whole_numbers_only(highest, step):
    assert charts.count_axis(highest) == {"tick0": 0, "dtick": step, "tickformat": ",d"}


def test_count_charts_never_label_half_ticks(lac_phuong):
    # A count chart with small values read "2, 2, 1, 1, 0": ticks at halves, rounded by ",d".
    assessment, described = lac_phuong
    figure = charts.progress_figure(pair(assessment, "VU_VIEC_VPPL"), described.loc["VU_VIEC_VPPL"])
    assert figure.layout.yaxis.tick0 == 0 and float(figure.layout.yaxis.dtick).is_integer()
    rows = pd.DataFrame({"label": ["xã A", "xã B"], "value": [2.0, 1.0], "value_text": ["2", "1"],
                         "status": ["achieved", "off_track"]})
    comparison = charts.comparison_figure(rows, "count", ">=", 2)
    assert comparison.layout.xaxis.dtick == 1 and comparison.layout.xaxis.tickformat == ",d"
