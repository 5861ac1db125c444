"""2D depictions, 3D models and the offline viewer HTML."""

import re

import pytest

from core.errors import InputError
from core.paths import THREEDMOL_JS
from core.viz.depict import composition_text, data_url, depict_png, depict_svg, preview_table
from core.viz.structure3d import (crystal_model, model_for, molecule_model, repeat_unit_model, viewer_html,
                                  xyz_text)
from tests.crystals import CIF


def test_depictions():
    png = depict_png("c1ccccc1O", "molecule")
    assert png.startswith(b"\x89PNG")
    assert depict_png("*CC(*)C(=O)OC", "polymer").startswith(b"\x89PNG")
    assert depict_png("Fe2O3", "inorganic") is None and depict_png("not smiles", "molecule") is None
    assert "<svg" in depict_svg("CCO", "molecule")
    assert data_url(b"x") == "data:image/png;base64,eA==" and data_url(None) is None


def test_compositions_and_previews():
    assert composition_text("Fe2O3") == "O 60.0%, Fe 40.0%"
    assert composition_text("H1He1Li1Be1B1C1N1", top=2).endswith("+5 more")
    assert composition_text("Xx2").startswith("(not a formula")
    table = preview_table(["CCO", "CCN", "CCC"], "molecule", [1, 2, 3], limit=2)
    assert list(table.columns) == ["structure", "picture", "value"] and len(table) == 2
    table = preview_table(["NaCl"], "inorganic")
    assert list(table.columns) == ["structure", "composition"]


def test_molecule_geometry_from_qm9_or_rdkit():
    qm9 = molecule_model("CCO")
    assert qm9.fmt == "xyz" and "QM9" in qm9.origin and qm9.data.splitlines()[0] == "9"  # with hydrogens
    rdkit = molecule_model("CCCCCCCCCCCC(=O)O")  # too large for QM9
    assert rdkit.fmt == "sdf" and "ETKDG" in rdkit.origin and "V2000" in rdkit.data
    assert molecule_model("CCO", use_qm9=False).fmt == "sdf"


def test_repeat_unit_and_crystal_models():
    polymer = repeat_unit_model("*CC(*)c1ccccc1")
    assert polymer.fmt == "sdf" and "trimer" in polymer.origin
    crystal = crystal_model(CIF)
    assert crystal.fmt == "cif" and crystal.crystal and "NaCl" in crystal.origin
    assert model_for("NaCl", "inorganic", cif=CIF).crystal
    with pytest.raises(InputError, match="no 3D structure"):
        model_for("NaCl", "inorganic")
    with pytest.raises(InputError, match="not a valid SMILES"):
        model_for("C1CC", "molecule")
    with pytest.raises(InputError, match="CIF"):
        crystal_model("data_x\n_cell_length_a 1\n")


def test_xyz_text():
    assert xyz_text(["H", "H"], [(0, 0, 0), (0, 0, 0.74)]).splitlines()[3] == "H 0.00000 0.00000 0.74000"


@pytest.mark.skipif(not THREEDMOL_JS.exists(), reason="3Dmol.js is not installed (run scripts/setup.sh)")
def test_viewer_inlines_local_3dmol():
    viewer = viewer_html(molecule_model("CCO"))
    assert viewer.offline and viewer.note == ""
    head, body = viewer.html.split("</head>", 1)
    assert len(head) > 100_000  # the library itself, inline
    assert "cdn.jsdelivr" not in viewer.html and "loadScriptAsync('" not in body and "Promise.resolve()" in body
    assert not re.search(r"src=[\"']https?://", viewer.html)


def test_viewer_falls_back_to_the_cdn_with_a_note(tmp_path):
    viewer = viewer_html(crystal_model(CIF), js_path=tmp_path / "missing.js")
    assert not viewer.offline and "cdn.jsdelivr.net" in viewer.html and "internet access" in viewer.note
    assert "addUnitCell" in viewer.html
