"""Figures of a user's target data."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.labels import number
from core.viz.theme import COLORS, axis_label, style


def target_histogram(values, name: str = "target", unit: str = "", bins: int = 30) -> go.Figure:
    """Histogram of the target values with their mean marked.

    The bins are fixed here (not left to plotly), so the y-axis leaves room above the
    tallest bar for the mean's label, which therefore never sits behind a bar.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    fig = go.Figure()
    top = 1.0
    if values.size:
        edges = np.histogram_bin_edges(values, bins=min(bins, max(1, values.size)))
        counts, _ = np.histogram(values, bins=edges)
        top = float(max(1, counts.max()))
        size = float(edges[1] - edges[0]) if len(edges) > 1 and edges[1] > edges[0] else 1.0
        fig.add_trace(go.Histogram(x=values, xbins=dict(start=float(edges[0]), end=float(edges[-1]), size=size),
                                   marker_color=COLORS["transfer"], opacity=0.85,
                                   hovertemplate="%{x}<br>%{y} rows<extra></extra>"))
        fig.add_vline(x=float(values.mean()), line_dash="dash", line_color=COLORS["neutral"])
        right = values.mean() > (values.min() + values.max()) / 2  # the label goes towards the wider side
        fig.add_annotation(x=float(values.mean()), y=top * 1.18, text=f"mean {number(values.mean(), unit)}",
                           showarrow=False, xanchor="right" if right else "left", xshift=-4 if right else 4,
                           bgcolor="rgba(255,255,255,0.9)")
    fig.update_xaxes(title=axis_label(name, unit))
    fig.update_yaxes(title="rows", range=[0, top * 1.3])
    return style(fig, f"Distribution of {name} ({values.size} rows)", height=320)
