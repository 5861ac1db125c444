"""Rendering helpers shared by the pages: cached core calls, job panels, figures, downloads.

Only presentation lives here; every computation is a call into ``core``.  Why one module
of ~500 lines: these are small helpers every page imports together (a panel, a download, a
figure), each a few lines; the column choice of Data and Build lives in ``views._columns``.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

from app_state import Key, Page, owner
from core.errors import InputError, LibraryError
from core.jobs import JobRegistry, JobStatus, format_seconds


# ====================================================================== cached resources
@st.cache_resource(show_spinner=False)
def job_registry() -> JobRegistry:
    """One registry for the whole server; each session only sees its own jobs (by owner)."""
    return JobRegistry()


@st.cache_resource(show_spinner=False)
def device_text() -> str:
    from core.compute.device import device_label

    return device_label()


def compute_text() -> str:
    """Where screens and builds run for this session: in process, or on Dask workers."""
    from app_state import Key

    cluster = st.session_state.get(Key.CLUSTER)
    if not cluster or cluster["kind"] == "in-process":
        return "in-process"
    return f"Dask, {len(cluster['workers'])} workers ({cluster['label']})"


def workers_table(cluster: dict) -> None:
    """The workers of a described scheduler setting, as a table."""
    if not cluster["workers"]:
        st.caption("No Dask workers: stage 1 and builds run in this process, on this machine's cores.")
        return
    frame = pd.DataFrame(cluster["workers"])
    frame["memory_limit"] = frame["memory_limit"].map(lambda b: f"{b / 2**30:.1f} GiB" if b else "")
    st.dataframe(frame, hide_index=True, width="stretch")


def _stamp(path: str) -> float:
    """Changes whenever the library's catalog changes (so caches refresh after a build)."""
    base = Path(path)
    return sum(p.stat().st_mtime for p in (base / "catalog.sqlite", base / "catalog.sqlite-wal",
                                           base / "library.json") if p.exists())


@st.cache_data(show_spinner=False, max_entries=64)
def _query(path: str, stamp: float, filters: tuple) -> pd.DataFrame:
    from core.library import Library

    with Library(path) as lib:
        frame = lib.models(**dict(filters))
    frame.insert(1, "library", path)
    return frame


