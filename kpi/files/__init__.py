"""Office files in and out: the bounded CSV/XLSX reader, the all-or-nothing importers (readings,
task reports), the templates, the data export and loading the catalogue (plans, indicators, plan tasks, localities) from files.

Imports the root vocabulary and ``kpi.store``; never the engine, reports or Streamlit.
"""
