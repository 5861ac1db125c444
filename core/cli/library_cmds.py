"""``library`` commands: build, add-representations, list, show, stats, verify."""

from __future__ import annotations


from pathlib import Path

import pandas as pd

from core.cli.output import emit_json, log, print_table
from core.errors import InputError
from core.paths import REPO_ROOT, default_library_dir


def register(sub) -> None:
    """Add ``library`` and its subcommands."""
    p = sub.add_parser("library", help="build and browse model libraries",
                       description="Build a library of pretrained models, or browse one.")
    lsub = p.add_subparsers(dest="library_command", metavar="ACTION")
    _build(lsub)
    _add_representations(lsub)
    _list(lsub)
    _show(lsub)
    _stats(lsub)
    _verify(lsub)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _library_option(p) -> None:
    p.add_argument("--library", type=Path, default=None, metavar="DIR",
                   help="library folder (default: MDL_LIBRARY or the shipped starter library)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def _open(args):
    from core.library import Library

    return Library(args.library or default_library_dir())


# ----------------------------------------------------------------------------- build
def _build(sub) -> None:
    from core.pretrain.presets import PRESETS

    p = sub.add_parser("build", help="pretrain a library (resumes an interrupted build)",
                       description="Pretrain models on the bundled source datasets. Progress goes to stderr; a "
                                   "killed build keeps its finished models and resumes when run again.")
    p.add_argument("--preset", choices=PRESETS.names(), default="starter", help="what to build (default starter)")
    p.add_argument("--domains", nargs="+", choices=["molecule", "polymer", "inorganic"], help="only these domains")
    p.add_argument("--sources", nargs="+", metavar="DATASET", help="only these source datasets")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="library folder (default user_libraries/<preset>; the shipped one is assets/library)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="torch device (default auto)")
    p.add_argument("--seed", type=int, default=0, help="seed of sampling, splits and architectures (default 0)")
    p.add_argument("--workers", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--scheduler", metavar="local[:N]|tcp://HOST:PORT",
                   help="train on a Dask cluster: a local one with N workers, or an existing scheduler")
    p.add_argument("--max-rows", type=int, help="rows per source (default: the preset's)")
    p.add_argument("--max-epochs", type=int, help="epochs at most (default: the preset's)")
    p.add_argument("--no-representations", action="store_true",
                   help="do not register the pretrained representations (Chemprop, CHGNet, element embeddings)")
    p.add_argument("--json", action="store_true", help="print the build summary as JSON")
    p.set_defaults(func=_run_build)


def _run_build(args) -> int:
    from core import datasets
    from core.pretrain.builder import BuildConfig, build_library

    if args.sources:
        for name in args.sources:
            spec = datasets.get(name)
            if spec.role.value != "source":
                raise InputError(f"{name} is an example target, not a pretraining source")
    for flag, value in (("--workers", args.workers), ("--max-rows", args.max_rows), ("--max-epochs", args.max_epochs)):
        if value is not None and value < 1:
            raise InputError(f"{flag} must be at least 1")
    out = args.out or REPO_ROOT / "user_libraries" / args.preset
    config = BuildConfig(out=out, preset=args.preset, domains=tuple(args.domains) if args.domains else None,
                         sources=tuple(args.sources) if args.sources else None, seed=args.seed, device=args.device,
                         workers=args.workers, max_rows=args.max_rows, max_epochs=args.max_epochs,
                         scheduler=args.scheduler, representations=not args.no_representations)
    if args.scheduler:
        from core.compute.dask_backend import parse_scheduler

        parse_scheduler(args.scheduler)
    log(f"building the {args.preset} library into {out}")
    summary = build_library(config)
    if args.json:
        emit_json(summary.to_dict())
    else:
        log(f"done: {summary.trained_models} models trained, {summary.skipped_models} already there, "
            f"{len(summary.failures)} failed stacks, {summary.seconds:.0f} s")
    return 0 if not summary.failures else 1


# ----------------------------------------------------------------------------- add-representations
def _add_representations(sub) -> None:
    p = sub.add_parser("add-representations", help="register the pretrained representations from the field",
                       description="Add the pretrained representations that ship inside installed packages "
                                   "(Chemprop models of ADMET-AI, CHGNet crystal features, element embeddings) to a "
                                   "library as entries with model cards. They add no weights; running it again "
                                   "refreshes their cards.")
    _library_option(p)
    p.set_defaults(func=_run_add_representations)


def _run_add_representations(args) -> int:
    from core.library import Library

    path = args.library or default_library_dir()
    before = _folder_bytes(path)
    with Library(path) as lib:
        added, skipped = lib.add_representations()
        total = len(lib.ids(kind="representation"))
    grown = _folder_bytes(path) - before
    if args.json:
        emit_json({"library": str(path), "added": added, "representations": total, "skipped": skipped,
                   "bytes_added": grown})
        return 0
    for entry, reason in skipped.items():
        log(f"skipped {entry}: {reason}")
    log(f"{added} representations registered in {path} ({total} in all; the folder grew by {grown / 1024:.0f} KiB)")
    return 0


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) if Path(path).exists() else 0


