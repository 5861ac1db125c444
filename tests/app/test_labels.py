"""Names in words: the one label function on every kind of candidate, the column titles with
units, the one format of numbers; and the pages that show them (AppTest)."""

import re

import numpy as np
import pandas as pd
import pytest

from app_state import Key, Page
from core.labels import (COLUMNS, GLOSSARY, candidate_label, column_title, descriptor_label, members_label, number,
                         percent, r2_text, recommended_label, titled)
from core.transfer.candidate import Candidate, Family
from tests.app.conftest import open_page

#: Anything that looks like a machine id: a candidate id (``a|b``), a model id (``-s0-03``),
#: a descriptor key (``{"n_bits"``), a column name (``cv_mae``).
MACHINE = re.compile(r"\w\|\w|-s\d+-\d\d|\{\"|\b[a-z0-9]+_[a-z0-9_]+\b")

MORGAN = 'morgan{"n_bits": 2048, "polymer_ends": "trimer", "radius": 2}'
NET = "qm9_cv_per_mass-morgan-s0-03"


def row(candidate: Candidate, prop: str = "specific heat capacity") -> dict:
    return {**candidate.to_dict(), "property": prop if candidate.model_id else ""}


KINDS = {
    # (family, strategy, via, model?) -> the words the label must hold
    "stage-1 ridge on a net": (Candidate(Family.TRANSFER, "ridge", MORGAN, "morgan", NET),
                               "specific heat capacity net 4: ridge on frozen features (Morgan counts)"),
    "stage-1 ridge on frozen and raw": (Candidate(Family.TRANSFER, "ridge+raw", MORGAN, "morgan", NET),
                                        "specific heat capacity net 4: ridge on frozen features + Morgan counts"),
    "random forest on a net": (Candidate(Family.TRANSFER, "rf", MORGAN, "morgan", NET),
                               "specific heat capacity net 4: random forest on frozen features (Morgan counts)"),
    "Bayesian ridge": (Candidate(Family.TRANSFER, "bayes_ridge", MORGAN, "morgan", NET), "Bayesian ridge on frozen features (Morgan"),
    "Gaussian process": (Candidate(Family.TRANSFER, "gp", MORGAN, "morgan", NET), "Gaussian process on frozen features (Morgan"),
    "fine-tuned last layer": (Candidate(Family.TRANSFER, "finetune_last", MORGAN, "morgan", NET),
                              "net 4: fine-tuned last layer"),
    "fine-tuned whole net": (Candidate(Family.TRANSFER, "finetune_all", MORGAN, "morgan", NET),
                             "net 4: fine-tuned whole net"),
    "random-weight twin": (Candidate(Family.RANDOM, "ridge", MORGAN, "morgan", NET),
                           "random-weight twin of the specific heat capacity net 4: ridge on frozen features"),
    "random-weight twin, frozen and raw": (Candidate(Family.RANDOM, "ridge+raw", MORGAN, "morgan", NET),
                                           "random-weight twin of the specific heat capacity net 4: ridge on frozen "
                                           "features + Morgan counts"),
    "scratch ridge (stage 1)": (Candidate(Family.SCRATCH, "ridge", MORGAN, "morgan"), "scratch: ridge on Morgan counts"),
    "scratch ridge with inner CV": (Candidate(Family.SCRATCH, "scratch_ridge", MORGAN, "morgan"),
                                    "scratch: ridge (penalty by inner CV) on Morgan counts"),
    "scratch random forest": (Candidate(Family.SCRATCH, "scratch_rf", MORGAN, "morgan"),
                              "scratch: random forest on Morgan counts"),
    "scratch mean": (Candidate(Family.SCRATCH, "scratch_mean", MORGAN, "morgan"),
                     "scratch: the mean of the training targets"),
    "scratch net": (Candidate(Family.SCRATCH, "scratch_net", MORGAN, "morgan", NET),
                    "scratch: net shaped like the specific heat capacity net 4, trained from random weights"),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_candidate_kind_has_a_label_in_words(kind):
    candidate, words = KINDS[kind]
    label = candidate_label(row(candidate))
    assert words in label
    assert not MACHINE.search(label), label
    assert candidate.id not in label


def test_pretrained_representations_are_named_by_their_title():
    title = "Chemprop D-MPNN fingerprint, ADMET-AI regression model 1 of 5"
    key = 'chemprop_admet{"model": 0, "polymer_ends": "trimer", "task_set": "regression"}'
    for strategy, words in (("ridge", "ridge on its features"), ("rf", "random forest on its features")):
        cand = Candidate(Family.TRANSFER, strategy, key, "chemprop_admet", "chemprop-admet-reg-m0", "representation")
        label = candidate_label(row(cand, title))
        assert label == f"{title}: {words}"


def test_two_nets_of_one_property_and_descriptor_have_different_labels():
    a = candidate_label(row(Candidate(Family.TRANSFER, "ridge", MORGAN, "morgan", "qm9_cv-morgan-s0-00")))
    b = candidate_label(row(Candidate(Family.TRANSFER, "ridge", MORGAN, "morgan", "qm9_cv-morgan-s0-01")))
    c = candidate_label(row(Candidate(Family.TRANSFER, "ridge", MORGAN, "morgan", "qm9_cv-morgan-s1-00")))
    assert len({a, b, c}) == 3 and "net 1" in a and "net 2" in b and "net 1, seed 1" in c


def test_descriptor_settings_in_words():
    assert descriptor_label("morgan") == "Morgan counts"
    assert descriptor_label("composition(stats=full)") == "composition features (7 statistics)"
    assert descriptor_label("morgan(n_bits=1024, polymer_ends=trimer, radius=3)") == \
        "Morgan counts (1024 bits, radius 3)"
    assert descriptor_label(MORGAN) == "Morgan counts (2048 bits, radius 2)"


def test_an_ensemble_lists_its_members():
    labels = ["scratch: ridge on Morgan counts", "scratch: random forest on MACCS keys"]
    assert members_label(labels) == ("the average of 2 candidates: scratch: ridge on Morgan counts; scratch: random "
                                     "forest on MACCS keys")
    assert members_label(labels[:1]) == labels[0]
    ranking = pd.DataFrame([row(Candidate(Family.SCRATCH, "ridge", MORGAN, "morgan")),
                            row(Candidate(Family.TRANSFER, "rf", MORGAN, "morgan", NET))])
    summary = {"recommended": {"members": list(ranking["candidate"]), "label": "stale words"}}
    assert recommended_label(summary, ranking).startswith("the average of 2 candidates: scratch: ridge on Morgan")


def test_column_titles_carry_units_and_downloads_keep_ids_apart():
    assert column_title("cv_mae", "kcal/mol") == "CV MAE (kcal/mol)"
    assert column_title("improvement_pct") == "better than best scratch (%)"
    assert column_title("cv_mae", "dimensionless") == "CV MAE"
    assert column_title("test_mae", source_unit="eV") == "test MAE (eV)"
    frame = pd.DataFrame([{**row(Candidate(Family.TRANSFER, "ridge", MORGAN, "morgan", NET)), "rank": 1,
                           "label": "x", "cv_mae": 1.23456, "improvement_pct": 12.34, "r2": 0.81234}])
    out = titled(frame, "K", ["candidate", "rank", "label", "cv_mae", "improvement_pct", "r2", "family"])
    assert list(out.columns) == ["rank", "candidate", "CV MAE (K)", "better than best scratch (%)", "CV R\u00b2",
                                 "type", "candidate id"]
    assert out["candidate id"][0] == f"{NET}|ridge" and out["candidate"][0].startswith("specific heat capacity net 4")
    assert out["CV MAE (K)"][0] == 1.23 and out["better than best scratch (%)"][0] == 12 and out["CV R\u00b2"][0] == 0.81
    assert out["type"][0] == "pretrained"
    assert all(name in COLUMNS for name in ("cv_mae", "cv_mae_std", "improvement_pct", "source_test_r2",
                                            "model_domain"))


def test_one_format_of_numbers():
    assert number(1.40321, "kcal/mol") == "1.4 kcal/mol" and number(193.34, "K") == "193 K"
    assert number(1243.6, "MPa") == "1240 MPa"  # no exponent where a scientist would not write one
    assert number(0.000123456) == "0.000123" and number(None, "K") == "n/a" and number(np.nan) == "n/a"
    assert number(0.5, "dimensionless") == "0.5"
    assert r2_text(0.8123) == "0.81" and percent(8.4) == "8%"
    assert set(GLOSSARY) >= {"MAE", "nested estimate", "scratch", "random-weight control", "frozen features",
                             "models and candidates"}


def test_pages_show_the_labels_of_every_family(app, saved_run):
    """Results and Predict name candidates of every family of a real run in words."""
    from core.transfer.runs import load_run

    run = load_run(saved_run)
    app.session_state[Key.RUN_PATH] = str(saved_run)
    at = open_page(app, Page.RESULTS)
    box = next(s for s in at.selectbox if s.label.startswith("Compare with a single candidate"))
    shown = " ".join(box.options)
    families = set(run.ranking[run.ranking["candidate"].isin(run.oof)]["family"])
    assert {"transfer", "scratch", "random"} <= families
    assert "scratch: " in shown and "random-weight twin of the " in shown and " net " in shown
    assert not [c for c in run.ranking["candidate"] if c in shown]
    at = open_page(at, Page.PREDICT)
    model = next(s for s in at.selectbox if s.label == "Model")
    assert model.options[0].startswith("Recommended (nested MAE ") and " kcal/mol): " in model.options[0]
    assert not [c for c in run.ranking["candidate"] if c in " ".join(model.options)]
