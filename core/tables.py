"""Reading user tables: CSV/TSV, Excel, and zips of CIF files, with clear errors.

Nothing a user uploads is ever unpickled or executed: CSV goes through pandas' parser,
Excel through openpyxl (cell values only), CIF through pymatgen's text parser.

Tables from the real world are read as a spreadsheet would: the delimiter (comma,
semicolon, tab or bar) is detected from how consistently it splits the first lines
(quoted fields may hold it), a UTF-8 byte-order mark is dropped, columns written with
decimal commas (``1,5`` or ``1.234,5``) become numbers with decimal points, trailing empty
rows and columns are ignored, and a workbook's sheet can be chosen (by default the first
that has a structure column).  What was detected is kept in ``table.attrs``
(``delimiter``, ``decimal_comma``, ``sheet``, ``sheets``).  A file that is not a table (a
picture, a PDF, random bytes, an empty file) is refused with a sentence saying what was
expected.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from core.errors import InputError


#: Largest upload accepted, in bytes (``MDL_MAX_UPLOAD_MB`` overrides; default 50 MB).
def max_upload_bytes() -> int:
    return int(float(os.environ.get("MDL_MAX_UPLOAD_MB", "50")) * 1024 * 1024)


MAX_ROWS = 200_000
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ""}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
DELIMITERS = ("\t", ";", ",", "|")
#: What every refusal of a file that is not a table says was expected.
EXPECTED = ("Expected a table (CSV, TSV or Excel .xlsx) with a header row, a column of structures (SMILES, "
            "polymer repeat units or chemical formulas) and a numeric target column, or a zip of CIF files.")

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG picture"), (b"\xff\xd8\xff", "a JPEG picture"), (b"GIF87a", "a GIF picture"),
    (b"GIF89a", "a GIF picture"), (b"II*\x00", "a TIFF picture"), (b"MM\x00*", "a TIFF picture"),
    (b"%PDF", "a PDF document"), (b"\x1f\x8b", "a gzip archive"), (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"), (b"7z\xbc\xaf\x27\x1c", "a 7-zip archive"), (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls or .doc)"), (b"SQLite format 3", "an SQLite database"),
)
_DECIMAL_COMMA = re.compile(r"^[+\-\u2212]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?:[eE][+\-]?\d+)?$")
_UNIT = re.compile(r"^(?P<name>.*?\S)\s*(?:\((?P<p>[^()]+)\)|\[(?P<b>[^\[\]]+)\]|/\s*(?P<s>\S.*))\s*$")
_NOT_UNITS = {"expt", "exp", "experimental", "calc", "calculated", "pred", "predicted", "measured", "mean",
              "average", "avg", "std", "sd", "estimate", "estimated", "optional", "new", "old"}


def read_table(source: str | Path | bytes, name: str | None = None, sheet: str | None = None) -> pd.DataFrame:
    """Read a user table into a DataFrame of strings.

    Parameters
    ----------
    source : path or bytes
        A file path, or the raw bytes of an upload.
    name : str, optional
        File name of an upload (its suffix picks the reader).
    sheet : str, optional
        Sheet of a workbook (default: the first with a structure column).

    Raises
    ------
    InputError
        For files that are too large, empty, not a table, or broken; the message names
        the line or the problem and says what was expected.
    """
    data, name = _bytes_of(source, name)
    limit = max_upload_bytes()
    if len(data) > limit:
        raise InputError(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {limit / 2**20:.0f} MB "
                         f"(set MDL_MAX_UPLOAD_MB to raise it)")
    if not data.strip():
        raise InputError(f"{name} is empty. {EXPECTED}")
    kind = _content_kind(data, name)
    if kind == "excel":
        return _read_workbook(data, name, sheet)
    if kind == "xls":
        raise InputError(f"{name}: old .xls workbooks are not supported; save it as .xlsx or .csv")
    if kind == "zip":
        table = read_cif_zip(data, name)
    elif kind == "cif":
        table = pd.DataFrame({"name": [Path(name).stem], "cif": [_decode(data, name)]})
    else:
        table = _read_text(data, name)
    return _with_attrs(_tidy(table, name), table.attrs)


def _content_kind(data: bytes, name: str) -> str:
    """"excel", "xls", "zip", "cif" or "text"; InputError for files that are no table at all."""
    suffix = Path(name).suffix.lower()
    if data.startswith(b"PK\x03\x04"):
        if suffix in EXCEL_SUFFIXES or b"xl/workbook" in data[:65536]:
            return "excel"
        if b"word/document" in data[:65536]:
            raise InputError(f"{name} is a Word document, not a table. {EXPECTED}")
        return "zip"
    if suffix == ".xls":
        return "xls"
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{name} is {what}, not a table. {EXPECTED}")
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix == ".zip":
        return "zip"
    return "cif" if suffix == ".cif" else "text"


def _with_attrs(table: pd.DataFrame, attrs: dict) -> pd.DataFrame:
    table.attrs.update(attrs)
    return table


def _bytes_of(source, name) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), name or "upload.csv"
    path = Path(source)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a table")
    size = path.stat().st_size
    if size > max_upload_bytes():
        raise InputError(f"{path.name} is {size / 2**20:.1f} MB; the limit is "
                         f"{max_upload_bytes() / 2**20:.0f} MB (set MDL_MAX_UPLOAD_MB to raise it)")
    return path.read_bytes(), name or path.name


def _decode(data: bytes, name: str) -> str:
    head = data[:65536]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or control > 0.02 * len(head):
        raise InputError(f"{name} is a binary file, not a text table. {EXPECTED}")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: cannot decode the text")  # pragma: no cover - latin-1 decodes all


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently into the header's fields.

    Quoted fields are respected; ties go to tab, then semicolon, comma and bar (a
    semicolon file with decimal commas splits as consistently on commas only by chance).
    """
    lines = [line for line in text.splitlines()[:200] if line.strip()][:50]
    best, best_score = ",", -1.0
    for sep in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=sep))
        width = len(rows[0]) if rows else 0
        if width < 2:
            continue
        score = sum(len(r) == width for r in rows) / len(rows)
        if score > best_score:
            best, best_score = sep, score
    return best


