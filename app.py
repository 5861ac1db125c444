"""Streamlit entry point of the MDL workbench: navigation, theme, the sidebar.

Run with ``streamlit run app.py``.  Each page is a thin file in ``pages/`` that gathers
inputs, calls ``core`` with one typed config object and renders the result; session
keys and shared choices are enums in ``app_state``.
"""

from __future__ import annotations

import streamlit as st

from app_state import JobKind, Key, Page, libraries, owner
from core.paths import ASSETS_DIR
from pages._widgets import any_running, compute_text, consume, dataset, device_text, latest_job, libraries_summary

ICON = ASSETS_DIR / "images" / "icon.png"  # a local file: a :material: icon would be fetched from Google

st.set_page_config(page_title="MDL workbench: shotgun transfer learning", page_icon=str(ICON),
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

screen = latest_job(JobKind.SCREEN)
if screen is not None and screen.done and screen.result and consume(screen):
    # a finished screen becomes this session's run, whichever page is open
    st.session_state[Key.RUN_PATH] = str(screen.result["path"])
    if st.session_state.pop(Key.AUTO_OPEN, False) and navigation.url_path == "transfer":
        st.switch_page(Page.RESULTS)
    st.toast("The screen finished: its results are on the Results page.", icon=":material/insights:")

with st.sidebar:
    summary = libraries_summary(libraries())
    st.caption(f"Library: {summary['models']} models, {summary['properties']} properties")
    st.caption(f"Device: {device_text()}; compute: {compute_text()}")
    ds = dataset()
    if ds is not None:
        st.caption(f"Data: {ds.name} ({ds.n_rows} rows, {ds.domain.value})")
    for job in any_running():
        st.caption(f":material/hourglass_top: {job.name} is running")
    if st.session_state.get(Key.RUN_PATH):
        st.page_link(Page.RESULTS, label="Current results", icon=":material/insights:")

navigation.run()
