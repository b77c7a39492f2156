"""The progress engine: judges each reading against its 2030 target (status, forecast), assesses a
scope for a year and builds the one overview of a scope (counts, reporting, ranking, matrix) that
pages, reports and the CLI share; and the plan tasks of a scope in a year, with what is overdue
(``tasks``).

Imports the root vocabulary and ``kpi.store``; never files, reports or Streamlit.
"""
