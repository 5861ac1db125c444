"""Chemprop v2 directed message-passing (D-MPNN) encoders, read from their checkpoint files.

The ADMET-AI wheel ships Chemprop v2 models as ``.pt`` checkpoints.  Importing chemprop
itself is not possible with the pinned RDKit: chemprop 2.3.1 imports ``cuik_molmaker`` at
start-up, whose only wheel is linked against RDKit 2026.03.6 exactly.  So this module
reads a checkpoint's weights and hyperparameters without chemprop and without unpickling
(:mod:`core.features.torch_archive`: tensors are rebuilt, every other object becomes an
inert record, nothing named in the file is imported or called) and computes Chemprop's molecular fingerprint, ``MPNN.fingerprint``, itself:

1. graph: Chemprop v2's default atom features (72: atomic number over H-Kr and I, total
   degree, formal charge, chiral tag, total hydrogens, hybridization, each one-hot with
   an "other" slot; aromaticity; mass / 100) and bond features (14: none, single,
   double, triple, aromatic, conjugated, in ring, stereo 0-5 one-hot with "other"), one
   pair of directed edges per bond;
2. bond message passing (Yang et al. 2019): ``h0 = W_i [x_u || e_uv]``, ``h = relu(h0)``,
   then ``depth - 1`` times ``h_uv = relu(h0_uv + W_h (sum_{k->u} h_ku - h_vu))``;
3. read-out per atom ``relu(W_o [x_v || sum_{u->v} h_uv] + b_o)``, summed over the atoms
   and divided by the aggregation's norm (100).

Only what those checkpoints use is supported (bond messages, norm aggregation, ReLU, no
batch norm, no extra descriptors); anything else is refused with a message.  The
numbers equal chemprop 2.3.1's own ``fingerprint`` (checked against it in a separate
environment; the tests hold the reference values).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from rdkit import Chem
from rdkit.Chem.rdchem import BondType, HybridizationType

from core.features.torch_archive import read_archive

ATOMIC_NUMBERS = tuple(range(1, 37)) + (53,)
DEGREES = tuple(range(6))
FORMAL_CHARGES = (-1, -2, 1, 2, 0)
CHIRAL_TAGS = tuple(range(4))
NUM_HS = tuple(range(5))
HYBRIDIZATIONS = (HybridizationType.S, HybridizationType.SP, HybridizationType.SP2, HybridizationType.SP2D,
                  HybridizationType.SP3, HybridizationType.SP3D, HybridizationType.SP3D2)
BOND_TYPES = (BondType.SINGLE, BondType.DOUBLE, BondType.TRIPLE, BondType.AROMATIC)
BOND_STEREOS = tuple(range(6))
ATOM_WIDTH = sum(len(c) + 1 for c in (ATOMIC_NUMBERS, DEGREES, FORMAL_CHARGES, CHIRAL_TAGS, NUM_HS,
                                      HYBRIDIZATIONS)) + 2
BOND_WIDTH = 1 + len(BOND_TYPES) + 2 + len(BOND_STEREOS) + 1


def _one_hot(value, choices: Sequence) -> list[float]:
    out = [0.0] * (len(choices) + 1)
    out[choices.index(value) if value in choices else len(choices)] = 1.0
    return out


def atom_features(atom: Chem.Atom) -> list[float]:
    """Chemprop v2's default multi-hot atom features (72 values)."""
    return (_one_hot(atom.GetAtomicNum(), ATOMIC_NUMBERS) + _one_hot(atom.GetTotalDegree(), DEGREES)
            + _one_hot(atom.GetFormalCharge(), FORMAL_CHARGES) + _one_hot(int(atom.GetChiralTag()), CHIRAL_TAGS)
            + _one_hot(int(atom.GetTotalNumHs()), NUM_HS) + _one_hot(atom.GetHybridization(), HYBRIDIZATIONS)
            + [float(atom.GetIsAromatic()), 0.01 * atom.GetMass()])


def bond_features(bond: Chem.Bond) -> list[float]:
    """Chemprop v2's default bond features (14 values; an unlisted bond type sets no type bit)."""
    kind = bond.GetBondType()
    types_ = [1.0 if kind == t else 0.0 for t in BOND_TYPES]
    return ([0.0] + types_ + [float(bond.GetIsConjugated()), float(bond.IsInRing())]
            + _one_hot(int(bond.GetStereo()), BOND_STEREOS))


@dataclass(frozen=True)
class MolGraph:
    """Atom and directed-bond features of one molecule.

    Attributes
    ----------
    atoms : array (n_atoms, 72)
    bonds : array (2 n_bonds, 14)
        Edge ``2k`` runs from the begin to the end atom of bond ``k``, edge ``2k + 1`` back.
    source, target : array (2 n_bonds,)
        Atom indices of each directed edge.
    """

    atoms: np.ndarray
    bonds: np.ndarray
    source: np.ndarray
    target: np.ndarray


def mol_graph(mol: Chem.Mol) -> MolGraph:
    """The directed graph Chemprop builds for ``mol`` (hydrogens as RDKit left them)."""
    atoms = np.array([atom_features(a) for a in mol.GetAtoms()], dtype=np.float32).reshape(-1, ATOM_WIDTH)
    bonds, source, target = [], [], []
    for bond in mol.GetBonds():
        feats = bond_features(bond)
        u, v = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        bonds += [feats, feats]
        source += [u, v]
        target += [v, u]
    return MolGraph(atoms, np.array(bonds, dtype=np.float32).reshape(-1, BOND_WIDTH),
                    np.array(source, dtype=np.int64), np.array(target, dtype=np.int64))


