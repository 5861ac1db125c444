"""Home page: three steps, one-click examples per domain, the library and device in use."""

from app_state import Key
from core.compute.device import device_label
from core.domains import Domain
from tests.app.conftest import texts


def test_home_shows_steps_examples_library_and_device(app):
    assert app.title[0].value.startswith("Predict a materials property")
    markdown = texts(app.markdown)
    for step in ("1. Bring data", "2. Shotgun transfer", "3. Read honest results"):
        assert step in markdown
    labels = [b.label for b in app.button]
    assert "Try an example: FreeSolv (molecules)" in labels
    assert any("(inorganic)" in label for label in labels) and any("(polymers)" in label for label in labels)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Pretrained models"] == "8"  # the tiny library of the test session
    assert metrics["Source properties"] == "4"
    assert metrics["Compute device"] == device_label()


def test_example_button_loads_data_and_opens_transfer(app):
    app.button(key="example_freesolv").click().run()
    assert not app.exception
    assert app.title[0].value == "Shotgun transfer"
    dataset = app.session_state[Key.DATASET]
    assert dataset.name == "freesolv" and dataset.n_rows == 50 and dataset.domain is Domain.MOLECULE
    assert app.session_state[Key.PRESET] == "quick"


def test_polymer_example_marks_estimates(app):
    words = texts(app.caption)
    assert "glass transition temperature of common-monomer polymers (group-contribution estimate) (K)" in words
    # not "all measured": the estimate is said where the examples are introduced
    assert "The examples are measurements, except Polymer Tg: group-contribution estimates" in words


def test_no_absolute_path_of_the_library(app, tiny_library):
    words = texts(app.caption)
    assert str(tiny_library) not in words and "Libraries in use: " in words
    app.button(key="example_polymer_tg_common").click().run()
    assert app.session_state[Key.DATASET].domain is Domain.POLYMER
