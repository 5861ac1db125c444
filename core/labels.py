"""Words for what the engine calls by ids, one rule for rounding, and a short glossary.

Every page, figure, download and the CLI's printed tables name things through this
module, so a user reads "critical temperature net 5: ridge on frozen features (RDKit 2D
descriptors)" rather than ``chemicals_tc-rdkit2d-s0-04|ridge``, a column called
"CV MAE (kcal/mol)" rather than ``cv_mae``, and the same number, rounded the same way,
wherever it appears:

* :func:`candidate_label` names any candidate (a ranking row or
  :meth:`core.transfer.candidate.Candidate.to_dict`); :func:`members_label` names what a
  procedure delivers (one candidate, or the average of several, each listed);
* :data:`COLUMNS` holds the title, unit and tooltip of every column a table shows, and
  :func:`titled` turns a machine table into the one a user downloads (machine ids kept
  in a column of their own, last);
* :func:`number`, :func:`r2_text` and :func:`percent` are the only formats of numbers,
  and :func:`rounded` rounds a table's columns by the same rules;
* :data:`GLOSSARY` explains the few words a newcomer stumbles over.

Why one module of ~500 lines: it is one table of words (ids to plain language, columns to
titles and units, the glossary) with the few formatters that use it; split, a page would
import words from several places and two spellings of one thing would creep in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

# ====================================================================== descriptors, strategies
DESCRIPTORS = {
    "morgan": "Morgan counts",
    "maccs": "MACCS keys",
    "rdkit2d": "RDKit 2D descriptors",
    "composition": "composition features",
    "element_fraction": "element fractions",
    "structure": "composition and structure features",
    "chemprop_admet": "Chemprop fingerprint",
    "chgnet_crystal": "CHGNet crystal features",
    "element_embedding": "element-embedding statistics",
}

#: Settings of a descriptor in words (``morgan(n_bits=1024, radius=3)`` gives "Morgan counts,
#: 1024 bits, radius 3"); settings not listed are shown as ``name value``.
_SETTINGS = {
    "n_bits": lambda v: f"{v} bits",
    "radius": lambda v: f"radius {v}",
    "stats": lambda v: {"full": "7 statistics", "classic": "5 statistics"}.get(v, f"{v} statistics"),
    "embedding": str,
    "model": lambda v: f"model {int(v) + 1}" if str(v).isdigit() else f"model {v}",
    "task_set": lambda v: f"{v} tasks",
    "polymer_ends": lambda v: "" if v == "trimer" else f"{v} ends",
}

#: What a pretrained net's candidate does with it (``Candidate.strategy``): a regressor on
#: what it reads.
STRATEGIES = {
    "ridge": "ridge on frozen features",
    "ridge+raw": "ridge on frozen features + raw descriptor",
    "rf": "random forest on frozen features",
    "bayes_ridge": "Bayesian ridge on frozen features",
    "gp": "Gaussian process on frozen features",
    "finetune_last": "fine-tuned last layer",
    "finetune_all": "fine-tuned whole net",
}

#: The same for a pretrained representation, whose output is its feature.
REPRESENTATION_STRATEGIES = {
    "ridge": "ridge on its features",
    "rf": "random forest on its features",
    "bayes_ridge": "Bayesian ridge on its features",
    "gp": "Gaussian process on its features",
}

#: Scratch baselines (nothing pretrained).
SCRATCH = {
    "ridge": "ridge",
    "scratch_ridge": "ridge (penalty by inner CV)",
    "scratch_rf": "random forest",
    "scratch_et": "extremely randomised trees",
    "scratch_net": "net",
    "scratch_mean": "the mean of the training targets",
}

#: The ``family`` column in words.
FAMILIES = {"transfer": "pretrained", "scratch": "scratch", "random": "random-weight control"}

#: The ``kind`` column in words (what a candidate reads).
KINDS = {"frozen": "frozen features", "frozen+raw": "frozen features and raw descriptor",
         "strategy": "frozen features, refitted", "finetune": "fine-tuned net", "raw": "raw descriptor",
         "representation": "pretrained representation"}

PROCEDURES = {
    "transfer": "transfer procedure",
    "scratch": "scratch procedure",
}


def descriptor_label(name: str) -> str:
    """Plain words for a descriptor: its featurizer name, or a label with settings such as
    ``composition(stats=full)`` or ``morgan{"n_bits": 2048, "radius": 2}``."""
    text = str(name or "")
    match = re.match(r"^([A-Za-z0-9_]+)\s*[({](.*)[)}]\s*$", text)
    if not match:
        return DESCRIPTORS.get(text, text.replace("_", " "))
    base, inner = match.groups()
    words = [DESCRIPTORS.get(base, base.replace("_", " "))]
    for key, value in re.findall(r'"?([A-Za-z_]+)"?\s*[=:]\s*"?([^,"]+)"?', inner):
        value = value.strip()
        say = _SETTINGS.get(key)
        word = say(value) if say else f"{key.replace('_', ' ')} {value}"
        if word:
            words.append(word)
    return words[0] if len(words) == 1 else f"{words[0]} ({', '.join(words[1:])})"


def strategy_label(strategy: str, family: str = "transfer", via: str = "net") -> str:
    """What a candidate does with its model or descriptor, in words."""
    if family == "scratch":
        return SCRATCH.get(strategy, strategy.replace("_", " "))
    table = REPRESENTATION_STRATEGIES if via == "representation" else STRATEGIES
    return table.get(strategy, strategy.replace("_", " "))


def baseline_label(name: str) -> str:
    """A scratch baseline of the settings in words (``random forest on the raw descriptors``)."""
    if name == "scratch_mean":
        return SCRATCH[name]
    if name == "scratch_net":
        return "net of the same shape, trained from random weights"
    return f"{SCRATCH.get(name, name.replace('_', ' '))} on the raw descriptors"


def net_number(model_id: str | None) -> str:
    """``net 4`` for the library's fourth net of a source and descriptor (ids end in
    ``-s<seed>-<index>``); ``net 4, seed 1`` for another seed; empty if unknown."""
    match = re.search(r"-s(\d+)-(\d+)$", str(model_id or ""))
    if not match:
        return ""
    seed, index = int(match.group(1)), int(match.group(2))
    return f"net {index + 1}" + (f", seed {seed}" if seed else "")


def _text(value) -> str:
    return value if isinstance(value, str) and value and value.lower() != "nan" else ""


def candidate_parts(row: Mapping) -> tuple[str, str]:
    """The two halves of a candidate's label: *what* model it uses and *how* (the
    regressor and what it reads).  ``candidate_label`` is ``"what: how"``.

    Examples
    --------
    * ``("critical temperature net 5", "ridge on frozen features (RDKit 2D descriptors)")``
    * ``("critical temperature net 5", "ridge on frozen features + RDKit 2D descriptors")``
    * ``("random-weight twin of the critical temperature net 5", "ridge on frozen features (Morgan counts)")``
    * ``("Chemprop D-MPNN fingerprint, ADMET-AI regression model 1 of 5", "random forest on its features")``
    * ``("scratch", "random forest on Morgan counts")``
    """
    family = _text(row.get("family")) or "transfer"
    strategy = _text(row.get("strategy"))
    via = _text(row.get("via")) or "net"
    descriptor = descriptor_label(_text(row.get("descriptor")))
    prop = _text(row.get("property"))
    number = net_number(row.get("model_id"))
    net = " ".join(p for p in (prop or "library", number or "net") if p)
    if family == "scratch":
        if strategy == "scratch_mean":  # reads no descriptor
            return "scratch", SCRATCH[strategy]
        if strategy == "scratch_net":
            return "scratch", f"net shaped like the {net}, trained from random weights on {descriptor}"
        return "scratch", f"{strategy_label(strategy, family)} on {descriptor}"
    if via == "representation":
        return prop or descriptor, strategy_label(strategy, family, via)
    if strategy == "ridge+raw":  # the raw descriptor, named
        how = f"ridge on frozen features + {descriptor}"
    else:
        how = f"{strategy_label(strategy, family, via)} ({descriptor})"
    return (f"random-weight twin of the {net}" if family == "random" else net), how


def candidate_label(row: Mapping, width: int | None = None) -> str:
    """A readable name of a ranking row (or :meth:`Candidate.to_dict`): ``what: how``
    (:func:`candidate_parts`).

    Parameters
    ----------
    row : mapping
        Needs ``family``, ``strategy`` and ``descriptor``; ``property`` (the source
        property of a net, the title of a representation), ``model_id`` and ``via`` make
        the label precise.
    width : int, optional
        Cut to this many characters (with an ellipsis).

    Examples
    --------
    * ``critical temperature net 5: ridge on frozen features + RDKit 2D descriptors``
    * ``random-weight twin of the critical temperature net 5: ridge on frozen features (Morgan counts)``
    * ``Chemprop D-MPNN fingerprint, ADMET-AI regression model 1 of 5: random forest on its features``
    * ``scratch: random forest on Morgan counts``
    """
    what, how = candidate_parts(row)
    return cut(f"{what}: {how}", width)


def cut(text: str, width: int | None) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (unchanged when it fits)."""
    text = str(text)
    if width is None or len(text) <= width:
        return text
    return text[: max(1, width - 1)].rstrip() + "\u2026"


