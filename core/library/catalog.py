"""The SQLite catalog of a library: one row per entry, queryable by every card field.

Two kinds of entry (column ``kind``):

``net``
    One of our pretrained nets: weights in a safetensors file, metrics on its source.
``representation``
    A pretrained representation from the field that ships inside a package (Chemprop
    models of ADMET-AI, CHGNet, element embeddings): no weights in the library; its
    descriptor (``descriptor`` + ``descriptor_params``) is the featurizer whose output is
    the frozen feature itself.  ``file`` is its card, ``package`` / ``package_file`` /
    ``checksum`` name the shipped file it reads and that file's SHA-256.

``role`` says what an entry is for: ``transfer`` (every net, and the representations
learned from data) or ``control`` (random element vectors, screened beside the others to
show how much a random representation of the same width gets).  Catalogs written before
these columns existed are read as they are (their rows are nets); writing to one adds
the columns first.
"""

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
    "kind": "TEXT NOT NULL DEFAULT 'net'",
    "role": "TEXT NOT NULL DEFAULT 'transfer'",
    "title": "TEXT",
    "n_features": "INTEGER",
    "package": "TEXT",
    "package_file": "TEXT",
}
#: Columns added after the first catalogs were written, with the value old rows have.
ADDED = {"kind": "'net'", "role": "'transfer'", "title": "NULL", "n_features": "NULL", "package": "NULL",
         "package_file": "NULL"}
KINDS = ("net", "representation")
ROLES = ("transfer", "control")
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


def present_columns(con: sqlite3.Connection) -> set[str]:
    """Columns the ``models`` table has (older catalogs lack :data:`ADDED`)."""
    return {row[1] for row in con.execute("PRAGMA table_info(models)")}


def upgrade(con: sqlite3.Connection) -> None:
    """Add the columns of :data:`ADDED` that an older catalog lacks (its rows become nets)."""
    missing = [c for c in ADDED if c not in present_columns(con)]
    if not missing:
        return
    with con:
        for col in missing:
            con.execute(f"ALTER TABLE models ADD COLUMN {col} {COLUMNS[col]}")
        con.execute("CREATE INDEX IF NOT EXISTS idx_kind ON models(kind)")


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
        "kind": "net", "role": "transfer", "title": None, "n_features": None, "package": None, "package_file": None,
    }


def row_from_representation(card: dict) -> dict:
    """Catalog row of a representation's card (see :mod:`core.library.representations`)."""
    row = {col: None for col in COLUMNS}
    desc, pkg, trained = card["descriptor"], card["package"], card["trained_on"]
    row.update({
        "id": card["id"], "domain": card["domain"], "source": card["source"]["dataset"],
        "property": card["source"]["property"], "unit": card["source"]["unit"], "descriptor": desc["name"],
        "descriptor_params": json.dumps(desc["params"], sort_keys=True), "n_parameters": card.get("n_parameters"),
        "n_train": trained.get("rows"), "created": card["created"], "project_version": card["project_version"],
        "estimate": 0, "measured": int(bool(card["source"].get("measured"))), "file": card["file"],
        "checksum": pkg["checksum"], "card": json.dumps(card, sort_keys=True), "kind": "representation",
        "role": card["role"], "title": card["title"], "n_features": card["features"]["width"],
        "package": f"{pkg['name']}=={pkg['version']}", "package_file": pkg["file"],
    })
    return row


def insert(con: sqlite3.Connection, cards: Iterable[tuple[dict, object]]) -> int:
    """Insert or replace (card, column subset) pairs of nets in one transaction; returns how many."""
    return insert_rows(con, [row_from_card(c, subset) for c, subset in cards])


def insert_rows(con: sqlite3.Connection, rows: list[dict]) -> int:
    """Insert or replace catalog rows in one transaction (upgrading an old catalog first)."""
    if not rows:
        return 0
    upgrade(con)
    cols = list(COLUMNS)
    with con:
        con.executemany(f"INSERT OR REPLACE INTO models ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [tuple(r[c] for c in cols) for r in rows])
    return len(rows)


def _expressions(con: sqlite3.Connection) -> dict[str, str]:
    """SQL for each column: the column itself, or the value old rows have when it is absent."""
    present = present_columns(con)
    return {c: (c if c in present else f"{ADDED[c]}") for c in COLUMNS}


def query(con: sqlite3.Connection, *, domain=None, source=None, property=None, descriptor=None, search=None,
          min_r2=None, ids=None, columns=None, limit=None, kind="net", role=None) -> pd.DataFrame:
    """Entries matching every given filter (strings match case-insensitively; lists match any).

    ``search`` is free text matched against the property, the source name, the unit, the
    title and the card's notes: "refractive" finds every refractive-index model.  ``kind``
    is ``"net"`` (default: what the screen's nets are), ``"representation"``, a list, or
    None (or ``"all"``) for every kind; ``role`` is ``"transfer"``, ``"control"``, a list or None.
    """
    expr = _expressions(con)
    kind = None if kind == "all" else kind
    where, args = [], []
    for col, value in (("domain", domain), ("source", source), ("descriptor", descriptor), ("kind", kind),
                       ("role", role)):
        if value:
            values = [value] if isinstance(value, str) else list(value)
            where.append(f"lower({expr[col]}) IN ({', '.join('?' * len(values))})")
            args.extend(v.lower() for v in values)
    if property:
        where.append("lower(property) LIKE ?")
        args.append(f"%{property.lower()}%")
    if search:
        for word in str(search).lower().split():
            where.append(f"(lower(property) LIKE ? OR lower(source) LIKE ? OR lower(unit) LIKE ? OR "
                         f"lower(coalesce({expr['title']}, '')) LIKE ? OR "
                         f"lower(json_extract(card, '$.source.note')) LIKE ?)")
            args.extend([f"%{word}%"] * 5)
    if min_r2 is not None:
        where.append("test_r2 >= ?")
        args.append(float(min_r2))
    if ids is not None:
        ids = list(ids)
        if not ids:
            return pd.DataFrame(columns=columns or LIST_COLUMNS)
        where.append(f"id IN ({', '.join('?' * len(ids))})")
        args.extend(ids)
    cols = ", ".join(f"{expr[c]} AS {c}" if expr.get(c, c) != c else c for c in (columns or LIST_COLUMNS))
    sql = f"SELECT {cols} FROM models" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return pd.read_sql_query(sql, con, params=args)


def checkpoint(con: sqlite3.Connection) -> None:
    """Fold a write-ahead log into the catalog file (so a copied or committed catalog is complete)."""
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def get_meta(con: sqlite3.Connection) -> dict:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def set_meta(con: sqlite3.Connection, values: dict) -> None:
    with con:
        con.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        [(k, str(v)) for k, v in values.items()])
