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
                       description="Detect the structure column, domain and targets of a CSV/XLSX/zip-of-CIF "
                                   "file and report every bad row.")
    p.add_argument("file", type=Path, help="CSV, TSV, XLSX, or zip of CIF files")
    _table_options(p)
    p.add_argument("--duplicates", choices=["report", "average", "first"], default="report",
                   help="what to do with repeated structures (default: report them)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=_run_validate)


def _table_options(p) -> None:
    p.add_argument("--structure", metavar="COL", help="structure column (default: detected)")
    p.add_argument("--target", metavar="COL", action="append", help="target column (repeatable; default: detected)")
    p.add_argument("--domain", choices=["auto", "molecule", "polymer", "inorganic"], default="auto",
                   help="structure domain (default: auto)")


def load_and_validate(path: Path, structure: str | None, targets: list[str] | None, domain: str = "auto",
                      duplicates: str = "report"):
    """Read a user table and validate it (domain "auto" detects)."""
    from core.tables import read_table
    from core.validation import validate

    table = read_table(path)
    return validate(table, structure=structure, targets=targets, domain=None if domain == "auto" else domain,
                    duplicates=duplicates, base_dir=Path(path).parent)


def _run_validate(args) -> int:
    report = load_and_validate(args.file, args.structure, args.target, args.domain, args.duplicates)
    if args.json:
        emit_json(report.to_dict())
        return 0
    det = report.detection
    print(f"structure column : {det.structure} ({det.domain.value}{', CIF' if det.cif else ''})")
    print(f"target column(s) : {', '.join(det.targets)}")
    print(f"rows             : {report.n_rows} read, {report.n_valid} valid, "
          f"{len({i.line for i in report.issues})} with problems")
    for issue in report.issues:
        print(f"  {issue.message()}")
    for group in report.duplicate_groups:
        print(f"  duplicate structure on lines {', '.join(map(str, group))}")
    return 0


# ----------------------------------------------------------------------------- featurize
def _featurize(sub) -> None:
    from core.features import FEATURIZERS

    p = sub.add_parser("featurize", help="write descriptors of a table's structures to CSV",
                       description="Compute descriptors for the valid rows of a table.")
    p.add_argument("file", type=Path, help="CSV, TSV, XLSX, or zip of CIF files")
    p.add_argument("--structure", metavar="COL", required=True, help="structure column")
    p.add_argument("--domain", choices=["auto", "molecule", "polymer", "inorganic"], default="auto")
    p.add_argument("--kind", choices=FEATURIZERS.names(), help="featurizer (default: by domain)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="featurizer parameter, e.g. radius=3 or stats=full (repeatable)")
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
    from core.validation import validate

    table = read_table(args.file)
    domain = None if args.domain == "auto" else args.domain
    report = validate(table, structure=args.structure, targets=[], domain=domain,
                      base_dir=Path(args.file).parent)
    det = report.detection
    kind = args.kind or ("structure" if det.cif else DEFAULT_KIND[det.domain])
    featurizer = make_featurizer(kind, parse_params(args.param))
    if not featurizer.supports(det.domain):
        raise InputError(f"featurizer {kind!r} does not accept {det.domain.value} structures")
    for issue in report.issues:
        log(f"skipped {issue.message()}")
    column = "cif" if kind == "structure" else "structure"
    if kind == "structure" and not det.cif:
        raise InputError("the 'structure' featurizer needs CIF input")
    values = featurizer.transform(report.valid[column].tolist())
    out = pd.DataFrame(values, columns=featurizer.get_feature_names_out())
    out.insert(0, "line", report.valid["line"].to_numpy())
    out.insert(1, args.structure, report.valid["structure"].to_numpy())
    out.to_csv(args.out, index=False)
    log(f"wrote {len(out)} rows x {values.shape[1]} {featurizer.label()} columns to {args.out}")
    return 0


__all__ = ["register", "load_and_validate", "parse_params", "Progress"]