# ----------------------------------------------------------------------------- list
def _list(sub) -> None:
    p = sub.add_parser("list", help="list models, filtered", description="List the models of a library.")
    p.add_argument("--domain", choices=["molecule", "polymer", "inorganic"])
    p.add_argument("--property", metavar="TEXT", help="property name contains TEXT")
    p.add_argument("--source", metavar="DATASET", help="source dataset name")
    p.add_argument("--descriptor", metavar="NAME", help="descriptor (morgan, maccs, rdkit2d, composition)")
    p.add_argument("--search", metavar="TEXT", help="free text over property, source, unit and notes")
    p.add_argument("--min-r2", type=float, metavar="R2", help="source test R2 at least R2")
    p.add_argument("--kind", choices=["net", "representation", "all"], default="net",
                   help="our nets (default), pretrained representations from the field, or all entries")
    p.add_argument("--limit", type=int, metavar="N", help="at most N rows")
    _library_option(p)
    p.set_defaults(func=_run_list)


def _run_list(args) -> int:
    with _open(args) as lib:
        frame = lib.models(domain=args.domain, property=args.property, source=args.source,
                           descriptor=args.descriptor, search=args.search, min_r2=args.min_r2, limit=args.limit,
                           kind=None if args.kind == "all" else args.kind)
    if args.json:
        emit_json({"library": str(args.library or default_library_dir()), "count": len(frame), "models": frame})
        return 0
    if frame.empty:
        log("no models match")
        return 0
    if args.kind == "representation":
        cols = ["id", "domain", "role", "title", "descriptor", "n_features", "package"]
    else:
        cols = ["id", "kind", "domain", "property", "unit", "descriptor", "depth", "width_max", "test_r2",
                "test_mae", "n_train"]
        cols = [c for c in cols if c != "kind" or args.kind == "all"]
    print_table(frame[cols].round(3))
    log(f"{len(frame)} entries" if args.kind != "net" else f"{len(frame)} models")
    return 0


# ----------------------------------------------------------------------------- show
def _show(sub) -> None:
    p = sub.add_parser("show", help="print a model card", description="Print the full card of one model.")
    p.add_argument("id", help="model id")
    _library_option(p)
    p.set_defaults(func=_run_show)


