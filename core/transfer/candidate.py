"""What a candidate of a screen is: a typed, hashable value with a unique id.

A candidate is one estimator the screen scores under the folds: a pretrained model (or
its random-weight control) with a strategy, or a scratch baseline on a raw descriptor.
Its id is built from its fields and never parsed back; rankings keep the fields as
columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Family(str, Enum):
    """Where a candidate's features come from."""

    TRANSFER = "transfer"  # a pretrained library model
    SCRATCH = "scratch"  # raw descriptors only, nothing pretrained
    RANDOM = "random"  # control: the same net shape, inputs and scalers with random weights


#: Stage-1 strategies (closed-form ridge, scored for every model) and what they read.
STAGE1 = {"ridge": "frozen", "ridge+raw": "frozen+raw"}
#: Short names of the scratch strategies in ids.
_SCRATCH_SHORT = {"ridge": "ridge", "scratch_rf": "rf", "scratch_et": "et", "scratch_ridge": "ridgecv", "scratch_net": "net",
                  "scratch_mean": "mean"}
#: Ranking ``kind`` of the stage-2 strategies that are not frozen-feature ridges.
_KIND = {"finetune_last": "finetune", "finetune_all": "finetune"}


@dataclass(frozen=True, slots=True)  # slots: a screen of 100,000 models holds 1.4 million
class Candidate:
    """One scored estimator.

    Parameters
    ----------
    family : Family
    strategy : str
        ``ridge`` / ``ridge+raw`` (stage 1), a stage-2 strategy (``rf``, ``bayes_ridge``,
        ``gp``, ``finetune_last``, ``finetune_all``) or a scratch baseline (``ridge`` in
        stage 1; ``scratch_rf``, ``scratch_et``, ``scratch_ridge``, ``scratch_net`` in stage 2).
    descriptor : str
        Key of the descriptor the estimator reads (:func:`core.transfer.candidates.descriptor_key`).
    descriptor_label : str
        Short readable name of that descriptor (``morgan``, ``composition``).
    model_id : str, optional
        The library model (None for scratch baselines on a descriptor).
    via : {"net", "representation"}
        What the library model is: one of our nets (frozen features are its hidden
        activations) or a pretrained representation (its features are the descriptor).
    """

    family: Family
    strategy: str
    descriptor: str
    descriptor_label: str
    model_id: str | None = None
    via: str = "net"

    @property
    def stage(self) -> int:
        return 1 if self.strategy in STAGE1 or (self.family is Family.SCRATCH and self.strategy == "ridge") else 2

    @property
    def kind(self) -> str:
        """``frozen``, ``frozen+raw``, ``raw``, ``strategy`` or ``finetune`` (what it reads)."""
        if self.family is Family.SCRATCH:
            return "raw"
        if self.via == "representation":
            return "representation" if self.strategy == "ridge" else "strategy"
        return STAGE1.get(self.strategy) or _KIND.get(self.strategy, "strategy")

    @property
    def id(self) -> str:
        """Unique, stable id, e.g. ``qm9_gap-morgan-s0-01|ridge``, ``random|<model>|ridge``,
        ``scratch|rf|morgan``."""
        if self.family is Family.SCRATCH:
            if self.strategy == "scratch_mean":  # reads no descriptor
                return "scratch|mean"
            what = self.model_id if self.strategy == "scratch_net" else self.descriptor_label
            return f"scratch|{_SCRATCH_SHORT[self.strategy]}|{what}"
        prefix = "random|" if self.family is Family.RANDOM else ""
        return f"{prefix}{self.model_id}|{self.strategy}"

    @property
    def source(self) -> str:
        """Members of an ensemble differ in this: a pretrained model (its strategies read the
        same net), or a scratch estimator on a descriptor."""
        if self.family is Family.SCRATCH:
            return f"{self.strategy}@{self.model_id or self.descriptor}"
        return f"{self.family.value}:{self.model_id}"

    def to_dict(self) -> dict:
        return {"candidate": self.id, "family": self.family.value, "strategy": self.strategy,
                "descriptor_key": self.descriptor, "descriptor": self.descriptor_label, "model_id": self.model_id,
                "via": self.via, "kind": self.kind, "stage": self.stage}

    @classmethod
    def from_dict(cls, row: dict) -> "Candidate":
        model = row.get("model_id")
        model = model if isinstance(model, str) and model else None
        via = row.get("via")
        return cls(Family(row["family"]), str(row["strategy"]), str(row["descriptor_key"]),
                   str(row["descriptor"]), model, via if isinstance(via, str) and via else "net")
