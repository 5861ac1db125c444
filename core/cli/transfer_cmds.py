"""Transfer commands: ``screen``, ``predict``, ``transferability``, ``runs``."""

from __future__ import annotations

from pathlib import Path




from core.cli.output import Progress, emit_json, log, print_table
from core.errors import InputError

RANK_COLUMNS = ["rank", "label", "family", "cv_mae", "cv_mae_std", "rmse", "r2", "improvement_pct"]
#: Width of the candidate names in the printed ranking (the full names are in the run's ranking.csv).
LABEL_WIDTH = 100


def ranking_table(ranking, unit: str = "", rows: int = 15):
    """The printed ranking: names, values and column titles in words, with the target's
    unit (core.labels), numbers rounded as on the dashboard."""
    from core.labels import COLUMNS, cut, number, r2_text, titled

    head = ranking.head(rows).copy()
    table = titled(head, unit, RANK_COLUMNS)
    show = {"sig": number, "r2": r2_text, "pct": lambda v: f"{v:+.0f}"}
    for name, title in zip(RANK_COLUMNS, table.columns):
        rule = COLUMNS[name].rounding if name in COLUMNS else ""
        if name in ("label", "family"):  # text reads from the left
            cells = [cut(text, LABEL_WIDTH) for text in table[title]]
            width = max([len(title)] + [len(c) for c in cells])
            table[title] = [c.ljust(width) for c in cells]
            table = table.rename(columns={title: title.ljust(width)})
        elif rule in show:
            table[title] = [show[rule](v) for v in table[title]]
    return table


def runs_table(frame):
    """The printed list of saved runs: readable name, local time, verdict, recommended model."""
    from core.labels import cut, number

    import pandas as pd

    return pd.DataFrame({"run": frame["title"], "folder": frame["run"], "verdict": frame["verdict"],
                         "nested MAE": [number(v, u) for v, u in zip(frame["nested_mae"], frame["unit"])],
                         "recommended model": frame["recommended"].fillna("").map(lambda t: cut(t, 60))})


def register(sub) -> None:
    """Add the transfer commands."""
    _screen(sub)
    _predict(sub)
    _transferability(sub)
    _runs(sub)


def _library_args(p) -> None:
    p.add_argument("--library", type=Path, action="append", metavar="DIR",
                   help="model library (repeatable; default MDL_LIBRARY or the shipped starter library)")


def _libraries(args):
    from core.library import open_libraries

    return open_libraries(args.library)


def _engine_args(p) -> None:
    from core.transfer.config import ScreenConfig
    from core.transfer.strategies import BASELINES, STRATEGIES

    d = ScreenConfig()  # the defaults live there, once

    p.add_argument("--filter", metavar="TEXT", help="only models whose property, source or notes match TEXT")
    p.add_argument("--source", action="append", metavar="DATASET", help="only models of this source (repeatable)")
    p.add_argument("--model-domain", action="append", choices=["molecule", "polymer", "inorganic"],
                   help="only models of this domain (repeatable; default: every domain that can read the target)")
    p.add_argument("--cv", default="5", metavar="K|loo|extrapolation",
                   help="k-fold CV with K folds (default 5), leave-one-out, or extrapolation (top 20%% held out)")
    p.add_argument("--repeats", type=int, default=d.cv.repeats, help="repeat k-fold CV N times (default 1)")
    p.add_argument("--top", type=int, default=d.top,
                   help=f"models refitted with the heavier strategies (default {d.top})")
    p.add_argument("--strategy", action="append", choices=STRATEGIES.names(),
                   help="stage-2 strategy (repeatable; default rf); ridge on frozen features is always scored in "
                        "stage 1")
    p.add_argument("--baseline", action="append", choices=BASELINES.names(),
                   help="scratch baseline besides raw-descriptor ridge (repeatable; default " + " ".join(d.baselines) + ")")
    p.add_argument("--layers", type=int, default=d.layers, choices=[1, 2, 3], help="last hidden layers as features")
    p.add_argument("--ensemble", type=int, default=d.ensemble,
                   help="most members of the delivered ensemble: the best candidates within one standard error of "
                        f"the best, at least two (default {d.ensemble}; 1 delivers the single best)")
    p.add_argument("--no-nested", action="store_true",
                   help="skip the nested estimate (faster, but then transfer is never recommended)")
    p.add_argument("--nested-folds", type=int, default=d.nested_folds,
                   help=f"outer folds of the nested estimate (default {d.nested_folds})")
    p.add_argument("--nested-top", type=int, default=d.nested_top,
                   help=f"models refitted inside each outer fold of the nested estimate (default {d.nested_top})")
    p.add_argument("--nested-repeats", type=int, default=d.nested_repeats,
                   help=f"repetitions of the outer folds (default {d.nested_repeats})")
    p.add_argument("--rf-trees", type=int, default=d.rf_trees, help=f"trees of every forest (random forests and extremely randomised trees; default {d.rf_trees})")
    p.add_argument("--no-controls", action="store_true", help="do not screen the random-weight twins of the nets")
    p.add_argument("--no-representations", action="store_true",
                   help="leave out the pretrained representations (Chemprop, CHGNet, element embeddings)")
    p.add_argument("--overlap", choices=["warn", "exclude"], default=d.overlap,
                   help="representations trained on some of the target's structures: screen them with a warning "
                        "(default) or leave them out")
    p.add_argument("--level", type=float, default=d.level,
                   help=f"coverage of the prediction intervals (default {d.level})")
    p.add_argument("--no-combos", action="store_true", help="do not score frozen features + raw descriptor")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--seed", type=int, default=d.seed, help="fixes every split and model (default 0)")
    p.add_argument("--scheduler", metavar="local[:N]|tcp://HOST:PORT",
                   help="run stage 1 on a Dask cluster (same numbers as in-process)")


