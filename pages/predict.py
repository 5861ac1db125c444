"""Predict: new structures typed, pasted or uploaded; predictions with uncertainty and applicability."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app_state import InputMode, Key, ensure_navigation
from core.domains import IDENTIFIER, Domain
from core.errors import InputError, LibraryError
from core.transfer.predict import predict
from core.validation import validate
from core.viz.ranking import short_name
from pages._widgets import download_csv, run_or_stop, upload_limit_mb, upload_table

ensure_navigation()

st.title("Predict new structures")
path, result = run_or_stop("Predictions come from a finished run. Run a screen on the Transfer page, or reopen "
                           "a saved run.", "predict_empty")
domain = Domain(result.target["domain"])
unit = result.target.get("unit") or ""
st.caption(f"Run {Path(path).name}: {result.target['name']} ({result.target['n']} training rows, {domain.value}).")

ranking = result.ranking
candidates = ranking["candidate"].head(50).tolist()
labels = {r["candidate"]: f"#{r['rank']} {short_name(r, 70)} (CV MAE {r['cv_mae']:.4g})"
          for r in ranking.head(50).to_dict("records")}
candidate = st.selectbox("Model", candidates, format_func=labels.get, key=f"pred_model_{Path(path).name}")

mode = st.radio("New structures", list(InputMode), horizontal=True, key="pred_mode")
table = None
structure_col = "structure"
if mode is InputMode.TYPE:
    text = st.text_area(f"One {IDENTIFIER[domain]} per line", key="pred_text", height=150,
                        placeholder={"molecule": "CCO\nc1ccccc1O", "polymer": "*CC(*)c1ccccc1\n*CC(*)C(=O)OC",
                                     "inorganic": "Fe2O3\nTiO2"}[domain.value])
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines:
        table = pd.DataFrame({"structure": lines})
        table.index = range(len(lines))  # line n of the box is reported as line n + 1
else:
    upload = st.file_uploader("CSV, TSV or Excel with a structure column", type=["csv", "tsv", "txt", "xlsx"],
                              key="pred_upload", max_upload_size=upload_limit_mb())
    if upload is not None:
        table, _ = upload_table(upload)
        columns = [str(c) for c in table.columns]
        structure_col = st.selectbox("Structure column", columns, key="pred_structure")

if st.button("Predict", type="primary", disabled=table is None, key="pred_go", icon=":material/online_prediction:"):
    try:
        report = validate(table, structure=structure_col, targets=[], domain=domain)
        if report.issues:
            st.warning(f"{len({i.line for i in report.issues})} structures cannot be read and are left out.")
            st.dataframe(report.issues_frame(), hide_index=True)
        if report.valid.empty:
            raise InputError(f"no valid {IDENTIFIER[domain]} to predict")
        with st.spinner("Refitting the model on the run's training rows and predicting..."):
            out = predict(result, report.valid["structure"].tolist(), candidate=candidate)
        st.session_state[Key.PREDICTIONS] = (str(path), candidate, out)  # candidate ids repeat across runs
    except (InputError, LibraryError) as exc:
        st.error(str(exc))
        st.session_state.pop(Key.PREDICTIONS, None)

stored = st.session_state.get(Key.PREDICTIONS)
if stored is not None and stored[:2] == (str(path), candidate):
    out = stored[2]
    table = out.table.copy()
    table["applicability"] = table["in_domain"].map({True: "inside the training data", False: "OUTSIDE: extrapolating"})
    st.dataframe(table, hide_index=True, column_config={
        "prediction": st.column_config.NumberColumn(f"prediction ({unit})" if unit else "prediction", format="%.4g"),
        "uncertainty": st.column_config.NumberColumn("\u00b1 spread of top models", format="%.3g"),
        "nn_distance": st.column_config.NumberColumn("distance to nearest training row", format="%.3g"),
        "in_domain": st.column_config.CheckboxColumn("in domain")})
    outside = int((~table["in_domain"]).sum())
    st.caption(f"Uncertainty: standard deviation of the predictions of the run's {len(out.members)} best distinct "
               f"models. Applicability: a structure is in the domain when its nearest training row (in the model's "
               f"feature space) is closer than {out.threshold:.3g}, the 95th percentile of the training rows' own "
               f"nearest-neighbour distances. {outside} of {len(table)} are outside.")
    download_csv(table, "predictions", "Predictions (CSV)", "dl_predictions")
