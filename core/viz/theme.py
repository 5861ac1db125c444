"""Colours and layout shared by every figure, so the dashboard reads as one piece."""

from __future__ import annotations

import plotly.graph_objects as go

#: What each family of candidates looks like in every figure.
COLORS = {
    "transfer": "#2563eb",  # blue: pretrained models
    "scratch": "#dc2626",  # red: scratch baselines
    "random": "#9ca3af",  # grey: random-weight controls
    "recommended": "#7c3aed",  # violet: the recommended model (honest, nested predictions)
    "neutral": "#6b7280",
    "highlight": "#f59e0b",
}
DOMAIN_COLORS = {"molecule": "#0ea5e9", "polymer": "#22c55e", "inorganic": "#f97316"}

#: Diverging scale for improvements over scratch: red worse, white none, blue better.
DIVERGING = [[0.0, "#b2182b"], [0.25, "#ef8a62"], [0.5, "#f7f7f7"], [0.75, "#67a9cf"], [1.0, "#2166ac"]]

#: Ranking ``kind`` values grouped into the three families above.
KIND_FAMILY = {"frozen": "transfer", "frozen+raw": "transfer", "strategy": "transfer", "finetune": "transfer",
               "raw": "scratch"}


def style(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    """Apply the common layout (white template, compact margins) and return ``fig``.

    The legend sits outside the plot on the right, in a column of its own (plotly widens
    the right margin to fit it), so it never runs into the title above the plot or the
    axis titles below it, at any width.  Titles are left-aligned and kept short.
    """
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=60, r=20, t=60 if title else 30, b=50),
                      title=dict(text=title, x=0.0, xanchor="left", xref="container", y=0.98, yref="container",
                                 yanchor="top", font=dict(size=15)) if title else None,
                      legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02,
                                  bgcolor="rgba(255,255,255,0.9)", font=dict(size=12)),
                      font=dict(size=13))
    return fig


def axis_label(name: str, unit: str | None) -> str:
    """``name (unit)``, or just the name when the unit is empty or dimensionless."""
    return f"{name} ({unit})" if unit and unit.lower() not in ("dimensionless", "-", "") else name
