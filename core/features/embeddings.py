"""Composition descriptors from element embeddings: statistics of element vectors.

ElementEmbeddings 0.8.0 (Onwuli et al., Digital Discovery 2, 1558 (2023); MIT) ships tables of one
vector per element, learned by other models or compiled by hand.  They are read in place
from ``elementembeddings/data/element_representations/`` (the package's own loaders import
openTSNE and umap for plotting, which this project does not install).

For a compound with element fractions w_i and element vectors x_i:

- ``ave``  weighted mean, sum_i w_i x_i
- ``var``  weighted variance, sum_i w_i (x_i - ave)^2
- ``max``, ``min`` over the elements present

``stats="classic"`` gives all four (4 x width columns), ``"mean"`` the weighted mean only
(width columns).  A compound with an element the table has no vector for cannot be read
(the tables cover different elements; the reason names the element).

Which tables are *transfer* representations (learned by a model from data: mat2vec,
megnet16, skipatom, MACE-MP-0, CHGNet, SevenNet, ORB v2, MatSciBERT, CrystaLLM), which are
plain hand-made descriptors (Magpie, Oliynyk: measured or tabulated element properties)
and which is the random control (random_200) is recorded in :data:`EMBEDDINGS`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from core.domains import Domain
from core.features.base import Featurizer
from core.features.composition import element_amounts
from core.paths import package_file

PACKAGE = "elementembeddings"
FOLDER = "elementembeddings/data/element_representations"
STATS = {"classic": ("ave", "var", "max", "min"), "mean": ("ave",)}
_CHUNK = 2048


@dataclass(frozen=True)
class EmbeddingTable:
    """One element table shipped by ElementEmbeddings.

    Attributes
    ----------
    key : str
        Parameter value (``embedding=...``).
    file : str
        File name in the package's ``element_representations`` folder.
    title : str
        What a user reads.
    role : {"transfer", "descriptor", "control"}
        Learned by a pretrained model, hand-made element properties, or random numbers.
    width : int
        Values per element (documented; the tests check the file).
    """

    key: str
    file: str
    title: str
    role: str
    width: int


EMBEDDINGS: dict[str, EmbeddingTable] = {t.key: t for t in (
    EmbeddingTable("mat2vec", "mat2vec.csv", "mat2vec word embeddings", "transfer", 200),
    EmbeddingTable("megnet16", "megnet16.json", "MEGNet element embeddings", "transfer", 16),
    EmbeddingTable("skipatom", "skipatom_20201009_induced.csv", "SkipAtom element embeddings", "transfer", 200),
    EmbeddingTable("mace_mp0", "mace_mp0.csv", "MACE-MP-0 atom descriptors", "transfer", 128),
    EmbeddingTable("chgnet", "chgnet.csv", "CHGNet atom features", "transfer", 64),
    EmbeddingTable("sevennet", "sevennet.csv", "SevenNet atom features", "transfer", 128),
    EmbeddingTable("orb_v2", "orb_v2.csv", "ORB v2 atom features", "transfer", 256),
    EmbeddingTable("matscibert", "matscibert.csv", "MatSciBERT token embeddings", "transfer", 768),
    EmbeddingTable("crystallm", "crystallm_v24c.dim512_atom_vectors.csv", "CrystaLLM atom embeddings", "transfer", 512),
    EmbeddingTable("magpie", "magpie.csv", "Magpie element properties", "descriptor", 22),
    EmbeddingTable("oliynyk", "oliynyk_preprocessed.csv", "Oliynyk element properties", "descriptor", 44),
    EmbeddingTable("random_200", "random_200_new.csv", "random element vectors (control)", "control", 200),
)}


def embedding_path(key: str):
    """The table's file inside the installed package (DataUnavailableError if absent)."""
    return package_file(PACKAGE, f"{FOLDER}/{EMBEDDINGS[key].file}")


@lru_cache(maxsize=16)
def embedding_table(key: str) -> pd.DataFrame:
    """Elements x values (float64), indexed by element symbol; the first row of a symbol wins."""
    path = embedding_path(key)
    if path.suffix == ".json":
        raw = json.loads(path.read_text())
        table = pd.DataFrame.from_dict({k: v for k, v in raw.items() if k != "Null"}, orient="index")
    else:
        table = pd.read_csv(path, index_col=0)
    table = table[~table.index.duplicated(keep="first")].astype("float64")
    table.index = table.index.astype(str)
    table.columns = [str(c) for c in table.columns]
    return table.dropna(how="any")


class ElementEmbeddingDescriptors(Featurizer):
    """Fraction-weighted statistics of an element embedding.

    Parameters
    ----------
    embedding : str, default "mat2vec"
        One of :data:`EMBEDDINGS`.
    stats : {"classic", "mean"}, default "classic"
        Weighted mean, weighted variance, max and min (4 x width columns), or the mean only.

    Columns are ``<stat>:<embedding>_<column>``.
    """

    name = "element_embedding"
    domains = (Domain.INORGANIC,)

    def __init__(self, embedding: str = "mat2vec", stats: str = "classic"):
        self.embedding = embedding
        self.stats = stats

    def _check_params(self) -> None:
        if self.embedding not in EMBEDDINGS:
            raise ValueError(f"embedding must be one of {', '.join(EMBEDDINGS)}, not {self.embedding!r}")
        if self.stats not in STATS:
            raise ValueError(f"stats must be 'classic' or 'mean', not {self.stats!r}")
        embedding_path(self.embedding)  # DataUnavailableError naming the package when missing

    def _columns(self) -> list[str]:
        self._check_params()
        names = list(embedding_table(self.embedding).columns)
        return [f"{stat}:{self.embedding}_{c}" for stat in STATS[self.stats] for c in names]

    def _fractions(self, values: list[str], elements: list[str]) -> np.ndarray:
        amounts = element_amounts(values, elements, missing=f"has an element without a {self.embedding} vector: {{el}}")
        return amounts / amounts.sum(axis=1, keepdims=True)

    def _featurize_many(self, values: list[str]) -> np.ndarray:
        table = embedding_table(self.embedding)
        weights = self._fractions(values, list(table.index))
        elem = table.to_numpy()
        blocks = [self._block(weights[i:i + _CHUNK], elem) for i in range(0, len(values), _CHUNK)]
        return np.vstack(blocks) if blocks else np.zeros((0, len(self._columns())))

    def _block(self, weights: np.ndarray, elem: np.ndarray) -> np.ndarray:
        ave = weights @ elem
        if self.stats == "mean":
            return ave
        var = np.maximum(weights @ (elem**2) - ave**2, 0.0)
        high, low = np.empty_like(ave), np.empty_like(ave)
        for row, w in enumerate(weights):  # a few elements per compound: rows are cheap
            present = elem[w > 0]
            high[row], low[row] = present.max(axis=0), present.min(axis=0)
        return np.hstack([ave, var, high, low])


def _register() -> None:
    """Add the featurizer to the package registry (core.features imports this module last)."""
    from core.features import FEATURIZERS

    FEATURIZERS.add(ElementEmbeddingDescriptors.name, ElementEmbeddingDescriptors)


_register()
