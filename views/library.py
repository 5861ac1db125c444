"""Library: filter and sort the models and pretrained representations, facet counts, plots, and a
model card (a net's architecture drawn, or a representation's provenance in words)."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app_state import Key, Page, libraries
from core.domains import Domain
from core.viz.library import architecture_figure, facet_counts, models_per_property, source_metrics
from core.labels import column_help, column_title, descriptor_label, net_number
from views._widgets import library_names, model_card, query_models, show_figure


#: Columns of the models table, most important first (the name and test R² stay in view).
SHOWN = ["name", "test_r2", "entry", "domain", "property", "unit", "descriptor", "test_mae", "test_spearman",
         "n_train", "n_features", "depth", "width_max", "n_inputs", "activation", "estimate", "library", "id"]
PINNED = ("name", "test_r2")
#: What a user picks in the "Kind" filter, and the catalog's (kind, role) it stands for.
KINDS = {"Our pretrained nets": ("net", "transfer"),
         "Pretrained representations from the field": ("representation", "transfer"),
         "Controls (random element vectors)": ("representation", "control")}
ENTRY_LABEL = {pair: label for label, pair in KINDS.items()}


def with_entry(frame: pd.DataFrame) -> pd.DataFrame:
    """The catalog rows with plain-words ``entry`` and ``name`` columns (older libraries
    hold nets only)."""
    frame = frame.copy()
    if frame.empty:
        return frame.assign(entry=pd.Series(dtype=str), name=pd.Series(dtype=str))
    kinds = frame["kind"] if "kind" in frame else pd.Series("net", index=frame.index)
    roles = frame["role"] if "role" in frame else pd.Series("transfer", index=frame.index)
    frame["entry"] = [ENTRY_LABEL.get((k, r), k) for k, r in zip(kinds, roles)]
    titles = frame["title"] if "title" in frame else pd.Series(None, index=frame.index)
    frame["name"] = [t if isinstance(t, str) and t else f"{p} {net_number(i)}".strip()
                     for t, p, i in zip(titles, frame.get("property", frame["id"]), frame["id"])]
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
f = st.columns(3) + st.columns([3, 2])  # two rows: the filters keep room for their labels at any width
kinds = f[0].multiselect("Kind", list(KINDS), key="lib_kind",
                         help="Our nets, pretrained representations from the field (Chemprop, CHGNet, element "
                              "embeddings), or the random control")
domains = f[1].multiselect("Domain", [d.value for d in Domain], key="lib_domain")
descriptors = f[2].multiselect("Descriptor", sorted(everything["descriptor"].unique()), key="lib_descriptor",
                               format_func=descriptor_label)
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
facets = models.assign(descriptor=models["descriptor"].map(descriptor_label)) if not models.empty else models
for col, facet in zip(counts, ("entry", "domain", "descriptor")):
    with col:
        st.markdown(f"**Models per {column_title(facet)}**")
        st.dataframe(facet_counts(facets, facet).rename(columns={facet: column_title(facet)}), hide_index=True,
                     height=160)

if models.empty:
    st.info("No model matches these filters.")
    st.stop()

# ---------------------------------------------------------------- table with selection
st.markdown("**Models** (click column headers to sort; tick rows to pick models for a screen; the name and test "
            "R\u00b2 stay in view while the table scrolls sideways)")
shown = models[[c for c in SHOWN if c in models.columns]].copy()
shown["estimate"] = shown["estimate"].fillna(0).astype(bool)
shown["library"] = library_names(shown["library"].tolist())
# the key follows the rows shown: a selection made under other filters would point at other rows
rows_key = hashlib.sha1("\n".join(shown["id"]).encode()).hexdigest()[:12]
config = {c: st.column_config.Column(column_title(c), help=column_help(c), pinned=c in PINNED)
          for c in shown.columns}
config["name"] = st.column_config.TextColumn("model", pinned=True, width="large",
                                             help="The source property and the net's number, or the "
                                                  "representation's name")
config["test_r2"] = st.column_config.NumberColumn(column_title("test_r2"), format="%.2f", pinned=True,
                                                  help=column_help("test_r2"))
config["test_mae"] = st.column_config.NumberColumn("test MAE (in the source's unit)", format="%.3g")
config["test_spearman"] = st.column_config.NumberColumn(column_title("test_spearman"), format="%.2f")
config["estimate"] = st.column_config.CheckboxColumn(column_title("estimate"))
event = st.dataframe(shown.assign(descriptor=shown["descriptor"].map(descriptor_label)), hide_index=True,
                     height=380, key=f"lib_table_{rows_key}", on_select="rerun", selection_mode="multi-row",
                     column_config=config)
selected = [shown["id"].iloc[i] for i in event.selection.rows if i < len(shown)] if event and event.selection else []
picked = list(st.session_state.get(Key.PICKED) or [])
with st.container(horizontal=True, gap="small", vertical_alignment="center"):
    if st.button(f"Pick the {len(selected)} selected for Transfer", disabled=not selected, key="lib_pick",
                 icon=":material/playlist_add_check:"):
        st.session_state[Key.PICKED] = selected
        picked = selected
        st.toast(f"{len(selected)} models picked; choose 'models picked on the Library page' on Transfer.")
    if st.button("Clear the picked models", disabled=not picked, key="lib_clear"):
        st.session_state[Key.PICKED] = []
        picked = []
    st.caption(f"{len(picked)} models picked for Transfer." if picked else "No models picked.")

# ---------------------------------------------------------------- plots
t1, t2 = st.tabs(["Models per property", "Source metrics"])
with t1:
    show_figure(models_per_property(models), "models_per_property", "lib_per_property")
with t2:
    metric = st.radio("Metric", ["test_r2", "test_spearman"], horizontal=True, key="lib_metric",
                      format_func=column_title)
    show_figure(source_metrics(models, metric), "source_metrics", "lib_metrics")

# ---------------------------------------------------------------- model card
st.subheader("Model card")
ids = models["id"].tolist()
row_descriptors = dict(zip(models["id"], models["descriptor"]))
default = ids.index(selected[0]) if selected and selected[0] in ids else 0
names = dict(zip(models["id"], models["name"]))
model_id = st.selectbox("Model", ids, index=default, key="lib_card_id",
                        format_func=lambda i: f"{names[i]} ({descriptor_label(row_descriptors[i])})")
row = models.set_index("id").loc[model_id]
card = model_card(row["library"], model_id)
if card.get("kind") == "representation":
    representation_card(card)
    with st.expander("Everything recorded on this entry's card"):
        st.json(card, expanded=2)
    st.stop()
show_figure(architecture_figure(card), f"architecture_{model_id}", "lib_arch")
left, right = st.columns([1, 1])
with left:
    src = card["source"]
    st.markdown(f"**{src['property']}** ({src['unit']}) from `{src['dataset']}`, {card['domain']} domain")
    if src.get("estimate"):
        st.warning("The source values are estimates (group contribution), not measurements.")
    if src.get("note"):
        st.caption(src["note"])
with right:
    metrics = pd.DataFrame(card["metrics"]).T.reset_index(names="split")
    unit = src.get("unit") or ""
    st.dataframe(metrics, hide_index=True, column_config={
        "mae": st.column_config.NumberColumn(f"MAE ({unit})" if unit else "MAE", format="%.3g"),
        "rmse": st.column_config.NumberColumn(f"RMSE ({unit})" if unit else "RMSE", format="%.3g"),
        "r2": st.column_config.NumberColumn("R\u00b2", format="%.2f"),
        "spearman": st.column_config.NumberColumn("Spearman \u03c1", format="%.2f")})
    tr = card["training"]
    st.caption(f"Trained on {tr['n_train']} rows ({tr['split']}), {tr['epochs_run']} epochs "
               f"(best {tr['best_epoch']}), {tr['seconds']} s on {tr['device']}, seed {tr['seed']}.")
    st.caption(f"Citation: {src.get('citation', 'n/a')}. Licence: {src.get('licence', 'n/a')}.")
with st.expander("Everything recorded on this model's card"):
    st.json(card, expanded=2)