def members_label(labels: list[str]) -> str:
    """``"the average of 3 candidates: a; b; c"``, or the single label."""
    if len(labels) == 1:
        return labels[0]
    return f"the average of {len(labels)} candidates: " + "; ".join(labels)


def recommended_label(summary: Mapping, ranking: pd.DataFrame) -> str:
    """Name of a run's recommended model, from its members' ranking rows (today's words)."""
    labels = ranking_labels(ranking)
    members = [m for m in (summary.get("recommended") or {}).get("members", []) if m in labels.index]
    if not members:
        return str((summary.get("recommended") or {}).get("label") or "n/a")
    return members_label([labels[m] for m in members])


#: The fields a candidate's words depend on (:func:`candidate_parts`).
_LABEL_FIELDS = ("family", "strategy", "via", "descriptor", "property", "model_id")


def parts_of(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """:func:`candidate_parts` of every row of ``frame``, worked out once per distinct
    combination of the fields they depend on (a ranking of a big library repeats them)."""
    if frame.empty:
        return []
    fields = [f for f in _LABEL_FIELDS if f in frame.columns]
    keys = frame[fields].astype(object).where(frame[fields].notna(), None)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys)) if fields else (np.zeros(len(frame), int), [()])
    words = [candidate_parts(dict(zip(fields, u))) for u in uniques]
    return [words[c] for c in codes]


