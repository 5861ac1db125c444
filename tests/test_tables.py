import io
from pathlib import Path

import pandas as pd
import pytest

from core.errors import InputError
from core.tables import EXPECTED, read_lines, read_table, sniff_delimiter, split_unit, table_format_note
from tests.crystals import CIF, zip_bytes

DATA = Path(__file__).parent / "data"


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


# --- tables from the real world ------------------------------------------------------------



def test_european_csv_semicolons_decimal_commas_bom_and_trailing_empties():
    table = read_table(DATA / "european_polymers.csv")
    assert list(table.columns) == ["smiles", "Tg (K)", "density [g/cm3]", "name"]  # BOM gone, empty column dropped
    assert len(table) == 40  # the two trailing ';;;;' lines are not rows
    assert table["Tg (K)"].iloc[2] == "373.5" and table["density [g/cm3]"].iloc[0] == "0.92"
    assert table["name"].iloc[2] == "polystyrene; grade A"  # a quoted field keeps its delimiter
    assert table.attrs["delimiter"] == ";" and table.attrs["decimal_comma"] == ["Tg (K)", "density [g/cm3]"]
    assert table_format_note(table.attrs) == "Read as semicolon-separated; decimal commas in Tg (K), density [g/cm3]."


def test_quoted_commas_tabs_and_thousands_separators():
    table = read_table(b'smiles,y,name\nCCO,"1,5","ethanol, dry"\nCCC,"1.234,5",propane\n', "q.csv")
    assert table["y"].tolist() == ["1.5", "1234.5"] and table["name"].iloc[0] == "ethanol, dry"
    assert table.attrs["delimiter"] == "," and table.attrs["decimal_comma"] == ["y"]
    tsv = read_table(b"smiles\ty\tnote\nCCO\t1,5\ta, b\nCCN\t2\tc\n", "t.tsv")
    assert tsv.attrs["delimiter"] == "\t" and tsv["y"].tolist() == ["1.5", "2"] and tsv["note"].iloc[0] == "a, b"


def test_dot_decimals_and_text_with_commas_are_left_alone():
    table = read_table(b"smiles;y;tags\nCCO;1.5;a,b\nCCN;2.25;c,d\n", "d.csv")
    assert table["y"].tolist() == ["1.5", "2.25"] and table["tags"].tolist() == ["a,b", "c,d"]
    assert table.attrs["decimal_comma"] == []


def test_sniffing_prefers_the_delimiter_that_splits_every_line_alike():
    assert sniff_delimiter("a;b\n1,5;2\n3;4,5\n") == ";"
    assert sniff_delimiter('a,b\n"x;y",1\n"z;w",2\n') == ","
    assert sniff_delimiter("a\tb;c\n1\t2;3\n") == "\t"


def _workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


def test_workbook_with_several_sheets_picks_the_one_with_structures_or_the_chosen_one():
    notes = pd.DataFrame({"about": ["measured in 2024", "by us"]})
    data = pd.DataFrame({"smiles": ["CCO", "CCN", "CCC"], "y": [1.5, 2.0, 3.0], "": [None, None, None]})
    other = pd.DataFrame({"formula": ["NaCl", "KBr"], "gap": [8.5, 7.4]})
    book = _workbook({"notes": notes, "data": data, "other": other})
    table = read_table(book, "book.xlsx")
    assert table.attrs["sheet"] == "data" and table.attrs["sheets"] == ["notes", "data", "other"]
    assert list(table.columns) == ["smiles", "y"]  # the empty trailing column is dropped
    chosen = read_table(book, "book.xlsx", sheet="other")
    assert chosen["formula"].tolist() == ["NaCl", "KBr"] and chosen.attrs["sheet"] == "other"
    with pytest.raises(InputError, match="book.xlsx has no sheet 'nope'; its sheets: notes, data, other"):
        read_table(book, "book.xlsx", sheet="nope")


def test_workbook_without_a_structure_column_says_what_was_expected():
    book = _workbook({"a": pd.DataFrame({"x": [1, 2]}), "b": pd.DataFrame({"note": ["hello", "world"]})})
    with pytest.raises(InputError) as info:
        read_table(book, "book.xlsx")
    assert str(info.value) == f"no sheet of book.xlsx has a column of structures (sheets: a, b). {EXPECTED}"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize("data, name, what", [
    (PNG, "plot.png", "plot.png is a PNG picture, not a table."),
    (PNG, "data.csv", "data.csv is a PNG picture, not a table."),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "photo.jpg", "photo.jpg is a JPEG picture, not a table."),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "paper.pdf", "paper.pdf is a PDF document, not a table."),
    (bytes(range(256)) * 4, "noise.bin", "noise.bin is a binary file, not a text table."),
    (b"\x01\x02\x03\x04\x05\x06\x07\x08abc" * 20, "noise.csv", "noise.csv is a binary file, not a text table."),
    (b"", "empty.csv", "empty.csv is empty."),
    (b"\n\n  \n", "blank.csv", "blank.csv is empty."),
])
def test_files_that_are_not_tables_get_a_sentence_saying_what_was_expected(data, name, what):
    with pytest.raises(InputError) as info:
        read_table(data, name)
    assert str(info.value) == f"{what} {EXPECTED}"


@pytest.mark.parametrize("header, split", [
    ("Tg (K)", ("Tg", "K")), ("Cp [J/kg/K]", ("Cp", "J/kg/K")), ("T / K", ("T", "K")),
    ("density (g/cm3)", ("density", "g/cm3")), ("dG (expt)", ("dG (expt)", "")), ("logS", ("logS", "")),
    ("band gap [eV]", ("band gap", "eV")),
])
def test_units_in_headers(header, split):
    assert split_unit(header) == split


def test_typed_lines_keep_their_numbers():
    table = read_lines("CCO\n\n  c1ccccc1 \nCCN\n")
    assert table["structure"].tolist() == ["CCO", "c1ccccc1", "CCN"] and list(table.index + 1) == [1, 3, 4]
    with pytest.raises(InputError, match="at least one structure"):
        read_lines(" \n ")