def _run_show(args) -> int:
    with _open(args) as lib:
        card = lib.card(args.id)
    if args.json:
        emit_json(card)
        return 0
    if card.get("kind") == "representation":
        print("\n".join(representation_lines(card)))
        return 0
    src, arch, tr, met = card["source"], card["architecture"], card["training"], card["metrics"]
    lines = [
        f"model      {card['id']}  ({card['domain']})",
        f"property   {src['property']} [{src['unit']}] from {src['dataset']}"
        + ("  (group-contribution ESTIMATES)" if src.get("estimate") else ""),
        f"source     {src.get('package', '')} {src.get('package_version') or ''}; {src.get('citation', '')}",
        f"note       {src.get('note', '')}",
        f"descriptor {card['descriptor']['label']}: {card['descriptor']['n_inputs']} of "
        f"{card['descriptor']['n_columns']} columns",
        f"network    {card['descriptor']['n_inputs']} -> {' -> '.join(map(str, arch['hidden']))} -> 1, "
        f"{arch['activation']}, dropout {arch['dropout']}, {arch['n_parameters']:,} parameters",
        f"training   {tr['n_train']} train / {tr['n_val']} val / {tr['n_test']} test rows, {tr['epochs_run']} "
        f"epochs (best {tr['best_epoch']}), lr {arch['lr']:.2g}, seed {tr['seed']}, {tr['seconds']} s on {tr['device']}",
        f"test       MAE {met['test']['mae']:.4g}  RMSE {met['test']['rmse']:.4g}  R2 {met['test']['r2']:.3f}  "
        f"Spearman {met['test']['spearman']:.3f}",
        f"created    {card['created']} with version {card['project_version']}; file {card['file']}",
    ]
    print("\n".join(lines))
    return 0


def representation_lines(card: dict) -> list[str]:
    """A representation's card in plain lines."""
    pkg, trained = card["package"], card["trained_on"]
    lines = [f"entry      {card['id']}: {card['title']}",
             f"kind       pretrained representation ({'control' if card['role'] == 'control' else 'transfer'}), "
             f"{card['features']['width']} features, {card['domain']} domain (reads: {', '.join(card['applies_to'])})",
             f"what       {card['summary']}",
             f"input      {card['input']}",
             f"trained on {trained['data']}",
             f"by         {card['trained_by']}",
             f"licence    {card['licence']}",
             f"citation   {card['citation']}",
             f"package    {pkg['name']} {pkg['version']}: {pkg['file']} ({pkg['checksum'][:19]}...)",
             f"overlap    {card['overlap']['note']}"]
    for task in trained.get("tasks", [])[:50]:
        metrics = ", ".join(f"{k} {v:.3g}" for k, v in (task.get("test_metrics") or {}).items())
        rows = f", {task['rows']:,} rows" if task.get("rows") else ""
        line = f"  task     {task['name']} [{task.get('unit') or '-'}]{rows}"
        lines.append(line + (f"; {metrics}" if metrics else ""))
    return lines


# ----------------------------------------------------------------------------- stats
def _stats(sub) -> None:
    p = sub.add_parser("stats", help="models and properties per domain, size on disk")
    _library_option(p)
    p.set_defaults(func=_run_stats)


def _run_stats(args) -> int:
    with _open(args) as lib:
        stats = lib.stats()
    if args.json:
        emit_json(stats)
        return 0
    print(f"library {stats['name']} at {stats['path']} (format {stats['format_version']}, "
          f"built with {stats['project_version']})")
    print(f"{stats['models']} models over {stats['properties']} properties and {stats['representations']} pretrained "
          f"representations, {stats['size_mb']} MB on disk")
    rows = [{"domain": d, **{k: (", ".join(v) if isinstance(v, list) else v) for k, v in s.items()}}
            for d, s in stats["domains"].items()]
    if rows:
        print_table(pd.DataFrame(rows))
    return 0


# ----------------------------------------------------------------------------- verify
def _verify(sub) -> None:
    p = sub.add_parser("verify", help="check every weights file against its checksum")
    _library_option(p)
    p.set_defaults(func=_run_verify)


def _run_verify(args) -> int:
    with _open(args) as lib:
        bad = lib.verify()
        total = len(lib.ids(kind=None))
    if args.json:
        emit_json({"models": total, "bad": bad})
    else:
        for model_id, reason in bad.items():
            print(reason)
        log(f"{total - len(bad)} of {total} entries OK")
    return 0 if not bad else 1