def ranking_labels(ranking: pd.DataFrame, width: int | None = None) -> pd.Series:
    """:func:`candidate_label` of every row of a ranking, indexed by candidate id."""
    return pd.Series([cut(f"{a}: {b}", width) for a, b in parts_of(ranking)],
                     index=ranking["candidate"].tolist() if "candidate" in ranking else ranking.index)


# ====================================================================== numbers
def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def with_unit(text: str, unit: str | None) -> str:
    """``text unit``, or the text alone for an empty or dimensionless unit."""
    return f"{text} {unit}" if unit and str(unit).lower() not in ("dimensionless", "-") else text


def number(value, unit: str | None = "", digits: int = 3) -> str:
    """The one format of an error or a value: ``digits`` significant digits and the unit
    (``1.4 kcal/mol``, ``194 K``); ``n/a`` when there is none."""
    if not _finite(value):
        return "n/a"
    value = float(significant(float(value), digits))
    if value == 0 or 1e-4 <= abs(value) < 1e6:  # no exponent: 1240, not 1.24e+03
        text = np.format_float_positional(value, trim="-")
    else:
        text = f"{value:.{digits}g}"
    return with_unit(text, unit)


def r2_text(value) -> str:
    """R² with two decimals (``0.81``)."""
    return f"{float(value):.2f}" if _finite(value) else "n/a"


def percent(value) -> str:
    """A percentage with no decimals (``8%``)."""
    return f"{float(value):.0f}%" if _finite(value) else "n/a"


def significant(values, digits: int = 3):
    """Round numbers to ``digits`` significant digits (what :func:`number` shows)."""
    arr = np.asarray(values, dtype=float)
    # one rounding, by the decimal formatter (scaling first and rounding after would round twice)
    out = np.array([float(f"{v:.{digits}g}") if np.isfinite(v) else v for v in arr.ravel()],
                   dtype=float).reshape(arr.shape)
    return out if np.ndim(values) else float(out)


# ====================================================================== columns
@dataclass(frozen=True)
class Column:
    """How a table column is shown.

    Attributes
    ----------
    title : str
        Header in words.
    unit : {"target", "source", "%", ""}
        Which unit follows the title: the target's, the source property's, percent, none.
    rounding : {"sig", "r2", "pct", ""}
        How its numbers are rounded (:func:`rounded`).
    help : str
        Tooltip of the header.
    """

    title: str
    unit: str = ""
    rounding: str = ""
    help: str = ""