def query_models(paths: list[str], **filters) -> pd.DataFrame:
    """Catalog rows of every library in ``paths`` matching ``filters`` (Library.models)."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in filters.items() if v not in (None, [])))
    frames = []
    for path in paths:
        try:
            frames.append(_query(path, _stamp(path), key))
        except LibraryError as exc:
            st.warning(f"Library {path} cannot be read: {exc}")
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).drop_duplicates("id")


@st.cache_data(show_spinner=False, max_entries=256)
def _card(path: str, stamp: float, model_id: str) -> dict:
    from core.library import Library

    with Library(path) as lib:
        return lib.card(model_id)


def model_card(path: str, model_id: str) -> dict:
    return _card(path, _stamp(path), model_id)


def library_names(paths: list[str]) -> list[str]:
    """Names of library folders in words (``the starter library shipped with the app``),
    never their absolute paths."""
    from core.workspace import available_libraries

    kinds = {"starter": "the starter library shipped with the app", "default": "the default library (MDL_LIBRARY)"}
    refs = {str(Path(r.path).resolve()): r for r in available_libraries()}
    named = {}
    for path in dict.fromkeys(map(str, paths)):  # each distinct folder resolved once (a table repeats them)
        ref = refs.get(str(Path(path).resolve()))
        named[path] = kinds.get(ref.kind, f"your library {ref.name}") if ref else Path(path).name
    return [named[str(p)] for p in paths]


def libraries_summary(paths: list[str]) -> dict:
    """Models and properties over the libraries in use."""
    frames = query_models(paths, columns=["id", "domain", "source", "property"])
    if frames.empty:
        return {"models": 0, "properties": 0, "domains": {}}
    return {"models": int(len(frames)), "properties": int(frames["source"].nunique()),
            "domains": frames.groupby("domain")["id"].count().to_dict()}


@st.cache_resource(show_spinner=False, max_entries=16)
def _run(path: str, stamp: float):
    from core.transfer.runs import load_run

    return load_run(path)


def load_run(path: str | Path):
    """A saved run (cached per folder; InputError if it is not a run)."""
    meta = Path(path) / "run.json"
    if not meta.exists():
        raise InputError(f"{path} is not a run folder")
    return _run(str(path), meta.stat().st_mtime)


@st.cache_data(show_spinner=False, max_entries=8)
def _read_table(_data: bytes, name: str, digest: str, limit: int, sheet: str | None = None) -> pd.DataFrame:
    from core.tables import read_table

    return read_table(_data, name, sheet=sheet)  # keyed by the content's digest and the size limit, not the bytes


def upload_limit_mb() -> int:
    """The upload limit in whole MB, from core.tables.max_upload_bytes (MDL_MAX_UPLOAD_MB)."""
    import math

    from core.tables import max_upload_bytes

    return max(1, math.ceil(max_upload_bytes() / 2**20))


def read_upload(upload, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """The table of an uploaded file and the digest of its content (InputError with a clear
    reason if it cannot be read).  The file is hashed once per rerun, here."""
    from core.tables import max_upload_bytes

    data = upload.getvalue()
    fid = digest(data)
    return _read_table(data, upload.name, fid, max_upload_bytes(), sheet), fid


def upload_table(upload, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """:func:`read_upload`, or an error naming the file and a stop of the page."""
    from core.tables import max_upload_bytes

    try:
        if upload.size > max_upload_bytes():
            raise InputError(f"{upload.name} is {upload.size / 2**20:.1f} MB; the limit is {upload_limit_mb()} MB "
                             "(MDL_MAX_UPLOAD_MB)")
        return read_upload(upload, sheet)
    except InputError as exc:
        st.error(md_message(f"Cannot read {upload.name}: {exc}"))
        st.stop()


# ====================================================================== messages
_QUOTED = re.compile(r"""(?<![\w])(?:'([^'\n]+)'|"([^"\n]+)")(?![\w])""")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~$])")


def _escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_message(text: str) -> str:
    """A core message as Markdown that shows it as written: quoted structure strings
    (``'*CC(*)C'``) become inline code, and every other Markdown character is escaped, so
    the ``*`` of a repeat unit is never taken for italics."""
    text = str(text)
    out, pos = [], 0
    for match in _QUOTED.finditer(text):
        out.append(_escape(text[pos:match.start()]))
        out.append(_code(match.group(1) or match.group(2)))
        pos = match.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def show_message(kind: str, text: str, **kwargs) -> None:
    """``st.error``/``st.warning``/``st.info``/``st.success`` of a core message, via :func:`md_message`."""
    getattr(st, kind)(md_message(text), **kwargs)


def run_or_stop(empty_message: str, picker_key: str):
    """The run shown on Results and Predict, or a way to get one and a stop of the page.

    Without a run: ``empty_message``, a link to Transfer and the saved runs to reopen.  An
    unreadable run folder: its error, and the session forgets it.
    """
    path = current_run_path()
    if path is None:
        st.info(empty_message)
        st.page_link(Page.TRANSFER, label="Transfer", icon=":material/rocket_launch:")
        past_runs_picker(picker_key)
        st.stop()
    try:
        return path, load_run(path)
    except InputError as exc:
        st.error(str(exc))
        st.session_state.pop(Key.RUN_PATH, None)
        st.stop()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


# ====================================================================== session helpers
def dataset():
    """The session's dataset (core.workspace.Dataset) or None."""
    return st.session_state.get(Key.DATASET)


