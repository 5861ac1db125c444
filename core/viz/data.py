"""Figures of a user's target data."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.viz.theme import COLORS, axis_label, style


def target_histogram(values, name: str = "target", unit: str = "", bins: int = 30) -> go.Figure:
    """Histogram of the target values with their mean marked."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    fig = go.Figure(go.Histogram(x=values, nbinsx=bins, marker_color=COLORS["transfer"], opacity=0.85,
                                 hovertemplate="%{x}<br>%{y} rows<extra></extra>"))
    if values.size:
        fig.add_vline(x=float(values.mean()), line_dash="dash", line_color=COLORS["neutral"],
                      annotation_text=f"mean {values.mean():.3g}")
    fig.update_xaxes(title=axis_label(name, unit))
    fig.update_yaxes(title="rows")
    return style(fig, f"Distribution of {name} ({values.size} rows)", height=320)
