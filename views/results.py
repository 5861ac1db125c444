"""Results: verdict, nested estimate, parity plot, ranking, error distribution, heatmap, learning curve."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from app_state import HeatmapAxis, JobKind, Page, libraries
from core.demo import lessons
from core.domains import Domain
from core.work import learning_work, transferability_work
from core.labels import FAMILIES, cut, members_label, number, ranking_labels
from core.learning import LearningConfig, default_sizes
from core.transfer.runs import local_time, run_title
from core.transfer.screen import Target
from core.viz.curves import learning_curve_figure
from core.viz.handout import run_handout
from core.viz.heatmap import heatmap_figure, improvement_by_strategy
from core.viz.ranking import error_distribution, oof_frame, parity_choices, ranking_figure
from views._verdict import honest_tiles, recommended_parity, verdict_box
from views._widgets import (browser_timezone, download_csv, download_table, glossary, job_panel, past_runs_picker,
                            run_or_stop, show_figure, show_table, submit)


#: Ranking columns, most important first; the first three stay in view while the rest scroll.
RANK_COLUMNS = ["rank", "what", "cv_mae", "how", "improvement_pct", "family", "cv_mae_std", "r2", "property",
                "descriptor", "model_domain", "source_test_r2", "label", "candidate"]
PINNED = ("rank", "what", "cv_mae")
#: The ranking download: the full name first, every column, machine ids last.
DOWNLOAD_COLUMNS = ["rank", "label", "cv_mae", "cv_mae_std", "improvement_pct", "family", "rmse", "r2", "spearman",
                    "property", "source", "source_unit", "descriptor", "strategy", "kind", "stage", "model_domain",
                    "source_test_r2", "penalty", "layers", "candidate", "model_id", "descriptor_key", "library"]
FOLD_COLUMNS = ["procedure", "fold", "repeat", "members", "inner_cv_mae", "outer_mae", "candidates", "n_train",
                "n_test"]

st.title("Results")
path, result = run_or_stop("No run in this session yet. Start one on the Transfer page, or reopen a saved run.",
                           "results_empty")
run_folder = Path(path).name
st.query_params["run"] = run_folder  # a refresh of this page reopens the run

summary, ranking, target = result.summary, result.ranking, result.target
run_libraries = list(result.meta.get("libraries") or libraries())  # the run's own libraries
unit = target.get("unit") or ""
labels = ranking_labels(ranking)  # today's words, also for runs saved before them
tz = browser_timezone()
title = run_title(result.meta, tz) if result.meta else target["name"]
n_random = int((ranking["family"] == "random").sum())
st.markdown(f"**{title}**")
st.caption(f"{target['n']} rows of {target['domain']} structures. {summary['n_models']} library models screened, "
           f"giving {summary['n_candidates']} candidates (each model with each regressor, {n_random} random-weight "
           f"controls and the scratch baselines: see *models and candidates* below); {result.config.cv.label()} "
           f"cross-validation; {summary['timings']['total']:.1f} s on {summary['device']}"
           + (f", stage 1 on {len(summary['compute']['workers'])} Dask workers ({summary['compute']['scheduler']})"
              if summary.get("compute", {}).get("workers") else "") + ".")

# ---------------------------------------------------------------- verdict and honest estimate
verdict_box(summary)
honest_tiles(summary, unit, ranking)
st.caption(summary["nested_explanation"])
glossary()

# ---------------------------------------------------------------- parity plot
st.subheader("Parity plots")
choices = parity_choices(ranking, result.oof)
by_id = ranking.set_index("candidate")
options = {c: f"#{int(by_id.loc[c, 'rank'])} (CV MAE {number(by_id.loc[c, 'cv_mae'], unit)}) {cut(labels[c], 90)}"
           for c in choices}
extra_choice = st.selectbox("Compare with a single candidate (its out-of-fold predictions)", [None] + choices,
                            format_func=lambda c: "none" if c is None else options[c],
                            key=f"parity_{Path(path).name}")
extra = {} if extra_choice is None else {
    f"#{int(by_id.loc[extra_choice, 'rank'])} {cut(labels[extra_choice], 60)}":
        (result.oof[extra_choice], by_id.loc[extra_choice, "family"], float(by_id.loc[extra_choice, "cv_mae"]),
         float(by_id.loc[extra_choice, "r2"]))}
fig = recommended_parity(result, extra)
if fig is not None:
    show_figure(fig, "parity", "parity")
    st.caption("The recommended model's panel shows each row predicted by the whole procedure run without it "
               "(the nested estimate): its MAE is the verdict's number. A single candidate's panel shows its "
               "cross-validated predictions and its CV MAE from the ranking.")

# ---------------------------------------------------------------- one page for a handout
run_lessons = [lesson for lesson in lessons(summary, ranking, unit) if lesson.shown is not None]
handout = run_handout(title=title, created=local_time(result.meta.get("created"), tz) if result.meta else "",
                      target=target, summary=summary, ranking=ranking, y=result.y,
                      nested_predictions=result.recommended_oof(), lessons=run_lessons,
                      settings=f"{result.config.cv.label()} cross-validation, {summary['n_models']} models, "
                               f"{summary['n_candidates']} candidates")
st.download_button("One-page summary for a handout (HTML, print it or save it as PDF)", handout,
                   file_name=f"{Path(path).name}-summary.html", mime="text/html", key="dl_handout",
                   icon=":material/print:", on_click="ignore")

# ---------------------------------------------------------------- the rest, in tabs
tabs = st.tabs(["Ranking", "CV error distribution", "Transferability heatmap", "Learning curve", "Run details"])

with tabs[0]:
    st.caption("Every candidate, lowest cross-validated error first. Scroll sideways for more columns; the model and "
               "the score stay in view (drag a column's edge to widen it). The type column says whether a candidate is "
               + ", ".join(FAMILIES.values()) + ".")
    show_table(ranking.assign(what="", how=""), unit, RANK_COLUMNS, pinned=PINNED,
               widths={"what": 260, "how": 330, "rank": 50, "cv_mae": 125, "label": "large"}, key="ranking_table",
               height=420)
    d = st.columns(3)
    with d[0]:
        download_table(ranking, unit, DOWNLOAD_COLUMNS, "ranking", "Ranking (CSV)", "dl_ranking")
    with d[1]:
        long = oof_frame(result.structures, result.y, result.oof, choices[:20], labels.to_dict())
        download_table(long, unit, ["structure", "measured", "label", "prediction", "candidate"],
                       "out_of_fold_predictions", "Out-of-fold predictions (CSV)", "dl_oof")
    with d[2]:
        folds = pd.DataFrame([dict(f, procedure=name) for name, p in result.procedures.items() if p.nested
                              for f in p.nested.folds])
        if not folds.empty:
            folds["members"] = [members_label([labels.get(m, m) for m in ms]) for ms in folds["members"]]
            download_table(folds, unit, FOLD_COLUMNS, "nested_folds", "Nested estimate folds (CSV)", "dl_nested")
    show_figure(ranking_figure(ranking, top=20, unit=unit), "ranking", "ranking")

with tabs[1]:
    show_figure(error_distribution(ranking, unit=unit), "cv_error_distribution", "distribution")
    st.caption("Every pretrained candidate's cross-validated MAE (blue) and its random-weight control's (grey); the "
               "red lines are the scratch baselines under the same folds (hover for their names). Mass to the left "
               "of the solid line beat the best scratch model.")

with tabs[2]:
    axis = st.radio("Heatmap", list(HeatmapAxis), horizontal=True, key="heatmap_axis")
    if axis is HeatmapAxis.STRATEGY:
        table = improvement_by_strategy(ranking)
        if table.empty:
            st.info("This run has no transfer candidates to map.")
        else:
            show_figure(heatmap_figure(table, x_title="regressor"), "transferability_strategy", "heat_strategy")
    else:
        from core import datasets
        from core.transfer.transferability import example_targets

        domain = Domain(target["domain"])
        own = str(target["name"]).split(":")[0]
        specs = {s.name: s for s in datasets.list_datasets(domain=domain, role="example") if s.name != own}
        picked = st.multiselect("Compare with bundled examples (50 rows each)", list(specs), default=list(specs)[:2],
                                format_func=lambda n: specs[n].property, key="heat_targets")
        job_name = f"transferability map of {title}"
        job = job_panel(JobKind.TRANSFERABILITY, label="Transferability map", run=run_folder)
        if st.button("Compute the map", key="heat_start", disabled=job is not None and not job.done):
            run_target = Target(result.structures, result.y, domain, name=target["name"], unit=unit)
            targets = [run_target] + example_targets(picked, rows=50, seed=0)
            config = result.config  # the run's own settings
            submit(JobKind.TRANSFERABILITY, transferability_work(targets, run_libraries, config), name=job_name,
                   meta={"run": run_folder})
            st.rerun()
        if job is not None and job.done and job.result is not None:
            words = {n: s.property for n, s in specs.items()}
            improvement = job.result.improvement.rename(columns=words)
            show_figure(heatmap_figure(improvement, x_title="target"), "transferability_targets", "heat_targets_fig")
            download_csv(improvement.round(0).reset_index(names="source property"), "transferability",
                         "Map (CSV, % better than scratch)", "dl_heat")

with tabs[3]:
    st.caption("Held-out error against training rows: on each subsample the screen picks its best transfer and "
               "scratch models by CV; both are scored on rows the pick never saw.")
    sizes = default_sizes(target["n"])
    if not sizes:
        st.info(f"A learning curve needs at least 13 rows; this run has {target['n']}.")
    else:
        repeats = st.number_input("Repeats per size", 1, 5, 2, key="lc_repeats")
        job_name = f"learning curve of {title}"
        job = job_panel(JobKind.LEARNING, label="Learning curve", run=run_folder)
        if st.button(f"Compute the learning curve ({', '.join(map(str, sizes))} rows)", key="lc_start",
                     disabled=job is not None and not job.done):
            run_target = Target(result.structures, result.y, Domain(target["domain"]), name=target["name"], unit=unit)
            cfg = LearningConfig(sizes=sizes, repeats=int(repeats), screen=replace(result.config, scheduler=None))
            submit(JobKind.LEARNING, learning_work(run_target, run_libraries, cfg), name=job_name,
                   meta={"run": run_folder})
            st.rerun()
        if job is not None and job.done and job.result is not None:
            show_figure(learning_curve_figure(job.result.points, unit=unit), "learning_curve", "learning")
            points = job.result.points.rename(columns={"candidate": "chosen"})
            download_table(points, unit, ["n_train", "repeat", "method", "mae", "chosen", "n_test"],
                           "learning_curve", "Points (CSV)", "dl_learning")

with tabs[4]:
    folds = pd.DataFrame([dict(f, procedure=name) for name, p in result.procedures.items() if p.nested
                          for f in p.nested.folds])
    if not folds.empty:
        st.markdown("**Nested estimate: what each outer fold chose, and how it scored on rows it never saw**")
        folds["members"] = [members_label([labels.get(m, m) for m in ms]) for ms in folds["members"]]
        show_table(folds, unit, FOLD_COLUMNS, pinned=("procedure", "fold"), widths={"members": "large"},
                   key="folds_table")
    st.markdown("**Time per step (s)**")
    steps = {"featurize": "descriptors", "stage1": "stage 1: every model", "stage2": "stage 2: refits",
             "nested": "nested estimate", "total": "total"}
    st.dataframe(pd.DataFrame([{steps.get(k, k): v for k, v in summary["timings"].items()}]), hide_index=True)
    with st.expander("Settings and versions as recorded in the run folder (for the command line)"):
        st.json({"settings": result.config.to_dict(), "versions": (result.meta or {}).get("versions"),
                 "libraries": (result.meta or {}).get("libraries"), "run folder": str(path)}, expanded=False)
    if result.skipped:
        st.warning(f"{len(result.skipped)} models could not be loaded and were skipped.")
        st.json(result.skipped, expanded=False)
    st.download_button("run.json", json.dumps(result.meta or {"summary": summary}, indent=1, default=str),
                       file_name="run.json", mime="application/json", key="dl_runjson", on_click="ignore")

with st.expander("Reopen another saved run"):
    past_runs_picker("results")
st.page_link(Page.PREDICT, label="Predict new structures with this run", icon=":material/online_prediction:")
