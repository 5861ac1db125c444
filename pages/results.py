"""Results: verdict, nested estimate, parity plot, ranking, error distribution, heatmap, learning curve."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from app_state import HeatmapAxis, JobKind, Page, ensure_navigation, libraries
from core.domains import Domain
from core.jobs import learning_work, transferability_work
from core.learning import LearningConfig, default_sizes
from dataclasses import replace

from core.transfer.screen import Target
from core.viz.curves import learning_curve_figure
from core.viz.heatmap import heatmap_figure, improvement_by_strategy
from core.viz.ranking import error_distribution, oof_frame, parity_choices, ranking_figure
from pages._verdict import honest_tiles, recommended_parity, verdict_box
from pages._widgets import download_csv, job_panel, past_runs_picker, run_or_stop, show_figure, submit

ensure_navigation()

RANK_COLUMNS = ["rank", "label", "cv_mae", "cv_mae_std", "family", "rmse", "r2", "improvement_pct", "property",
                "model_domain", "source_test_r2", "candidate"]

st.title("Results")
path, result = run_or_stop("No run in this session yet. Start one on the Transfer page, or reopen a saved run.",
                           "results_empty")
st.query_params["run"] = Path(path).name  # a refresh of this page reopens the run

summary, ranking, target = result.summary, result.ranking, result.target
run_libraries = list(result.meta.get("libraries") or libraries())  # the run's own libraries
unit = target.get("unit") or ""
n_random = int((ranking["family"] == "random").sum())
st.caption(f"Run {Path(path).name}: target **{target['name']}**, {target['n']} rows of {target['domain']} "
           f"structures; {summary['n_models']} library models screened ({summary['n_candidates']} candidates: each "
           f"model with each strategy, the scratch baselines and {n_random} random-weight controls); "
           f"{result.config.cv.label()} CV; {summary['timings']['total']:.1f} s on {summary['device']}"
           + (f", stage 1 on {len(summary['compute']['workers'])} Dask workers ({summary['compute']['scheduler']})"
              if summary.get("compute", {}).get("workers") else "") + ".")

# ---------------------------------------------------------------- verdict and honest estimate
verdict_box(summary)
honest_tiles(summary, unit)
st.caption(summary["nested_explanation"])

# ---------------------------------------------------------------- parity plot
st.subheader("Parity plots")
choices = parity_choices(ranking, result.oof)
by_id = ranking.set_index("candidate")
labels = {c: f"#{int(by_id.loc[c, 'rank'])} {by_id.loc[c, 'label']}" for c in choices}
extra_choice = st.selectbox("Compare with a single candidate (its out-of-fold predictions)", [None] + choices,
                            format_func=lambda c: "none" if c is None else labels[c],
                            key=f"parity_{Path(path).name}")
extra = {} if extra_choice is None else {
    by_id.loc[extra_choice, "label"][:60]: (result.oof[extra_choice], by_id.loc[extra_choice, "family"])}
fig = recommended_parity(result, extra)
if fig is not None:
    show_figure(fig, "parity", "parity")
    st.caption("The recommended model's panel shows each row predicted by the whole procedure run without it "
               "(the nested estimate): its MAE is the verdict's number.")

# ---------------------------------------------------------------- the rest, in tabs
tabs = st.tabs(["Ranking", "CV error distribution", "Transferability heatmap", "Learning curve", "Run details"])

with tabs[0]:
    shown = ranking[[c for c in RANK_COLUMNS if c in ranking.columns]]
    st.dataframe(shown, hide_index=True, height=420,
                 column_config={c: st.column_config.NumberColumn(format="%.4g")
                                for c in ("cv_mae", "cv_mae_std", "rmse", "r2", "source_test_r2")}
                 | {"improvement_pct": st.column_config.NumberColumn("improvement %", format="%.1f")})
    d = st.columns(3)
    with d[0]:
        download_csv(ranking, "ranking", "Ranking (CSV)", "dl_ranking")
    with d[1]:
        download_csv(oof_frame(result.structures, result.y, result.oof, choices[:20]), "oof_predictions",
                     "Out-of-fold predictions (CSV)", "dl_oof")
    with d[2]:
        download_csv(pd.DataFrame([dict(f, procedure=name) for name, p in result.procedures.items() if p.nested
                                   for f in p.nested.folds]), "nested_folds", "Nested estimate folds (CSV)",
                     "dl_nested")
    show_figure(ranking_figure(ranking, top=20, unit=unit), "ranking", "ranking")

with tabs[1]:
    show_figure(error_distribution(ranking, unit=unit), "cv_error_distribution", "distribution")
    st.caption("Every transfer candidate's cross-validated MAE; the red lines are the scratch baselines under the "
               "same folds. Mass to the left of the solid line beat the best scratch model.")

with tabs[2]:
    axis = st.radio("Heatmap", list(HeatmapAxis), horizontal=True, key="heatmap_axis")
    if axis is HeatmapAxis.STRATEGY:
        table = improvement_by_strategy(ranking)
        if table.empty:
            st.info("This run has no transfer candidates to map.")
        else:
            show_figure(heatmap_figure(table, x_title="strategy"), "transferability_strategy", "heat_strategy")
    else:
        from core import datasets
        from core.transfer.transferability import example_targets

        domain = Domain(target["domain"])
        own = str(target["name"]).split(":")[0]
        others = [s.name for s in datasets.list_datasets(domain=domain, role="example") if s.name != own]
        picked = st.multiselect("Compare with bundled examples (50 rows each)", others, default=others[:2],
                                key="heat_targets")
        job_name = f"transferability map of run {Path(path).name}"
        job = job_panel(JobKind.TRANSFERABILITY, label="Transferability map", name=job_name)
        if st.button("Compute the map", key="heat_start", disabled=job is not None and not job.done):
            run_target = Target(result.structures, result.y, domain, name=target["name"], unit=unit)
            targets = [run_target] + example_targets(picked, rows=50, seed=0)
            config = result.config  # the run's own settings
            submit(JobKind.TRANSFERABILITY, transferability_work(targets, run_libraries, config), name=job_name)
            st.rerun()
        if job is not None and job.done and job.result is not None:
            show_figure(heatmap_figure(job.result.improvement, x_title="target"), "transferability_targets",
                        "heat_targets_fig")
            download_csv(job.result.improvement.reset_index(names="source property"), "transferability",
                         "Map (CSV)", "dl_heat")

with tabs[3]:
    st.caption("Held-out error against training rows: on each subsample the screen picks its best transfer and "
               "scratch models by CV; both are scored on rows the pick never saw.")
    sizes = default_sizes(target["n"])
    if not sizes:
        st.info(f"A learning curve needs at least 13 rows; this run has {target['n']}.")
    else:
        repeats = st.number_input("Repeats per size", 1, 5, 2, key="lc_repeats")
        job_name = f"learning curve of run {Path(path).name}"
        job = job_panel(JobKind.LEARNING, label="Learning curve", name=job_name)
        if st.button(f"Compute the learning curve ({', '.join(map(str, sizes))} rows)", key="lc_start",
                     disabled=job is not None and not job.done):
            run_target = Target(result.structures, result.y, Domain(target["domain"]), name=target["name"], unit=unit)
            cfg = LearningConfig(sizes=sizes, repeats=int(repeats), screen=replace(result.config, scheduler=None))
            submit(JobKind.LEARNING, learning_work(run_target, run_libraries, cfg), name=job_name)
            st.rerun()
        if job is not None and job.done and job.result is not None:
            show_figure(learning_curve_figure(job.result.points, unit=unit), "learning_curve", "learning")
            download_csv(job.result.points, "learning_curve", "Points (CSV)", "dl_learning")

with tabs[4]:
    for name, proc in result.procedures.items():
        if proc.nested is not None:
            st.markdown(f"**Nested estimate of the {name} procedure: what each outer fold chose**")
            st.dataframe(pd.DataFrame(proc.nested.folds), hide_index=True)
    st.markdown("**Timings (s)**")
    st.json(summary["timings"], expanded=False)
    st.markdown("**Settings**")
    st.json(result.config.to_dict(), expanded=False)
    meta = result.meta
    if meta:
        st.markdown("**Versions and libraries**")
        st.json({"versions": meta.get("versions"), "libraries": meta.get("libraries"),
                 "created": meta.get("created")}, expanded=False)
    if result.skipped:
        st.warning(f"{len(result.skipped)} models could not be loaded and were skipped.")
        st.json(result.skipped, expanded=False)
    st.download_button("run.json", json.dumps(meta or {"summary": summary}, indent=1, default=str),
                       file_name="run.json", mime="application/json", key="dl_runjson", on_click="ignore")

with st.expander("Reopen another saved run"):
    past_runs_picker("results")
st.page_link(Page.PREDICT, label="Predict new structures with this run", icon=":material/online_prediction:")