def screen_config(args):
    """ScreenConfig from parsed arguments."""
    from core.transfer.cv import CVScheme
    from core.transfer.screen import ScreenConfig

    cv = str(args.cv).lower()
    if cv in ("loo", "leave-one-out"):
        scheme = CVScheme("loo", seed=args.seed)
    elif cv.startswith("extrap"):
        scheme = CVScheme("extrapolation", seed=args.seed)
    else:
        try:
            k = int(cv)
        except ValueError:
            raise InputError(f"--cv takes a number of folds, loo or extrapolation, not {args.cv!r}") from None
        scheme = CVScheme("repeated" if args.repeats > 1 else "kfold", k=k, repeats=args.repeats, seed=args.seed)
    d = ScreenConfig()
    return ScreenConfig(cv=scheme, strategies=tuple(args.strategy or d.strategies),
                        baselines=tuple(args.baseline or d.baselines), layers=args.layers, top=args.top,
                        rf_trees=args.rf_trees,
                        ensemble=args.ensemble, nested=not args.no_nested, nested_folds=args.nested_folds,
                        nested_top=args.nested_top, nested_repeats=args.nested_repeats, controls=not args.no_controls,
                        level=args.level, representations=not args.no_representations, overlap=args.overlap,
                        search=args.filter, sources=tuple(args.source) if args.source else None,
                        model_domains=tuple(args.model_domain) if args.model_domain else None,
                        combos=not args.no_combos, device=args.device, seed=args.seed, scheduler=args.scheduler)


