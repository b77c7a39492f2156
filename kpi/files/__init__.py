"""Office files in and out: the bounded CSV/XLSX reader, the all-or-nothing importer, the
templates, the data export and loading the catalogue (plans, indicators, localities) from files.

Imports the root vocabulary and ``kpi.store``; never the engine, reports or Streamlit.
"""
