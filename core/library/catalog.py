"""The SQLite catalog of a library: one row per model, queryable by every card field."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable

import pandas as pd

COLUMNS = {
    "id": "TEXT PRIMARY KEY",
    "domain": "TEXT NOT NULL",
    "source": "TEXT NOT NULL",
    "property": "TEXT NOT NULL",
    "unit": "TEXT",
    "descriptor": "TEXT NOT NULL",
    "descriptor_params": "TEXT",
    "n_inputs": "INTEGER",
    "column_subset": "TEXT",
    "architecture": "TEXT",
    "depth": "INTEGER",
    "width_max": "INTEGER",
    "activation": "TEXT",
    "dropout": "REAL",
    "n_parameters": "INTEGER",
    "test_mae": "REAL",
    "test_rmse": "REAL",
    "test_r2": "REAL",
    "test_spearman": "REAL",
    "val_mae": "REAL",
    "n_train": "INTEGER",
    "n_val": "INTEGER",
    "n_test": "INTEGER",
    "seed": "INTEGER",
    "created": "TEXT",
    "project_version": "TEXT",
    "train_seconds": "REAL",
    "epochs": "INTEGER",
    "device": "TEXT",
    "estimate": "INTEGER",
    "measured": "INTEGER",
    "file": "TEXT NOT NULL",
    "checksum": "TEXT NOT NULL",
    "card": "TEXT NOT NULL",
}
#: Columns shown by listings (the big JSON ones are left out).
LIST_COLUMNS = [c for c in COLUMNS if c not in ("card", "column_subset", "architecture", "descriptor_params")]


def connect(path: Path, create: bool = False) -> sqlite3.Connection:
    """Open the catalog; ``create`` makes the tables when absent."""
    con = sqlite3.connect(str(path), timeout=30)
    con.execute("PRAGMA journal_mode=WAL") if create else None
    if create:
        cols = ", ".join(f"{k} {v}" for k, v in COLUMNS.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS models ({cols})")
        con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        for col in ("domain", "source", "descriptor"):
            con.execute(f"CREATE INDEX IF NOT EXISTS idx_{col} ON models({col})")
        con.commit()
    return con


def row_from_card(card: dict, subset) -> dict:
    """Catalog row of a model card and its descriptor column subset."""
    arch, desc, metrics = card["architecture"], card["descriptor"], card["metrics"]
    return {
        "id": card["id"], "domain": card["domain"], "source": card["source"]["dataset"],
        "property": card["source"]["property"], "unit": card["source"]["unit"],
        "descriptor": desc["name"], "descriptor_params": json.dumps(desc["params"], sort_keys=True),
        "n_inputs": desc["n_inputs"], "column_subset": json.dumps([int(i) for i in subset]),
        "architecture": json.dumps(arch, sort_keys=True), "depth": len(arch["hidden"]),
        "width_max": max(arch["hidden"]), "activation": arch["activation"], "dropout": arch["dropout"],
        "n_parameters": arch["n_parameters"],
        "test_mae": metrics["test"]["mae"], "test_rmse": metrics["test"]["rmse"], "test_r2": metrics["test"]["r2"],
        "test_spearman": metrics["test"]["spearman"], "val_mae": metrics["val"]["mae"],
        "n_train": card["training"]["n_train"], "n_val": card["training"]["n_val"],
        "n_test": card["training"]["n_test"], "seed": card["training"]["seed"], "created": card["created"],
        "project_version": card["project_version"], "train_seconds": card["training"]["seconds"],
        "epochs": card["training"]["epochs_run"], "device": card["training"]["device"],
        "estimate": int(bool(card["source"].get("estimate"))), "measured": int(bool(card["source"].get("measured"))),
        "file": card["file"], "checksum": card["checksum"], "card": json.dumps(card, sort_keys=True),
    }


def insert(con: sqlite3.Connection, cards: Iterable[tuple[dict, object]]) -> int:
    """Insert or replace (card, column subset) pairs in one transaction; returns how many."""
    rows = [row_from_card(c, subset) for c, subset in cards]
    if not rows:
        return 0
    cols = list(COLUMNS)
    with con:
        con.executemany(f"INSERT OR REPLACE INTO models ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [tuple(r[c] for c in cols) for r in rows])
    return len(rows)


def query(con: sqlite3.Connection, *, domain=None, source=None, property=None, descriptor=None, search=None,
          min_r2=None, ids=None, columns=None, limit=None) -> pd.DataFrame:
    """Models matching every given filter (strings match case-insensitively; lists match any).

    ``search`` is free text matched against the property, the source name, the unit and
    the card's notes: "refractive" finds every refractive-index model.
    """
    where, args = [], []
    for col, value in (("domain", domain), ("source", source), ("descriptor", descriptor)):
        if value:
            values = [value] if isinstance(value, str) else list(value)
            where.append(f"lower({col}) IN ({', '.join('?' * len(values))})")
            args.extend(v.lower() for v in values)
    if property:
        where.append("lower(property) LIKE ?")
        args.append(f"%{property.lower()}%")
    if search:
        for word in str(search).lower().split():
            where.append("(lower(property) LIKE ? OR lower(source) LIKE ? OR lower(unit) LIKE ? OR "
                         "lower(json_extract(card, '$.source.note')) LIKE ?)")
            args.extend([f"%{word}%"] * 4)
    if min_r2 is not None:
        where.append("test_r2 >= ?")
        args.append(float(min_r2))
    if ids is not None:
        ids = list(ids)
        if not ids:
            return pd.DataFrame(columns=columns or LIST_COLUMNS)
        where.append(f"id IN ({', '.join('?' * len(ids))})")
        args.extend(ids)
    cols = ", ".join(columns or LIST_COLUMNS)
    sql = f"SELECT {cols} FROM models" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return pd.read_sql_query(sql, con, params=args)


def get_meta(con: sqlite3.Connection) -> dict:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def set_meta(con: sqlite3.Connection, values: dict) -> None:
    with con:
        con.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [(k, str(v)) for k, v in values.items()])
