"""The verdict of a run as the Results and Learn pages show it: one box, the honest tiles,
one parity plot whose titles carry the verdict's numbers.

Every number goes through :func:`core.labels.number` (three significant digits and the
unit), the one format of the verdict, the tiles, the parity titles, the ranking and the
downloads.
"""

from __future__ import annotations

import streamlit as st

from core.labels import GLOSSARY, number, recommended_label
from core.viz.ranking import parity_figure


#: Width of a tile (px): its longest label fits.
TILE = 220


def fmt(value, unit: str = "") -> str:
    """A number as every page shows it (:func:`core.labels.number`)."""
    return number(value, unit)


def verdict_box(summary: dict) -> None:
    """Green when transfer helps by the nested decision, amber when not, grey when undecided."""
    decision = summary["decision"]
    box = st.success if decision["transfer_helps"] else (st.warning if decision["decided"] else st.info)
    box(summary["verdict"], icon=":material/verified:" if decision["transfer_helps"] else ":material/info:")


def honest_tiles(summary: dict, unit: str, ranking=None) -> None:
    """The recommended model's nested MAE first; the optimistic and control numbers after it."""
    procs = summary["procedures"]
    other = "scratch" if summary["recommended"]["procedure"] == "transfer" else "transfer"
    control = summary.get("control")
    # tiles of a fixed width in a row that wraps: four across a wide window, two by two on a narrow one,
    # so a label is never cut
    with st.container(horizontal=True, gap="small"):
        st.metric("Recommended: nested MAE", fmt(summary["nested_mae"], unit), width=TILE,
                  help=GLOSSARY["nested estimate"] + " " + GLOSSARY["MAE"])
        st.metric(f"{other.capitalize()}: nested MAE", fmt(procs[other]["nested_mae"], unit), width=TILE,
                  help=(f"The {other} procedure: the same choice among the scratch candidates only (nothing pretrained), under the same "
                        "outer folds." if other == "scratch" else
                        f"The {other} procedure: the same choice among every candidate, pretrained and scratch, under the same outer "
                        "folds.") + " " + GLOSSARY["scratch"])
        st.metric("Best CV MAE (optimistic)", fmt(summary["naive_best_cv_mae"], unit), width=TILE,
                  help="The naive best: the lowest of all cross-validation scores, flattering, because among "
                       "hundreds of candidates some is always lucky on a few dozen rows.")
        st.metric("Random weights: CV MAE", fmt(control["best_random_cv_mae"], unit) if control else
                  "not run", width=TILE, help=GLOSSARY["random-weight control"])
    interval = summary["interval"]
    label = recommended_label(summary, ranking) if ranking is not None else summary["recommended"]["label"]
    st.caption(f"Recommended: **{label}**. Predictions come with {interval['level']:.0%} intervals of "
               f"\u00b1{fmt(interval['halfwidth'], unit)}, calibrated on the {interval['from']}.")


def recommended_parity(result, extra: dict | None = None):
    """Parity plot of the recommended model's honest (nested) predictions beside the other procedure.

    ``extra``: panel title -> (predictions, family[, CV MAE[, CV R²]]) of single candidates; their
    titles carry the ranking's CV MAE, the procedures' the nested MAE of the verdict.
    """
    unit = result.target.get("unit") or ""
    panels, families, scores = {}, {}, {}
    rec = result.summary["recommended"]["procedure"]
    for name in (rec, "scratch" if rec == "transfer" else "transfer"):
        proc = result.procedures[name]
        if proc.nested is not None:
            title = f"{'recommended: ' if name == rec else ''}{name} procedure (nested)"
            panels[title] = proc.nested.predictions
            families[title] = "recommended" if name == rec else name
            scores[title] = {"mae": proc.nested.mae, "r2": proc.nested.r2}
    for title, (oof, fam, *score) in (extra or {}).items():
        panels[title] = oof
        families[title] = fam
        if score:
            scores[title] = dict(zip(("mae", "r2"), score))
    if not panels:
        return None
    return parity_figure(result.y, panels, target=result.target["name"], unit=unit, structures=result.structures,
                         families=families, scores=scores)
