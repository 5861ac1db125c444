"""Transfer: choose candidates, strategies, CV scheme and top K; run the screen in the background."""

from __future__ import annotations

import streamlit as st

from app_state import CandidateMode, JobKind, Key, Page, libraries, owner, scheduler
from core.errors import InputError
from core.work import screen_work
from core.labels import GLOSSARY, baseline_label, strategy_label
from core.transfer.candidates import CROSSES
from core.transfer.config import rows_needed, suggest_config
from core.transfer.cv import SCHEMES, CVScheme
from core.transfer.strategies import BASELINES, STRATEGIES
from core.workspace import PRESET_NOTES, SCREEN_PRESETS, screen_preset
from views._verdict import verdict_box
from views._widgets import (compute_text, dataset, dataset_caption, device_text, glossary, job_panel, latest_job,
                            libraries_summary, submit)


CV_LABELS = {"kfold": "k-fold", "repeated": "repeated k-fold", "loo": "leave-one-out",
             "extrapolation": "extrapolation (train on the lower 80%, test on the top 20%)"}

st.title("Shotgun transfer")
ds = dataset()
screen_job = latest_job(JobKind.SCREEN)
if ds is None and screen_job is not None and screen_job.meta.get("dataset") is not None:
    # a refresh started a new session: the screen of this browser, and its data, are found again
    ds = st.session_state[Key.DATASET] = screen_job.meta["dataset"]
    if not screen_job.done:
        st.info("Your screen is still running: here is its progress.", icon=":material/autorenew:")
if ds is None:
    st.info("No data yet. Load an example on the Home page or upload a table on the Data page.")
    st.page_link(Page.HOME, label="Home: one-click examples", icon=":material/home:")
    st.page_link(Page.DATA, label="Data: upload a table", icon=":material/table:")
    job_panel(JobKind.SCREEN, label="Screen")
    st.stop()

summary = libraries_summary(libraries())
st.markdown(dataset_caption(ds))
candidates = sum(summary["domains"].get(d.value, 0) for d in CROSSES[ds.domain])
with st.container(horizontal=True, gap="medium"):  # fixed widths that wrap: no label or value is cut
    st.metric("Device in use", device_text(), width=330,
              help=f"Stage 1 runs {compute_text()}; change it on Build library.")
    st.metric("Library models that read these structures", candidates, width=330,
              help=f"Models of the libraries in use trained on {' or '.join(d.value for d in CROSSES[ds.domain])} "
                   f"structures. {GLOSSARY['models and candidates']}")
    st.metric("Rows", ds.n_rows, width=120)

# ---------------------------------------------------------------- settings
if not st.session_state.get(Key.PRESET):
    st.session_state[Key.PRESET] = "quick"
preset = st.segmented_control("Preset", list(SCREEN_PRESETS), key=Key.PRESET, format_func=str.capitalize) or "quick"
st.caption(f"{preset.capitalize()}: {PRESET_NOTES[preset]}.")
base = screen_preset(preset)

with st.expander("Settings (every one changes the run)", expanded=False):
    c1, c2 = st.columns(2)
    with c1:
        mode = st.radio("Candidate models", list(CandidateMode), key=f"mode_{preset}")
        search = None
        picked = tuple(st.session_state.get(Key.PICKED) or ())
        if mode is CandidateMode.FILTERED:
            search = st.text_input("Filter (words in the property, source or notes)", key=f"search_{preset}",
                                   placeholder="e.g. boiling, refractive, per mass") or None
        elif mode is CandidateMode.PICKED:
            st.caption(f"{len(picked)} models picked on the Library page." if picked else
                       "No models picked yet: select rows in the Library page's table.")
        domains = [d.value for d in CROSSES[ds.domain]]
        model_domains = st.multiselect("Model domains", domains, default=domains, key=f"domains_{preset}",
                                       help="Molecule and polymer models read each other's structures; "
                                            "inorganic models read only formulas.")
        strategies = st.multiselect("Regressors refitted on the best models (stage 2)", STRATEGIES.names(),
                                    default=list(base.strategies), key=f"strategies_{preset}",
                                    format_func=strategy_label, help=GLOSSARY["frozen features"])
        baselines = st.multiselect("Scratch baselines (ridge on raw descriptors is always in)", BASELINES.names(),
                                   default=list(base.baselines), key=f"baselines_{preset}",
                                   format_func=baseline_label,
                                   help=GLOSSARY["scratch"])
    with c2:
        kind = st.selectbox("Cross-validation", SCHEMES, index=SCHEMES.index(base.cv.kind), key=f"cv_{preset}",
                            format_func=CV_LABELS.get)
        k = st.number_input("Folds", 2, 20, base.cv.k, key=f"k_{preset}", disabled=kind in ("loo", "extrapolation"))
        repeats = st.number_input("Repeats", 1, 10, max(base.cv.repeats, 1), key=f"repeats_{preset}",
                                  disabled=kind != "repeated")
        top = st.number_input("Top K refitted in stage 2", 1, 200, base.top, key=f"top_{preset}")
        layers = st.select_slider("Last hidden layers used as frozen features", [1, 2, 3], base.layers,
                                  key=f"layers_{preset}")
        ensemble = st.number_input("Most members of the delivered ensemble (1: the single best)", 1, 20,
                                   max(1, base.ensemble), key=f"ens_{preset}",
                                   help="The best candidates within one standard error of the best are averaged "
                                        "(at least two when this allows).")
        controls = st.toggle("Random-weight control (did pretraining matter?)", base.controls, key=f"ctl_{preset}",
                             help=GLOSSARY["random-weight control"])
        nested = st.toggle("Nested estimate (decides whether transfer helps; without it scratch is recommended)",
                           base.nested, key=f"nested_{preset}", help=GLOSSARY["nested estimate"])
        nested_top = st.number_input("Models refitted inside each outer fold", 1, 50, base.nested_top,
                                     key=f"ntop_{preset}", disabled=not nested)
        seed = st.number_input("Seed (fixes every split and model)", 0, 10_000, 0, key=f"seed_{preset}")

