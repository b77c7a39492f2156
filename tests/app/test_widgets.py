"""Sizes the pages give Streamlit's elements."""

from streamlit import config as streamlit_config

from kpi.app import widgets


def test_a_tables_height_holds_its_header_and_rows_whole_at_the_themes_font_size():
    # .streamlit/config.toml sets 17 px: Streamlit draws header and rows 2.1875rem = 37 px high.
    assert streamlit_config.get_option("theme.baseFontSize") == 17
    assert widgets.table_height(12, 4) == 5 * 37 + widgets.TABLE_BORDERS_PX
    assert widgets.table_height(2, 4) == 3 * 37 + widgets.TABLE_BORDERS_PX
    assert widgets.table_height(0, 4) == 37 + widgets.TABLE_BORDERS_PX
    # Rows of their own height, under the usual header.
    assert widgets.table_height(12, 4, 33) == 37 + 4 * 33 + widgets.TABLE_BORDERS_PX