def dataset_caption(ds) -> str:
    unit = f" ({_escape(ds.unit)})" if ds.unit else ""
    return (f"**{_escape(ds.name)}**: {ds.n_rows} rows of {ds.domain.value} structures, "
            f"target *{_escape(ds.target)}*{unit}")


def consume(job) -> bool:
    """True the first time a finished job is seen by this session (to act on it once in
    this session, e.g. adopt a built library; a refresh adopts it again)."""
    seen = st.session_state.setdefault(Key.CONSUMED, [])
    if job.id in seen:
        return False
    seen.append(job.id)
    return True


# ====================================================================== background jobs
def submit(kind: str, work: Callable, name: str, meta: dict | None = None):
    """Start a background job for this browser (``meta``: what a page needs to show it
    again after a refresh, e.g. the dataset it runs on)."""
    return job_registry().submit(owner(), work, name=name, kind=kind, meta=meta)


def announce(job) -> bool:
    """True the first time a finished job of this browser is announced (any tab, any page)."""
    return job_registry().announce(owner(), job)


def recent_jobs(limit: int = 2, within: float = 600.0) -> list:
    """This browser's jobs that finished in the last ``within`` seconds, newest first."""
    import time

    now = time.monotonic()
    done = [j for j in job_registry().jobs(owner()) if j.done and j.finished_at and now - j.finished_at < within]
    return sorted(done, key=lambda j: j.finished_at, reverse=True)[:limit]


def latest_job(kind: str):
    return job_registry().latest(owner(), kind)


def job_panel(kind: str, *, label: str, name: str | None = None, run: str | None = None) -> object | None:
    """Progress bar, time left, cancel button and log of this session's latest ``kind`` job
    (only if it is called ``name``, when given, and was started for the run folder ``run``
    (its ``meta["run"]``), when given: e.g. a job for the run on show).

    While the job runs, the panel refreshes itself every second (a fragment); when it
    ends, the whole page reruns once so the page can show the result.  Returns the job.
    """
    job = latest_job(kind)
    if job is None or (name is not None and job.name != name) or (run is not None and job.meta.get("run") != run):
        return None
    running = not job.done

    @st.fragment(run_every=1.0 if running else None)
    def panel():
        snap = job.snapshot()
        if snap.status.finished and running:
            st.rerun()  # the whole page: show the result
        if snap.status in (JobStatus.RUNNING, JobStatus.QUEUED):
            left = format_seconds(snap.eta) if snap.status is JobStatus.RUNNING else "queued"
            st.progress(min(max(snap.fraction, 0.0), 1.0),
                        text=f"{label}: {snap.message} \u00b7 {snap.fraction:.0%} \u00b7 {snap.elapsed:.0f} s elapsed"
                             f" \u00b7 time left {left}")
            if st.button("Cancel", key=f"cancel_{kind}_{snap.id}", icon=":material/cancel:"):
                job.cancel()
                st.toast("Cancelling: the job stops at its next check.")
        elif snap.status is JobStatus.FAILED:
            st.error(md_message(f"{label} failed: {snap.error}"))
            if job.error_detail:
                with st.expander("Technical details"):
                    st.code(job.error_detail)
        elif snap.status is JobStatus.CANCELLED:
            st.warning(md_message(f"{label} was cancelled ({snap.message})."))
        elif snap.status is JobStatus.DONE:
            st.caption(f"{label} finished in {snap.elapsed:.1f} s.")
        if snap.logs:
            with st.expander("Log", expanded=False):
                st.code("\n".join(snap.logs[-40:]))

    panel()
    return job


def any_running() -> list:
    return job_registry().running(owner())