# ----------------------------------------------------------------------------- screen
def _screen(sub) -> None:
    p = sub.add_parser("screen", help="rank every library model on a small target (shotgun transfer)",
                       description="Transfer every candidate model to a small dataset, rank them by cross-validation "
                                   "against scratch baselines under the same folds, and estimate the whole procedure "
                                   "honestly (nested CV). Writes a run folder that 'predict' and the app can reopen.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, metavar="FILE", help="CSV, TSV, XLSX or zip of CIFs")
    src.add_argument("--example", metavar="DATASET", help="a bundled example target instead of a file")
    p.add_argument("--structure", metavar="COL", help="structure column (default: detected)")
    p.add_argument("--target", metavar="COL", help="target column (default: detected)")
    p.add_argument("--domain", choices=["auto", "molecule", "polymer", "inorganic"], default="auto")
    p.add_argument("--rows", type=int, help="with --example: subsample this many rows (seeded)")
    p.add_argument("--duplicates", choices=["average", "first", "report"], default="average",
                   help="repeated structures: average their targets (default), keep the first, or keep all (rows of "
                        "one structure always share a fold)")
    _table_args(p)
    _engine_args(p)
    _library_args(p)
    p.add_argument("--out", type=Path, metavar="RUN_DIR", help="run folder (default runs/<time>-<target>)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=_run_screen)


def _table_args(p) -> None:
    p.add_argument("--sheet", metavar="NAME", help="worksheet of an XLSX file (default: the first with structures)")
    p.add_argument("--polymer-ends", choices=["explicit", "implicit"], default="explicit",
                   help="repeat units: explicit (default) needs two * ends ([*], [*:1]/[*:2] or [At] too); implicit "
                        "also reads a SMILES without them as a unit whose first and last heavy atoms are the ends")


def load_target(args):
    """The validated target of ``screen`` (file or bundled example)."""
    from core.domains import Domain
    from core.transfer.screen import Target

    if args.example:
        from core.transfer.transferability import example_targets

        return example_targets([args.example], rows=args.rows, seed=args.seed)[0]
    from core.cli.data_cmds import load_and_validate

    report = load_and_validate(args.data, args.structure, [args.target] if args.target else None, args.domain,
                               args.duplicates, ends=args.polymer_ends, sheet=args.sheet)
    for issue in report.issues:
        log(f"skipped {issue.message()}")
    target = report.detection.targets[0]
    return Target(report.valid["structure"].tolist(), report.valid[target].to_numpy(dtype=float),
                  Domain(report.detection.domain), name=Path(args.data).stem + f":{target}",
                  unit=report.unit(target) or "", lines=report.valid["line"].astype(int).tolist())


def _run_screen(args) -> int:
    from core.transfer.runs import save_run
    from core.transfer.screen import PLAN, screen

    config = screen_config(args)
    target = load_target(args)
    libraries = _libraries(args)
    bars = {}

    def progress(stage, done, total):
        if stage == PLAN:  # a plan, not work done
            return
        if stage not in bars:  # created at the stage's first event: the stage starts then
            bars[stage] = Progress(stage, every=2.0)
        bars[stage](done, total)

    log(f"screening {target.name}: {len(target.y)} rows, {target.domain.value}, {config.cv.label()}")
    result = screen(target, libraries, config, progress=progress, log=log)
    path = save_run(result, args.out, [str(lib.path) for lib in libraries])
    summary = result.summary
    if args.json:
        emit_json({"run": str(path), "summary": summary,
                   "procedures": {k: {"members": p.members,
                                      "nested": {key: v for key, v in p.nested.to_dict().items() if key != "predictions"}
                                      if p.nested else None} for k, p in result.procedures.items()},
                   "ranking": result.ranking.head(50)[RANK_COLUMNS + ["candidate", "model_id", "kind", "strategy",
                                                                      "descriptor"]]})
        return 0
    from core.labels import number

    unit = result.target.get("unit") or ""
    print_table(ranking_table(result.ranking, unit))
    print(f"\n{summary['verdict']}")
    print(f"naive best CV MAE {number(summary['naive_best_cv_mae'], unit)} (the best of {summary['n_candidates']} "
          f"scores: optimistic). {summary['nested_explanation']}")
    interval = summary["interval"]
    print(f"prediction intervals: +-{number(interval['halfwidth'], unit)} at {interval['level']:.0%} (from the "
          f"{interval['from']})")
    print(f"{summary['n_models']} models screened in {summary['timings']['total']:.1f} s on {summary['device']}; "
          f"run saved to {path}")
    return 0


# ----------------------------------------------------------------------------- predict
def _predict(sub) -> None:
    p = sub.add_parser("predict", help="predict new structures with a saved run",
                       description="Refit the run's recommended model (or any candidate) on its training rows and "
                                   "predict new structures, with calibrated prediction intervals and an "
                                   "applicability-domain flag.")
    p.add_argument("--run", type=Path, required=True, metavar="RUN_DIR", help="a folder written by 'screen'")
    p.add_argument("--data", type=Path, required=True, metavar="FILE", help="table with the new structures")
    p.add_argument("--structure", metavar="COL", help="structure column (default: detected)")
    p.add_argument("--candidate", metavar="ID",
                   help="ranking candidate id, or 'transfer'/'scratch' for a procedure's pick (default: the run's "
                        "recommended model)")
    _table_args(p)
    p.add_argument("--out", type=Path, metavar="CSV", help="also write the predictions to a CSV file")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.set_defaults(func=_run_predict)


def _run_predict(args) -> int:
    from core.tables import read_table
    from core.transfer.predict import predict
    from core.transfer.runs import load_run
    from core.validation import validate

    result = load_run(args.run)
    table = read_table(args.data, sheet=args.sheet)
    report = validate(table, structure=args.structure, targets=[], domain=result.target["domain"],
                      base_dir=Path(args.data).parent, ends=args.polymer_ends, featurizers=None)
    for issue in report.issues:
        log(f"skipped {issue.message()}")
    if report.valid.empty:
        raise InputError("no valid structures to predict")
    out = predict(result, report.valid["structure"].tolist(), candidate=args.candidate)
    table = out.table.assign(line=report.valid["line"].to_numpy())
    for line, problem in zip(table["line"], table["problem"]):
        if problem:
            log(f"line {line}: no prediction: {problem}")
    if args.out:
        table.to_csv(args.out, index=False)
        log(f"wrote {len(table)} predictions to {args.out}")
    if args.json:
        emit_json({"run": str(args.run), "candidate": out.candidate, "model": out.label, "members": out.members,
                   "interval_level": out.level, "interval_halfwidth": out.halfwidth, "predictions": table,
                   "skipped": [i.__dict__ for i in report.issues]})
    else:
        print_table(table.round(4))
        log(f"model: {out.label}; interval = prediction +-{out.halfwidth:.3g} at {out.level:.0%} (calibrated on "
            f"out-of-sample residuals); in_domain = nearest training row within the 95th percentile of the "
            f"training rows' own distances (domain_ratio <= 1)")
    return 0


# ----------------------------------------------------------------------------- transferability
def _transferability(sub) -> None:
    p = sub.add_parser("transferability", help="improvement over scratch per source property and target",
                       description="For several targets (bundled examples or columns of a file), the improvement of "
                                   "each source property's best model over the best scratch baseline, in percent.")
    p.add_argument("--targets", nargs="+", metavar="NAME", help="bundled example datasets")
    p.add_argument("--data", type=Path, metavar="FILE", help="a file whose target columns are the targets")
    p.add_argument("--structure", metavar="COL")
    p.add_argument("--target", action="append", metavar="COL", help="target column of --data (repeatable)")
    p.add_argument("--domain", choices=["auto", "molecule", "polymer", "inorganic"], default="auto")
    p.add_argument("--rows", type=int, default=100, help="subsample bundled targets to N rows (default 100)")
    p.add_argument("--cv", default="5", help="folds (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    _library_args(p)
    p.add_argument("--out", type=Path, metavar="CSV", help="also write the matrix to a CSV file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run_transferability)


def _run_transferability(args) -> int:
    from core.transfer.cv import CVScheme
    from core.transfer.screen import ScreenConfig, Target
    from core.transfer.transferability import example_targets, transferability

    targets = []
    if args.targets:
        targets += example_targets(args.targets, rows=args.rows, seed=args.seed)
    if args.data:
        from core.cli.data_cmds import load_and_validate
        from core.domains import Domain

        report = load_and_validate(args.data, args.structure, args.target, args.domain, "average")
        for col in report.detection.targets:
            valid = report.valid.dropna(subset=[col])
            targets.append(Target(valid["structure"].tolist(), valid[col].to_numpy(dtype=float),
                                  Domain(report.detection.domain), name=col))
    if not targets:
        raise InputError("give --targets NAME... or --data FILE with one or more --target columns")
    try:
        k = int(args.cv)
    except ValueError:
        raise InputError("--cv takes a number of folds here") from None
    config = ScreenConfig(cv=CVScheme("kfold", k=k, seed=args.seed), device=args.device, seed=args.seed)
    result = transferability(targets, _libraries(args), config,
                             progress=lambda stage, done, total: log(f"{stage} ({done}/{total})"))
    if args.out:
        result.improvement.to_csv(args.out)
    if args.json:
        emit_json(result.to_dict())
    else:
        print_table(result.improvement.round(1).reset_index().rename(columns={"index": "source property"}))
        log("improvement (%) of the best model of each source property over the best scratch baseline")
    return 0


# ----------------------------------------------------------------------------- runs
def _runs(sub) -> None:
    p = sub.add_parser("runs", help="list saved runs")
    p.add_argument("--dir", type=Path, help="runs folder (default MDL_RUNS or runs/)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_run_runs)


def _run_runs(args) -> int:
    from core.transfer.runs import list_runs

    frame = list_runs(args.dir)
    if args.json:
        emit_json({"runs": frame})
    elif frame.empty:
        log("no saved runs")
    else:
        print_table(runs_table(frame))
    return 0


