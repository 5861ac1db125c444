"""Session-state keys and shared choices of the dashboard, defined once.

Every page reads and writes the session through :class:`Key`; page paths, job kinds and
the choices that several pages offer are enums here too, so a typo is an AttributeError
rather than a silently empty widget.  Logic lives in ``core``; this module only holds
names and the few accessors that need ``st.session_state``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import streamlit as st



class Key(StrEnum):
    """Keys of ``st.session_state`` (one browser session each)."""

    OWNER = "owner"  # token that ties background jobs and saved runs to this browser (kept in a cookie)
    OWNER_COOKIE = "owner_cookie_written"  # the cookie was written in this session
    DATASET = "dataset"  # core.workspace.Dataset the pages work on
    LIBRARIES = "libraries"  # list of library paths in use
    PICKED = "picked_models"  # model ids picked on the Library page
    RUN_PATH = "run_path"  # folder of the run shown on Results and Predict
    CONSUMED = "consumed_jobs"  # ids of finished jobs whose result was taken up
    PRESET = "preset"  # screen preset chosen on Transfer
    SCREEN_CONFIG = "screen_config"  # the ScreenConfig the Transfer page's settings make
    AUTO_OPEN = "auto_open_results"  # switch to Results when the screen finishes
    PREDICTIONS = "predictions"  # (run path, candidate, core.transfer.predict.Predictions) of the last prediction
    LEARN_RUN = "learn_run_path"  # run folder of the Learn page's demo screen
    SCHEDULER = "scheduler"  # Dask scheduler setting ("" in-process, "local:N", "tcp://host:port")
    CLUSTER = "cluster"  # what core.compute.dask_backend.describe said of the scheduler setting


class Page(StrEnum):
    """Page files, relative to app.py (for st.switch_page and st.page_link)."""

    HOME = "views/home.py"
    DATA = "views/data.py"
    LIBRARY = "views/library.py"
    TRANSFER = "views/transfer.py"
    RESULTS = "views/results.py"
    PREDICT = "views/predict.py"
    BUILD = "views/build.py"
    LEARN = "views/learn.py"


class JobKind(StrEnum):
    """Kinds of background job (one of each kind is shown per page)."""

    SCREEN = "screen"
    LEARNING = "learning"
    TRANSFERABILITY = "transferability"
    BUILD = "build"
    LEARN_DEMO = "learn_demo"
    LEARN_COMPARE = "learn_compare"


class CandidateMode(StrEnum):
    """Which library models a screen considers."""

    ALL = "every model that reads the data"
    FILTERED = "models matching a filter"
    PICKED = "models picked on the Library page"


class InputMode(StrEnum):
    """How new structures reach the Predict page."""

    TYPE = "type or paste"
    UPLOAD = "upload a file"


class RunsShown(StrEnum):
    """Which saved runs the run pickers list."""

    MINE = "runs of this browser"
    ALL = "every run on this machine"


class HeatmapAxis(StrEnum):
    """Columns of the transferability heatmap on Results."""

    STRATEGY = "source property x strategy (this run)"
    TARGET = "source property x target (this run and bundled examples)"


class Duplicates(StrEnum):
    """Labels for core.validation.Duplicates in the Data page."""

    AVERAGE = "average"
    FIRST = "first"
    REPORT = "report"


#: Labels of core.domains.EndsConvention, the polymer-ends control of the Data and Build pages.
#: (Markdown: radio labels are rendered, so the * are code.)
ENDS_LABELS = {"explicit": "marked: every repeat unit has two `*` ends",
               "implicit": "also unmarked: a SMILES without `*` has its first and last heavy atoms as the ends"}


#: Cookie that keeps the owner token of a browser, so a refresh (a new Streamlit session)
#: finds its jobs and runs again.
OWNER_COOKIE = "mdl_owner"
#: How long the browser keeps it (seconds): a term.
OWNER_COOKIE_AGE = 120 * 24 * 3600


def owner() -> str:
    """This browser's job-owner token: the one in its cookie, else a new one (kept for
    the session; :func:`remember_owner` writes it into the cookie)."""
    if Key.OWNER not in st.session_state:
        from core.jobs import new_owner, valid_owner

        try:
            cookie = st.context.cookies.get(OWNER_COOKIE)
        except Exception:  # noqa: BLE001 - no request context (bare script run)
            cookie = None
        st.session_state[Key.OWNER] = valid_owner(cookie) or new_owner()
    return st.session_state[Key.OWNER]


def remember_owner() -> None:
    """Write the owner token into the browser's cookie, once per session (a tiny inline
    script; nothing leaves the machine).  The token is 32 hex digits, checked here."""
    from core.jobs import valid_owner

    token = valid_owner(owner())
    if token is None or st.session_state.get(Key.OWNER_COOKIE):
        return
    st.session_state[Key.OWNER_COOKIE] = True
    try:
        if st.context.cookies.get(OWNER_COOKIE) == token:
            return
    except Exception:  # noqa: BLE001
        pass
    st.html(f"<script>document.cookie = '{OWNER_COOKIE}={token}; path=/; max-age={OWNER_COOKIE_AGE}; "
            f"SameSite=Lax';</script>", unsafe_allow_javascript=True)


def libraries() -> list[str]:
    """Library folders in use by this session (default: the default library)."""
    if not st.session_state.get(Key.LIBRARIES):
        from core.paths import default_library_dir

        st.session_state[Key.LIBRARIES] = [str(default_library_dir())]
    return list(st.session_state[Key.LIBRARIES])


def scheduler() -> str | None:
    """The Dask scheduler this session's screens and builds use (None: in-process)."""
    return st.session_state.get(Key.SCHEDULER) or None


def run_path() -> Path | None:
    """The run shown on Results and Predict, if any."""
    value = st.session_state.get(Key.RUN_PATH)
    return Path(value) if value else None
