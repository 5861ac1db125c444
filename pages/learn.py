"""Learn: a guided walk through shotgun transfer learning on the bundled data, for teaching."""

from __future__ import annotations

import streamlit as st

from app_state import JobKind, Key, Page, ensure_navigation, libraries
from core.errors import InputError
from core.jobs import screen_work, transferability_work
from core.transfer.screen import ScreenConfig
from core.transfer.transferability import example_targets
from core.viz.heatmap import heatmap_figure
from core.viz.library import architecture_figure
from core.viz.ranking import error_distribution
from pages._verdict import honest_tiles, recommended_parity, verdict_box
from core.workspace import load_example, screen_preset
from pages._widgets import (consume, job_panel, latest_job, libraries_summary, load_run, model_card, query_models,
                            show_figure, submit)

ensure_navigation()

DEMO, DEMO_ROWS = "freesolv", 40
#: Extensive source properties and their intensive variants in the starter library.
FAMILIES = ("qm9_cv", "qm9_cv_per_mass", "qm9_cv_per_atom", "qm9_alpha", "qm9_alpha_per_atom", "qm9_alpha_per_volume")

st.title("Learn: shotgun transfer learning in five steps")
st.caption("A walk through the idea of Yamada et al., ACS Cent. Sci. 2019, 5, 1717 (XenonPy.MDL), on the data that "
           "ships with this app. Each step runs for real.")

# ---------------------------------------------------------------- 1
st.header("1. The problem: too few measurements")
st.markdown(
    "Measuring a property is slow and expensive, so many materials datasets have only tens of rows. A model "
    "trained from scratch on 40 molecules has seen very little chemistry. But other properties, computed or "
    "measured by the thousand (QM9's 130,000 molecules, the Materials Project's crystals), teach a neural "
    "network what matters about a structure. **Transfer learning** reuses that knowledge.")

# ---------------------------------------------------------------- 2
st.header("2. A library of pretrained models")
paths = libraries()
summary = libraries_summary(paths)
models = query_models(paths, columns=["id", "domain", "source", "property", "test_r2", "descriptor"])
st.markdown(
    f"The library in use holds **{summary['models']} small neural networks** trained on **{summary['properties']} "
    "source properties**. Each net has 2 to 5 hidden layers of random, decreasing widths and sees a random subset "
    "of its descriptor's columns: that randomness is the *shotgun*, a diverse set of views of the chemistry.")
if not models.empty:
    preferred = models[models["source"] == "qm9_cv_per_mass"]
    example = (preferred if len(preferred) else models).sort_values("test_r2", ascending=False).iloc[0]
    card = model_card(query_models(paths, ids=[example["id"]])["library"].iloc[0], example["id"])
    show_figure(architecture_figure(card), "architecture", "learn_arch")
    st.caption(f"One of them: {card['source']['property']} from {card['source']['dataset']}, test R\u00b2 "
               f"{card['metrics']['test']['r2']:.2f} on rows it never saw. In transfer, the highlighted last "
               "hidden layer's outputs become the features of a small regressor fitted on your data.")

# ---------------------------------------------------------------- 3
st.header("3. Shotgun transfer: try every model, keep what works")
st.markdown(
    "No one knows in advance which source property helps a target, so every model is tried. Each one's frozen "
    "features feed a ridge regression, cross-validated on the small target in closed form, hundreds of models per "
    "second. The best are refitted with random forests. Crucially, **models trained from scratch on the same "
    f"folds** are in the ranking too. Below: a real screen of {DEMO_ROWS} FreeSolv hydration free energies.")
finished = latest_job(JobKind.LEARN_DEMO)
if finished is not None and finished.done and finished.result and consume(finished):
    st.session_state[Key.LEARN_RUN] = str(finished.result["path"])
