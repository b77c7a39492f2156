"""The report to take away: its content for a scope and year, written as Word or Excel, with charts.

Imports the root vocabulary, ``kpi.store`` and ``kpi.engine``; never Streamlit.
"""
