"""Detect what a user table holds and validate it row by row.

:func:`detect` guesses the structure column, its domain (molecule SMILES, polymer repeat
unit with two ``*``, chemical formula, or CIF crystal structures) and the numeric target
columns; every guess can be overridden.  :func:`validate` checks each row and returns the
valid rows plus a report naming every bad row, its value and the reason.  Line numbers
count the header as line 1, as in a spreadsheet.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

import pandas as pd

from core.domains import Domain, parse
from core.errors import InputError

_SAMPLE = 200
_ID_NAME = re.compile(r"^(id|idx|index|no|num|number|row|#|unnamed.*|compound_?id|mol_?id)$", re.I)


class Duplicates(str, Enum):
    """What to do with rows whose structures are the same."""

    REPORT = "report"  # keep all rows, list the groups in the report
    AVERAGE = "average"  # one row per structure, targets averaged
    FIRST = "first"  # one row per structure, the first one


@dataclass
class Detection:
    """What :func:`detect` found (or was told)."""

    structure: str
    domain: Domain
    targets: list[str]
    cif: bool = False
    scores: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["domain"] = self.domain.value
        return data


@dataclass
class RowIssue:
    """One problem in one row."""

    line: int
    column: str
    value: str
    reason: str

    def message(self) -> str:
        return f"line {self.line}, {self.column} = {self.value!r}: {self.reason}"


@dataclass
class ValidationReport:
    """Result of :func:`validate`: the valid rows and what was wrong with the others."""

    detection: Detection
    n_rows: int
    valid: pd.DataFrame
    issues: list[RowIssue]
    duplicate_groups: list[list[int]]
    duplicates: Duplicates

    @property
    def n_valid(self) -> int:
        return len(self.valid)

    def issues_frame(self) -> pd.DataFrame:
        """The issues as a table (line, column, value, reason), e.g. for download."""
        return pd.DataFrame([asdict(i) for i in self.issues], columns=["line", "column", "value", "reason"])

    def to_dict(self) -> dict:
        return {
            "detection": self.detection.to_dict(),
            "n_rows": self.n_rows,
            "n_valid": self.n_valid,
            "n_invalid_rows": len({i.line for i in self.issues}),
            "issues": [asdict(i) for i in self.issues],
            "duplicate_groups": self.duplicate_groups,
            "duplicates": self.duplicates.value,
        }


def _is_cif(value: str) -> bool:
    return value.lower().endswith(".cif") or ("_cell_length_a" in value and "data_" in value)


def _looks_like_formula(value: str) -> bool:
    """Formula-shaped and no element written twice ("CCO" is more likely SMILES)."""
    symbols = re.findall(r"[A-Z][a-z]?", value)
    return len(symbols) == len(set(symbols))


def _fractions(values: list[str]) -> dict[str, float]:
    counts = {"cif": 0, Domain.POLYMER.value: 0, Domain.MOLECULE.value: 0, Domain.INORGANIC.value: 0}
    for value in values:
        if _is_cif(value):
            counts["cif"] += 1
            continue
        for domain in (Domain.POLYMER, Domain.MOLECULE, Domain.INORGANIC):
            if domain is Domain.INORGANIC and not _looks_like_formula(value):
                continue
            try:
                parse(value, domain)
                counts[domain.value] += 1
            except ValueError:
                pass
    n = max(len(values), 1)
    return {k: v / n for k, v in counts.items()}


def _pick_domain(name: str, frac: dict[str, float]) -> tuple[str, float]:
    """Best domain for a column; a telling header (smiles, formula) restricts the choice."""
    lname = name.lower()
    order = ["cif", Domain.POLYMER.value, Domain.MOLECULE.value, Domain.INORGANIC.value]
    if re.search(r"formula|composition|compound", lname):
        order = ["cif", Domain.INORGANIC.value]
    elif re.search(r"smiles|polymer|monomer|repeat", lname):
        order = [Domain.POLYMER.value, Domain.MOLECULE.value]
    best = max(order, key=lambda k: (frac[k], -order.index(k)))
    return best, frac[best]


def _non_empty(series: pd.Series) -> list[str]:
    values = [str(v).strip() for v in series.tolist() if str(v).strip() not in ("", "nan", "None")]
    return values[:_SAMPLE]


def _to_float(value) -> float | None:
    try:
        number = float(str(value).strip().replace("\u2212", "-"))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def numeric_columns(table: pd.DataFrame, exclude: str | None = None) -> list[str]:
    """Columns whose non-empty values are mostly (>= 60%) numbers, minus id-like columns."""
    out = []
    for col in table.columns:
        if col == exclude:
            continue
        values = _non_empty(table[col].astype(str))
        if not values:
            continue
        numeric = [_to_float(v) for v in values]
        if sum(v is not None for v in numeric) / len(values) < 0.6:
            continue
        if _ID_NAME.match(str(col).strip()):
            continue
        out.append(col)
    return out


def detect(table: pd.DataFrame, structure: str | None = None, domain: Domain | str | None = None,
           targets: list[str] | str | None = None) -> Detection:
    """Guess the structure column, the domain and the target columns of a table.

    Parameters
    ----------
    table : DataFrame
        The user's table (strings, as read by :func:`core.tables.read_table`).
    structure, domain, targets : optional
        Overrides; an override naming a missing column is an InputError.  ``targets=[]``
        asks for no target (e.g. to featurize or predict).

    Raises
    ------
    InputError
        When no column looks like structures or no numeric target is found.
    """
    _check_columns(table, structure, targets)
    scores: dict[str, dict[str, float]] = {}
    candidates = [structure] if structure else [c for c in table.columns]
    best_col, best_kind, best_score = structure, Domain.MOLECULE.value, 0.0
    for col in candidates:
        frac = _fractions(_non_empty(table[col].astype(str)))
        scores[str(col)] = frac
        kind, score = _pick_domain(str(col), frac)
        hint = 0.01 if re.search(r"smiles|formula|composition|structure|cif|polymer", str(col), re.I) else 0
        if score + hint > best_score:
            best_col, best_kind, best_score = col, kind, score + hint
    # A named column is taken as told (its bad rows are reported); a guess must be convincing.
    if best_col is None or (best_score < 0.5 and not (structure and (domain or best_score > 0))):
        where = f"column {structure!r}" if structure else "any column"
        raise InputError(f"no structures found in {where}: expected SMILES, polymer repeat units with two *, "
                         f"chemical formulas or CIF files")
    cif = best_kind == "cif"
    found = Domain.INORGANIC if cif else Domain(best_kind)
    if domain is not None:
        found = Domain.parse(domain)
        if cif and found is not Domain.INORGANIC:
            raise InputError(f"column {best_col!r} holds CIF crystal structures, which are inorganic")
    if isinstance(targets, str):
        targets = [targets]
    chosen = list(targets) if targets is not None else numeric_columns(table, exclude=best_col)[:1]
    if not chosen and targets is None:
        raise InputError("no numeric target column found; name one with --target")
    return Detection(structure=str(best_col), domain=found, targets=chosen, cif=cif, scores=scores)


def _check_columns(table, structure, targets) -> None:
    cols = [str(c) for c in table.columns]
    wanted = ([structure] if structure else []) + ([targets] if isinstance(targets, str) else list(targets or []))
    for col in wanted:
        if col not in cols:
            raise InputError(f"no column {col!r}; the table has: {', '.join(cols)}")


def validate(table: pd.DataFrame, structure: str | None = None, targets: list[str] | str | None = None,
             domain: Domain | str | None = None, duplicates: Duplicates | str = Duplicates.REPORT,
             base_dir: str | Path | None = None) -> ValidationReport:
    """Check every row; keep the valid ones and report the others.

    A row is valid when its structure parses in the detected (or given) domain and every
    target is a finite number.  The valid table has columns ``structure`` (the cleaned
    structure string; for CIF input the reduced formula), one column per target, ``line``
    (the row's line in the file) and ``cif`` for crystal-structure input.

    Parameters
    ----------
    duplicates : {"report", "average", "first"}
        Rows with the same structure (canonical SMILES or reduced formula) are listed in
        the report; "average" and "first" also merge them.
    base_dir : path, optional
        Folder against which CIF file names in the structure column are resolved.
    """
    detection = detect(table, structure, domain, targets)
    duplicates = Duplicates(duplicates)
    issues: list[RowIssue] = []
    rows = []
    for index, row in table.iterrows():
        line = int(index) + 2 if isinstance(index, (int,)) or str(index).isdigit() else 0
        parsed = _check_row(row, detection, line, issues, base_dir)
        if parsed is not None:
            rows.append(parsed)
    columns = ["structure", *detection.targets, "line", "key"] + (["cif"] if detection.cif else [])
    valid = pd.DataFrame(rows, columns=columns)
    groups = [g["line"].tolist() for _, g in valid.groupby("key", sort=False) if len(g) > 1]
    if duplicates is Duplicates.AVERAGE and groups:
        agg = {c: "first" for c in valid.columns if c not in detection.targets and c != "key"}
        agg.update({t: "mean" for t in detection.targets})
        valid = valid.groupby("key", sort=False, as_index=False).agg(agg)
    elif duplicates is Duplicates.FIRST and groups:
        valid = valid.drop_duplicates("key", keep="first")
    valid = valid.drop(columns=["key"]).reset_index(drop=True)
    return ValidationReport(detection, len(table), valid, issues, groups, duplicates)


def _check_row(row, det: Detection, line: int, issues: list[RowIssue], base_dir) -> dict | None:
    raw = row[det.structure]
    text = "" if raw is None else str(raw).strip()
    ok = True
    record: dict = {"line": line}
    try:
        if det.cif:
            record.update(_cif_record(text, base_dir))
        else:
            obj = parse(text, det.domain)
            record["structure"] = text
            record["key"] = _key(obj, det.domain)
    except ValueError as exc:
        issues.append(RowIssue(line, det.structure, text[:80], str(exc)))
        ok = False
    for target in det.targets:
        value = row[target]
        number = _to_float(value)
        if number is None:
            shown = "" if value is None else str(value).strip()
            reason = "target is missing" if shown in ("", "nan") else "target is not a number"
            issues.append(RowIssue(line, target, shown[:80], reason))
            ok = False
        record[target] = number
    return record if ok else None


def _key(obj, domain: Domain) -> str:
    if domain is Domain.INORGANIC:
        return obj.reduced_formula
    from rdkit import Chem

    return Chem.MolToSmiles(obj)


def _cif_record(text: str, base_dir) -> dict:
    from core.features.structure import parse_cif

    if text.lower().endswith(".cif"):
        path = Path(base_dir or ".") / text
        if not path.exists():
            raise ValueError(f"CIF file {text} not found")
        text = path.read_text(errors="replace")
    structure = parse_cif(text)
    formula = structure.composition.reduced_formula
    return {"structure": formula, "key": formula, "cif": text}
