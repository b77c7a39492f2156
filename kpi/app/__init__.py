"""Everything pages use: cached loaders, the login and session, shared widgets, and one page model
per page (the tables and choices a page draws, computed from the layers below).

The only layer of ``kpi`` that imports Streamlit; pages import from here and from the layers below.
"""
