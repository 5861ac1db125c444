"""2D pictures of structures for previews: RDKit depictions of molecules and repeat units,
element fractions of compositions."""

from __future__ import annotations

import base64

import pandas as pd

from core.domains import Domain, parse


def depict_png(text: str, domain: Domain | str, size: tuple[int, int] = (240, 160)) -> bytes | None:
    """PNG bytes of a molecule or repeat unit drawn by RDKit; None if it cannot be drawn.

    Inorganic formulas have no 2D depiction (None).
    """
    return _draw(text, domain, "png", size)


def depict_svg(text: str, domain: Domain | str, size: tuple[int, int] = (240, 160)) -> str | None:
    """SVG text of the depiction (see :func:`depict_png`)."""
    return _draw(text, domain, "svg", size)


def data_url(png: bytes | None) -> str | None:
    """``data:image/png;base64,...`` for image columns of tables."""
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def composition_text(formula: str, top: int = 6) -> str:
    """Atomic fractions of a formula, largest first, e.g. ``Fe 62.0%, Ni 19.2%, ...``."""
    try:
        comp = parse(formula, Domain.INORGANIC)
    except ValueError as exc:
        return f"(not a formula: {exc})"
    fractions = sorted(comp.fractional_composition.get_el_amt_dict().items(), key=lambda kv: -kv[1])
    parts = [f"{el} {100 * x:.1f}%" for el, x in fractions[:top]]
    if len(fractions) > top:
        parts.append(f"+{len(fractions) - top} more")
    return ", ".join(parts)


def preview_table(structures: list[str], domain: Domain | str, values=None, limit: int = 12) -> pd.DataFrame:
    """The first ``limit`` structures with a picture (molecules) or composition (inorganic).

    Columns: ``structure``, ``picture`` (PNG data URL, molecules and polymers) or
    ``composition`` (inorganic), and ``value`` when values are given.
    """
    domain = Domain.parse(domain)
    shown = list(structures)[:limit]
    table = pd.DataFrame({"structure": shown})
    if domain is Domain.INORGANIC:
        table["composition"] = [composition_text(s) for s in shown]
    else:
        table["picture"] = [data_url(depict_png(s, domain)) for s in shown]
    if values is not None:
        table["value"] = list(values)[: len(shown)]
    return table


def _draw(text: str, domain: Domain | str, fmt: str, size: tuple[int, int]):
    """PNG bytes or SVG text of a structure's depiction; None for formulas and unparsable text."""
    domain = Domain.parse(domain)
    if domain is Domain.INORGANIC:
        return None
    from rdkit.Chem.Draw import rdMolDraw2D

    try:
        mol = parse(text, domain)
    except ValueError:
        return None
    if fmt == "png":
        drawer = rdMolDraw2D.MolDraw2DCairo(*size)
        drawer.drawOptions().clearBackground = True
    else:
        drawer = rdMolDraw2D.MolDraw2DSVG(*size)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()
