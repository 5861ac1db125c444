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


def preview_html(table: pd.DataFrame, value_title: str = "value", width: int = 32) -> str:
    """:func:`preview_table` as an HTML table of fixed column widths: a long SMILES is cut
    to ``width`` characters with the full text on hover (its ``title``), so it never
    squeezes the picture or pushes the value off the screen."""
    import html

    from core.labels import cut, number

    head = ["structure"] + (["picture"] if "picture" in table else []) + \
        (["composition"] if "composition" in table else []) + (["value"] if "value" in table else [])
    titles = {"structure": "structure", "picture": "2D picture", "composition": "composition", "value": value_title}
    cells = []
    for _, row in table.iterrows():
        text = str(row["structure"])
        tds = [f'<td class="s" title="{html.escape(text)}"><code>{html.escape(cut(text, width))}</code></td>']
        if "picture" in table:
            src = row["picture"]
            tds.append(f'<td><img src="{src}" alt="{html.escape(cut(text, 60))}" width="150" height="100"></td>'
                       if isinstance(src, str) and src.startswith("data:image/png;base64,") else "<td>(no picture)</td>")
        if "composition" in table:
            tds.append(f"<td>{html.escape(str(row['composition']))}</td>")
        if "value" in table:
            tds.append(f'<td class="n">{html.escape(number(row["value"]))}</td>')
        cells.append("<tr>" + "".join(tds) + "</tr>")
    klass = {"value": ' class="n"', "picture": ' class="p"'}
    header = "".join(f"<th{klass.get(h, '')}>{html.escape(titles[h])}</th>" for h in head)
    # fixed layout: the columns share the width they are given (a long header wraps), never push past it
    style = ("<style>.mdl-preview{border-collapse:collapse;font-size:0.9rem;width:100%;table-layout:fixed}"
             ".mdl-preview th,.mdl-preview td{border-bottom:1px solid #e2e8f0;padding:4px 8px;text-align:left;"
             "vertical-align:middle;overflow-wrap:anywhere}"
             ".mdl-preview td.s{overflow:hidden;white-space:nowrap;text-overflow:ellipsis}"
             ".mdl-preview .n{text-align:right} .mdl-preview td.n{white-space:nowrap}"
             ".mdl-preview th.p{width:170px}</style>")
    return f'{style}<table class="mdl-preview"><tr>{header}</tr>{"".join(cells)}</table>'
