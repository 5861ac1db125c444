import pandas as pd
import pytest

from core.errors import InputError
from core.tables import read_table
from tests.crystals import CIF, zip_bytes


def test_csv_keeps_line_positions_across_blank_lines():
    table = read_table(b"smiles,y\nCCO,1\n\nCCC,2\n", "a.csv")
    assert list(table["smiles"]) == ["CCO", "CCC"]
    assert list(table.index + 2) == [2, 4]  # lines in the file


def test_semicolon_and_tab_delimiters_are_sniffed():
    assert list(read_table(b"smiles;y\nCCO;1\n", "a.csv").columns) == ["smiles", "y"]
    assert list(read_table(b"smiles\ty\nCCO\t1\n", "a.tsv").columns) == ["smiles", "y"]


def test_broken_csv_names_the_line():
    with pytest.raises(InputError, match="line 3 has 3 fields where the header has 2"):
        read_table(b"a,b\n1,2\n3,4,5\n", "bad.csv")


def test_empty_and_header_only():
    with pytest.raises(InputError, match="is empty"):
        read_table(b"  \n", "e.csv")
    with pytest.raises(InputError, match="header but no rows"):
        read_table(b"a,b\n\n", "h.csv")


def test_binary_file_is_refused():
    with pytest.raises(InputError, match="binary file"):
        read_table(b"\x80\x04\x95\x00\x00pickle\x00", "model.csv")


def test_size_limit(monkeypatch):
    monkeypatch.setenv("MDL_MAX_UPLOAD_MB", "0.001")
    with pytest.raises(InputError, match="the limit is 0 MB"):
        read_table(b"smiles,y\n" + b"CCO,1\n" * 500, "big.csv")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_table(tmp_path / "nope.csv")


def test_excel_round_trip(tmp_path):
    path = tmp_path / "t.xlsx"
    pd.DataFrame({"formula": ["NaCl", "Fe2O3"], "gap": [8.5, 2.1]}).to_excel(path, index=False)
    table = read_table(path)
    assert list(table["formula"]) == ["NaCl", "Fe2O3"]
    assert float(table["gap"].iloc[1]) == pytest.approx(2.1)


def test_old_xls_and_bad_xlsx():
    with pytest.raises(InputError, match=r"old \.xls"):
        read_table(b"whatever", "a.xls")
    with pytest.raises(InputError, match="not a readable .xlsx"):
        read_table(b"PK\x03\x04garbage", "a.xlsx")


def test_zip_of_cifs_with_targets():
    data = zip_bytes({"NaCl.cif": CIF, "other.cif": CIF, "targets.csv": "file,band_gap\nNaCl.cif,8.5\nother.cif,1.0\n"})
    table = read_table(data, "crystals.zip")
    assert set(table.columns) >= {"name", "cif", "band_gap"}
    assert table.set_index("name").loc["NaCl", "band_gap"] == "8.5"


def test_zip_without_cifs():
    with pytest.raises(InputError, match="holds no .cif files"):
        read_table(zip_bytes({"a.txt": "x"}), "a.zip")
    with pytest.raises(InputError, match="not a valid zip"):
        read_table(b"not a zip at all", "a.zip")
