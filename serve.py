"""The server: `streamlit run serve.py`. Streamlit's app (dashboard.py) plus the route that sets the
session cookie (kpi.app.cookies), served by Streamlit's ASGI server."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from kpi.app.cookies import routes

# With a pages/ folder beside dashboard.py, Streamlit starts in its old "pages directory" mode until
# the first st.navigation call of the process: the first visitor who opens /locality would get
# pages/locality.py run alone, without dashboard.py's login and navigation, and the file names listed
# in a sidebar. Every page of this app goes through dashboard.py's st.navigation.
PagesManager.uses_pages_directory = False

app = st.App("dashboard.py", routes=routes())
