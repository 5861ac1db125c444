"""Library: filter and sort the models, facet counts, plots, and a model card with its architecture."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app_state import Key, Page, ensure_navigation, libraries
from core.domains import Domain
from core.viz.library import architecture_figure, facet_counts, models_per_property, source_metrics
from pages._widgets import model_card, query_models, show_figure

ensure_navigation()

SHOWN = ["id", "domain", "property", "unit", "descriptor", "depth", "width_max", "n_inputs", "activation",
         "test_r2", "test_mae", "test_spearman", "n_train", "estimate", "library"]

st.title("Model library")
paths = libraries()
everything = query_models(paths)
if everything.empty:
    st.error("The libraries in use hold no models. Choose another library on the Build library page.")
    st.page_link(Page.BUILD, label="Build library", icon=":material/construction:")
    st.stop()

# ---------------------------------------------------------------- filters
f = st.columns([2, 2, 3, 2])
domains = f[0].multiselect("Domain", [d.value for d in Domain], key="lib_domain")
descriptors = f[1].multiselect("Descriptor", sorted(everything["descriptor"].unique()), key="lib_descriptor")
search = f[2].text_input("Search properties, sources and notes", key="lib_search",
                         placeholder="e.g. refractive, heat capacity, per mass")
min_r2 = f[3].slider("Minimum test R\u00b2", -1.0, 1.0, -1.0, 0.05, key="lib_r2")
models = query_models(paths, domain=domains or None, descriptor=descriptors or None, search=search or None,
                      min_r2=None if min_r2 <= -1.0 else float(min_r2))
st.caption(f"{len(models)} of {len(everything)} models match.")

counts = st.columns(3)
for col, facet in zip(counts, ("domain", "descriptor", "depth")):
    with col:
        st.markdown(f"**Models per {facet}**")
        st.dataframe(facet_counts(models, facet), hide_index=True, height=160)

if models.empty:
    st.info("No model matches these filters.")
    st.stop()

# ---------------------------------------------------------------- table with selection
st.markdown("**Models** (click column headers to sort; tick rows to pick models for a screen)")
shown = models[[c for c in SHOWN if c in models.columns]].copy()
shown["estimate"] = shown["estimate"].astype(bool)
# the key follows the rows shown: a selection made under other filters would point at other rows
rows_key = hashlib.sha1("\n".join(shown["id"]).encode()).hexdigest()[:12]
event = st.dataframe(shown, hide_index=True, height=380, key=f"lib_table_{rows_key}", on_select="rerun",
                     selection_mode="multi-row",
                     column_config={"test_r2": st.column_config.NumberColumn("test R\u00b2", format="%.3f"),
                                    "test_mae": st.column_config.NumberColumn("test MAE", format="%.4g"),
                                    "test_spearman": st.column_config.NumberColumn(format="%.3f"),
                                    "estimate": st.column_config.CheckboxColumn("estimate data")})
selected = [shown["id"].iloc[i] for i in event.selection.rows if i < len(shown)] if event and event.selection else []
picked = list(st.session_state.get(Key.PICKED) or [])
p = st.columns([2, 2, 3])
if p[0].button(f"Pick the {len(selected)} selected for Transfer", disabled=not selected, key="lib_pick",
               icon=":material/playlist_add_check:"):
    st.session_state[Key.PICKED] = selected
    picked = selected
    st.toast(f"{len(selected)} models picked; choose 'models picked on the Library page' on Transfer.")
if p[1].button("Clear the picked models", disabled=not picked, key="lib_clear"):
    st.session_state[Key.PICKED] = []
    picked = []
p[2].caption(f"{len(picked)} models picked for Transfer." if picked else "No models picked.")

# ---------------------------------------------------------------- plots
t1, t2 = st.tabs(["Models per property", "Source metrics"])
with t1:
    show_figure(models_per_property(models), "models_per_property", "lib_per_property")
with t2:
    metric = st.radio("Metric", ["test_r2", "test_spearman"], horizontal=True, key="lib_metric")
    show_figure(source_metrics(models, metric), "source_metrics", "lib_metrics")

# ---------------------------------------------------------------- model card
st.subheader("Model card")
ids = models["id"].tolist()
default = ids.index(selected[0]) if selected and selected[0] in ids else 0
model_id = st.selectbox("Model", ids, index=default, key="lib_card_id")
row = models.set_index("id").loc[model_id]
card = model_card(row["library"], model_id)
left, right = st.columns([3, 2])
with left:
    show_figure(architecture_figure(card), f"architecture_{model_id}", "lib_arch")
with right:
    src = card["source"]
    st.markdown(f"**{src['property']}** ({src['unit']}) from `{src['dataset']}`, {card['domain']} domain")
    if src.get("estimate"):
        st.warning("The source values are estimates (group contribution), not measurements.")
    if src.get("note"):
        st.caption(src["note"])
    metrics = pd.DataFrame(card["metrics"]).T.reset_index(names="split")
    st.dataframe(metrics, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.4g")
                                                          for c in ("mae", "rmse", "r2", "spearman")})
    tr = card["training"]
    st.caption(f"Trained on {tr['n_train']} rows ({tr['split']}), {tr['epochs_run']} epochs "
               f"(best {tr['best_epoch']}), {tr['seconds']} s on {tr['device']}, seed {tr['seed']}.")
    st.caption(f"Citation: {src.get('citation', 'n/a')}. Licence: {src.get('licence', 'n/a')}.")
with st.expander("Everything recorded on this model's card"):
    st.json(card, expanded=2)
