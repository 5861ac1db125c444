"""Data page: upload, detection with overrides, the validation report, previews, 3D viewer, errors."""

from pathlib import Path

import pytest

from app_state import Key, Page
from core.domains import Domain
from core.paths import THREEDMOL_JS
from tests.app.conftest import MOLECULES, csv_bytes, open_page, texts
from tests.crystals import two_site_cif, zip_bytes


@pytest.fixture
def data_page(app):
    return open_page(app, Page.DATA)


def upload(at, data: bytes, name: str = "mols.csv"):
    at.file_uploader(key="data_upload").set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_valid_upload_is_detected_validated_and_used(data_page):
    at = upload(data_page, csv_bytes(MOLECULES))
    chosen = {s.label: s.value for s in at.selectbox}
    assert chosen["Structure column"] == "smiles" and chosen["Domain"] == "molecule" and chosen["Target column"] == "dG"
    assert metric(at, "Valid") == "24" and metric(at, "Rows with problems") == "0"
    dataset = at.session_state[Key.DATASET]
    assert dataset.n_rows == 24 and dataset.target == "dG" and dataset.domain is Domain.MOLECULE
    preview = next(h.proto.body for h in at.get("html") if "mdl-preview" in h.proto.body)
    assert preview.count("<tr>") == 13 and preview.count('<img src="data:image/png;base64,') == 12
    assert any(el.type == "plotly_chart" for el in at.get("plotly_chart"))  # the target histogram


def test_a_long_smiles_is_cut_with_the_whole_on_hover(data_page):
    long = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(O)CCCCCCCCCC"
    at = upload(data_page, csv_bytes([(long, 1.0)] + MOLECULES[:11]))
    preview = next(h.proto.body for h in at.get("html") if "mdl-preview" in h.proto.body)
    assert f'title="{long}"' in preview  # the whole structure on hover
    assert f"<code>{long[:31]}\u2026</code>" in preview  # cut, so the picture and the value keep their room


def test_bad_rows_are_reported_with_reasons_and_downloadable(data_page):
    rows = MOLECULES[:12] + [("not_a_smiles", -1.0), ("CCO", "n/a"), ("C1CC", 2.0)]
    at = upload(data_page, csv_bytes(rows))
    report = next(d.value for d in at.dataframe if list(d.value.columns) == ["line", "column", "value", "reason"])
    assert sorted(report["line"]) == [14, 15, 16]
    reasons = " ".join(report["reason"])
    assert "not a valid SMILES" in reasons and "target is not a number" in reasons
    assert any(b.label == "Validation report (CSV)" for b in at.get("download_button"))
    assert metric(at, "Valid") == "12" and metric(at, "Rows with problems") == "3"


def test_overriding_the_target_changes_the_data(data_page):
    text = "smiles,dG,other\n" + "\n".join(f"{s},{v},{i * 1.5}" for i, (s, v) in enumerate(MOLECULES)) + "\n"
    at = upload(data_page, text.encode())
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Target column")).set_value("other").run()
    dataset = at.session_state[Key.DATASET]
    assert dataset.target == "other" and dataset.values[3] == 4.5


def test_wrong_target_column_gives_a_clear_error(data_page):
    at = upload(data_page, csv_bytes(MOLECULES))
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Target column")).set_value("name").run()
    assert "Only 0 valid rows" in texts(at.error)
    report = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert len(report) == 24 and set(report["reason"]) == {"target is not a number"}


def test_broken_files_give_clear_errors(data_page):
    at = upload(data_page, b"\x00\x01\x02binary\x00junk" * 10, "broken.csv")
    assert "binary file" in texts(at.error)
    at = upload(data_page, b"smiles,dG\nCCO,1\nCCC,2,3,4\n", "ragged.csv")
    assert "line 3 has 4 fields" in texts(at.error)
    at = upload(data_page, b"PK\x03\x04 not really a zip", "crystals.zip")
    assert "not a valid zip file" in texts(at.error)


