"""The Matbench folds of bench/matbench.py are the official ones.

The constants are the first compositions of each test fold as the crabnet 2.0.8 wheel ships
them (``crabnet/data/matbench_cv/<task>/test<k>.csv``), the folds CrabNet's Matbench v0.1
submission was scored on (Wang et al., npj Comput. Mater. 7, 77 (2021); Dunn et al., npj
Comput. Mater. 6, 138 (2020)).
"""

from core.datasets.crabnet import matbench_folds, matbench_task

STEELS_FIRST = [
    "Fe0.625Mn0.000102Si0.000200Cr0.0936Ni0.129Mo0.00480V0.000110Nb0.0000604Co0.132Al0.00812Ti0.00669",
    "Fe0.634C0.000478Mn0.000523Si0.00102Cr0.000111Ni0.173Mo0.0237V0.000113Nb0.0000619Co0.146Al0.00277Ti0.0176",
    "Fe0.657C0.000954Mn0.000522Si0.00102Cr0.000110Ni0.166Mo0.0243V0.00776Nb0.0000617Co0.120Al0.00340Ti0.0189",
    "Fe0.623C0.00854Mn0.000104Si0.000203Cr0.147Ni0.0000971Mo0.0179V0.00515N0.00163Nb0.0000614Co0.188W0.00729"
    "Al0.000845",
    "Fe0.620C0.000953Mn0.000521Si0.00102Cr0.000110Ni0.192Mo0.0176V0.000112Nb0.0000616Co0.146Al0.00318Ti0.0185",
]
EXPT_GAP_FIRST = ["Ag2GeSe3", "Ag0.5Ge1Pb1.75S4", "Ag(AuS)2", "Ag(W3Br7)2", "Ag2BBr"]


def test_steels_folds_are_the_official_ones():
    table = matbench_task("matbench_steels")
    folds = matbench_folds(table)
    assert len(table) == 312 and [len(te) for _, te in folds] == [63, 63, 62, 62, 62]
    assert [table["structure"].iloc[te[0]] for _, te in folds] == STEELS_FIRST


def test_expt_gap_folds_are_the_official_ones():
    table = matbench_task("matbench_expt_gap")
    folds = matbench_folds(table)
    assert len(table) == 4604
    assert [table["structure"].iloc[te[0]] for _, te in folds] == EXPT_GAP_FIRST
    assert all(set(tr).isdisjoint(te) for tr, te in folds)
