"""Baseline app for the memory benchmark: bare Streamlit drawing a small table."""

import pandas as pd
import streamlit as st

st.title("Tổng quan")
st.dataframe(pd.DataFrame({"a": range(20), "b": range(20)}), hide_index=True)