if mode is CandidateMode.PICKED and not picked:
    st.warning("Pick models on the Library page first, or choose another candidate setting.")

config = screen_preset(
    preset, cv=CVScheme(kind, k=int(k), repeats=int(repeats), seed=int(seed)), strategies=tuple(strategies),
    baselines=tuple(baselines), top=int(top), layers=int(layers), ensemble=int(ensemble), nested=bool(nested),
    controls=bool(controls),
    nested_top=int(nested_top), search=search, model_ids=picked if mode is CandidateMode.PICKED else None,
    model_domains=tuple(model_domains) or None, seed=int(seed), scheduler=scheduler())
needed = rows_needed(config)
if ds.n_rows < needed:
    offer = suggest_config(config, ds.n_rows)
    st.warning(f"These settings need at least {needed} rows; the data have {ds.n_rows}."
               + (f" {offer.cv.label()} cross-validation runs on them." if offer is not None else ""))
    if offer is not None:
        def use_offer(kind=offer.cv.kind, k=offer.cv.k, preset=preset):
            st.session_state[f"cv_{preset}"] = kind
            st.session_state[f"k_{preset}"] = k

        st.button(f"Use {offer.cv.label()} cross-validation", key="use_offer", on_click=use_offer)
st.session_state[Key.SCREEN_CONFIG] = config  # what Start will run (shown below, checked by tests)
st.caption(f"Will run: {config.cv.label()} cross-validation; ridge on frozen features (with and without the raw "
           f"descriptor) for every model" + (" and its random-weight twin" if config.controls else "") + "; "
           + (", ".join(strategy_label(s) for s in config.strategies) + f" for the best {config.top} models; "
              if config.strategies else "")
           + "scratch baselines: " + ", ".join([baseline_label("ridge")] + [baseline_label(b) for b in config.baselines])
           + "; "
           + (f"nested estimate over {config.nested_folds} outer folds ({config.nested_top} models refitted in each); "
              if config.nested else "no nested estimate; ")
           + f"seed {config.seed}; stage 1 {compute_text()}.")
glossary(["models and candidates", "frozen features", "scratch", "random-weight control", "nested estimate"])

# ---------------------------------------------------------------- start, progress, finish
job = job_panel(JobKind.SCREEN, label="Screen")
busy = job is not None and not job.done
if st.button("Start", type="primary", icon=":material/rocket_launch:", disabled=busy, key="start_screen"):
    try:
        config.check()
        ds.check()
        needed = rows_needed(config)
        if ds.n_rows < needed:
            other = suggest_config(config, ds.n_rows)
            hint = f" Choose {other.cv.label()} cross-validation instead." if other is not None else ""
            raise InputError(f"these settings ({config.cv.label()} cross-validation"
                             + (", nested estimate" if config.nested else "")
                             + f") need at least {needed} rows; the data have {ds.n_rows}.{hint}")
        if config.model_ids is not None and not config.model_ids:
            raise InputError("no models picked: pick some on the Library page or screen every model")
    except InputError as exc:
        st.error(str(exc))
    else:
        st.session_state[Key.AUTO_OPEN] = True
        submit(JobKind.SCREEN, screen_work(ds.to_target(), libraries(), config, owner=owner()),
               name=f"screen of {ds.name}", meta={"dataset": ds, "open_results": True})
        st.rerun()

if job is not None and job.done and job.result:
    verdict_box(job.result["result"].summary)
    st.page_link(Page.RESULTS, label="Open the results", icon=":material/insights:")
