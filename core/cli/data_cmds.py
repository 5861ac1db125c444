"""Commands about data: ``datasets``, ``validate``, ``featurize``."""

from __future__ import annotations


from pathlib import Path

import pandas as pd

from core.cli.output import Progress, emit_json, log, print_table
from core.errors import InputError


def register(sub) -> None:
    """Add the data commands to the subparsers ``sub``."""
    _datasets(sub)
    _validate(sub)
    _featurize(sub)


# ----------------------------------------------------------------------------- datasets
def _datasets(sub) -> None:
    p = sub.add_parser("datasets", help="list the bundled datasets, show one, or prepare them",
                       description="List the bundled source and example datasets, print rows of one, or prepare "
                                   "(parse and cache) them ahead of use: 'prepare' takes --role and --domain "
                                   "(default: every example) and is what scripts/setup.sh runs.")
    p.add_argument("action", nargs="?", choices=["list", "show", "prepare"], default="list")
    p.add_argument("name", nargs="?", help="dataset name (with 'show')")
    p.add_argument("--domain", choices=["molecule", "polymer", "inorganic"], help="only this domain")
    p.add_argument("--role", choices=["source", "example"], help="only sources or examples")
    p.add_argument("--head", type=int, default=10, metavar="N", help="rows to print with 'show' (default 10)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=_run_datasets)


def _run_datasets(args) -> int:
    from core import datasets

    if args.action == "show":
        if not args.name:
            raise InputError("'datasets show' needs a dataset name")
        spec = datasets.get(args.name)
        if args.head < 0:
            raise InputError("--head must be 0 or more")
        table = datasets.load(spec)
        if args.json:
            emit_json({"dataset": spec.to_dict(), "rows": len(table), "head": table.head(args.head)})
        else:
            log(f"{spec.name}: {spec.property} [{spec.unit}], {len(table):,} rows, {spec.domain.value} "
                f"{spec.role.value}; {spec.package}. {spec.note}")
            print_table(table.head(args.head))
        return 0
    if args.action == "prepare":
        return _prepare(datasets.list_datasets(domain=args.domain, role=args.role or "example"), args.json)
    specs = datasets.list_datasets(domain=args.domain, role=args.role)
    if args.json:
        emit_json({"datasets": [s.to_dict() for s in specs]})
        return 0
    frame = pd.DataFrame([{"name": s.name, "domain": s.domain.value, "role": s.role.value,
                           "property": s.property, "unit": s.unit, "rows": s.expected_rows,
                           "package": s.package, "estimate": "yes" if s.estimate else ""} for s in specs])
    print_table(frame)
    return 0


def _prepare(specs, as_json: bool) -> int:
    """Load (and so cache) each dataset, with its time on stderr; failures are reported, not fatal."""
    import time

    from core import datasets
    from core.errors import DataUnavailableError

    done, failed = [], {}
    for i, spec in enumerate(specs, 1):
        start = time.perf_counter()
        try:
            rows = len(datasets.load(spec))
        except DataUnavailableError as exc:
            failed[spec.name] = str(exc)
            log(f"[{i}/{len(specs)}] {spec.name}: not available: {exc}")
            continue
        except Exception as exc:  # one broken dataset must not leave the others cold
            failed[spec.name] = f"{type(exc).__name__}: {exc}"
            log(f"[{i}/{len(specs)}] {spec.name}: failed: {type(exc).__name__}: {exc}")
            continue
        seconds = time.perf_counter() - start
        done.append({"name": spec.name, "rows": rows, "seconds": round(seconds, 1)})
        log(f"[{i}/{len(specs)}] {spec.name}: {rows:,} rows ready ({seconds:.1f} s)")
    if as_json:
        emit_json({"prepared": done, "failed": failed})
    return 1 if failed else 0


# ----------------------------------------------------------------------------- validate
def _validate(sub) -> None:
    p = sub.add_parser("validate", help="detect the columns of a table and check it row by row",
                       description="Detect the structure column, domain and targets of a CSV/TSV/XLSX/zip-of-CIF "
                                   "file and report every bad row by its line in the file (the header is line 1), "
                                   "including rows a featurizer of the screen cannot read.")
    p.add_argument("file", type=Path, help="CSV, TSV, XLSX, or zip of CIF files")
    _table_options(p)
    p.add_argument("--duplicates", choices=["report", "average", "first"], default="report",
                   help="what to do with repeated structures (default: report them)")
    p.add_argument("--featurizers", metavar="NAMES", default="default",
                   help="comma-separated featurizers that must read every row (default: the domain's morgan, maccs "
                        "and rdkit2d, or composition; 'none' checks parsing only)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=_run_validate)


def _table_options(p, target: bool = True) -> None:
    p.add_argument("--structure", metavar="COL", help="structure column (default: detected)")
    if target:
        p.add_argument("--target", metavar="COL", action="append",
                       help="target column (repeatable; default: detected)")
    p.add_argument("--domain", choices=["auto", "molecule", "polymer", "inorganic"], default="auto",
                   help="structure domain (default: auto)")
    p.add_argument("--polymer-ends", choices=["explicit", "implicit"], default="explicit",
                   help="how repeat units mark their ends: explicit (default) needs two *, [*], [*:1]/[*:2] or [At] "
                        "in each; implicit also reads a SMILES without them as a repeat unit whose first and last "
                        "heavy atoms are the ends")
    p.add_argument("--sheet", metavar="NAME", help="sheet of an .xlsx workbook (default: the first with structures)")


def _featurizer_list(text: str | None):
    if text is None or text == "default":
        return "default"
    names = [n.strip() for n in text.split(",") if n.strip()]
    return None if names in ([], ["none"]) else names


def load_and_validate(path: Path, structure: str | None, targets: list[str] | None, domain: str = "auto",
                      duplicates: str = "report", *, ends: str = "explicit", sheet: str | None = None,
                      featurizers="default"):
    """Read a user table and validate it (domain "auto" detects); see :func:`core.validation.validate`."""
    from core.tables import read_table
    from core.validation import validate

    table = read_table(path, sheet=sheet)
    return validate(table, structure=structure, targets=targets, domain=None if domain == "auto" else domain,
                    duplicates=duplicates, base_dir=Path(path).parent, ends=ends, featurizers=featurizers)


def _run_validate(args) -> int:
    report = load_and_validate(args.file, args.structure, args.target, args.domain, args.duplicates,
                               ends=args.polymer_ends, sheet=args.sheet, featurizers=_featurizer_list(args.featurizers))
    if args.json:
        emit_json(report.to_dict())
        return 0
    det = report.detection
    units = {t: u for t, u in report.units.items() if u}
    print(f"structure column : {det.structure} ({det.domain.value}{', CIF' if det.cif else ''})")
    print(f"target column(s) : {', '.join(f'{t} [{units[t]}]' if t in units else t for t in det.targets)}")
    print(f"rows             : {report.n_rows} read, {report.n_valid} valid, "
          f"{len({i.line for i in report.issues})} with problems")
    if report.featurizers:
        print(f"featurizers      : {', '.join(report.featurizers)} read every valid row")
    for note in report.notes:
        print(f"note: {note}")
    for issue in report.issues:
        print(f"  {issue.message()}")
    for group in report.duplicate_groups:
        print(f"  duplicate structure on lines {', '.join(map(str, group))}")
    return 0


# ----------------------------------------------------------------------------- featurize
def _featurize(sub) -> None:
    from core.features import FEATURIZERS

    p = sub.add_parser("featurize", help="write descriptors of a table's structures to CSV",
                       description="Compute descriptors for the valid rows of a table; rows that cannot be read are "
                                   "skipped and named by their line on stderr.")
    p.add_argument("file", type=Path, help="CSV, TSV, XLSX, or zip of CIF files")
    _table_options(p, target=False)
    p.add_argument("--kind", choices=FEATURIZERS.names(), help="featurizer (default: by domain)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="featurizer parameter, e.g. radius=3, stats=full or polymer_ends=methyl (repeatable)")
    p.add_argument("--out", type=Path, required=True, help="output CSV")
    p.set_defaults(func=_run_featurize)


def parse_params(items: list[str]) -> dict:
    """``["radius=3", "polymer_ends=methyl"]`` -> ``{"radius": 3, "polymer_ends": "methyl"}``."""
    out = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--param {item!r} is not KEY=VALUE")
        key, value = item.split("=", 1)
        try:
            out[key.strip()] = int(value)
        except ValueError:
            try:
                out[key.strip()] = float(value)
            except ValueError:
                out[key.strip()] = value.strip()
    return out


def _run_featurize(args) -> int:
    from core.features import DEFAULT_KIND, make_featurizer
    from core.tables import read_table
    from core.validation import detect, validate

    table = read_table(args.file, sheet=args.sheet)
    domain = None if args.domain == "auto" else args.domain
    det = detect(table, structure=args.structure, domain=domain, targets=[])
    kind = args.kind or ("structure" if det.cif else DEFAULT_KIND[det.domain])
    featurizer = make_featurizer(kind, parse_params(args.param))
    if not featurizer.supports(det.domain):
        raise InputError(f"featurizer {kind!r} does not accept {det.domain.value} structures")
    if kind == "structure" and not det.cif:
        raise InputError("the 'structure' featurizer needs CIF input")
    report = validate(table, structure=det.structure, targets=[], domain=det.domain, base_dir=Path(args.file).parent,
                      ends=args.polymer_ends, featurizers=[] if kind == "structure" else [featurizer])
    for issue in report.issues:
        log(f"skipped {issue.message()}")
    column = "cif" if kind == "structure" else "structure"
    values, failed = featurizer.transform_report(report.valid[column].tolist())
    lines = report.valid["line"].to_numpy()
    for index, reason in failed.items():
        log(f"skipped line {lines[index]}, {det.structure} = {report.valid['structure'].iloc[index]!r}: {reason}")
    keep = [i for i in range(len(lines)) if i not in failed]
    out = pd.DataFrame(values[keep], columns=featurizer.get_feature_names_out())
    out.insert(0, "line", lines[keep])
    out.insert(1, det.structure, report.valid["structure"].to_numpy()[keep])
    out.to_csv(args.out, index=False)
    log(f"wrote {len(out)} rows x {values.shape[1]} {featurizer.label()} columns to {args.out}")
    return 0


__all__ = ["register", "load_and_validate", "parse_params", "Progress"]
