"""The class demo: one prepared screen, and the three lessons read from any run's numbers.

A teacher clicks once; a screen of 50 polymer glass-transition temperatures against a
small, fixed set of source properties runs in about 10 s on 2 cores, and
:func:`lessons` reads three lessons off the run, each with that run's own numbers:

1. *Transfer can help*: the nested (honest) estimate of the transfer procedure against
   the scratch procedure, and the decision;
2. *The best of many is optimistic*: the naive best CV MAE of all candidates against the
   nested estimate of the procedure that picked it (and the random-weight control);
3. *Intensive sources transfer*: each size-extensive source property (heat capacity,
   polarizability per molecule) against its per-mass, per-atom or per-volume variants.

Each lesson says whether this run shows it; a lesson the numbers do not show is said so,
never dressed up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.labels import number, percent

#: Sources of the demo: the polymer Tg estimate (a near relative of the target: the case
#: where transfer pays) and the extensive/intensive families of QM9 heat capacity and
#: polarizability (small molecules read as repeat units).
#: Extensive source properties of the starter library and their intensive variants (the
#: Learn page's "intensive beats extensive" lesson).
INTENSIVE_FAMILIES = ("qm9_cv", "qm9_cv_per_mass", "qm9_cv_per_atom", "qm9_alpha", "qm9_alpha_per_atom",
                      "qm9_alpha_per_volume")
DEMO_SOURCES = ("polymer_tg",) + INTENSIVE_FAMILIES

#: ``<extensive source>_per_<what>``: the naming of intensive variants in the datasets.
_INTENSIVE = re.compile(r"^(?P<base>.+)_per_(?P<per>atom|mass|volume)$")
_PER = {"atom": "per atom", "mass": "per mass", "volume": "per volume"}


@dataclass(frozen=True)
class ClassDemo:
    """The prepared demo screen.

    Parameters
    ----------
    example : str
        Bundled example target.
    rows : int
        Rows taken from it (seeded).
    sources : tuple of str
        Source properties whose models are screened.
    preset : str
        Screen preset (:data:`core.workspace.SCREEN_PRESETS`).
    nested_folds : int
        Outer folds of the nested estimate: 3 rather than the preset's 5 keeps the demo
        near 10 s on 2 idle cores, with room under 30 s on a busy one.
    seed : int
    """

    example: str = "polymer_tg_common"
    rows: int = 50
    sources: tuple[str, ...] = DEMO_SOURCES
    preset: str = "quick"
    nested_folds: int = 3
    seed: int = 0

    def dataset(self):
        """The demo's :class:`core.workspace.Dataset`."""
        from core.workspace import load_example

        return load_example(self.example, self.rows, seed=self.seed)

    def config(self, scheduler: str | None = None):
        """The demo's :class:`~core.transfer.config.ScreenConfig`."""
        from core.workspace import screen_preset

        return screen_preset(self.preset, sources=self.sources, seed=self.seed, nested_folds=self.nested_folds,
                             scheduler=scheduler)


@dataclass
class Lesson:
    """One lesson as this run shows it.

    Attributes
    ----------
    title : str
    finding : str
        What this run's numbers say, in one or two sentences.
    shown : bool or None
        Whether the run shows the lesson (None: the run has nothing to show it with).
    numbers : dict
        The numbers behind the finding.
    """

    title: str
    finding: str
    shown: bool | None
    numbers: dict = field(default_factory=dict)


def lessons(summary: dict, ranking: pd.DataFrame, unit: str = "") -> list[Lesson]:
    """The three lessons of a run (its ``summary`` and ``ranking``), with its numbers."""
    return [_transfer_helps(summary, unit), _optimism(summary, unit), _intensive(ranking, unit)]


def _transfer_helps(summary: dict, unit: str) -> Lesson:
    title = "Transfer can help"
    procs = summary.get("procedures") or {}
    t, s = (procs.get("transfer") or {}).get("nested_mae"), (procs.get("scratch") or {}).get("nested_mae")
    d = summary.get("decision") or {}
    if t is None or s is None:
        return Lesson(title, "This run has no nested estimate, so it cannot show whether transfer helped.", None)
    numbers = {"transfer_nested_mae": t, "scratch_nested_mae": s, "gain": d.get("gain"),
               "p_value": d.get("p_value"), "folds_won": d.get("folds_won"), "n_folds": d.get("n_folds")}
    pair = (f"the transfer procedure's honest (nested) MAE is {number(t, unit)} against {number(s, unit)} for "
            f"models trained from scratch")
    if d.get("transfer_helps"):
        finding = (f"Here it did: {pair}, {percent(100 * d['gain'])} lower, better in {d['folds_won']} of "
                   f"{d['n_folds']} outer folds, more than fold-to-fold noise explains (p = {d['p_value']:.2g}).")
        return Lesson(title, finding, True, numbers)
    p_value = d.get("p_value", 1.0)
    if (d.get("gain") or 0.0) <= 0:
        why = "transfer was no better here"
    elif p_value < 0.05:  # beat scratch, but not predicting the training mean (the verdict's third case)
        why = (f"transfer beat scratch (p = {p_value:.2g}) but not predicting the mean of the training targets by "
               f"more than noise explains (p = {d.get('p_value_vs_mean', 1.0):.2g}): there is little to learn")
    else:
        why = f"the difference is within what fold-to-fold noise explains (p = {p_value:.2g})"
    finding = f"Not in this run: {pair}; {why}, so the app recommends the scratch model."
    return Lesson(title, finding, False, numbers)