# ====================================================================== figures and downloads
def show_figure(fig, name: str, key: str) -> None:
    """A plotly figure with its downloads (HTML always, PNG when kaleido can render)."""
    from core.viz.export import figure_html, png_available

    st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False})
    ok, why = png_available()
    with st.container(horizontal=True, gap="small"):
        st.download_button("HTML", data=lambda: figure_html(fig), file_name=f"{name}.html", mime="text/html",
                           key=f"html_{key}", icon=":material/download:", on_click="ignore", width="content")
        if ok:
            st.download_button("PNG", data=lambda: _png_or_note(fig), file_name=f"{name}.png", mime="image/png",
                               key=f"png_{key}", icon=":material/image:", on_click="ignore", width="content")
        else:
            st.caption(f"PNG export is not available here ({why}); download the HTML instead.")


def _png_or_note(fig) -> bytes:
    """PNG bytes; if rendering fails off the script thread, a small PNG saying why."""
    from core.viz.export import ExportError, figure_png, message_png

    try:
        return figure_png(fig)
    except ExportError as exc:
        return message_png(f"PNG export failed: {exc}. Download the HTML version instead.")


def download_csv(frame: pd.DataFrame, name: str, label: str, key: str) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    st.download_button(label, data=buffer.getvalue(), file_name=f"{name}.csv", mime="text/csv", key=key,
                       icon=":material/download:", on_click="ignore")


def viewer_3d(structure: str, domain, cif: str | None = None, height: int = 420) -> None:
    """The 3D viewer of one structure (offline 3Dmol.js), or the reason there is none."""
    from core.viz.structure3d import model_for, viewer_html

    try:
        model = model_for(structure, domain, cif)
    except InputError as exc:
        st.info(str(exc))
        return
    viewer = viewer_html(model, height=height)
    if not viewer.offline:
        st.warning(viewer.note)
    st.caption(f"3D source: {model.origin}. Drag to rotate, scroll to zoom.")
    st.iframe(viewer.html, height=height + 20)


# ====================================================================== runs
def _run_from_query() -> str | None:
    """The run named in the URL (?run=<folder>), if it is a saved run; survives a refresh."""
    from core.paths import runs_dir

    name = st.query_params.get("run")
    if not name:
        return None
    base = runs_dir().resolve()
    path = (base / str(name)).resolve()
    if path.parent != base or not (path / "run.json").exists():
        return None
    return str(path)


def current_run_path() -> str | None:
    """This session's run, else the one in the URL (restored after a browser refresh),
    else the run of this browser's latest finished screen (found again after a refresh)."""
    path = st.session_state.get(Key.RUN_PATH)
    if path and (Path(path) / "run.json").exists():
        return path
    found = _run_from_query()
    if not found:
        from app_state import JobKind

        job = latest_job(JobKind.SCREEN)
        result = job.result if job is not None and job.done else None
        if result and result.get("path") and (Path(result["path"]) / "run.json").exists():
            found = str(result["path"])
    if found:
        st.session_state[Key.RUN_PATH] = found
    return found


def browser_timezone():
    """The browser's time zone (for local times), else this machine's (None)."""
    try:
        from zoneinfo import ZoneInfo

        name = st.context.timezone
        return ZoneInfo(name) if name else None
    except Exception:  # noqa: BLE001 - unknown zone or no browser context
        return None


def past_runs_picker(key: str) -> None:
    """The saved runs of this browser (or of the machine), by readable name and local
    time, and a button to reopen one."""
    from app_state import RunsShown
    from core.labels import cut, number
    from core.transfer.runs import list_runs

    shown = st.segmented_control("Saved runs", list(RunsShown), default=RunsShown.MINE, key=f"runs_shown_{key}",
                                 help="Runs started in this browser, or every run saved on this machine "
                                      "(other browsers' and the command line's too).") or RunsShown.MINE
    runs = list_runs(owner=owner() if shown is RunsShown.MINE else None, tz=browser_timezone())
    if runs.empty:
        st.caption("No saved runs yet." if shown is RunsShown.ALL else
                   "No saved runs of this browser yet; show every run on this machine to see the others.")
        return
    table = pd.DataFrame({
        "run": runs["title"], "verdict": runs["verdict"].fillna(""),
        "nested MAE": [number(v, u) for v, u in zip(runs["nested_mae"], runs["unit"])],
        "recommended model": runs["recommended"].fillna("").map(lambda t: cut(t, 120)),
        "started (local time)": runs["created_local"]})
    st.dataframe(table.head(50), hide_index=True, height=min(300, 40 + 35 * len(runs)),
                 column_config={"run": st.column_config.TextColumn(pinned=True, width="large")})
    labels = dict(zip(runs["path"], runs["title"]))
    choice = st.selectbox("Run", list(labels), format_func=labels.get, key=f"runpick_{key}")
    if st.button("Open this run", key=f"runopen_{key}", icon=":material/folder_open:"):
        st.session_state[Key.RUN_PATH] = choice
        st.rerun()


