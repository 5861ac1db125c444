"""Predict page: structures typed or uploaded, predictions with uncertainty and applicability."""

import json

import pytest

from app_state import InputMode, Key, Page
from tests.app.conftest import open_page, texts


@pytest.fixture
def predict_page(app, saved_run):
    app.session_state[Key.RUN_PATH] = str(saved_run)
    return open_page(app, Page.PREDICT)


def test_without_a_run(app):
    at = open_page(app, Page.PREDICT)
    assert "Predictions come from a finished run" in texts(at.info)


def test_typed_structures_are_predicted_and_bad_ones_reported(predict_page):
    at = predict_page
    at.text_area(key="pred_text").input("CCO\nnot_a_smiles\nc1ccccc1O\nCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC").run()
    at.button(key="pred_go").click().run()
    assert not at.exception
    assert "1 structures cannot be read" in texts(at.warning)
    issues = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert list(issues["line"]) == [2] and "not a valid SMILES" in issues["reason"][0]  # line 2 of the box
    table = next(d.value for d in at.dataframe if "prediction" in d.value.columns)
    assert list(table["structure"]) == ["CCO", "c1ccccc1O", "C" * 30]
    assert (table["upper"] > table["prediction"]).all() and (table["prediction"] > table["lower"]).all()
    assert list(table.columns[:2]) == ["structure", "prediction"]  # the structure and its prediction stay in view
    assert {"applicability", "domain_ratio"} <= set(table.columns)
    assert table["applicability"].iloc[0] == "inside the training data"
    assert table["domain_ratio"].iloc[0] == pytest.approx(0, abs=1e-9)  # CCO is a training row
    config = json.loads(next(d for d in at.dataframe if "prediction" in d.value.columns).proto.columns)
    assert config["prediction"]["label"] == "prediction (kcal/mol)" and config["prediction"]["pinned"] is True
    assert config["lower"]["label"] == "90% interval, low (kcal/mol)"
    assert "calibrated on the run's out-of-sample residuals to cover 90%" in texts(at.caption)
    assert "Predictions (CSV)" in [b.label for b in at.get("download_button")]


def test_the_chosen_model_changes_the_predictions(predict_page, saved_run):
    from core.transfer.runs import load_run

    at = predict_page
    at.text_area(key="pred_text").input("CCO\nc1ccccc1O").run()
    at.button(key="pred_go").click().run()
    first = next(d.value for d in at.dataframe if "prediction" in d.value.columns)["prediction"].tolist()
    key = next(s.key for s in at.selectbox if s.label == "Model")
    # the training mean: the same number for both structures, unlike the recommended model's
    at.session_state[key] = next(c for c in load_run(saved_run).ranking["candidate"] if c.startswith("scratch|mean"))
    at.run()
    at.button(key="pred_go").click().run()
    second = next(d.value for d in at.dataframe if "prediction" in d.value.columns)["prediction"].tolist()
    assert first[0] != first[1] and second[0] == second[1]


def test_upload_with_a_wrong_column(predict_page):
    at = predict_page
    at.radio(key="pred_mode").set_value(InputMode.UPLOAD).run()
    at.file_uploader(key="pred_upload").set_value(("new.csv", b"name,smiles\nethanol,CCO\nphenol,c1ccccc1O\n",
                                                    "text/csv")).run()
    at.selectbox(key="pred_structure").set_value("name").run()
    at.button(key="pred_go").click().run()
    assert "no valid SMILES to predict" in texts(at.error)
    at.selectbox(key="pred_structure").set_value("smiles").run()
    at.button(key="pred_go").click().run()
    table = next(d.value for d in at.dataframe if "prediction" in d.value.columns)
    assert len(table) == 2


def test_broken_upload(predict_page):
    at = predict_page
    at.radio(key="pred_mode").set_value(InputMode.UPLOAD).run()
    at.file_uploader(key="pred_upload").set_value(("new.csv", b"", "text/csv")).run()
    assert "is empty" in texts(at.error)
