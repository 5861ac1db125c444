"""The column choice that Data and Build library share: detect, let the user choose, offer defaults."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app_state import ENDS_LABELS
from core.domains import IDENTIFIER, Domain, EndsConvention
from core.errors import InputError
from core.validation import default_target, detect

ENDS_HELP = ("Public tables write repeat units with `[*]` ends, without them (the first and last heavy atoms "
             "being the ends, e.g. `C(S1)=CC=C1` for polythiophene), or both.")


@dataclass(frozen=True)
class ColumnChoice:
    """What the user chose: the structure column, its domain, the target column, the polymer ends."""

    structure: str
    domain: str
    target: str
    ends: str


def choose_columns(table: pd.DataFrame, tid: str, prefix: str = "") -> ColumnChoice:
    """Structure, domain and target pickers (defaults from :func:`core.validation.detect`) and,
    for polymers, the repeat-unit ends; widget keys are ``{prefix}structure_{tid}`` and so on.
    Stops the page when the table has no column to be the target."""
    try:
        found = detect(table)
    except InputError:
        st.warning("The structure and target columns could not be recognised from the table; choose them below.")
        found = None
    columns = [str(c) for c in table.columns]
    c1, c2, c3 = st.columns(3)
    structure = c1.selectbox("Structure column", columns, key=f"{prefix}structure_{tid}",
                             index=columns.index(found.structure) if found else 0)
    domains = [d.value for d in Domain]
    domain = c2.selectbox("Domain", domains, key=f"{prefix}domain_{tid}",
                          index=domains.index(found.domain.value) if found else 0,
                          help=", ".join(f"{d.value}: {IDENTIFIER[d]}" for d in Domain))
    first = default_target(table, structure, found)
    if first is None:
        st.error("The table has only one column: it needs a structure column and a numeric target column.")
        st.stop()
    others = [c for c in columns if c != structure]
    target = c3.selectbox("Target column", others, key=f"{prefix}target_{tid}", index=others.index(first))
    ends = EndsConvention.EXPLICIT.value
    if domain == Domain.POLYMER.value:
        ends = st.radio("Polymer repeat-unit ends", [e.value for e in EndsConvention], horizontal=True,
                        key=f"{prefix}ends_{tid}", format_func=ENDS_LABELS.get, help=ENDS_HELP)
    return ColumnChoice(structure, domain, target, ends)