# ====================================================================== tables in words
#: Display formats of the rounding rules of core.labels.COLUMNS (sprintf-js: "%.3g" gives 1240, not 1.24e+3,
#: as core.labels.number does).
FORMATS = {"sig": "%.3g", "r2": "%.2f", "pct": "%.0f"}


def show_table(frame: pd.DataFrame, unit: str = "", columns: list[str] | None = None, *,
               pinned: tuple[str, ...] = (), widths: dict | None = None, key: str | None = None,
               height: int | str = "auto", source_unit: str = "", titles: dict | None = None):
    """A machine table shown in words: values in words, numbers rounded as everywhere,
    headers with units and tooltips (core.labels), the ``pinned`` columns first and kept
    in view while the rest scrolls sideways."""
    from core.labels import COLUMNS, column_help, column_title, in_words, rounded

    columns = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    order = [c for c in pinned if c in columns] + [c for c in columns if c not in pinned]
    shown = rounded(in_words(frame)[order])
    config = {}
    for name in order:
        title, tip = (titles or {}).get(name) or column_title(name, unit, source_unit), column_help(name)
        width = (widths or {}).get(name)
        if pd.api.types.is_bool_dtype(shown[name]):
            config[name] = st.column_config.CheckboxColumn(title, help=tip, pinned=name in pinned, width=width)
        elif pd.api.types.is_numeric_dtype(shown[name]):
            kind = COLUMNS[name].rounding if name in COLUMNS else ""
            config[name] = st.column_config.NumberColumn(title, help=tip, pinned=name in pinned, width=width,
                                                         format=FORMATS.get(kind))
        else:
            config[name] = st.column_config.TextColumn(title, help=tip, pinned=name in pinned, width=width)
    return st.dataframe(shown, hide_index=True, height=height, column_config=config, key=key)


def download_table(frame: pd.DataFrame, unit: str, columns: list[str] | None, name: str, label: str,
                   key: str, titles: dict | None = None) -> None:
    """A CSV download of a machine table with headers in words and units (machine ids
    kept, in columns of their own, last)."""
    from core.labels import titled

    download_csv(titled(frame, unit, columns, titles=titles), name, label, key)


def glossary(terms: list[str] | None = None, expanded: bool = False) -> None:
    """The glossary of core.labels in an expander."""
    from core.labels import glossary_markdown

    with st.expander("Words used on this page", expanded=expanded, icon=":material/menu_book:"):
        st.markdown(glossary_markdown(terms))


@st.cache_data(show_spinner=False, max_entries=16)
def _validate(_table: pd.DataFrame, table_id: str, structure: str, target: str, domain: str, duplicates: str,
              ends: str):
    from core.validation import validate

    return validate(_table, structure=structure, targets=[target], domain=domain, duplicates=duplicates, ends=ends)


def validate_table(table: pd.DataFrame, table_id: str, structure: str, target: str, domain: str, duplicates: str,
                   ends: str = "explicit"):
    """core.validation.validate (with the domain's default featurizers as judges), cached
    per (file and sheet, columns, domain, duplicates, polymer ends convention)."""
    return _validate(table, table_id, structure, target, domain, duplicates, ends)