COLUMNS: dict[str, Column] = {
    # ranking
    "rank": Column("rank", help="Order by cross-validated MAE (1 = lowest error)."),
    "label": Column("candidate", help="The source model and what is done with it, or a scratch baseline."),
    "what": Column("model", help="The library model the candidate uses (scratch: none)."),
    "how": Column("what is fitted", help="The regressor fitted on your data and what it reads."),
    "cv_mae": Column("CV MAE", "target", "sig", "Mean absolute error under cross-validation: every row predicted "
                                                "by the candidate fitted without it. Lower is better."),
    "cv_mae_std": Column("CV MAE spread", "target", "sig",
                         "Standard deviation of the MAE over the cross-validation folds."),
    "improvement_pct": Column("better than best scratch", "%", "pct",
                              "How much lower the CV MAE is than the best scratch baseline's, in percent "
                              "(negative: worse)."),
    "family": Column("type", help="pretrained (a library model), scratch (nothing pretrained) or random-weight "
                                  "control (a net of the same shape with random weights)."),
    "kind": Column("reads", help="What the regressor reads."),
    "strategy": Column("regressor", help="What is fitted on your data."),
    "stage": Column("stage", help="1: every model, closed-form ridge; 2: the best models refitted."),
    "rmse": Column("CV RMSE", "target", "sig", "Root mean squared error of the out-of-fold predictions."),
    "r2": Column("CV R\u00b2", "", "r2", "Coefficient of determination of the out-of-fold predictions."),
    "spearman": Column("CV Spearman \u03c1", "", "r2", "Rank correlation of the out-of-fold predictions."),
    "property": Column("source property", help="What the pretrained model learned to predict."),
    "source": Column("source data set"),
    "source_unit": Column("unit of the source property"),
    "model_domain": Column("model domain", help="What the pretrained model was trained on."),
    "descriptor": Column("descriptor", help="What the model reads of each structure."),
    "descriptor_key": Column("descriptor settings"),
    "source_test_r2": Column("source test R\u00b2", "", "r2",
                             "R\u00b2 of the model on held-out rows of its own source data."),
    "penalty": Column("ridge penalty", rounding="sig"),
    "layers": Column("hidden layers used"),
    "library": Column("library folder"),
    "via": Column("model type"),
    "model_id": Column("library model id", help="The model's id in the library (Library page)."),
    "candidate": Column("candidate id", help="Machine id of the candidate (for the command line)."),
    # predictions
    "structure": Column("structure"),
    "prediction": Column("prediction", "target", "sig"),
    "lower": Column("interval, low", "target", "sig"),
    "upper": Column("interval, high", "target", "sig"),
    "domain_ratio": Column("distance to training data (1 = edge)", rounding="r2",
                           help="Distance to the nearest training structure over the typical distance between "
                                "training structures; above 1 the model extrapolates."),
    "in_domain": Column("inside the training data"),
    "applicability": Column("applicability"),
    "problem": Column("problem"),
    "measured": Column("measured", "target", "sig"),
    # nested folds
    "procedure": Column("procedure"),
    "fold": Column("outer fold"),
    "repeat": Column("repetition"),
    "members": Column("chosen candidates"),
    "inner_cv_mae": Column("inner CV MAE of the choice", "target", "sig"),
    "outer_mae": Column("MAE on the outer test rows", "target", "sig"),
    "candidates": Column("candidates considered"),
    "n_train": Column("training rows"),
    "n_test": Column("test rows"),
    # learning curve
    "method": Column("method"),
    "mae": Column("held-out MAE", "target", "sig"),
    "chosen": Column("chosen model"),
    # runs
    "title": Column("run"),
    "created_local": Column("started (local time)"),
    "target": Column("target"),
    "domain": Column("domain"),
    "rows": Column("rows"),
    "recommended": Column("recommended model"),
    "nested_mae": Column("nested MAE", "", "sig", "Honest error of the recommended model (in its target's unit)."),
    "verdict": Column("verdict"),
    "run": Column("run folder"),
    # library
    "test_r2": Column("test R\u00b2", "", "r2", "R\u00b2 on held-out rows of the model's own source data."),
    "test_mae": Column("test MAE", "source", "sig", "MAE on held-out rows of the model's own source data."),
    "test_spearman": Column("test Spearman \u03c1", "", "r2"),
    "unit": Column("unit"),
    "n_features": Column("features"),
    "n_inputs": Column("inputs"),
    "depth": Column("hidden layers"),
    "width_max": Column("widest layer"),
    "activation": Column("activation"),
    "estimate": Column("estimated source data"),
    "entry": Column("kind"),
    "id": Column("model id"),
}

#: Columns that hold machine ids: a download keeps them, last, under their own titles.
ID_COLUMNS = ("candidate", "model_id", "descriptor_key", "library", "run", "id")