job = job_panel(JobKind.LEARN_DEMO, label="Demo screen")
if st.button(f"Run the demo screen ({DEMO_ROWS} rows, about half a minute)", key="learn_run",
             disabled=job is not None and not job.done, icon=":material/play_arrow:"):
    target = load_example(DEMO, DEMO_ROWS).to_target()
    submit(JobKind.LEARN_DEMO, screen_work(target, paths, screen_preset("quick")), name="demo screen")
    st.rerun()
run_path = st.session_state.get(Key.LEARN_RUN)
result = None
if run_path:
    try:
        result = load_run(run_path)
    except InputError:  # the demo run's folder was deleted since
        st.session_state.pop(Key.LEARN_RUN, None)
        st.info("The demo run is no longer on disk; run it again.")
if result is not None:
    s = result.summary
    verdict_box(s)
    show_figure(error_distribution(result.ranking, unit=result.target.get("unit", "")), "learn_distribution",
                "learn_dist")
    st.caption("Each bar counts transfer candidates with that cross-validated error; the red lines are scratch "
               "models. Most pretrained models do not help: the shotgun works because a few do.")
    best = s["best"]["candidate"]
    fig = recommended_parity(result, {"naive best single candidate (CV)": (result.oof[best], "transfer")}
                             if best in result.oof else None)
    if fig is not None:
        show_figure(fig, "learn_parity", "learn_parity")

# ---------------------------------------------------------------- 4
st.header("4. Honest numbers: the nested estimate")
st.markdown(
    "Picking the best of 600 candidates by their cross-validation score and then quoting that score is "
    "optimistic: some candidate is always lucky on 40 rows. The **nested estimate** repeats the *whole* "
    "procedure (screen, pick, refit) inside each outer fold and scores the pick on rows it never saw. It is "
    "what you should expect on new data.")
if result is not None:
    s = result.summary
    honest_tiles(s, result.target.get("unit") or "")
    st.caption(s["nested_explanation"] + " When the nested estimate is no better than scratch, the apparent gain "
               "was luck; the app says so.")
else:
    st.caption("Run the demo screen above to see the numbers.")

# ---------------------------------------------------------------- 5
st.header("5. Intensive beats extensive")
st.markdown(
    "A polymer's repeat unit is a piece of an endless chain. A molecule's heat capacity grows with its size "
    "(*extensive*); heat capacity per gram or per atom does not (*intensive*), and only the intensive kind says "
    "something about a chain. The library therefore offers per-mass, per-atom and per-volume variants of every "
    "extensive source. Compare them on the bundled polymer glass-transition estimates and on FreeSolv:")
family_models = query_models(paths, source=list(FAMILIES), columns=["id", "source", "property", "test_r2"])
if family_models.empty:
    st.info("The libraries in use have none of these source properties.")
else:
    st.dataframe(family_models.groupby(["source", "property"])["test_r2"].agg(["count", "median"])
                 .rename(columns={"count": "models", "median": "median test R\u00b2"}).reset_index(),
                 hide_index=True)
    job = job_panel(JobKind.LEARN_COMPARE, label="Comparison")
    if st.button("Compare extensive and intensive sources (about 15 s)", key="learn_compare",
                 disabled=job is not None and not job.done, icon=":material/compare_arrows:"):
        targets = example_targets(["polymer_tg_common", "freesolv"], rows=100, seed=0)
        config = ScreenConfig(sources=FAMILIES, model_domains=("molecule",))
        submit(JobKind.LEARN_COMPARE, transferability_work(targets, paths, config), name="intensive vs extensive")
        st.rerun()
    if job is not None and job.done and job.result is not None:
        show_figure(heatmap_figure(job.result.improvement, x_title="target"), "intensive_extensive", "learn_heat")
        st.caption("Improvement of each source property's best model over the best scratch model (%). Blue: "
                   "transfer helped. Compare each extensive property with its per-atom, per-mass or per-volume "
                   "variant in the polymer column.")

st.header("Your turn")
st.page_link(Page.DATA, label="Upload your own data", icon=":material/upload:")
st.page_link(Page.HOME, label="Or start from a one-click example", icon=":material/home:")