def _read_text(data: bytes, name: str) -> pd.DataFrame:
    text = _decode(data, name)
    sep = sniff_delimiter(text[:65536])
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, nrows=MAX_ROWS + 1)
    except pd.errors.EmptyDataError:
        raise InputError(f"{name} has no header and no rows. {EXPECTED}") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{name} is not a well-formed table: {_parser_reason(str(exc))}") from None
    table = _drop_trailing_fields(table)
    table.attrs["delimiter"] = sep
    return table


def _drop_trailing_fields(table: pd.DataFrame) -> pd.DataFrame:
    """Columns without a header and without values, e.g. from a trailing delimiter, dropped."""
    unnamed = [c for c in table.columns if str(c).startswith("Unnamed: ") or not str(c).strip()]
    empty = [c for c in unnamed if (table[c].astype(str).str.strip() == "").all()]
    return table.drop(columns=empty)


def decimal_comma_columns(table: pd.DataFrame) -> list[str]:
    """Columns whose numbers are written with decimal commas (``1,5``; ``1.234,5``)."""
    out = []
    for col in table.columns:
        values = [v.strip() for v in table[col].astype(str) if v.strip()]
        if not values or not any("," in v for v in values):
            continue
        if sum(bool(_DECIMAL_COMMA.match(v)) for v in values) >= 0.6 * len(values):
            out.append(col)
    return out


def _from_decimal_comma(value: str) -> str:
    text = value.strip()
    if not _DECIMAL_COMMA.match(text):
        return value
    return text.replace(".", "").replace(",", ".")


def _parser_reason(message: str) -> str:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, line, saw = match.groups()
        return f"line {line} has {saw} fields where the header has {expected}"
    return message.strip().splitlines()[-1][:200]


def sheet_names(data: bytes) -> list[str]:
    """Names of the sheets of an .xlsx workbook, in order."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _read_workbook(data: bytes, name: str, sheet: str | None) -> pd.DataFrame:
    """The chosen sheet, or the first sheet with a structure column."""
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, engine="openpyxl",
                               keep_default_na=False, nrows=MAX_ROWS + 1)
    except Exception as exc:
        raise InputError(f"{name} is not a readable .xlsx workbook ({type(exc).__name__}). {EXPECTED}") from None
    names = list(sheets)
    if sheet is not None and sheet not in sheets:
        raise InputError(f"{name} has no sheet {sheet!r}; its sheets: {', '.join(names)}")
    attrs = {"sheets": names}
    if sheet is not None:
        return _with_attrs(_tidy(_drop_trailing_fields(sheets[sheet]), f"{name}, sheet {sheet!r}"),
                           {**attrs, "sheet": sheet})
    for candidate in names:
        table = _drop_trailing_fields(sheets[candidate])
        if _has_structures(table):
            return _with_attrs(_tidy(table, f"{name}, sheet {candidate!r}"), {**attrs, "sheet": candidate})
    raise InputError(f"no sheet of {name} has a column of structures (sheets: {', '.join(names)}). {EXPECTED}")


def _has_structures(table: pd.DataFrame) -> bool:
    from core.validation import detect

    if table.empty or not len(table.columns):
        return False
    try:
        detect(table.astype(str), targets=[])
    except InputError:
        return False
    return True


def read_cif_zip(data: bytes, name: str = "upload.zip") -> pd.DataFrame:
    """Table of the CIF files in a zip: columns ``name`` and ``cif``.

    A CSV inside the zip with a column naming the CIF files (by file name, with or
    without ``.cif``) adds its other columns, e.g. measured targets.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{name} is not a valid zip file. {EXPECTED}") from None
    total = sum(info.file_size for info in zf.infolist())
    if total > 4 * max_upload_bytes():
        raise InputError(f"{name} unpacks to {total / 2**20:.0f} MB, more than allowed")
    cifs, tables = {}, []
    for info in zf.infolist():
        base = Path(info.filename).name
        if info.is_dir() or base.startswith("."):
            continue
        if base.lower().endswith(".cif"):
            cifs[Path(base).stem] = _decode(zf.read(info), base)
        elif base.lower().endswith((".csv", ".tsv")):
            tables.append(_read_text(zf.read(info), base))
    if not cifs:
        raise InputError(f"{name} holds no .cif files. {EXPECTED}")
    table = pd.DataFrame({"name": list(cifs), "cif": list(cifs.values())})
    if tables:
        table = _join_targets(table, _decimal_points(tables[0]), name)
    return table


