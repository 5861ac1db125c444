"""Build library: choose the libraries and the compute in use; pretrain models on a larger upload."""

from __future__ import annotations

import streamlit as st

from app_state import JobKind, Key, libraries, scheduler
from core.compute.dask_backend import describe
from core.domains import Domain
from core.errors import InputError
from core.work import build_work
from core.pretrain.builder import BuildConfig
from core.pretrain.presets import PRESETS
from core.pretrain.sources import MIN_SOURCE_ROWS
from core.tables import split_unit, table_format_note
from core.workspace import available_libraries, new_user_library, slug, user_libraries_dir
from views._columns import choose_columns
from views._widgets import (compute_text, consume, download_csv, job_panel, latest_job, show_message, submit,
                            upload_limit_mb, upload_table, validate_table, workers_table)


st.title("Build library")

# ---------------------------------------------------------------- libraries in use
WIDGET = "build_libraries"
finished = latest_job(JobKind.BUILD)
if finished is not None and finished.done and finished.result is not None and consume(finished):
    built = str(finished.result.library)
    if built not in libraries():
        st.session_state[Key.LIBRARIES] = libraries() + [built]
    st.session_state[WIDGET] = libraries()

st.subheader("Libraries in use")
found = available_libraries()
refs = {ref.path: ref for ref in found}
options = list(refs) + [p for p in libraries() if p not in refs]
labels = {p: (f"{refs[p].name} ({refs[p].kind}: {refs[p].models} models, {refs[p].properties} properties)"
              if p in refs else p) for p in options}
if WIDGET not in st.session_state or any(p not in options for p in st.session_state[WIDGET]):
    st.session_state[WIDGET] = libraries()
chosen = st.multiselect("Every page screens and lists the models of these libraries", options,
                        format_func=labels.get, key=WIDGET)
if chosen and chosen != libraries():
    st.session_state[Key.LIBRARIES] = chosen
if not chosen:
    st.warning("Choose at least one library; until then the previous choice stays in use.")
st.caption(f"User libraries are stored under {user_libraries_dir()}.")

# ---------------------------------------------------------------- compute: in process or on Dask
st.subheader("Compute")
st.markdown("Screens (stage 1) and library builds run in this process by default. To use more cores or more "
            "machines, give a Dask scheduler: `local:N` starts N worker processes on this machine for each run; "
            "`tcp://HOST:PORT` joins a running cluster whose workers see this project and its libraries at the "
            "same paths (see the README). Rankings are the same either way.")
with st.form("compute_form", border=False):
    text = st.text_input("Dask scheduler (empty: in-process)", value=scheduler() or "",
                         placeholder="local:2 or tcp://10.0.0.5:8786", key="scheduler_text")
    use = st.form_submit_button("Use this setting", icon=":material/hub:")
if use:
    try:
        cluster = describe(text)
    except InputError as exc:
        st.error(str(exc))
    else:
        st.session_state[Key.SCHEDULER] = text.strip()
        st.session_state[Key.CLUSTER] = cluster
st.caption(f"In use: {compute_text()}")
if st.session_state.get(Key.CLUSTER):
    workers_table(st.session_state[Key.CLUSTER])

# ---------------------------------------------------------------- pretrain on the user's data
st.subheader("Pretrain on your own larger dataset")
st.markdown(f"Upload a table of a property with plenty of data (at least {MIN_SOURCE_ROWS} valid rows; thousands "
            "are better). Nets of random shapes are trained on it, in the background, into a new library beside "
            "the shipped one; its models then join the screens as candidates.")
upload = st.file_uploader("CSV, TSV or Excel", key="build_upload", max_upload_size=upload_limit_mb())
job = job_panel(JobKind.BUILD, label="Library build")
if upload is not None:
    table, fid = upload_table(upload)
    sheets = table.attrs.get("sheets") or []
    if len(sheets) > 1:
        sheet = st.selectbox("Sheet", sheets, index=sheets.index(table.attrs["sheet"]), key=f"b_sheet_{fid}")
        if sheet != table.attrs["sheet"]:
            table, _ = upload_table(upload, sheet)
    tid = f"{fid}:{table.attrs.get('sheet', '')}"
    if table_format_note(table.attrs):
        st.caption(table_format_note(table.attrs))
    choice = choose_columns(table, tid, prefix="b_")
    structure, domain, target, ends = choice.structure, choice.domain, choice.target, choice.ends
    try:
        with st.spinner("Validating every row..."):
            report = validate_table(table, tid, structure, target, domain, "average", ends)
    except InputError as exc:
        show_message("error", str(exc))
        st.stop()
    st.caption(f"{report.n_valid} valid rows of {report.n_rows} (repeated structures averaged"
               + (f"; {len({i.line for i in report.issues})} rows left out, see the report" if report.issues else "")
               + ").")
    for note in report.notes:
        show_message("warning", note)
    if report.issues:
        download_csv(report.issues_frame(), "build-validation", "Validation report (CSV)", f"b_issues_{tid}")
    if report.n_valid < MIN_SOURCE_ROWS:
        st.error(f"Only {report.n_valid} valid rows: pretraining needs at least {MIN_SOURCE_ROWS} "
                 f"(for a small target, use the Transfer page instead).")
        st.stop()
    label, header_unit = split_unit(target)
    n1, n2, n3 = st.columns(3)
    name = n1.text_input("Library name", value=slug(upload.name.rsplit(".", 1)[0]) or "my_library",
                         key=f"b_name_{tid}")
    # keyed by the target column: choosing another column relabels the property (and its unit)
    prop = n2.text_input("Property (shown on model cards)", value=label, key=f"b_prop_{tid}_{target}")
    unit = n3.text_input("Unit", value=header_unit, key=f"b_unit_{tid}_{target}")
    preset = st.radio("Preset", ["tiny", "starter"], horizontal=True, key=f"b_preset_{tid}",
                      format_func=lambda p: f"{p}: {PRESETS[p].description}")
    busy = job is not None and not job.done
    if st.button("Build the library", type="primary", disabled=busy, key="b_start", icon=":material/construction:"):
        try:
            out = new_user_library(name)
            source = {"name": slug(name), "domain": Domain(domain), "property": prop.strip() or label,
                      "unit": unit.strip(),
                      "table": report.valid.rename(columns={target: "target"})[["structure", "target", "line"]],
                      "note": f"uploaded by the user as {upload.name}, target column {target!r}"}
            config = BuildConfig(out=out, preset=preset, scheduler=scheduler())
            submit(JobKind.BUILD, build_work(config, source), name=f"build {out.name}")
            st.rerun()
        except InputError as exc:
            show_message("error", str(exc))

if job is not None and job.done and job.result is not None:
    s = job.result
    st.success(f"Built {s.trained_models} models into {s.library} in {s.seconds:.0f} s; it is now in use.")
    if s.failures:
        show_message("warning", "Some stacks failed: " + "; ".join(f"{k}: {v}" for k, v in s.failures.items()))
    for source_name, rows in s.unreadable.items():
        show_message("warning", f"{source_name}: {len(rows)} rows could not be featurized and were left out: "
                     + "; ".join(f"line {r['line']} '{r['structure']}': {r['reason']}" if "line" in r else
                                 f"'{r['structure']}': {r['reason']}" for r in rows[:5]) + (" ..." if len(rows) > 5 else ""))
