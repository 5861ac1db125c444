"""Library: filter and sort the models and pretrained representations, facet counts, plots, and a
model card (a net's architecture drawn, or a representation's provenance in words)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app_state import Key, Page, ensure_navigation, libraries
from core.domains import Domain
from core.viz.library import architecture_figure, facet_counts, models_per_property, source_metrics
from pages._widgets import model_card, query_models, show_figure

ensure_navigation()

SHOWN = ["id", "entry", "title", "domain", "property", "unit", "descriptor", "n_features", "depth", "width_max",
         "n_inputs", "activation", "test_r2", "test_mae", "test_spearman", "n_train", "estimate", "library"]
#: What a user picks in the "Kind" filter, and the catalog's (kind, role) it stands for.
KINDS = {"Our pretrained nets": ("net", "transfer"),
         "Pretrained representations from the field": ("representation", "transfer"),
         "Controls (random element vectors)": ("representation", "control")}
ENTRY_LABEL = {pair: label for label, pair in KINDS.items()}


def with_entry(frame: pd.DataFrame) -> pd.DataFrame:
    """The catalog rows with a plain-words ``entry`` column (older libraries hold nets only)."""
    frame = frame.copy()
    kinds = frame["kind"] if "kind" in frame else pd.Series("net", index=frame.index)
    roles = frame["role"] if "role" in frame else pd.Series("transfer", index=frame.index)
    frame["entry"] = [ENTRY_LABEL.get((k, r), k) for k, r in zip(kinds, roles)]
    return frame


def representation_card(card: dict) -> None:
    """A representation's card: what it is, what it learned from, who made it, licence, citation."""
    st.markdown(f"**{card['title']}** ({card['features']['width']} features, {card['domain']} domain; reads "
                f"{', '.join(card['applies_to'])})")
    if card["role"] == "control":
        st.info("A control: random numbers, not a pretrained representation. Compare the learned ones with it.")
    st.write(card["summary"])
    st.caption(f"Input: {card['input']}.")
    trained = card["trained_on"]
    st.markdown(f"**Trained on** {trained['data']}.  \n**By** {card['trained_by']}.  \n"
                f"**Licence** {card['licence']}.  \n**Cite** {card['citation']}.")
    overlap = card["overlap"]
    if overlap.get("checked") or overlap.get("not_checked"):
        st.warning(f"Training data and your target: {overlap['note']}")
    else:
        st.caption(overlap["note"])
    tasks = pd.DataFrame([{"task": t["name"], "unit": t.get("unit") or "", "rows": t.get("rows"),
                           **(t.get("test_metrics") or {})} for t in trained.get("tasks", [])])
    if not tasks.empty:
        st.dataframe(tasks, hide_index=True)
        if trained.get("metrics_note"):
            st.caption(trained["metrics_note"] + ".")
    pkg = card["package"]
    st.caption(f"Ships in {pkg['name']} {pkg['version']} ({pkg['file']}); the library stores no weights for it.")


st.title("Model library")
paths = libraries()
everything = query_models(paths, kind="all")
if everything.empty:
    st.error("The libraries in use hold no models. Choose another library on the Build library page.")
    st.page_link(Page.BUILD, label="Build library", icon=":material/construction:")
    st.stop()

# ---------------------------------------------------------------- filters
everything = with_entry(everything)
f = st.columns([3, 2, 2, 3, 2])
kinds = f[0].multiselect("Kind", list(KINDS), key="lib_kind",
                         help="Our nets, pretrained representations from the field (Chemprop, CHGNet, element "
                              "embeddings), or the random control")
domains = f[1].multiselect("Domain", [d.value for d in Domain], key="lib_domain")
descriptors = f[2].multiselect("Descriptor", sorted(everything["descriptor"].unique()), key="lib_descriptor")
search = f[3].text_input("Search properties, sources, names and notes", key="lib_search",
                         placeholder="e.g. refractive, heat capacity, chemprop, mat2vec")
min_r2 = f[4].slider("Minimum test R\u00b2", -1.0, 1.0, -1.0, 0.05, key="lib_r2",
                     help="Representations have no test R\u00b2 of their own: a minimum hides them")
models = with_entry(query_models(paths, domain=domains or None, descriptor=descriptors or None, search=search or None,
                                 min_r2=None if min_r2 <= -1.0 else float(min_r2), kind="all"))
if kinds and not models.empty:
    models = models[models["entry"].isin(kinds)].reset_index(drop=True)
n_nets = int((everything["entry"] == list(KINDS)[0]).sum())
if n_nets == len(everything):
    st.caption(f"{len(models)} of {len(everything)} models match.")
else:
    st.caption(f"{len(models)} of {len(everything)} entries match ({n_nets} nets, {len(everything) - n_nets} "
               f"pretrained representations and controls).")

counts = st.columns(3)
for col, facet in zip(counts, ("entry", "domain", "descriptor")):
    with col:
        st.markdown(f"**Models per {facet}**")
        st.dataframe(facet_counts(models, facet), hide_index=True, height=160)

if models.empty:
    st.info("No model matches these filters.")
    st.stop()

# ---------------------------------------------------------------- table with selection
st.markdown("**Models** (click column headers to sort; tick rows to pick models for a screen)")
shown = models[[c for c in SHOWN if c in models.columns]].copy()
shown["estimate"] = shown["estimate"].fillna(0).astype(bool)
# the key follows the rows shown: a selection made under other filters would point at other rows
rows_key = hashlib.sha1("\n".join(shown["id"]).encode()).hexdigest()[:12]
event = st.dataframe(shown, hide_index=True, height=380, key=f"lib_table_{rows_key}", on_select="rerun",
                     selection_mode="multi-row",
                     column_config={"entry": st.column_config.TextColumn("kind"),
                                    "n_features": st.column_config.NumberColumn("features", format="%d"),
                                    "test_r2": st.column_config.NumberColumn("test R\u00b2", format="%.3f"),
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
titles = dict(zip(models["id"], models["title"])) if "title" in models else {}
model_id = st.selectbox("Model", ids, index=default, key="lib_card_id",
                        format_func=lambda i: f"{titles[i]} ({i})" if isinstance(titles.get(i), str) else i)
row = models.set_index("id").loc[model_id]
card = model_card(row["library"], model_id)
if card.get("kind") == "representation":
    representation_card(card)
    with st.expander("Everything recorded on this entry's card"):
        st.json(card, expanded=2)
    st.stop()
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