def _join_targets(table: pd.DataFrame, extra: pd.DataFrame, name: str) -> pd.DataFrame:
    names = set(table["name"])
    for col in extra.columns:
        keys = extra[col].astype(str).str.replace(r"\.cif$", "", regex=True)
        if keys.isin(names).mean() > 0.5:
            extra = extra.assign(name=keys).drop(columns=[col] if col != "name" else [])
            return table.merge(extra, on="name", how="left")
    raise InputError(f"{name}: the CSV inside has no column naming the CIF files")


def _decimal_points(table: pd.DataFrame) -> pd.DataFrame:
    columns = decimal_comma_columns(table)
    for col in columns:
        table[col] = table[col].astype(str).map(_from_decimal_comma)
    table.attrs["decimal_comma"] = [str(c) for c in columns]
    return table


def _tidy(table: pd.DataFrame, name: str) -> pd.DataFrame:
    if len(table) > MAX_ROWS:
        raise InputError(f"{name} has more than {MAX_ROWS:,} rows; split it or subsample it")
    attrs = dict(table.attrs)
    table.columns = [str(c).strip() or f"column_{i + 1}" for i, c in enumerate(table.columns)]
    if len(set(table.columns)) != len(table.columns):
        dup = sorted({c for c in table.columns if list(table.columns).count(c) > 1})
        raise InputError(f"{name} has duplicate column names: {', '.join(dup)}")
    # Blank lines are dropped but the index keeps each row's position in the file, so
    # reports can name the line: line = index + 2 (the header is line 1, as in a spreadsheet).
    table = table.fillna("").astype(str)
    blank = (table.apply(lambda c: c.str.strip()) == "").all(axis=1)
    table = table.loc[~blank]
    if table.empty:
        raise InputError(f"{name} has a header but no rows. {EXPECTED}")
    table = _decimal_points(table.copy())
    table.attrs.update({k: v for k, v in attrs.items() if k != "decimal_comma"})
    return table


def split_unit(header: str) -> tuple[str, str]:
    """``("Tg", "K")`` from ``"Tg (K)"``; also ``"Cp [J/kg/K]"`` and ``"T / K"``.

    A bracketed word that is a qualifier rather than a unit (``"dG (expt)"``) is kept in
    the name, and a header without a unit comes back whole with unit "".
    """
    text = str(header).strip()
    match = _UNIT.match(text)
    if not match:
        return text, ""
    unit = (match.group("p") or match.group("b") or match.group("s") or "").strip()
    if not unit or unit.lower() in _NOT_UNITS:
        return text, ""
    return match.group("name").strip(), unit


def read_lines(text: str, column: str = "structure") -> pd.DataFrame:
    """Structures typed or pasted in a box, one a line, as a table for
    :func:`core.validation.validate` with ``first_line=1``: the index is each line's
    position in the box (from 0), blank lines are skipped but keep their number."""
    lines = str(text).splitlines()
    kept = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    if not kept:
        raise InputError("type or paste at least one structure, one a line")
    return pd.DataFrame({column: [v for _, v in kept]}, index=[i for i, _ in kept])


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


def table_format_note(attrs: dict) -> str:
    """One sentence on how a table was read (delimiter, decimal commas, sheet), or ""."""
    parts = []
    if attrs.get("delimiter") in _DELIMITER_NAMES and attrs["delimiter"] != ",":
        parts.append(f"{_DELIMITER_NAMES[attrs['delimiter']]}-separated")
    if attrs.get("sheet"):
        parts.append(f"sheet {attrs['sheet']!r} of {len(attrs.get('sheets') or [])}")
    if attrs.get("decimal_comma"):
        parts.append("decimal commas in " + ", ".join(attrs["decimal_comma"]))
    return f"Read as {'; '.join(parts)}." if parts else ""
