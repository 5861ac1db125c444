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
from core.transfer.cv import CVScheme
from core.transfer.screen import ScreenConfig, Target
from core.viz.curves import learning_curve_figure
from core.viz.heatmap import heatmap_figure, improvement_by_strategy
from core.viz.ranking import (error_distribution, family, oof_frame, parity_choices, parity_figure,
                              ranking_figure, short_name)
from pages._widgets import download_csv, job_panel, past_runs_picker, run_or_stop, show_figure, submit

ensure_navigation()

RANK_COLUMNS = ["rank", "candidate", "property", "strategy", "kind", "model_domain", "descriptor", "cv_mae",
                "cv_mae_std", "rmse", "r2", "improvement_pct", "source_test_r2"]

st.title("Results")
path, result = run_or_stop("No run in this session yet. Start one on the Transfer page, or reopen a saved run.",
                           "results_empty")
st.query_params["run"] = Path(path).name  # a refresh of this page reopens the run

summary, ranking, target = result.summary, result.ranking, result.target
run_libraries = list(getattr(result, "meta", {}).get("libraries") or libraries())  # the run's own libraries
filters = {k: (tuple(v) if isinstance(v, list) else v) for k, v in result.config.items()
           if k in ("search", "sources", "model_ids", "model_domains", "cross_domain")}
unit = target.get("unit") or ""
st.caption(f"Run {Path(path).name}: target **{target['name']}**, {target['n']} rows of {target['domain']} "
           f"structures; {summary['n_models']} models screened, {summary['n_candidates']} candidates; "
           f"{result.config['cv']['label']} CV; {summary['timings']['total']:.1f} s on {summary['device']}"
           + (f", stage 1 on {len(summary['compute']['workers'])} Dask workers ({summary['compute']['scheduler']})"
              if summary.get("compute", {}).get("workers") else "") + ".")

# ---------------------------------------------------------------- verdict and honest estimate
(st.success if summary["transfer_helps"] else st.warning)(summary["verdict"])
m = st.columns(3)
m[0].metric("Best CV MAE (naive: best of many)", f"{summary['naive_best_cv_mae']:.4g}")
if summary.get("nested_mae") is not None:
    gap = summary["nested_mae"] - summary["naive_best_cv_mae"]
    m[1].metric("Nested estimate of the whole procedure", f"{summary['nested_mae']:.4g}", f"{gap:+.3g} vs naive",
                delta_color="inverse")
else:
    m[1].metric("Nested estimate", "not computed")
m[2].metric("Best scratch baseline CV MAE", f"{summary['best_scratch']['cv_mae']:.4g}")
st.caption(summary["nested_explanation"])

# ---------------------------------------------------------------- parity plot
st.subheader("Out-of-fold parity plot")
choices = parity_choices(ranking, result.oof)
by_id = ranking.set_index("candidate")
labels = {c: f"#{int(by_id.loc[c, 'rank'])} {short_name(by_id.loc[c].to_dict() | {'candidate': c}, 70)}"
          for c in choices}
chosen = st.selectbox("Model", choices, format_func=labels.get, key=f"parity_{Path(path).name}")
scratch = summary["best_scratch"]["candidate"]
panels = {chosen: result.oof[chosen]}
if scratch != chosen and scratch in result.oof:
    panels[scratch] = result.oof[scratch]
fig = parity_figure(result.y, panels, target=target["name"], unit=unit, structures=result.structures,
                    families={c: family(by_id.loc[c, "kind"]) for c in panels})
show_figure(fig, "parity", "parity")

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
        download_csv(pd.DataFrame(result.nested.get("folds", [])), "nested_folds", "Nested estimate folds (CSV)",
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
            config = ScreenConfig(cv=CVScheme("kfold", k=5, seed=0), seed=0, **filters)
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
            cfg = LearningConfig(sizes=sizes, repeats=int(repeats), screen=ScreenConfig(**filters))
            submit(JobKind.LEARNING, learning_work(run_target, run_libraries, cfg), name=job_name)
            st.rerun()
        if job is not None and job.done and job.result is not None:
            show_figure(learning_curve_figure(job.result.points, unit=unit), "learning_curve", "learning")
            download_csv(job.result.points, "learning_curve", "Points (CSV)", "dl_learning")

with tabs[4]:
    nested_folds = pd.DataFrame(result.nested.get("folds", []))
    if not nested_folds.empty:
        st.markdown("**Nested estimate: what each outer fold chose**")
        st.dataframe(nested_folds, hide_index=True)
    st.markdown("**Timings (s)**")
    st.json(summary["timings"], expanded=False)
    st.markdown("**Settings**")
    st.json(result.config, expanded=False)
    meta = getattr(result, "meta", {})
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
