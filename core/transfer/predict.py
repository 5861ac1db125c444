"""Predictions for new structures from a saved run.

By default the run's *recommended* model is used: the members of the procedure the
decision chose (:mod:`core.transfer.procedure`), each refitted on all training rows and
averaged.  Any single candidate of the ranking can be asked for instead.

Each prediction comes with an interval at the run's level (90% by default), calibrated on
out-of-sample residuals (:mod:`core.transfer.intervals`): the nested predictions of the
recommended procedure, or a single candidate's out-of-fold predictions.  The
applicability-domain ratio compares each new structure's distance to its nearest training
row with the 95th percentile of the training rows' own nearest-neighbour distances, in each
member's feature space (standardised, not clipped), averaged over the members; above 1 the
structure lies outside what the model was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist
from sklearn.pipeline import Pipeline

from core.domains import Domain
from core.errors import InputError
from core.library import Library
from core.transfer.candidate import Candidate, Family
from core.transfer.candidates import CandidatePool, featurize_target, featurizer_from_key, load_pool, select_models
from core.transfer.netstore import TwinStore
from core.transfer.frozen import FrozenFeatures
from core.transfer.intervals import conformal_halfwidth
from core.transfer.refit import LinearFeatureRidge
from core.transfer.scaling import BoundedScaler
from core.labels import members_label
from core.transfer.screen import ScreenResult, member_residuals
from core.transfer.stage2 import ScreenContext, make_estimator

#: Percentile of the training rows' nearest-neighbour distances that bounds the domain.
DOMAIN_PERCENTILE = 95


@dataclass
class Predictions:
    """Predictions table and what produced it."""

    table: pd.DataFrame  # structure, prediction, lower, upper, domain_ratio, in_domain, problem
    candidate: str  # "recommended" or a candidate id
    members: list[str]
    label: str
    level: float
    halfwidth: float


def _rows(result: ScreenResult, candidate: str | None) -> tuple[list[dict], float, str]:
    """Ranking rows of the members, the interval half-width, and the label."""
    by_id = {r["candidate"]: r for r in result.ranking.to_dict("records")}
    level = result.config.level
    if candidate in (None, "", "recommended"):
        members = result.recommended.members
        return [by_id[m] for m in members], float(result.summary["interval"]["halfwidth"]), \
            result.summary["recommended"]["label"]
    if candidate in result.procedures:  # "transfer" or "scratch": that procedure's pick
        proc = result.procedures[candidate]
        residuals = proc.nested.residuals(result.y) if proc.nested else \
            member_residuals(result.oof, proc.members, result.y)
        rows = [by_id[m] for m in proc.members]
        return rows, conformal_halfwidth(residuals, level), members_label([r["label"] for r in rows])
    if candidate not in by_id:
        raise InputError(f"no candidate {candidate!r} in this run; see its ranking for the ids")
    oof = result.oof.get(candidate)
    halfwidth = conformal_halfwidth(np.abs(oof - result.y[None, :]), level) if oof is not None else float("nan")
    return [by_id[candidate]], halfwidth, by_id[candidate]["label"]


def _pool(result: ScreenResult, rows: list[dict], libraries: list[Library] | None) -> CandidatePool:
    """The nets and featurizers the given ranking rows need."""
    model_ids = sorted({r["model_id"] for r in rows if isinstance(r["model_id"], str) and r["model_id"]})
    if model_ids:
        paths = result.meta.get("libraries") or sorted(set(result.ranking["library"].dropna()) - {""})
        libraries = libraries or [Library(p) for p in paths]
        frame = select_models(libraries, Domain(result.target["domain"]), model_ids=tuple(model_ids))
        pool = load_pool(libraries, frame)
    else:
        pool = CandidatePool({}, {}, result.ranking.iloc[:0])
    for r in rows:
        key = r["descriptor_key"]
        if key not in pool.featurizers:
            pool.featurizers[key] = featurizer_from_key(key)
    return pool


def predict(result: ScreenResult, structures: list[str], candidate: str | None = None,
            libraries: list[Library] | None = None) -> Predictions:
    """Predict ``structures`` (already validated for the run's domain) with a saved run.

    Parameters
    ----------
    candidate : str, optional
        A candidate id of the ranking, or a procedure (``"transfer"``, ``"scratch"``);
        default (or ``"recommended"``) the recommended model.
    """
    if not structures:
        raise InputError("no structures to predict")
    rows, halfwidth, label = _rows(result, candidate)
    pool = _pool(result, rows, libraries)
    X_train, _ = featurize_target(pool, result.structures)
    X_new, unreadable = featurize_target(pool, list(structures))
    controls = {key: TwinStore(nets, result.config.seed) for key, nets in pool.nets.items()}
    ctx = ScreenContext(pool, X_train, result.y, result.config, controls=controls)
    preds, ratios = [], []
    for row in rows:
        cand = Candidate.from_dict(row)
        penalty = None if pd.isna(row.get("penalty")) else float(row["penalty"])
        model = make_estimator(ctx, cand, penalty).fit(X_train[cand.descriptor], result.y)
        preds.append(model.predict(X_new[cand.descriptor]))
        ratios.append(domain_ratio(model, X_train[cand.descriptor], X_new[cand.descriptor]))
    value = np.mean(preds, axis=0)
    ratio = np.mean(ratios, axis=0)
    bad = np.array([i in unreadable for i in range(len(structures))])
    value[bad], ratio[bad] = np.nan, np.nan
    table = pd.DataFrame({"structure": list(structures), "prediction": value, "lower": value - halfwidth,
                          "upper": value + halfwidth, "domain_ratio": ratio, "in_domain": ratio <= 1.0,
                          "problem": [unreadable.get(i, "") for i in range(len(structures))]})
    return Predictions(table, candidate or "recommended", [r["candidate"] for r in rows], label,
                       float(result.config.level), float(halfwidth))


def _blocks(model, X: np.ndarray) -> list[np.ndarray]:
    """The feature blocks a fitted model reads (frozen features and/or raw descriptor)."""
    if isinstance(model, LinearFeatureRidge):
        return model._blocks(X)
    if isinstance(model, Pipeline) and isinstance(model.steps[0][1], FrozenFeatures):
        return [model[0].transform(X)]
    return [np.asarray(X, dtype=float)]


def feature_space(model, X_train: np.ndarray, X_new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Training and new rows in the space the fitted model reads, standardised on the
    training rows and not clipped (clipping would make far structures look near).

    A column that is constant on the training rows is measured against its constant
    (in units of its magnitude, at least 1): a fingerprint bit or a unit that no training
    structure switches on is new, not irrelevant.  Each block weighs the same.
    """
    out_train, out_new = [], []
    for A, B in zip(_blocks(model, X_train), _blocks(model, X_new)):
        scaler = BoundedScaler().fit(A)
        scale = np.where(scaler.constant_, np.maximum(np.abs(scaler.mean_), 1.0), scaler.scale_)
        weight = 1.0 / np.sqrt(A.shape[1])
        out_train.append((A - scaler.mean_) / scale * weight)
        out_new.append((B - scaler.mean_) / scale * weight)
    return np.hstack(out_train), np.hstack(out_new)


def domain_ratio(model, X_train: np.ndarray, X_new: np.ndarray) -> np.ndarray:
    """Nearest-training-row distance of each new row over the training rows' own
    :data:`DOMAIN_PERCENTILE`-th percentile nearest-neighbour distance."""
    A, B = feature_space(model, X_train, X_new)
    train_d = cdist(A, A)
    np.fill_diagonal(train_d, np.inf)
    threshold = float(np.percentile(train_d.min(axis=1), DOMAIN_PERCENTILE))
    return cdist(B, A).min(axis=1) / (threshold if threshold > 0 else 1.0)


__all__ = ["Family", "Predictions", "domain_ratio", "feature_space", "predict"]
