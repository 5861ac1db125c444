"""Reading user tables: CSV/TSV, Excel, and zips of CIF files, with clear errors.

Nothing a user uploads is ever unpickled or executed: CSV goes through pandas' C parser,
Excel through openpyxl (cell values only), CIF through pymatgen's text parser.
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


def read_table(source: str | Path | bytes, name: str | None = None) -> pd.DataFrame:
    """Read a user table into a DataFrame of strings and numbers.

    Parameters
    ----------
    source : path or bytes
        A file path, or the raw bytes of an upload.
    name : str, optional
        File name of an upload (its suffix picks the reader).

    Raises
    ------
    InputError
        For files that are too large, empty, not a table, or broken; the message names
        the line or the problem.
    """
    data, name = _bytes_of(source, name)
    limit = max_upload_bytes()
    if len(data) > limit:
        raise InputError(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {limit / 2**20:.0f} MB "
                         f"(set MDL_MAX_UPLOAD_MB to raise it)")
    if not data.strip():
        raise InputError(f"{name} is empty")
    suffix = Path(name).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(data, name)
    elif suffix == ".xls":
        raise InputError(f"{name}: old .xls workbooks are not supported; save it as .xlsx or .csv")
    elif suffix == ".zip":
        table = read_cif_zip(data, name)
    elif suffix == ".cif":
        table = pd.DataFrame({"name": [Path(name).stem], "cif": [_decode(data, name)]})
    else:
        table = _read_text(data, name)
    return _tidy(table, name)


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
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} is a binary file, not a text table (CSV, TSV, XLSX or zip of CIFs)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: cannot decode the text")  # pragma: no cover - latin-1 decodes all


def _read_text(data: bytes, name: str) -> pd.DataFrame:
    text = _decode(data, name)
    sample = text[:65536]
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                           skip_blank_lines=False, nrows=MAX_ROWS + 1)
    except pd.errors.EmptyDataError:
        raise InputError(f"{name} has no header and no rows") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{name} is not a well-formed table: {_parser_reason(str(exc))}") from None


def _parser_reason(message: str) -> str:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, line, saw = match.groups()
        return f"line {line} has {saw} fields where the header has {expected}"
    return message.strip().splitlines()[-1][:200]


def _read_excel(data: bytes, name: str) -> pd.DataFrame:
    try:
        return pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl",
                             keep_default_na=False, nrows=MAX_ROWS + 1)
    except Exception as exc:
        raise InputError(f"{name} is not a readable .xlsx workbook ({type(exc).__name__})") from None


def read_cif_zip(data: bytes, name: str = "upload.zip") -> pd.DataFrame:
    """Table of the CIF files in a zip: columns ``name`` and ``cif``.

    A CSV inside the zip with a column naming the CIF files (by file name, with or
    without ``.cif``) adds its other columns, e.g. measured targets.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(f"{name} is not a valid zip file") from None
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
        raise InputError(f"{name} holds no .cif files")
    table = pd.DataFrame({"name": list(cifs), "cif": list(cifs.values())})
    if tables:
        table = _join_targets(table, tables[0], name)
    return table


def _join_targets(table: pd.DataFrame, extra: pd.DataFrame, name: str) -> pd.DataFrame:
    names = set(table["name"])
    for col in extra.columns:
        keys = extra[col].astype(str).str.replace(r"\.cif$", "", regex=True)
        if keys.isin(names).mean() > 0.5:
            extra = extra.assign(name=keys).drop(columns=[col] if col != "name" else [])
            return table.merge(extra, on="name", how="left")
    raise InputError(f"{name}: the CSV inside has no column naming the CIF files")


def _tidy(table: pd.DataFrame, name: str) -> pd.DataFrame:
    if len(table) > MAX_ROWS:
        raise InputError(f"{name} has more than {MAX_ROWS:,} rows; split it or subsample it")
    table.columns = [str(c).strip() or f"column_{i + 1}" for i, c in enumerate(table.columns)]
    if len(set(table.columns)) != len(table.columns):
        dup = sorted({c for c in table.columns if list(table.columns).count(c) > 1})
        raise InputError(f"{name} has duplicate column names: {', '.join(dup)}")
    # Blank lines are dropped but the index keeps each row's position in the file, so
    # reports can name the line: line = index + 2 (the header is line 1, as in a spreadsheet).
    table = table.fillna("")
    blank = (table.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)
    table = table.loc[~blank]
    if table.empty:
        raise InputError(f"{name} has a header but no rows")
    return table
