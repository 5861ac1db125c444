"""Words for what the engine calls by ids: candidates, strategies, descriptors, procedures.

Every page, figure, download and the CLI's printed tables name candidates through
:func:`candidate_label`, so a user reads "band gap (Materials Project) net, frozen
features + random forest" rather than ``mp_gap-composition-s0-03|rf``.
"""

from __future__ import annotations

from typing import Mapping

DESCRIPTORS = {
    "morgan": "Morgan counts",
    "maccs": "MACCS keys",
    "rdkit2d": "RDKit 2D descriptors",
    "composition": "composition features",
    "structure": "composition and structure features",
}

STRATEGIES = {
    "ridge": "frozen features + ridge",
    "ridge+raw": "frozen features and raw descriptor + ridge",
    "rf": "frozen features + random forest",
    "bayes_ridge": "frozen features + Bayesian ridge",
    "gp": "frozen features + Gaussian process",
    "finetune_last": "fine-tuned last layer",
    "finetune_all": "fine-tuned whole net",
}

SCRATCH = {
    "ridge": "ridge",
    "scratch_ridge": "ridge (penalty by inner CV)",
    "scratch_rf": "random forest",
    "scratch_net": "net of the same shape from random weights",
}

PROCEDURES = {
    "transfer": "transfer procedure",
    "scratch": "scratch procedure",
}


def descriptor_label(name: str) -> str:
    """Plain words for a descriptor (its featurizer name, or a label with settings)."""
    base = str(name).split("(")[0].split("{")[0]
    words = DESCRIPTORS.get(base, base)
    return words if base == name else f"{words} {str(name)[len(base):]}"


def candidate_label(row: Mapping, width: int | None = None) -> str:
    """A readable name of a ranking row (or :meth:`Candidate.to_dict`).

    Parameters
    ----------
    row : mapping
        Needs ``family``, ``strategy`` and ``descriptor``; ``property`` and ``source_name``
        make transfer labels precise.
    width : int, optional
        Cut to this many characters (with an ellipsis).
    """
    family = str(row.get("family") or "transfer")
    strategy = str(row.get("strategy") or "")
    descriptor = descriptor_label(str(row.get("descriptor") or ""))
    if family == "scratch":
        text = f"scratch: {SCRATCH.get(strategy, strategy)} on {descriptor}"
    else:
        prop = row.get("property")
        prop = prop if isinstance(prop, str) and prop else str(row.get("model_id") or "model")
        what = STRATEGIES.get(strategy, strategy)
        if family == "random":
            text = f"random-weight twin of the {prop} net, {what} ({descriptor})"
        else:
            text = f"{prop} net, {what} ({descriptor})"
    if width is not None and len(text) > width:
        return text[: width - 1] + "\u2026"
    return text


def members_label(labels: list[str]) -> str:
    """``"the average of 3 models: a; b; c"`` or the single label."""
    if len(labels) == 1:
        return labels[0]
    return f"the average of {len(labels)} models: " + "; ".join(labels)
