"""Predict: new structures typed, pasted or uploaded; predictions with uncertainty and applicability."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app_state import InputMode, Key
from core.domains import IDENTIFIER, Domain
from core.errors import InputError, LibraryError
from core.transfer.predict import predict
from core.tables import read_lines
from core.validation import validate
from core.labels import GLOSSARY, column_title, cut, ranking_labels, recommended_label
from core.transfer.runs import run_title
from views._verdict import fmt
from views._widgets import browser_timezone, download_table, run_or_stop, show_table, upload_limit_mb, upload_table


st.title("Predict new structures")
path, result = run_or_stop("Predictions come from a finished run. Run a screen on the Transfer page, or reopen "
                           "a saved run.", "predict_empty")
domain = Domain(result.target["domain"])
unit = result.target.get("unit") or ""
title = run_title(result.meta, browser_timezone()) if result.meta else result.target["name"]
st.caption(f"Run: **{title}** ({result.target['n']} training rows of {domain.value} structures).")

ranking = result.ranking
summary = result.summary
names = ranking_labels(ranking)
head = ranking[ranking["family"] != "random"].head(50)
candidates = ["recommended"] + head["candidate"].tolist()
# the number first: a long name is cut at the end, never its score
labels = {"recommended": f"Recommended (nested MAE {fmt(summary['nested_mae'], unit)}): "
                         f"{cut(recommended_label(summary, ranking), 110)}"}
labels.update({r["candidate"]: f"#{r['rank']} (CV MAE {fmt(r['cv_mae'], unit)}) {cut(names[r['candidate']], 90)}"
               for r in head.to_dict("records")})
candidate = st.selectbox("Model", candidates, format_func=labels.get, key=f"pred_model_{Path(path).name}",
                         help=GLOSSARY["recommended model"])

mode = st.radio("New structures", list(InputMode), horizontal=True, key="pred_mode")
table = None
structure_col = "structure"
if mode is InputMode.TYPE:
    text = st.text_area(f"One {IDENTIFIER[domain]} per line", key="pred_text", height=150,
                        placeholder={"molecule": "CCO\nc1ccccc1O", "polymer": "*CC(*)c1ccccc1\n*CC(*)C(=O)OC",
                                     "inorganic": "Fe2O3\nTiO2"}[domain.value])
    if text.strip():
        table = read_lines(text)  # each structure keeps the number of its line in the box
else:
    upload = st.file_uploader("CSV, TSV or Excel with a structure column", type=["csv", "tsv", "txt", "xlsx"],
                              key="pred_upload", max_upload_size=upload_limit_mb())
    if upload is not None:
        table, _ = upload_table(upload)
        columns = [str(c) for c in table.columns]
        structure_col = st.selectbox("Structure column", columns, key="pred_structure")

if st.button("Predict", type="primary", disabled=table is None, key="pred_go", icon=":material/online_prediction:"):
    try:
        report = validate(table, structure=structure_col, targets=[], domain=domain, featurizers=None,
                          first_line=1 if mode is InputMode.TYPE else 2)
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
    level = f"{out.level:.0%}"
    titles = {"lower": column_title("lower", unit).replace("interval", f"{level} interval"),
              "upper": column_title("upper", unit).replace("interval", f"{level} interval")}
    shown = ["structure", "prediction", "lower", "upper", "applicability", "domain_ratio", "problem"]
    show_table(table, unit, shown, pinned=("structure", "prediction"), titles=titles,
               widths={"structure": "medium", "problem": "medium"}, key="predictions_table")
    outside = int((~table["in_domain"] & table["prediction"].notna()).sum())
    unreadable = table[table["problem"] != ""]
    if len(unreadable):
        st.warning(f"{len(unreadable)} structures could not be featurized and have no prediction (see the "
                   f"problem column).")
    model_name = recommended_label(summary, ranking) if candidate == "recommended" else names.get(candidate, out.label)
    st.caption(f"Model: {model_name}. Intervals: prediction \u00b1{fmt(out.halfwidth, unit)}, calibrated on the run's "
               f"out-of-sample residuals to cover {level} of new values like the training rows. Applicability: the "
               f"distance of each structure to its nearest training row, over the 95th percentile of the training "
               f"rows' own nearest-neighbour distances, in each member's feature space; above 1 the model "
               f"extrapolates. {outside} of {len(table)} are outside.")
    download_table(table, unit, shown + ["in_domain"], "predictions", "Predictions (CSV)", "dl_predictions",
                   titles=titles)
