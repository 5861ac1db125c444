"""Data: upload or pick a dataset, check the detected columns, validate, preview in 2D and 3D."""

from __future__ import annotations

import streamlit as st

from app_state import Duplicates, Key, Page
from core import datasets
from core.domains import Domain
from core.errors import InputError
from core.labels import cut
from core.tables import split_unit, table_format_note
from core.viz.data import target_histogram
from core.viz.depict import preview_html, preview_table
from core.viz.theme import axis_label
from core.workspace import EXAMPLE_ROWS, from_report, load_example, rows_advice
from views._columns import choose_columns
from views._widgets import (dataset, dataset_caption, download_csv, md_message, show_figure, show_message,
                            upload_limit_mb, upload_table, validate_table, viewer_3d)



st.title("Data")
source = st.radio("Where is your data?", ["Upload a file", "A bundled example"], horizontal=True, key="data_source")

# ---------------------------------------------------------------- a bundled example
if source == "A bundled example":
    examples = datasets.list_datasets(role="example")
    names = [s.name for s in examples]
    specs = {s.name: s for s in examples}
    name = st.selectbox("Example", names, format_func=lambda n: f"{n}: {specs[n].property} ({specs[n].domain.value})",
                        key="example_name")
    spec = specs[name]
    st.caption(f"{spec.citation}. {spec.note}" + (" Values are group-contribution estimates." if spec.estimate else ""))
    rows = st.number_input("Rows (a seeded random subsample)", 10, 5000, EXAMPLE_ROWS, step=10, key="example_rows")
    if st.button("Load this example", type="primary", key="load_example", icon=":material/download:"):
        st.session_state[Key.DATASET] = load_example(name, int(rows))
        st.rerun()

# ---------------------------------------------------------------- an upload
else:
    limit_mb = upload_limit_mb()
    # no type filter: a wrong file (a picture, a PDF) gets a sentence saying what was expected, not a bare "!"
    upload = st.file_uploader(f"CSV, TSV, Excel (.xlsx) or a zip of CIF files; up to {limit_mb} MB",
                              key="data_upload", max_upload_size=limit_mb)
    st.caption("Files are read as text or cell values only: nothing uploaded is ever unpickled or executed.")
    if upload is not None:
        table, fid = upload_table(upload)
        sheets = table.attrs.get("sheets") or []
        if len(sheets) > 1:
            sheet = st.selectbox("Sheet", sheets, index=sheets.index(table.attrs["sheet"]), key=f"sheet_{fid}")
            if sheet != table.attrs["sheet"]:
                table, _ = upload_table(upload, sheet)
        tid = f"{fid}:{table.attrs.get('sheet', '')}"
        st.markdown(f"**{md_message(upload.name)}**: {len(table)} rows, {len(table.columns)} columns")
        if table_format_note(table.attrs):
            st.caption(table_format_note(table.attrs))
        st.dataframe(table.head(8), hide_index=True)
        choice = choose_columns(table, tid)
        structure, domain, target, ends = choice.structure, choice.domain, choice.target, choice.ends
        c4, c5 = st.columns([2, 1])
        duplicates = c4.radio("Repeated structures", list(Duplicates), horizontal=True, key=f"dups_{tid}",
                              format_func=lambda d: {"average": "average their targets", "first": "keep the first",
                                                     "report": "keep all (report them)"}[d])
        unit = c5.text_input("Unit of the target (optional)", value=split_unit(target)[1], key=f"unit_{tid}_{target}")
        try:
            with st.spinner("Validating every row..."):
                report = validate_table(table, tid, structure, target, domain, str(duplicates), ends)
        except InputError as exc:
            show_message("error", str(exc))
            st.stop()
        bad_rows = len({i.line for i in report.issues})
        v = st.columns(3)
        v[0].metric("Rows", report.n_rows)
        v[1].metric("Valid", report.n_valid)
        v[2].metric("Rows with problems", bad_rows)
        for note in report.notes:
            show_message("warning", note, icon=":material/call_split:")
        if report.issues:
            st.markdown("**Validation report**: every row that was left out, and why (lines of the file; the "
                        "header is line 1)")
            issues = report.issues_frame()
            st.dataframe(issues, hide_index=True, height=min(400, 40 + 35 * len(issues)))
            download_csv(issues, f"{upload.name}-validation", "Validation report (CSV)", f"dl_issues_{tid}")
        if report.featurizers:
            st.caption(f"Every valid row was read by the featurizers the screen uses: {', '.join(report.featurizers)}.")
        if report.duplicate_groups:
            st.caption(f"{len(report.duplicate_groups)} groups of rows share a structure (lines "
                       + "; ".join(", ".join(map(str, g)) for g in report.duplicate_groups[:5])
                       + (" ..." if len(report.duplicate_groups) > 5 else "") + f"): {duplicates}.")
        advice = rows_advice(report.n_valid)
        if advice is not None and advice.level == "error":
            show_message("error", advice.message + (" Check the structure and target columns chosen above."
                                                    if report.issues else ""))
            st.stop()
        st.session_state[Key.DATASET] = from_report(report, upload.name.rsplit(".", 1)[0], target, unit)
        st.success(f"{report.n_valid} valid rows are in use.", icon=":material/check:")
        if advice is not None:
            show_message("warning", advice.message)

# ---------------------------------------------------------------- the current dataset
ds = dataset()
st.divider()
if ds is None:
    st.info("No dataset in use yet.")
    st.stop()
st.subheader("Data in use")
st.markdown(dataset_caption(ds))
st.page_link(Page.TRANSFER, label="Next: shotgun transfer", icon=":material/rocket_launch:")
preview = preview_table(ds.valid["structure"].tolist(), ds.domain, ds.values, limit=12)
st.caption(f"The first {len(preview)} structures (hover a cut one to read it whole).")
with st.container(height=430):
    st.html(preview_html(preview, axis_label(ds.target, ds.unit)))
show_figure(target_histogram(ds.values, ds.target, ds.unit), "target_histogram", "histogram")

st.subheader("3D viewer")
has_cif = "cif" in ds.valid.columns
if ds.domain is Domain.INORGANIC and not has_cif:
    st.info("Chemical formulas have no 3D structure. Upload a zip of CIF files to see crystal structures.")
else:
    options = list(range(min(len(ds.valid), 200)))
    lines, structures = ds.valid["line"], ds.valid["structure"]
    pick = st.selectbox("Structure", options, key="viewer_pick",
                        format_func=lambda i: f"line {lines.iloc[i]}: {cut(structures.iloc[i], 80)}")
    if st.toggle("Show in 3D", key="viewer_on", value=False):
        cif = ds.valid["cif"].iloc[pick] if has_cif else None
        viewer_3d(ds.valid["structure"].iloc[pick], ds.domain, cif)
