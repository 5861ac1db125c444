import pytest

from core import datasets
from core.datasets import crabnet


def test_crabnet_read_from_wheel_without_installing():
    assert crabnet.wheel_path(download=False).name == "crabnet-2.0.8-py3-none-any.whl"
    import importlib.util

    assert importlib.util.find_spec("crabnet") is None


def test_physical_ranges_are_enforced():
    table = datasets.load("oqmd_formation_enthalpy")
    assert table["target"].between(-5, 5).all()
    assert datasets.load("expt_gap")["target"].gt(0).all()


def test_known_values():
    steels = datasets.load("steels_yield")
    assert steels["target"].between(1000, 2600).all()
    exp = datasets.load("exp_formation_enthalpy").set_index("structure")
    # Ag2CO3: -5.2422 eV per formula unit, six atoms
    assert float(exp.loc["Ag2CO3", "target"]) == pytest.approx(-5.242247592137407 / 6)
    optical = datasets.load("optical_refractive_index")
    assert optical["target"].between(1.0, 5.0).all()


def test_transport_is_log_scaled_where_heavy_tailed():
    sigma = datasets.load("transport_log_sigma_p")["target"]
    assert sigma.max() < 10  # log10 values, not 1e6-scale raw conductivities
    assert datasets.get("transport_log_sigma_p").unit.startswith("log10")
