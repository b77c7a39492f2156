"""The year picker every page shares (shared/spec/domain.md, "Which year a screen shows"): a page
opens on the reporting year of its scope; a year a person picks stays picked on every page of the
session and is written in the page's address (`?nam=2025`), so a link or a bookmark opens the same view.

Part of kpi.app, the only Streamlit-aware code.
"""

import streamlit as st

# The year picked in this session, on whichever page: a plain session value, not a widget's, so it
# outlives the widgets of the page it was picked on.
PICKED_KEY = "picked_year"
# The address is read once, on the session's first page: afterwards it holds the year this module wrote.
ADDRESS_READ_KEY = "year_address_read"
QUERY_PARAM = "nam"


def year_from_address(years: list[int]) -> int | None:
    """The year in the address, when it is one of the years offered (anything else is ignored)."""
    text = st.query_params.get(QUERY_PARAM, "")
    return int(text) if text.isdigit() and int(text) in years else None


def opening_year(years: list[int], default: int) -> int:
    """The year picked in this session (a link's year is picked by opening it), else the page's
    default (the reporting year of its scope), each only if offered."""
    if not st.session_state.get(ADDRESS_READ_KEY):
        st.session_state[ADDRESS_READ_KEY] = True
        addressed = year_from_address(years)
        if addressed is not None:
            st.session_state[PICKED_KEY] = addressed
    picked = st.session_state.get(PICKED_KEY)
    if picked in years:
        return picked
    return default if default in years else years[0]


def pick_year(label: str, years: list[int], default: int, *, key: str, container=st, **options) -> int:
    """A selectbox of years showing opening_year: until a year is picked it follows the page's scope;
    a pick is remembered for the session. The year shown is kept in the address."""
    # Set before the widget is drawn, on every run: the widget shows the session's year, not its own.
    st.session_state[key] = opening_year(years, default)
    year = container.selectbox(label, years, key=key, on_change=_remember, args=(key,), **options)
    st.query_params[QUERY_PARAM] = str(year)
    return year


def _remember(key: str) -> None:
    st.session_state[PICKED_KEY] = st.session_state[key]
