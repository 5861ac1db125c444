import json
import shutil

import numpy as np
import pytest
import torch

from core import LIBRARY_FORMAT_VERSION
from core.errors import LibraryError
from core.features import from_spec
from core.library import Library
from core.library.model import read_model
from core.nets import StackedMLP


def test_catalog_rows_and_cards(tiny_library):
    with Library(tiny_library) as lib:
        frame = lib.models()
        assert len(frame) == 8 == len(lib)
        assert set(frame["domain"]) == {"molecule", "inorganic"}
        card = lib.card(frame["id"].iloc[0])
        for key in ("source", "descriptor", "architecture", "training", "metrics", "checksum", "file"):
            assert key in card
        assert card["training"]["n_train"] + card["training"]["n_val"] + card["training"]["n_test"] <= 400
        assert card["source"]["citation"] and card["training"]["device"].startswith(("CPU", "GPU"))
        assert (tiny_library / card["file"]).with_suffix(".json").exists()


def test_filters_and_free_text(tiny_library):
    with Library(tiny_library) as lib:
        assert set(lib.models(domain="inorganic")["source"]) == {"mp_gap", "aflow_bulk_modulus"}
        assert set(lib.models(search="boiling")["source"]) == {"chemicals_tb"}
        assert set(lib.models(search="heat capacity")["source"]) == {"qm9_cv_per_mass"}
        assert set(lib.models(descriptor="maccs")["descriptor"]) == {"maccs"}
        assert lib.models(property="band gap")["source"].unique().tolist() == ["mp_gap"]
        assert len(lib.models(ids=[])) == 0
        best = lib.models(min_r2=0.3)
        assert (best["test_r2"] >= 0.3).all()


def test_round_trip_gives_identical_predictions(tiny_library):
    with Library(tiny_library) as lib:
        model_id = lib.models(descriptor="composition")["id"].iloc[0]
        card = lib.card(model_id)
        net = lib.load(model_id)
        X = from_spec(card["descriptor"]).transform(["NaCl", "Fe2O3", "GaAs"])
        first = StackedMLP.from_arrays([net]).predict(torch.from_numpy(X.astype(np.float32)))
        again = StackedMLP.from_arrays([read_model(tiny_library / card["file"], card["checksum"], model_id)])
        assert torch.equal(first, again.predict(torch.from_numpy(X.astype(np.float32))))


def test_corrupt_and_missing_files_name_the_model_and_spare_the_rest(tiny_library, tmp_path):
    copy = tmp_path / "lib"
    shutil.copytree(tiny_library, copy)
    with Library(copy) as lib:
        ids = sorted(lib.ids())
        bad, gone = lib.card(ids[0]), lib.card(ids[1])
        path = copy / bad["file"]
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
        (copy / gone["file"]).unlink()
        with pytest.raises(LibraryError, match=f"model {ids[0]}: weights file .* is corrupt"):
            lib.load(ids[0])
        with pytest.raises(LibraryError, match=f"model {ids[1]}: weights file .* is missing"):
            lib.load(ids[1])
        nets, errors = lib.load_many(ids)
        assert set(errors) == {ids[0], ids[1]} and len(nets) == len(ids) - 2
        assert set(lib.verify()) == {ids[0], ids[1]}


def test_newer_format_is_refused(tiny_library, tmp_path):
    copy = tmp_path / "lib"
    shutil.copytree(tiny_library, copy)
    manifest = json.loads((copy / "library.json").read_text())
    manifest["format_version"] = LIBRARY_FORMAT_VERSION + 1
    (copy / "library.json").write_text(json.dumps(manifest))
    with pytest.raises(LibraryError, match="newer than this software reads"):
        Library(copy)


def test_missing_library_and_unknown_model(tmp_path, tiny_library):
    with pytest.raises(LibraryError, match="no model library at"):
        Library(tmp_path / "nothing")
    with Library(tiny_library) as lib, pytest.raises(LibraryError, match="no model 'nope'"):
        lib.card("nope")


def test_stats(tiny_library):
    with Library(tiny_library) as lib:
        stats = lib.stats()
    assert stats["models"] == 8 and stats["properties"] == 4
    assert stats["domains"]["molecule"]["descriptors"] == ["maccs", "morgan"]
    assert stats["size_bytes"] > 0
