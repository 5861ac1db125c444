"""Library page with pretrained representations: the kind filter and a representation's card in words."""

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_state import Page
from core.library import Library
from tests.library.test_representations import N_REPRESENTATIONS

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def page(tiny_library, tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    shutil.copytree(tiny_library, lib)
    with Library(lib) as opened:
        opened.add_representations()
    monkeypatch.setenv("MDL_LIBRARY", str(lib))
    monkeypatch.setenv("MDL_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("MDL_USER_LIBRARIES", str(tmp_path / "user_libraries"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(Page.LIBRARY).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at):
    return next(d.value for d in at.dataframe if "test_r2" in d.value.columns)


def captions(at):
    return [c.value for c in at.caption]


@pytest.mark.slow
def test_kind_filter_and_representation_card(page):
    at = page
    assert len(table(at)) == 8 + N_REPRESENTATIONS
    assert f"{8 + N_REPRESENTATIONS} of {8 + N_REPRESENTATIONS} entries match (8 nets, {N_REPRESENTATIONS} " \
           "pretrained representations and controls)." in captions(at)
    at.multiselect(key="lib_kind").set_value(["Pretrained representations from the field"]).run()
    shown = table(at)
    assert len(shown) == N_REPRESENTATIONS - 1 and "embedding-random_200" not in set(shown["id"])
    assert set(shown["entry"]) == {"Pretrained representations from the field"}
    at.selectbox(key="lib_card_id").set_value("chemprop-admet-reg-m0").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Chemprop D-MPNN fingerprint, ADMET-AI regression model 1 of 5" in text and "Trained on" in text
    assert any("FreeSolv" in w.value for w in at.warning)
    tasks = next(d.value for d in at.dataframe if "task" in d.value.columns)
    assert "Hydration Free Energy" in set(tasks["task"])
    at.multiselect(key="lib_kind").set_value(["Controls (random element vectors)"]).run()
    assert table(at)["id"].tolist() == ["embedding-random_200"]
    assert any("A control" in i.value for i in at.info)
