"""Library page: filters, facet counts, plots, the model card and picking models for a screen."""

import pytest

from app_state import Key, Page
from core.library import Library
from tests.app.conftest import open_page, texts


@pytest.fixture
def library_page(app):
    return open_page(app, Page.LIBRARY)


def table(at):
    return next(d.value for d in at.dataframe if "test_r2" in d.value.columns)


def test_table_facets_plots_and_card(library_page, tiny_library):
    at = library_page
    models = table(at)
    assert len(models) == 8 and {"depth", "width_max", "test_r2", "test_mae", "n_train"} <= set(models.columns)
    assert "8 of 8 models match." in texts(at.caption)
    facets = [d.value for d in at.dataframe if list(d.value.columns) == ["domain", "models"]][0]
    assert dict(zip(facets["domain"], facets["models"])) == {"molecule": 4, "inorganic": 4}
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Models per source property" in s for s in specs)
    assert any("Architecture of" in s for s in specs)
    card = Library(tiny_library).card(models["id"][0])
    assert f"Trained on {card['training']['n_train']} rows" in texts(at.caption)
    metrics = next(d.value for d in at.dataframe if "split" in d.value.columns)
    assert set(metrics["split"]) == {"val", "test"}


def test_filters_narrow_the_table(library_page):
    at = library_page
    at.text_input(key="lib_search").input("boiling").run()
    assert set(table(at)["property"]) == {"normal boiling point"}
    at.text_input(key="lib_search").input("").run()
    at.multiselect(key="lib_domain").set_value(["inorganic"]).run()
    assert set(table(at)["domain"]) == {"inorganic"} and len(table(at)) == 4
    r2 = sorted(table(at)["test_r2"])
    at.slider(key="lib_r2").set_value(round(r2[1] + 0.001, 3)).run()  # leaves the two best
    assert len(table(at)) == 2 and (table(at)["test_r2"] > r2[1]).all()


def test_a_filter_matching_nothing(library_page):
    at = library_page
    at.text_input(key="lib_search").input("no such property anywhere").run()
    assert "No model matches these filters." in texts(at.info)


def test_picked_models_reach_the_transfer_page(library_page):
    at = library_page
    assert next(b for b in at.button if b.key == "lib_pick").disabled  # nothing selected yet
    ids = table(at)["id"].tolist()[:2]
    at.session_state[Key.PICKED] = ids
    at.run()
    assert "2 models picked for Transfer." in texts(at.caption)
    at.button(key="lib_clear").click().run()
    assert "No models picked." in texts(at.caption)


def test_an_empty_library_says_so(app, tmp_path):
    Library(tmp_path / "empty", create=True).close()
    app.session_state[Key.LIBRARIES] = [str(tmp_path / "empty")]
    at = open_page(app, Page.LIBRARY)
    assert "hold no models" in texts(at.error)