def test_too_few_rows_are_refused(data_page):
    at = upload(data_page, csv_bytes(MOLECULES[:5]))
    assert "Only 5 valid rows: at least 8 are needed" in texts(at.error)
    assert Key.DATASET not in at.session_state


def test_upload_over_the_size_limit_is_refused(app, monkeypatch):
    monkeypatch.setenv("MDL_MAX_UPLOAD_MB", "0.0001")  # about 100 bytes
    at = upload(open_page(app, Page.DATA), csv_bytes(MOLECULES))
    assert "the limit is" in texts(at.error) and "MB" in texts(at.error)


def test_bundled_example_and_formula_without_3d(data_page):
    at = data_page
    at.radio(key="data_source").set_value("A bundled example").run()
    at.selectbox(key="example_name").set_value("steels_yield").run()
    at.number_input(key="example_rows").set_value(30).run()
    at.button(key="load_example").click().run()
    dataset = at.session_state[Key.DATASET]
    assert dataset.domain is Domain.INORGANIC and dataset.n_rows == 30
    preview = next(h.proto.body for h in at.get("html") if "mdl-preview" in h.proto.body)
    assert preview.count("Fe ") >= 12 and "composition" in preview
    assert "Chemical formulas have no 3D structure" in texts(at.info)


@pytest.mark.skipif(not THREEDMOL_JS.exists(), reason="3Dmol.js is not installed (run scripts/setup.sh)")
def test_3d_viewer_inlines_3dmol_for_offline_use(data_page):
    at = upload(data_page, csv_bytes(MOLECULES))
    at.selectbox(key="viewer_pick").set_value(5).run()  # CCO, which is in QM9
    at.toggle(key="viewer_on").set_value(True).run()
    frames = at.get("iframe")
    assert len(frames) == 1
    html = frames[0].proto.srcdoc
    assert "$3Dmol.createViewer" in html and "cdn.jsdelivr.net" not in html and len(html) > 100_000
    assert "QM9's own relaxed geometry" in texts(at.caption)


def test_zip_of_cifs_shows_a_crystal_in_3d(data_page):
    pairs = [(a, x) for a in ("Cs", "Rb", "K", "Tl") for x in ("Cl", "Br", "I")][:10]
    files = {f"c{i}.cif": two_site_cif(a, x, 4.0 + i / 10) for i, (a, x) in enumerate(pairs)}
    files["targets.csv"] = "file,gap\n" + "\n".join(f"c{i}.cif,{i / 3:.3f}" for i in range(10)) + "\n"
    at = upload(data_page, zip_bytes(files), "crystals.zip")
    dataset = at.session_state[Key.DATASET]
    assert dataset.domain is Domain.INORGANIC and dataset.n_rows == 10 and "cif" in dataset.valid.columns
    at.toggle(key="viewer_on").set_value(True).run()
    assert "crystal structure from the CIF (CsCl, 2 sites)" in texts(at.caption)
    assert "addUnitCell" in at.get("iframe")[0].proto.srcdoc


# --- real-world tables and messages ---------------------------------------------------------

DATA = Path(__file__).resolve().parents[1] / "data"


def test_mixed_conventions_are_named_and_implicit_ends_keep_every_row(data_page):
    at = upload(data_page, (DATA / "mixed_polymer_ends.csv").read_bytes(), "mixed.csv")
    assert {s.label: s.value for s in at.selectbox}["Domain"] == "polymer"
    assert metric(at, "Valid") == "20" and metric(at, "Rows with problems") == "20"
    warning = texts(at.warning)
    assert "20 rows mark the two ends with \\* and 20 do not (e.g. `C(S1)=CC=C1`)" in warning
    assert "choose implicit ends" in warning
    at.radio(key=next(r.key for r in at.radio if r.label == "Polymer repeat-unit ends")).set_value("implicit").run()
    assert metric(at, "Valid") == "38" and metric(at, "Rows with problems") == "0"  # two polymers written twice
    assert "the 20 without \\* were read as repeat units" in texts(at.warning)
    assert "2 groups of rows share a structure (lines 8, 38; 21, 31): average." in texts(at.caption)
    dataset = at.session_state[Key.DATASET]
    assert dataset.n_rows == 38 and dataset.domain is Domain.POLYMER and dataset.unit == "K"
    assert dataset.valid.set_index("line").loc[22, "structure"] == "*c1ccc(*)s1"


