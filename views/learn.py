"""Learn: a class demo in one click, and a guided walk through shotgun transfer learning on the bundled data."""

from __future__ import annotations

import streamlit as st

from app_state import JobKind, Page, libraries, owner, scheduler
from core.demo import INTENSIVE_FAMILIES, ClassDemo, intensive_in_map, intensive_pairs, lessons
from core.errors import InputError
from core.work import screen_work, transferability_work
from core.labels import GLOSSARY
from core.transfer.runs import local_time, run_title
from core.transfer.screen import ScreenConfig
from core.transfer.transferability import example_targets
from core.viz.handout import run_handout
from core.viz.heatmap import heatmap_figure
from core.viz.library import architecture_figure, architecture_name
from core.viz.ranking import error_distribution
from views._verdict import honest_tiles, recommended_parity, verdict_box
from views._widgets import (browser_timezone, job_panel, latest_job, libraries_summary, load_run, model_card,
                            query_models, show_figure, show_table, submit)


DEMO = ClassDemo()
COMPARED = ("polymer_tg_common", "freesolv")

st.title("Learn: shotgun transfer learning in five steps")
st.caption("A walk through the idea of Yamada et al., ACS Cent. Sci. 2019, 5, 1717 (XenonPy.MDL), on the data that "
           "ships with this app. Each step runs for real.")
paths = libraries()

# ---------------------------------------------------------------- the class demo
with st.container(border=True):
    st.subheader("Class demo")
    st.markdown(
        f"One click screens **{DEMO.rows} polymer glass-transition temperatures** against the models of "
        f"{len(DEMO.sources)} source properties (10 to 20 s on a laptop), then reads three lessons off that run's "
        "numbers: *transfer can help*, *the best of many is optimistic*, *intensive sources transfer*. The one-page "
        "summary below it prints as a handout.")
    job = job_panel(JobKind.LEARN_DEMO, label="Class demo")
    if st.button("Run the class demo", key="learn_run", type="primary", disabled=job is not None and not job.done,
                 icon=":material/play_arrow:"):
        data = DEMO.dataset()
        submit(JobKind.LEARN_DEMO, screen_work(data.to_target(), paths, DEMO.config(scheduler()), owner=owner()),
               name="class demo", meta={"dataset": data})
        st.rerun()
    result = None
    if job is not None and job.done and job.result:
        try:
            result = load_run(job.result["path"])
        except InputError:  # the demo run's folder was deleted since
            st.info("The demo run is no longer on disk; run it again.")
    if result is not None:
        unit = result.target.get("unit") or ""
        found = lessons(result.summary, result.ranking, unit)
        for i, lesson in enumerate(found, start=1):
            mark = {True: ":material/check_circle:", False: ":material/cancel:", None: ":material/help:"}[lesson.shown]
            st.markdown(f"{mark} **{i}. {lesson.title}.** {lesson.finding}")
        tz = browser_timezone()
        handout = run_handout(title=run_title(result.meta, tz), created=local_time(result.meta.get("created"), tz),
                              target=result.target, summary=result.summary, ranking=result.ranking, y=result.y,
                              nested_predictions=result.recommended_oof(), lessons=found,
                              settings=f"class demo: {result.config.cv.label()} cross-validation, "
                                       f"{result.config.nested_folds} outer folds, {result.summary['n_models']} models")
        st.download_button("One-page handout of this run (HTML, print it or save it as PDF)", handout,
                           file_name="class-demo-summary.html", mime="text/html", key="learn_handout",
                           icon=":material/print:", on_click="ignore")
    else:
        st.caption("Run the class demo to see the three lessons with real numbers.")

# ---------------------------------------------------------------- 1
st.header("1. The problem: too few measurements")
st.markdown(
    "Measuring a property is slow and expensive, so many materials datasets have only tens of rows. A model "
    "trained from scratch on 40 molecules has seen very little chemistry. But other properties, computed or "
    "measured by the thousand (QM9's 130,000 molecules, the Materials Project's crystals), teach a neural "
    "network what matters about a structure. **Transfer learning** reuses that knowledge.")

# ---------------------------------------------------------------- 2
st.header("2. A library of pretrained models")
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
    if card.get("architecture"):
        show_figure(architecture_figure(card), "architecture", "learn_arch")
        st.caption(f"One of them: {architecture_name(card)}, test R\u00b2 "
                   f"{card['metrics']['test']['r2']:.2f} on rows it never saw. In transfer, the highlighted last "
                   f"hidden layer's outputs become the features of a small regressor fitted on your data "
                   f"(*frozen features*: {GLOSSARY['frozen features']})")

