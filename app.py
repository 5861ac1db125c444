"""Streamlit entry point of the MDL workbench: navigation, theme, the sidebar.

Run with ``streamlit run app.py`` (it listens on 127.0.0.1 only; see the README to serve
a class).  Each page is a thin file in ``views/`` that gathers inputs, calls ``core``
with one typed config object and renders the result; session keys and shared choices
are enums in ``app_state``.

The sidebar's job status is a fragment that refreshes itself while a job of this
browser runs, and reruns the app once when one finishes, so the "finished" notice and
the status appear without a click, on whichever page is open.
"""

from __future__ import annotations

import streamlit as st

from app_state import JobKind, Key, Page, libraries, owner, remember_owner
from core.jobs import JobStatus, format_seconds
from core.paths import ASSETS_DIR
from views._widgets import (announce, any_running, compute_text, dataset, device_text, latest_job, libraries_summary,
                            recent_jobs)

ICON = ASSETS_DIR / "images" / "icon.png"  # a local file: a :material: icon would be fetched from Google
#: Seconds between two looks of the sidebar at a running job.
STATUS_EVERY = 1.5

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
if screen is not None and screen.done and announce(screen):
    # a finished screen: said once (in any tab of this browser), whichever page is open
    if screen.status is JobStatus.DONE and screen.result:
        st.session_state[Key.RUN_PATH] = str(screen.result["path"])
        if screen.meta.get("open_results") and navigation.url_path == "transfer":
            st.switch_page(Page.RESULTS)
        st.toast(f"{screen.name[:1].upper() + screen.name[1:]} finished: its results are on the Results page.",
                 icon=":material/insights:")
    elif screen.status is JobStatus.FAILED:
        st.toast(f"{screen.name[:1].upper() + screen.name[1:]} failed: see the Transfer page.", icon=":material/error:")


@st.fragment(run_every=STATUS_EVERY if any_running() else None)
def job_status(watched: tuple[str, ...]) -> None:
    """This browser's jobs: running ones with their progress; a rerun of the whole app
    (once) when a job that was running has finished."""
    running = {job.id: job for job in any_running()}
    if any(job_id not in running for job_id in watched):
        st.rerun()  # scope "app": the finished notice, the sidebar and the page catch up
    for job in running.values():
        snap = job.snapshot()
        left = format_seconds(snap.eta) if snap.status is JobStatus.RUNNING else "waiting for another job"
        st.caption(f":material/hourglass_top: **{snap.name}** is running: {snap.fraction:.0%}, {left}")
    for job in recent_jobs():
        st.caption(f":material/check_circle: {job.name} finished" if job.status is JobStatus.DONE else
                   f":material/error: {job.name} {job.status.value}")


with st.sidebar:
    summary = libraries_summary(libraries())
    st.caption(f"Library: {summary['models']} models, {summary['properties']} source properties")
    st.caption(f"Device: {device_text()}; compute: {compute_text()}")
    ds = dataset()
    if ds is not None:
        st.caption(f"Data: {ds.name} ({ds.n_rows} rows, {ds.domain.value})")
    job_status(tuple(job.id for job in any_running()))
    if st.session_state.get(Key.RUN_PATH):
        st.page_link(Page.RESULTS, label="Current results", icon=":material/insights:")
    remember_owner()

navigation.run()
