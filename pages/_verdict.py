"""The verdict of a run as the Results and Learn pages show it: one box, four numbers, one parity plot."""

from __future__ import annotations

import streamlit as st

from core.viz.ranking import parity_figure
from core.viz.theme import axis_label


def fmt(value, unit: str = "") -> str:
    """A number as every page shows it: three significant digits and the unit."""
    if value is None:
        return "n/a"
    return f"{value:.3g}" + (f" {unit}" if unit else "")


def verdict_box(summary: dict) -> None:
    """Green when transfer helps by the nested decision, amber when not, grey when undecided."""
    decision = summary["decision"]
    box = st.success if decision["transfer_helps"] else (st.warning if decision["decided"] else st.info)
    box(summary["verdict"], icon=":material/verified:" if decision["transfer_helps"] else ":material/info:")


def honest_tiles(summary: dict, unit: str) -> None:
    """The recommended model's nested MAE first; the optimistic and control numbers after it."""
    procs = summary["procedures"]
    cols = st.columns(4)
    cols[0].metric(axis_label("Recommended model: nested MAE", unit), fmt(summary["nested_mae"]),
                   help="Mean absolute error of the whole select-then-fit procedure on rows it never saw "
                        "(the honest number to expect on new structures).")
    other = "scratch" if summary["recommended"]["procedure"] == "transfer" else "transfer"
    cols[1].metric(axis_label(f"{other.capitalize()} procedure: nested MAE", unit), fmt(procs[other]["nested_mae"]),
                   help="The same procedure restricted to scratch candidates (or allowed every candidate), under "
                        "the same outer folds.")
    cols[2].metric(axis_label("Naive best CV MAE (optimistic)", unit), fmt(summary["naive_best_cv_mae"]),
                   help="The best of all cross-validation scores: flattering, because some candidate is always "
                        "lucky on a few dozen rows.")
    control = summary.get("control")
    cols[3].metric(axis_label("Best random-weight control", unit),
                   fmt(control["best_random_cv_mae"]) if control else "not run",
                   help="Nets of the same shapes and inputs with random weights: if they score like the pretrained "
                        "ones, pretraining did not matter.")
    interval = summary["interval"]
    st.caption(f"Recommended: **{summary['recommended']['label']}**. Predictions come with "
               f"{interval['level']:.0%} intervals of \u00b1{fmt(interval['halfwidth'], unit)}, calibrated on the "
               f"{interval['from']}.")


def recommended_parity(result, extra: dict | None = None):
    """Parity plot of the recommended model's honest (nested) predictions beside the other procedure."""
    unit = result.target.get("unit") or ""
    panels, families = {}, {}
    rec = result.summary["recommended"]["procedure"]
    for name in (rec, "scratch" if rec == "transfer" else "transfer"):
        proc = result.procedures[name]
        if proc.nested is not None:
            title = f"{'recommended: ' if name == rec else ''}{name} procedure (nested)"
            panels[title] = proc.nested.predictions
            families[title] = "recommended" if name == rec else name
    for title, (oof, fam) in (extra or {}).items():
        panels[title] = oof
        families[title] = fam
    if not panels:
        return None
    return parity_figure(result.y, panels, target=result.target["name"], unit=unit, structures=result.structures,
                         families=families)