def column_title(name: str, unit: str | None = "", source_unit: str | None = "") -> str:
    """Header of column ``name`` in words, with its unit: ``CV MAE (kcal/mol)``."""
    col = COLUMNS.get(name)
    if col is None:
        return str(name).replace("_", " ")
    which = {"target": unit, "source": source_unit, "%": "%"}.get(col.unit, "")
    if which and str(which).lower() not in ("dimensionless", "-"):
        return f"{col.title} ({which})"
    return col.title


def column_help(name: str) -> str | None:
    col = COLUMNS.get(name)
    return col.help if col and col.help else None


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every known numeric column rounded as the pages show it."""
    out = frame.copy()
    for name in out.columns:
        col = COLUMNS.get(name)
        if col is None or not col.rounding or not pd.api.types.is_numeric_dtype(out[name]) \
                or pd.api.types.is_bool_dtype(out[name]):
            continue
        values = out[name].to_numpy(dtype=float)
        if col.rounding == "sig":
            out[name] = significant(values)
        elif col.rounding == "r2":
            out[name] = np.round(values, 2)
        elif col.rounding == "pct":
            out[name] = np.round(values, 0)
    return out


def in_words(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose coded values (family, kind, descriptor, strategy) are words."""
    out = frame.copy()
    if {"family", "strategy", "descriptor"} <= set(frame.columns) and \
            {"label", "what", "how"} & set(frame.columns):
        parts = parts_of(frame)  # today's words, also for old runs
        for name, values in (("label", [f"{a}: {b}" for a, b in parts]), ("what", [a for a, _ in parts]),
                             ("how", [b for _, b in parts])):
            if name in out:
                out[name] = values
    if "family" in out:
        out["family"] = out["family"].map(lambda v: FAMILIES.get(v, v))
    if "kind" in out:
        out["kind"] = out["kind"].map(lambda v: KINDS.get(v, v))
    if "descriptor" in out:
        out["descriptor"] = out["descriptor"].map(lambda v: descriptor_label(v) if isinstance(v, str) else v)
    if "strategy" in out and "family" in frame:
        vias = frame["via"] if "via" in frame else pd.Series("net", index=frame.index)
        out["strategy"] = [strategy_label(str(s), str(f), str(v)) for s, f, v in
                           zip(frame["strategy"], frame["family"], vias)]
    return out


def titled(frame: pd.DataFrame, unit: str | None = "", columns: list[str] | None = None,
           source_unit: str | None = "", titles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The table a user reads or downloads: the chosen ``columns`` (default all) with
    values in words, numbers rounded as shown on the pages, headers with units (or the
    ``titles`` given), and the machine-id columns last."""
    columns = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    plain = [c for c in columns if c not in ID_COLUMNS] + [c for c in columns if c in ID_COLUMNS]
    out = rounded(in_words(frame)[plain])
    out.columns = [(titles or {}).get(c) or column_title(c, unit, source_unit) for c in plain]
    return out


# ====================================================================== glossary
GLOSSARY: dict[str, str] = {
    "MAE": "Mean absolute error: the average size of a prediction's error, in the target's unit. Lower is better.",
    "CV MAE": "The MAE under cross-validation: the rows are split into folds, and each fold is predicted by a "
              "model fitted on the other folds only.",
    "nested estimate": "The honest error of the whole procedure (screen every candidate, pick, refit): it is run "
                       "again inside outer folds, and each pick is scored on outer rows it never saw. The best of "
                       "many CV scores is optimistic; the nested estimate is what to expect on new structures.",
    "scratch": "A model trained on your data only, from raw descriptors (fingerprints or composition features), "
               "with nothing pretrained. Transfer must beat it to be worth anything.",
    "random-weight control": "Nets with the same shapes and inputs as the pretrained ones but random weights. "
                             "If they score as well, the gain came from trying many feature sets, not from "
                             "pretraining.",
    "frozen features": "The outputs of a pretrained net's last hidden layers, kept as they are (frozen) and used "
                       "as the inputs of a small regressor (ridge, random forest) fitted on your data.",
    "models and candidates": "A model is one entry of the library (a pretrained net or representation). A "
                             "candidate is one way of using a model on your data (the model with one regressor), "
                             "or a scratch baseline: each model gives several candidates.",
    "recommended model": "What Predict uses: the transfer procedure's pick when transfer beats scratch in the "
                         "nested estimate by more than noise, else the scratch procedure's pick.",
}


def glossary_markdown(terms: list[str] | None = None) -> str:
    """The glossary (or some of its terms) as a Markdown list."""
    names = terms or list(GLOSSARY)
    return "\n".join(f"- **{name}**: {GLOSSARY[name]}" for name in names)