@dataclass(frozen=True)
class Encoder:
    """The message-passing part of a Chemprop MPNN, for fingerprints.

    Attributes
    ----------
    W_i, W_h, W_o, b_o : tensor
        Input, hidden and output weights (PyTorch layout, out x in) and the output bias.
    depth : int
        Message-passing steps.
    norm : float
        The aggregation divides the sum over atoms by this.
    tasks : tuple of str
        What the checkpoint's own output layer predicts (for the model card).
    """

    W_i: torch.Tensor
    W_h: torch.Tensor
    W_o: torch.Tensor
    b_o: torch.Tensor
    depth: int
    norm: float
    tasks: tuple[str, ...]

    @property
    def width(self) -> int:
        return int(self.W_o.shape[0])

    def fingerprints(self, graphs: Sequence[MolGraph],
                     atoms: Sequence[Sequence[int] | None] | None = None) -> np.ndarray:
        """Fingerprints (n, width) of molecular graphs, summed over ``atoms[i]`` (default all).

        Parameters
        ----------
        graphs : sequence of MolGraph
        atoms : sequence, optional
            For each graph, the atoms whose read-out is summed (None: all of them), e.g. the
            middle copy of a polymer trimer.
        """
        V, E, src, tgt, owner, keep = _batch(graphs, atoms)
        with torch.no_grad():
            h0 = torch.cat([V[src], E], dim=1) @ self.W_i.T
            h = torch.relu(h0)
            reverse = _reverse_edges(len(src))
            for _ in range(1, self.depth):
                incoming = torch.zeros(len(V), h.shape[1]).index_add_(0, tgt, h)
                h = torch.relu(h0 + (incoming[src] - h[reverse]) @ self.W_h.T)
            incoming = torch.zeros(len(V), h.shape[1]).index_add_(0, tgt, h)
            per_atom = torch.relu(torch.cat([V, incoming], dim=1) @ self.W_o.T + self.b_o)
            out = torch.zeros(len(graphs), per_atom.shape[1]).index_add_(0, owner[keep], per_atom[keep])
        return (out / self.norm).numpy()


def _reverse_edges(n_edges: int) -> torch.Tensor:
    """Edges come in pairs (2k, 2k + 1), each the reverse of the other."""
    return torch.arange(n_edges).view(-1, 2).flip(1).reshape(-1)


def _batch(graphs, atoms):
    """Stack graphs into one disconnected graph; ``owner`` maps atoms to molecules."""
    V, E, src, tgt, owner, keep = [], [], [], [], [], []
    offset = 0
    for i, g in enumerate(graphs):
        n = len(g.atoms)
        V.append(g.atoms)
        E.append(g.bonds)
        src.append(g.source + offset)
        tgt.append(g.target + offset)
        owner.append(np.full(n, i))
        mask = np.zeros(n, dtype=bool)
        mask[list(atoms[i]) if atoms is not None and atoms[i] is not None else slice(None)] = True
        keep.append(mask)
        offset += n
    as_t = torch.from_numpy
    return (as_t(np.vstack(V)), as_t(np.vstack(E)), as_t(np.concatenate(src)), as_t(np.concatenate(tgt)),
            as_t(np.concatenate(owner)), as_t(np.concatenate(keep)))


# ------------------------------------------------------------------ checkpoint reading
def _qualname(obj) -> str:
    return getattr(obj, "qualname", type(obj).__name__)


def _check_supported(hp: dict, path: Path) -> None:
    mp, agg = hp["message_passing"], hp["agg"]
    problems = []
    if not _qualname(mp.get("cls")).endswith("BondMessagePassing"):
        problems.append(f"message passing {_qualname(mp.get('cls'))}")
    if not _qualname(agg.get("cls")).endswith("NormAggregation"):
        problems.append(f"aggregation {_qualname(agg.get('cls'))}")
    if hp.get("batch_norm") or mp.get("undirected") or mp.get("d_vd") or mp.get("bias") \
            or hp.get("X_d_transform") is not None:
        problems.append("batch norm, biased messages, undirected messages or extra descriptors")
    if _qualname(mp.get("activation")) != "torch.nn.modules.activation.ReLU":
        problems.append(f"activation {_qualname(mp.get('activation'))}")
    if (mp.get("d_v"), mp.get("d_e")) != (ATOM_WIDTH, BOND_WIDTH):
        problems.append(f"feature widths {mp.get('d_v')}/{mp.get('d_e')} (expected {ATOM_WIDTH}/{BOND_WIDTH})")
    if problems:
        raise ValueError(f"{path.name} is a Chemprop model this reader does not support: {'; '.join(problems)}")


@lru_cache(maxsize=16)
def read_encoder(path: str | Path) -> Encoder:
    """The encoder of a Chemprop v2 checkpoint (ValueError when it is not one this module reads)."""
    path = Path(path)
    try:
        ckpt = read_archive(path)
        hp, state = dict(ckpt["hyper_parameters"]), ckpt["state_dict"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path.name} is not a readable Chemprop checkpoint ({exc})") from None
    _check_supported(hp, path)
    weights = {k: state[f"message_passing.{k}"].detach().float() for k in ("W_i.weight", "W_h.weight", "W_o.weight")}
    bias = state.get("message_passing.W_o.bias")
    return Encoder(W_i=weights["W_i.weight"], W_h=weights["W_h.weight"], W_o=weights["W_o.weight"],
                   b_o=bias.detach().float() if bias is not None else torch.zeros(weights["W_o.weight"].shape[0]),
                   depth=int(hp["message_passing"]["depth"]), norm=float(hp["agg"].get("norm", 100.0)),
                   tasks=tuple(str(t) for t in ckpt.get("output_columns") or ()))


__all__ = ["ATOM_WIDTH", "BOND_WIDTH", "Encoder", "MolGraph", "atom_features", "bond_features", "mol_graph",
           "read_encoder"]
