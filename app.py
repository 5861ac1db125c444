"""Streamlit entry point of the MDL workbench: navigation, theme, the sidebar.

Run with ``streamlit run app.py``.  Each page is a thin file in ``pages/`` that gathers
inputs, calls ``core`` with one typed config object and renders the result; session
keys and shared choices are enums in ``app_state``.
"""

from __future__ import annotations

import streamlit as st

from app_state import Key, Page, libraries, owner

st.set_page_config(page_title="MDL workbench: shotgun transfer learning", page_icon=":material/hub:",
                   layout="wide", initial_sidebar_state="expanded")

owner()
libraries()

PAGES = {
    "Start": [
        st.Page(Page.HOME, title="Home", icon=":material/home:", default=True),
        st.Page(Page.LEARN, title="Learn", icon=":material/school:"),
    ],
    "Workflow": [
        st.Page(Page.DATA, title="Data", icon=":material/table:"),
        st.Page(Page.LIBRARY, title="Library", icon=":material/library_books:"),
        st.Page(Page.TRANSFER, title="Transfer", icon=":material/rocket_launch:"),
        st.Page(Page.RESULTS, title="Results", icon=":material/insights:"),
        st.Page(Page.PREDICT, title="Predict", icon=":material/online_prediction:"),
    ],
    "Models": [
        st.Page(Page.BUILD, title="Build library", icon=":material/construction:"),
    ],
}
navigation = st.navigation(PAGES)

with st.sidebar:
    from pages._widgets import any_running, dataset, device_text, libraries_summary

    summary = libraries_summary(libraries())
    st.caption(f"Library: {summary['models']} models, {summary['properties']} properties")
    st.caption(f"Device: {device_text()}")
    ds = dataset()
    if ds is not None:
        st.caption(f"Data: {ds.name} ({ds.n_rows} rows, {ds.domain.value})")
    for job in any_running():
        st.caption(f":material/hourglass_top: {job.name}: {job.fraction:.0%}")
    if st.session_state.get(Key.RUN_PATH):
        st.page_link(Page.RESULTS, label="Current results", icon=":material/insights:")

navigation.run()