def _optimism(summary: dict, unit: str) -> Lesson:
    title = "The best of many is optimistic"
    naive = summary.get("naive_best_cv_mae")
    nested = (summary.get("procedures") or {}).get("transfer", {}).get("nested_mae")
    n = summary.get("n_candidates")
    if naive is None or nested is None:
        return Lesson(title, "This run has no nested estimate to compare the best CV score with.", None)
    numbers = {"naive_best_cv_mae": naive, "transfer_nested_mae": nested, "n_candidates": n}
    finding = (f"The best of {n} cross-validation scores is {number(naive, unit)}; the same choice, repeated "
               f"without ever seeing the rows it is scored on (the nested estimate), reaches {number(nested, unit)}.")
    control = summary.get("control")
    if control:
        numbers.update(best_random_cv_mae=control["best_random_cv_mae"],
                       best_pretrained_cv_mae=control["best_pretrained_cv_mae"])
        finding += (f" Nets of the same shapes with random weights reach {number(control['best_random_cv_mae'], unit)} "
                    f"(pretrained: {number(control['best_pretrained_cv_mae'], unit)}): "
                    + ("pretraining mattered." if control["pretraining_matters"] else
                       "much of the apparent gain is the luck of choosing among many feature sets."))
    return Lesson(title, finding, bool(naive < nested), numbers)


def intensive_pairs(ranking: pd.DataFrame) -> pd.DataFrame:
    """Best CV MAE of each extensive source property beside its intensive variants.

    Columns: ``family`` (the extensive source's property), ``source``, ``property``,
    ``variant`` (``per molecule``, ``per mass``, ...), ``cv_mae``; only families with the
    extensive source and at least one variant among the run's pretrained candidates.
    """
    rows = ranking[(ranking["family"] == "transfer") & ranking["source"].fillna("").astype(bool)]
    best = rows.groupby("source").agg(cv_mae=("cv_mae", "min"), property=("property", "first"))
    out = []
    for source in best.index:
        match = _INTENSIVE.match(str(source))
        if not match or match.group("base") not in best.index:
            continue
        base = match.group("base")
        family = best.loc[base, "property"]
        if not any(r["source"] == base for r in out):
            out.append({"family": family, "source": base, "property": family, "variant": "per molecule",
                        "cv_mae": float(best.loc[base, "cv_mae"])})
        out.append({"family": family, "source": source, "property": best.loc[source, "property"],
                    "variant": _PER[match.group("per")], "cv_mae": float(best.loc[source, "cv_mae"])})
    return pd.DataFrame(out, columns=["family", "source", "property", "variant", "cv_mae"])


def _intensive(ranking: pd.DataFrame, unit: str) -> Lesson:
    title = "Intensive sources transfer"
    pairs = intensive_pairs(ranking)
    if pairs.empty:
        return Lesson(title, "This run screened no extensive source together with its per-mass, per-atom or "
                             "per-volume variant, so it cannot show this lesson.", None)
    sentences, wins = [], []
    for family, group in pairs.groupby("family", sort=False):
        ext = group[group["variant"] == "per molecule"].iloc[0]
        rest = group[group["variant"] != "per molecule"]
        best = rest.loc[rest["cv_mae"].idxmin()]
        won = bool(best["cv_mae"] < ext["cv_mae"])
        wins.append(won)
        sentences.append(f"{family}: {best['variant']} {number(best['cv_mae'], unit)} against "
                         f"{number(ext['cv_mae'], unit)} per molecule"
                         + (" (the intensive variant transferred better)" if won else
                            " (here the per-molecule value did as well or better)"))
    shown = bool(np.mean(wins) > 0.5)
    lead = ("In this run the intensive variants mostly transferred better" if shown else
            "This run does not show it clearly")
    finding = (f"{lead}. Best CV MAE of each source's models: " + "; ".join(sentences) + ". A repeat unit is a "
               "piece of an endless chain, so a property that grows with molecule size says little about it; the "
               "effect is largest on size-sensitive targets such as specific heat capacity.")
    return Lesson(title, finding, shown, {"pairs": pairs.to_dict("records")})


def intensive_in_map(improvement: pd.DataFrame, sources: tuple[str, ...]) -> list[str]:
    """What a transferability map (source properties x targets, % better than scratch)
    says about each extensive source against its intensive variants, one sentence per
    target; ``sources`` are the dataset names behind the map's rows."""
    from core import datasets

    prop = {}
    for name in sources:
        try:
            prop[name] = datasets.get(name).property
        except Exception:  # noqa: BLE001 - a source that is not a bundled dataset
            continue
    families: dict[str, list[str]] = {}
    for name in prop:
        match = _INTENSIVE.match(name)
        if match and match.group("base") in prop:
            families.setdefault(match.group("base"), []).append(name)
    out = []
    for target in improvement.columns:
        parts = []
        for base, variants in families.items():
            if prop[base] not in improvement.index:
                continue
            ext = improvement.loc[prop[base], target]
            scores = {v: improvement.loc[prop[v], target] for v in variants if prop[v] in improvement.index}
            scores = {v: x for v, x in scores.items() if pd.notna(x)}
            if pd.isna(ext) or not scores:
                continue
            best = max(scores, key=scores.get)
            per = _PER[_INTENSIVE.match(best).group("per")]
            verdict = "intensive better" if scores[best] > ext else "per molecule as good or better"
            parts.append(f"{prop[base]}: {per} {scores[best]:+.0f}% against {ext:+.0f}% per molecule ({verdict})")
        if parts:
            out.append(f"{target}: " + "; ".join(parts))
    return out
