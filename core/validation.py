"""Detect what a user table holds and validate it row by row.

:func:`detect` guesses the structure column, its domain (molecule SMILES, polymer repeat
unit with two ``*``, chemical formula, or CIF crystal structures) and the numeric target
columns; every guess can be overridden.  :func:`validate` checks each row and returns the
valid rows plus a report naming every bad row, its value and the reason, including rows
that a featurizer of the screen cannot read.  Line numbers count the header as line 1, as
in a spreadsheet (or the lines of a text box, for typed input).

Why one module of ~430 lines: detection and validation share the row readers and the
typed report; one place answers "what is in this table and what is wrong with it".
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Sequence

import pandas as pd
from rdkit import Chem

from core.domains import Domain, EndsConvention, has_marked_ends, parse, starred, structure_key
from core.errors import InputError
from core.tables import split_unit

_SAMPLE = 200
#: Fraction of rows with * ends from which a column that also holds plain SMILES is polymers.
_MIXED_POLYMER = 0.1
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
    notes: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    ends: EndsConvention = EndsConvention.EXPLICIT
    featurizers: list[str] = field(default_factory=list)

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
            "notes": self.notes,
            "units": self.units,
            "ends": self.ends.value,
            "featurizers_checked": self.featurizers,
        }

    def unit(self, target: str | None = None) -> str:
        """The unit written in the header of ``target`` (default: the first target), or ""."""
        target = target or (self.detection.targets[0] if self.detection.targets else "")
        return self.units.get(target, split_unit(target)[1] if target else "")


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
    scores = dict(frac)
    if frac[Domain.POLYMER.value] >= _MIXED_POLYMER:  # molecules never have * ends: a mixed column is polymers
        scores[Domain.POLYMER.value] = frac[Domain.POLYMER.value] + frac[Domain.MOLECULE.value]
    best = max(order, key=lambda k: (scores[k], -order.index(k)))
    return best, scores[best]


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


def default_target(table: pd.DataFrame, structure: str, found: Detection | None = None) -> str | None:
    """The target column to offer first once ``structure`` is chosen: the first detected
    target, else the first numeric column, else the first other column (None: the table
    has no other column)."""
    others = [str(c) for c in table.columns if str(c) != structure]
    if found is not None and found.targets and found.targets[0] in others:
        return found.targets[0]
    numeric = [c for c in numeric_columns(table, exclude=structure) if c in others]
    return numeric[0] if numeric else (others[0] if others else None)


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
             base_dir: str | Path | None = None, *, ends: EndsConvention | str = EndsConvention.EXPLICIT,
             featurizers: Sequence | str | None = "default", first_line: int = 2) -> ValidationReport:
    """Check every row; keep the valid ones and report the others.

    A row is valid when its structure parses in the detected (or given) domain, every
    featurizer in ``featurizers`` can read it, and every target is a finite number.  The
    valid table has columns ``structure`` (the cleaned structure string: polymer repeat
    units always with ``*`` ends; for CIF input the reduced formula), one column per
    target, ``line`` (the row's line in the file) and ``cif`` for crystal-structure input.

    Parameters
    ----------
    duplicates : {"report", "average", "first"}
        Rows with the same structure (:func:`core.domains.structure_key`: stereo-free
        canonical SMILES, the frame-free key of a polymer, the reduced formula) are listed
        in the report; "average" and "first" also merge them.
    base_dir : path, optional
        Folder against which CIF file names in the structure column are resolved.
    ends : {"explicit", "implicit"}
        How polymer repeat units mark their ends (:class:`core.domains.EndsConvention`):
        with "implicit", a SMILES without ``*`` is a repeat unit whose first and last heavy
        atoms are the ends.  A column that mixes both ways is named in ``notes``.
    featurizers : "default", sequence or None
        Featurizers (objects, registry names or specs) that must read every kept row;
        "default" is :func:`core.features.default_featurizers` of the domain (morgan, maccs
        and rdkit2d, or composition and element_fraction); None or ``()`` checks parsing only.
    first_line : int
        Line of the table's first row (index 0): 2 for a file whose header is line 1,
        1 for text typed in a box without a header.
    """
    detection = detect(table, structure, domain, targets)
    duplicates = Duplicates(duplicates)
    ends = EndsConvention.parse(ends)
    issues: list[RowIssue] = []
    rows = []
    for index, row in table.iterrows():
        line = int(index) + first_line if isinstance(index, int) or str(index).isdigit() else 0
        parsed = _check_row(row, detection, line, issues, base_dir, ends)
        if parsed is not None:
            rows.append(parsed)
    notes = _convention_notes(table[detection.structure], detection, ends)
    checked = _featurizers(featurizers, detection)
    rows = _drop_unreadable(rows, detection, checked, issues)
    issues.sort(key=lambda i: i.line)
    valid, groups = _merge_duplicates(rows, detection, duplicates)
    units = {t: split_unit(t)[1] for t in detection.targets}
    return ValidationReport(detection, len(table), valid, issues, groups, duplicates, notes=notes,
                            units=units, ends=ends, featurizers=[f.label() for f in checked])


def _featurizers(featurizers, detection: Detection) -> list:
    """The featurizer objects that judge the rows (see :func:`validate`)."""
    from core.features import as_featurizers, default_featurizers

    if featurizers is None or (not isinstance(featurizers, str) and len(featurizers) == 0):
        return []
    if isinstance(featurizers, str) and featurizers == "default":
        return default_featurizers(detection.domain)
    return as_featurizers([featurizers] if isinstance(featurizers, str) else featurizers)


def _drop_unreadable(rows: list[dict], det: Detection, featurizers: list, issues: list[RowIssue]) -> list[dict]:
    """Rows every featurizer can read; an issue for each of the others."""
    from core.features import failed_rows

    if not featurizers or not rows:
        return rows
    unique = list(dict.fromkeys(r["structure"] for r in rows))
    failed = failed_rows(unique, featurizers)
    bad = {unique[i]: reason for i, reason in failed.items()}
    for r in rows:
        if r["structure"] in bad:
            issues.append(RowIssue(r["line"], det.structure, r["_text"][:80], bad[r["structure"]]))
    return [r for r in rows if r["structure"] not in bad]


def _merge_duplicates(rows: list[dict], det: Detection, duplicates: Duplicates) -> tuple[pd.DataFrame, list]:
    columns = ["structure", *det.targets, "line", "key"] + (["cif"] if det.cif else [])
    valid = pd.DataFrame(rows, columns=columns)
    groups = [g["line"].tolist() for _, g in valid.groupby("key", sort=False) if len(g) > 1]
    if duplicates is Duplicates.AVERAGE and groups:
        agg = {c: "first" for c in valid.columns if c not in det.targets and c != "key"}
        agg.update({t: "mean" for t in det.targets})
        valid = valid.groupby("key", sort=False, as_index=False).agg(agg)
    elif duplicates is Duplicates.FIRST and groups:
        valid = valid.drop_duplicates("key", keep="first")
    return valid.drop(columns=["key"]).reset_index(drop=True), groups


def _parse_structure(text: str, det: Detection, ends: EndsConvention) -> str:
    """The structure string every later step reads (repeat units with ``*`` ends)."""
    if det.domain is Domain.POLYMER:
        text = starred(text, ends) if text else text
        parse(text, Domain.POLYMER)
        return text
    parse(text, det.domain)
    return text


def _check_row(row, det: Detection, line: int, issues: list[RowIssue], base_dir, ends) -> dict | None:
    raw = row[det.structure]
    text = "" if raw is None else str(raw).strip()
    ok = True
    record: dict = {"line": line, "_text": text}
    try:
        if det.cif:
            record.update(_cif_record(text, base_dir))
        else:
            record["structure"] = _parse_structure(text, det, ends)
            record["key"] = structure_key(record["structure"], det.domain)
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


def _ends_counts(values: pd.Series) -> tuple[int, int, str]:
    """Rows with marked ends, valid SMILES rows without, and the first of those."""
    marked = unmarked = 0
    example = ""
    for value in values.astype(str):
        text = value.strip()
        if not text:
            continue
        if has_marked_ends(text):
            marked += 1
        elif Chem.MolFromSmiles(text) is not None:
            unmarked += 1
            example = example or text
    return marked, unmarked, example


def _convention_notes(values: pd.Series, det: Detection, ends: EndsConvention) -> list[str]:
    """A note when a column mixes repeat units with and without marked ends."""
    if det.cif or det.domain is Domain.INORGANIC:
        return []
    marked, unmarked, example = _ends_counts(values)
    if not marked or not unmarked:
        return []
    mix = (f"The structure column mixes two ways of writing polymer repeat units: {marked} rows mark the two "
           f"ends with * and {unmarked} do not (e.g. '{example[:60]}').")
    if det.domain is Domain.MOLECULE:
        return [mix + " As molecules, the rows with * ends are left out; choose the polymer domain with "
                      "implicit ends to keep both."]
    if ends is EndsConvention.IMPLICIT:
        return [mix + f" With implicit ends, the {unmarked} without * were read as repeat units whose first and "
                      "last heavy atoms are the ends."]
    return [mix + f" With explicit ends, the {unmarked} without * are left out; choose implicit ends to read "
                  "them as repeat units whose first and last heavy atoms are the ends."]


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