def test_european_csv_is_read_with_its_delimiter_decimal_commas_and_unit(data_page):
    at = upload(data_page, (DATA / "european_polymers.csv").read_bytes(), "european.csv")
    assert metric(at, "Rows") == "40" and metric(at, "Rows with problems") == "0"
    assert metric(at, "Valid") == "38"  # PVAc and PCL appear twice and are averaged
    assert "Read as semicolon-separated; decimal commas in Tg (K), density [g/cm3]." in texts(at.caption)
    assert next(t.value for t in at.text_input if t.label == "Unit of the target (optional)") == "K"
    dataset = at.session_state[Key.DATASET]
    assert dataset.target == "Tg (K)" and dataset.unit == "K" and dataset.values[0] == pytest.approx(195.5)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize("data, name, sentence", [
    (PNG, "plot.png", "plot.png is a PNG picture, not a table."),
    (b"%PDF-1.4\n1 0 obj", "paper.pdf", "paper.pdf is a PDF document, not a table."),
    (bytes(range(256)) * 8, "noise.dat", "noise.dat is a binary file, not a text table."),
    (b"", "empty.csv", "empty.csv is empty."),
])
def test_a_file_that_is_no_table_gets_a_sentence_saying_what_was_expected(data_page, data, name, sentence):
    at = upload(data_page, data, name)
    error = texts(at.error)
    assert f"Cannot read {name}: {sentence} Expected a table (CSV, TSV or Excel .xlsx) with a header row" in error
    assert Key.DATASET not in at.session_state


def test_a_workbook_without_structures_says_so(data_page):
    import io

    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"note": ["a", "b"]}).to_excel(writer, sheet_name="readme", index=False)
        pd.DataFrame({"x": [1, 2]}).to_excel(writer, sheet_name="numbers", index=False)
    at = upload(data_page, buffer.getvalue(), "book.xlsx")
    assert "no sheet of book.xlsx has a column of structures (sheets: readme, numbers)" in texts(at.error)


def test_a_workbook_sheet_can_be_chosen(data_page):
    import io

    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"smiles": [s for s, _ in MOLECULES], "dG": [v for _, v in MOLECULES]}).to_excel(
            writer, sheet_name="molecules", index=False)
        pd.DataFrame({"smiles": [s for s, _ in MOLECULES[:12]], "dG": [v for _, v in MOLECULES[:12]]}).to_excel(
            writer, sheet_name="first twelve", index=False)
    at = upload(data_page, buffer.getvalue(), "book.xlsx")
    assert metric(at, "Valid") == "24"
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Sheet")).set_value("first twelve").run()
    assert metric(at, "Valid") == "12" and at.session_state[Key.DATASET].n_rows == 12


def test_nine_rows_are_accepted_with_the_setting_that_can_run(data_page):
    at = upload(data_page, csv_bytes(MOLECULES[:9]))
    assert not at.error, texts(at.error)
    assert at.session_state[Key.DATASET].n_rows == 9
    assert ("Only 9 valid rows: the default settings (5-fold cross-validation with the nested estimate) need at "
            "least 13. Transfer will offer 3-fold cross-validation instead, which runs on 9") in texts(at.warning)


def test_structures_in_messages_are_code_not_markdown():
    from views._widgets import md_message

    text = "Screen failed: morgan cannot read '*c1ccc(n(*)c2)cc1': Can't kekulize mol [atoms 7_8]"
    assert md_message(text) == ("Screen failed: morgan cannot read `*c1ccc(n(*)c2)cc1`: Can't kekulize mol "
                                "\\[atoms 7\\_8\\]")
    assert md_message("line 3, smiles = '*CC*': bad") == "line 3, smiles = `*CC*`: bad"
    assert md_message("2 * 3 = $6") == "2 \\* 3 = \\$6"
