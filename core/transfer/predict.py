"""Predictions for new structures from a saved run.

The chosen candidate (by default the run's best; or any candidate of its ranking) is
refitted on all training rows and applied to the new structures.  Uncertainty is the
spread (standard deviation) of the predictions of the run's top distinct candidates,
each refitted the same way.  The applicability-domain flag compares each new
structure's distance to its nearest training row, in the chosen candidate's feature
space, with the 95th percentile of the training rows' own nearest-neighbour distances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from core.domains import Domain
from core.errors import InputError
from core.library import Library
from core.transfer.candidates import CandidatePool, featurize_target, featurizer_from_key, load_pool, select_models
from core.transfer.screen import ScreenConfig, ScreenResult, make_estimator
from core.transfer.cv import CVScheme

SPREAD_MEMBERS = 5


@dataclass
class Predictions:
    """Predictions table and what produced it."""

    table: pd.DataFrame  # structure, prediction, uncertainty, nn_distance, in_domain
    candidate: str
    members: list[str]
    threshold: float


def _config(result: ScreenResult) -> ScreenConfig:
    cfg = dict(result.config)
    cfg["cv"] = CVScheme(**{k: v for k, v in cfg["cv"].items() if k != "label"})
    for key in ("strategies", "baselines", "penalties", "sources", "model_ids", "model_domains"):
        if cfg.get(key) is not None:
            cfg[key] = tuple(cfg[key])
    return ScreenConfig(**cfg)


def _rows(result: ScreenResult, candidate: str | None) -> tuple[dict, list[dict]]:
    ranking = result.ranking
    by_id = {r["candidate"]: r for r in ranking.to_dict("records")}
    chosen = by_id.get(candidate or ranking.iloc[0]["candidate"])
    if chosen is None:
        raise InputError(f"no candidate {candidate!r} in this run")
    spread = [r for r in ranking.to_dict("records") if r["kind"] != "ensemble"]
    members, seen = [], set()
    for r in spread:
        key = r["model_id"] or r["candidate"]
        if key not in seen:
            members.append(r)
            seen.add(key)
        if len(members) == SPREAD_MEMBERS:
            break
    return chosen, members


def _members(row: dict, by_id: dict) -> list[dict]:
    if row["kind"] == "ensemble":
        return [by_id[m] for m in str(row["members"]).split(";") if m]
    return [row]


def _pool(result: ScreenResult, rows: list[dict], libraries: list[Library] | None) -> CandidatePool:
    """The nets and featurizers the given ranking rows need."""
    model_ids = sorted({r["model_id"] for r in rows if isinstance(r["model_id"], str) and r["model_id"]})
    if model_ids:
        paths = getattr(result, "meta", {}).get("libraries") or sorted(set(result.ranking["library"].dropna()) - {""})
        libraries = libraries or [Library(p) for p in paths]
        frame = select_models(libraries, Domain(result.target["domain"]), model_ids=tuple(model_ids))
        pool = load_pool(libraries, frame)
    else:
        pool = CandidatePool({}, {}, result.ranking.iloc[:0])
    for r in rows:
        key = r["descriptor_key"]
        if isinstance(key, str) and key and key not in pool.featurizers:
            pool.featurizers[key] = featurizer_from_key(key)
    return pool


def predict(result: ScreenResult, structures: list[str], candidate: str | None = None,
            libraries: list[Library] | None = None) -> Predictions:
    """Predict ``structures`` (already validated for the run's domain) with a saved run."""
    if not structures:
        raise InputError("no structures to predict")
    config = _config(result)
    chosen, spread = _rows(result, candidate)
    by_id = {r["candidate"]: r for r in result.ranking.to_dict("records")}
    members = _members(chosen, by_id)
    pool = _pool(result, members + spread, libraries)
    X_train = featurize_target(pool, result.structures)
    X_new = featurize_target(pool, list(structures))

    def fit_one(row):
        model = make_estimator(row, pool, config).fit(X_train[row["descriptor_key"]], result.y)
        return model, model.predict(X_new[row["descriptor_key"]])

    fitted = [fit_one(r) for r in members]
    value = np.mean([p for _, p in fitted], axis=0)
    spread_preds = [fit_one(r)[1] for r in spread]
    uncertainty = np.std(spread_preds, axis=0, ddof=1) if len(spread_preds) > 1 else np.zeros(len(structures))
    key = members[0]["descriptor_key"]
    dist, threshold = _domain_distance(fitted[0][0], X_train[key], X_new[key])
    table = pd.DataFrame({"structure": list(structures), "prediction": value, "uncertainty": uncertainty,
                          "nn_distance": dist, "in_domain": dist <= threshold})
    return Predictions(table, chosen["candidate"], [r["candidate"] for r in spread], float(threshold))


def _feature_space(model, X_train: np.ndarray, X_new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Training and new rows in the space the fitted model's last step sees."""
    if hasattr(model, "transform_features"):
        return model.transform_features(X_train), model.transform_features(X_new)
    if hasattr(model, "steps") and len(model.steps) > 1:
        return model[:-1].transform(X_train), model[:-1].transform(X_new)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)  # raw descriptors: standardise
    safe = np.where(std > 0, std, 1.0)
    return (X_train - mean) / safe, (X_new - mean) / safe


def _domain_distance(model, X_train: np.ndarray, X_new: np.ndarray) -> tuple[np.ndarray, float]:
    """Nearest-training-row distance of each new row, and the 95th percentile threshold."""
    A, B = _feature_space(model, X_train, X_new)
    train_d = cdist(A, A)
    np.fill_diagonal(train_d, np.inf)
    return cdist(B, A).min(axis=1), float(np.percentile(train_d.min(axis=1), 95))