# ---------------------------------------------------------------- 3
st.header("3. Shotgun transfer: try every model, keep what works")
st.markdown(
    "No one knows in advance which source property helps a target, so every model is tried. Each one's frozen "
    "features feed a ridge regression, cross-validated on the small target in closed form, hundreds of models per "
    "second. The best are refitted with random forests. Crucially, **models trained from scratch on the same "
    "folds** are in the ranking too, and so are **nets of the same shapes with random weights**: if those score "
    "as well, pretraining did not matter.")
if result is not None:
    verdict_box(result.summary)
    show_figure(error_distribution(result.ranking, unit=unit), "learn_distribution", "learn_dist")
    st.caption("Each bar counts candidates with that cross-validated error (blue: pretrained, grey: random-weight "
               "controls); the red lines are scratch models. Most pretrained models do not help: the shotgun works "
               "because a few do.")
    best = result.summary["best"]["candidate"]
    row = result.ranking.set_index("candidate").loc[best] if best in result.oof else None
    fig = recommended_parity(result, {"naive best single candidate (CV)":
                                      (result.oof[best], "transfer", float(row["cv_mae"]), float(row["r2"]))}
                             if row is not None else None)
    if fig is not None:
        show_figure(fig, "learn_parity", "learn_parity")
else:
    st.caption("Run the class demo above to see a real screen here.")

# ---------------------------------------------------------------- 4
st.header("4. Honest numbers: the nested estimate")
st.markdown(
    "Picking the best of hundreds of candidates by their cross-validation score and then quoting that score is "
    "optimistic: some candidate is always lucky on 50 rows. The **nested estimate** repeats the *whole* "
    "procedure (screen, pick, refit) inside each outer fold and scores the pick on rows it never saw. It is "
    "what you should expect on new data.")
if result is not None:
    honest_tiles(result.summary, unit, result.ranking)
    st.caption(result.summary["nested_explanation"] + " When the nested estimate is no better than scratch, the "
               "apparent gain was luck; the app says so.")
else:
    st.caption("Run the class demo above to see the numbers.")

# ---------------------------------------------------------------- 5
st.header("5. Intensive beats extensive")
st.markdown(
    "A polymer's repeat unit is a piece of an endless chain. A molecule's heat capacity grows with its size "
    "(*extensive*); heat capacity per gram or per atom does not (*intensive*), and only the intensive kind says "
    "something about a chain. The library therefore offers per-mass, per-atom and per-volume variants of every "
    "extensive source. Whether it shows depends on the target: the numbers below say what this data shows.")
if result is not None:
    pairs = intensive_pairs(result.ranking)
    if not pairs.empty:
        st.markdown("**In the class demo's run** (best CV MAE of each source's models):")
        show_table(pairs, unit, ["family", "variant", "property", "cv_mae"],
                   titles={"family": "source property", "variant": "counted", "property": "as screened"},
                   key="learn_pairs")
        st.caption(found[2].finding)
family_models = query_models(paths, source=list(INTENSIVE_FAMILIES), columns=["id", "source", "property", "test_r2"])
if family_models.empty:
    st.info("The libraries in use have none of these source properties.")
else:
    job = job_panel(JobKind.LEARN_COMPARE, label="Comparison")
    if st.button("Compare extensive and intensive sources on two targets (about 15 s)", key="learn_compare",
                 disabled=job is not None and not job.done, icon=":material/compare_arrows:"):
        targets = example_targets(list(COMPARED), rows=100, seed=0)
        config = ScreenConfig(sources=INTENSIVE_FAMILIES, model_domains=("molecule",))
        submit(JobKind.LEARN_COMPARE, transferability_work(targets, paths, config), name="intensive vs extensive")
        st.rerun()
    if job is not None and job.done and job.result is not None:
        from core import datasets

        improvement = job.result.improvement.rename(columns={n: datasets.get(n).property for n in COMPARED})
        show_figure(heatmap_figure(improvement, x_title="target"), "intensive_extensive", "learn_heat")
        reading = intensive_in_map(improvement, INTENSIVE_FAMILIES)
        st.caption("Improvement of each source property's best model over the best scratch model (%; blue: transfer "
                   "helped). What it says: " + (" ".join(f"{line}." for line in reading) if reading else
                                                 "no extensive source and its variant are both in the libraries.")
                   + " Where the per-molecule value does as well, this target does not show the lesson; it shows "
                     "most on size-sensitive targets such as polymer specific heat.")

st.header("Your turn")
st.page_link(Page.DATA, label="Upload your own data", icon=":material/upload:")
st.page_link(Page.HOME, label="Or start from a one-click example", icon=":material/home:")
