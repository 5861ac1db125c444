"""Every registered dataset against its documented row count, unit and provenance."""

import numpy as np
import pytest

from core import datasets
from core.datasets import Role
from core.domains import Domain, parse

SPECS = datasets.list_datasets()


def test_registry_covers_what_the_product_promises():
    def count(**kw):
        return len(datasets.list_datasets(**kw))

    sources = {d: [s for s in datasets.list_datasets(domain=d, role="source")] for d in Domain}
    assert len([s for s in sources[Domain.MOLECULE] if s.package == "qm9pack"]) >= 10
    assert len([s for s in sources[Domain.MOLECULE] if s.package == "chemicals" and s.measured]) >= 8
    assert len(sources[Domain.INORGANIC]) >= 15
    assert len([s for s in sources[Domain.POLYMER] if s.estimate]) >= 8
    for domain in Domain:
        assert count(domain=domain, role="example") >= 2, domain


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_spec_is_documented(spec):
    assert spec.unit and spec.property and spec.citation and spec.licence
    assert spec.files and spec.package
    assert spec.expected_rows > 0
    if spec.estimate:
        assert "estimate" in (spec.note + spec.property).lower()
    data = spec.to_dict()
    assert data["domain"] == spec.domain.value and "loader" not in data


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_loads_with_documented_rows(spec):
    table = datasets.load(spec)
    assert len(table) == spec.expected_rows
    assert {"structure", "target"} <= set(table.columns)
    assert np.isfinite(table["target"]).all()
    # a sample of structures parses in the dataset's domain
    for text in table["structure"].sample(min(20, len(table)), random_state=0):
        parse(text, spec.domain)


def test_examples_are_small_measured_targets():
    for spec in datasets.list_datasets(role=Role.EXAMPLE):
        assert spec.expected_rows <= 5000, spec.name


def test_unknown_dataset_lists_choices():
    from core.errors import InputError

    with pytest.raises(InputError, match="unknown dataset 'nope'; choose one of: .*qm9_gap"):
        datasets.get("nope")
