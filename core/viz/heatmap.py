"""Transferability heatmaps: source property x target (or x strategy), centred at no gain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.labels import STRATEGIES, cut
from core.viz.theme import DIVERGING, style


def improvement_by_strategy(ranking: pd.DataFrame) -> pd.DataFrame:
    """Best improvement over scratch (%) of each source property under each strategy.

    Rows are source properties (best first), columns the strategies that were screened,
    in words (``ridge on features``, ...; after :data:`core.labels.STRATEGIES`); a cell
    is the improvement of that property's best model with that strategy.  Empty when the
    run has no transfer rows.
    """
    rows = ranking[(ranking["family"] == "transfer") & ranking["property"].fillna("").astype(bool)]
    if rows.empty:
        return pd.DataFrame()
    table = rows.pivot_table(index="property", columns="strategy", values="improvement_pct", aggfunc="max")
    order = [c for c in ("ridge", "ridge+raw") if c in table.columns] + \
        sorted(c for c in table.columns if c not in ("ridge", "ridge+raw"))
    table = table[order]
    table = table.loc[table.max(axis=1).sort_values(ascending=False).index]
    # in words; "features" covers a net's frozen features and a representation's own
    table.columns = [STRATEGIES.get(c, c).replace("frozen features", "features") for c in table.columns]

    return table


def heatmap_figure(improvement: pd.DataFrame, *, x_title: str = "target", y_title: str = "source property",
                   title: str | None = "Improvement over the best scratch baseline (%)",
                   limit: float | None = None) -> go.Figure:
    """Diverging heatmap of improvements in percent; 0 (no gain) is white.

    Parameters
    ----------
    improvement : DataFrame
        Rows are source properties, columns targets or strategies, values percent.
    limit : float, optional
        Colour range is [-limit, limit]; default the largest absolute value (at least 5).
    """
    if improvement.empty:
        raise ValueError("nothing to draw: the improvement table is empty")
    z = improvement.to_numpy(dtype=float)
    finite = np.abs(z[np.isfinite(z)])
    limit = limit or max(5.0, float(np.percentile(finite, 98)) if finite.size else 5.0)
    text = np.where(np.isfinite(z), np.vectorize(lambda v: f"{v:+.0f}")(np.nan_to_num(z)), "")
    fig = go.Figure(go.Heatmap(
        z=z, x=[_wrap(str(c)) for c in improvement.columns], y=[cut(str(i), 60) for i in improvement.index],
        colorscale=DIVERGING, zmid=0, zmin=-limit, zmax=limit, text=text, texttemplate="%{text}",
        textfont=dict(size=10), colorbar=dict(title="% better<br>than scratch"),
        hovertemplate=f"{y_title}: %{{y}}<br>{x_title}: %{{x}}<br>improvement %{{z:.1f}}%<extra></extra>"))
    fig.update_yaxes(title=y_title, autorange="reversed", automargin=True)
    fig.update_xaxes(title=x_title, side="bottom", automargin=True, tickangle=0)
    height = max(360, 20 * len(improvement) + 200)
    return style(fig, title, height=height)


def _wrap(text: str, width: int = 18) -> str:
    """A column name on lines of at most ``width`` characters (plotly breaks at ``<br>``)."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) or text
