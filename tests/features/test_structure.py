import numpy as np
import pytest

from core.errors import InputError
from core.features.structure import StructureDescriptors

from tests.crystals import CIF


def test_structure_descriptors_of_nacl_cell():
    f = StructureDescriptors().fit()
    X = f.transform([CIF])
    names = list(f.get_feature_names_out())
    assert X.shape == (1, 290 + 17)
    assert X[0, names.index("struct:n_sites")] == 2
    assert X[0, names.index("struct:volume_per_atom")] == pytest.approx(5.64**3 / 2, rel=1e-6)
    assert X[0, names.index("ave:atomic_number")] == pytest.approx((11 + 17) / 2)
    assert np.isclose(X[0, [names.index(f"struct:system_{s}") for s in ("cubic", "triclinic")]].sum(), 1)


def test_bad_cif_names_the_row():
    with pytest.raises(InputError, match="structure cannot read 'data_x.*': is (not a readable CIF|a CIF without)") as info:
        StructureDescriptors().fit().transform([CIF, "data_x\n_cell_length_a 1\n"])
    assert info.value.index == 1
