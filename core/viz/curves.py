"""Learning curves: error against training rows, transfer beside scratch."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.labels import PROCEDURES
from core.viz.theme import COLORS, axis_label, style

METHOD_COLORS = {"transfer": COLORS["transfer"], "scratch": COLORS["scratch"]}


def learning_curve_figure(points: pd.DataFrame, unit: str = "") -> go.Figure:
    """Mean held-out MAE (with its spread over repeats) against training rows, per method.

    Parameters
    ----------
    points : DataFrame
        Columns ``n_train``, ``method`` (``transfer``/``scratch``), ``mae`` (one row per
        subsample), as made by :func:`core.learning.learning_curve`.
    """
    fig = go.Figure()
    summary = points.groupby(["method", "n_train"])["mae"].agg(["mean", "std", "count"]).reset_index()
    for method, group in summary.groupby("method", sort=False):
        name = PROCEDURES.get(method, method)
        fig.add_trace(go.Scatter(
            x=group["n_train"], y=group["mean"], mode="lines+markers", name=name, meta=method,
            line=dict(color=METHOD_COLORS.get(method, COLORS["neutral"]), width=2),
            error_y=dict(type="data", array=group["std"].fillna(0), visible=True, thickness=1),
            hovertemplate=f"{name}<br>%{{x}} rows<br>held-out MAE %{{y:.3g}}<extra></extra>"))
    fig.update_xaxes(title="training rows")
    fig.update_yaxes(title=axis_label("held-out MAE", unit), rangemode="tozero")
    return style(fig, "Learning curve: held-out error against training rows")
