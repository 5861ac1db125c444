"""Build library page: choose the libraries in use; pretrain a user library in the background."""

import pytest

from app_state import Key, Page
from core import datasets
from core.library import Library
from tests.app.conftest import open_page, texts, wait_for_jobs


@pytest.fixture
def build_page(app):
    return open_page(app, Page.BUILD)


def source_csv(rows: int) -> bytes:
    table = datasets.load("chemicals_tb").head(rows)
    return ("smiles,tb\n" + "\n".join(f"{s},{t}" for s, t in zip(table["structure"], table["target"]))).encode()


def test_libraries_in_use_can_be_chosen(build_page, tiny_library):
    at = build_page
    box = at.multiselect(key="build_libraries")
    assert box.value == [str(tiny_library)]
    assert any(str(tiny_library) == o or "tiny" in o for o in box.options)


def test_too_small_a_source_is_refused(build_page):
    at = build_page
    at.file_uploader(key="build_upload").set_value(("small.csv", source_csv(20), "text/csv")).run()
    assert "pretraining needs at least 50" in texts(at.error)


def test_broken_source_file(build_page):
    at = build_page
    at.file_uploader(key="build_upload").set_value(("bad.xlsx", b"this is not a workbook", "application/x")).run()
    assert "not a readable .xlsx workbook" in texts(at.error)


def test_build_a_user_library_in_the_background(build_page, app_env):
    at = build_page
    at.file_uploader(key="build_upload").set_value(("boiling.csv", source_csv(120), "text/csv")).run()
    assert not at.error, texts(at.error)
    name_box = next(t for t in at.text_input if t.label == "Library name")
    name_box.input("my boiling points").run()
    at.button(key="b_start").click().run()
    wait_for_jobs(at, timeout=300)
    out = app_env / "user_libraries" / "my_boiling_points"
    with Library(out) as lib:
        assert len(lib) == 2  # the tiny preset: two models per molecule source
        card = lib.card(sorted(lib.ids())[0])
    assert card["source"]["kind"] == "user" and card["source"]["property"] == "tb"
    assert str(out) in at.session_state[Key.LIBRARIES]
    at.run()
    assert "Built 2 models" in texts(at.success)
    assert str(out) in at.multiselect(key="build_libraries").value


def test_a_bad_scheduler_setting_is_refused_and_the_old_one_kept(build_page):
    at = build_page
    at.text_input(key="scheduler_text").input("cluster-a")
    at.button[[b.label for b in at.button].index("Use this setting")].click().run()
    assert "--scheduler takes local, local:N or tcp://HOST:PORT" in texts(at.error)
    assert Key.SCHEDULER not in at.session_state  # the in-process default stays
    at.text_input(key="scheduler_text").input("tcp://127.0.0.1:1")
    at.button[[b.label for b in at.button].index("Use this setting")].click().run()
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in texts(at.error)


def test_a_local_cluster_setting_lists_its_workers_and_reaches_the_screen(build_page):
    at = build_page
    at.text_input(key="scheduler_text").input("local:2")
    at.button[[b.label for b in at.button].index("Use this setting")].click().run()
    assert not at.error, texts(at.error)
    assert at.session_state[Key.SCHEDULER] == "local:2"
    assert len(at.dataframe[-1].value) == 2  # the two workers
    assert "In use: Dask, 2 workers" in texts(at.caption)
    from tests.app.conftest import small_dataset, with_dataset

    at = with_dataset(at, small_dataset())
    assert at.session_state[Key.SCREEN_CONFIG].scheduler == "local:2"
    assert "stage 1 Dask, 2 workers" in texts(at.caption)
    at.number_input(key="top_quick").set_value(2).run()
    at.toggle(key="nested_quick").set_value(False).run()
    at.button(key="start_screen").click().run()
    wait_for_jobs(at, timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    import json
    from pathlib import Path

    summary = json.loads((Path(at.session_state[Key.RUN_PATH]) / "run.json").read_text())["summary"]
    assert summary["compute"]["scheduler"] == "local:2" and len(summary["compute"]["workers"]) == 2
    assert "stage 1 on 2 Dask workers (local:2)" in texts(at.caption)


def two_target_csv(rows: int) -> bytes:
    table = datasets.load("chemicals_tb").head(rows)
    lines = [f"{s},{t / 400:.3f},{t * 4.1:.1f}" for s, t in zip(table["structure"], table["target"])]
    return ("smiles,density (g/cm3),Cp [J/kg/K]\n" + "\n".join(lines)).encode()


def field(at, label):
    return next(t for t in at.text_input if t.label == label)


def test_the_property_label_follows_the_target_column_and_can_be_edited(build_page, app_env):
    at = build_page
    at.file_uploader(key="build_upload").set_value(("two.csv", two_target_csv(80), "text/csv")).run()
    assert not at.error, texts(at.error)
    assert field(at, "Property (shown on model cards)").value == "density" and field(at, "Unit").value == "g/cm3"
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Target column")).set_value("Cp [J/kg/K]").run()
    assert field(at, "Property (shown on model cards)").value == "Cp" and field(at, "Unit").value == "J/kg/K"
    field(at, "Property (shown on model cards)").input("heat capacity").run()
    field(at, "Library name").input("heat").run()
    at.button(key="b_start").click().run()
    wait_for_jobs(at, timeout=300)
    with Library(app_env / "user_libraries" / "heat") as lib:
        card = lib.card(sorted(lib.ids())[0])
    assert (card["source"]["property"], card["source"]["unit"]) == ("heat capacity", "J/kg/K")
    assert "target column 'Cp [J/kg/K]'" in card["source"]["note"]


def test_a_picture_is_refused_with_a_sentence(build_page):
    at = build_page
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    at.file_uploader(key="build_upload").set_value(("plot.png", png, "image/png")).run()
    assert "plot.png is a PNG picture, not a table. Expected a table" in texts(at.error)
