"""Figures of a model library: models per property, source metrics, a net's architecture."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.labels import descriptor_label, net_number
from core.viz.theme import COLORS, DOMAIN_COLORS, style


def facet_counts(models: pd.DataFrame, column: str) -> pd.DataFrame:
    """How many models have each value of ``column`` (largest first): columns value, models."""
    if models.empty:
        return pd.DataFrame(columns=[column, "models"])
    counts = models[column].astype(str).value_counts()
    return counts.rename_axis(column).reset_index(name="models")


def models_per_property(models: pd.DataFrame) -> go.Figure:
    """Bar chart of the number of models of each source property, coloured by domain."""
    fig = go.Figure()
    if not models.empty:
        counts = models.groupby(["property", "domain"]).size().reset_index(name="models")
        order = counts.groupby("property")["models"].sum().sort_values().index.tolist()
        for domain, group in counts.groupby("domain"):
            group = group.set_index("property").reindex(order).dropna().reset_index()
            fig.add_trace(go.Bar(x=group["models"], y=group["property"], orientation="h", name=domain,
                                 marker_color=DOMAIN_COLORS.get(domain, COLORS["neutral"]),
                                 hovertemplate="%{y}<br>%{x} models<extra>" + domain + "</extra>"))
        fig.update_yaxes(categoryorder="array", categoryarray=order, automargin=True)
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title="models")
    n_props = models["property"].nunique() if not models.empty else 0
    return style(fig, f"Models per source property ({n_props} properties)", height=max(320, 16 * n_props + 140))


def source_metrics(models: pd.DataFrame, metric: str = "test_r2") -> go.Figure:
    """Each model's held-out metric on its own source data (one dot per model), per property."""
    fig = go.Figure()
    if not models.empty:
        order = models.groupby("property")[metric].median().sort_values().index.tolist()
        for domain, group in models.groupby("domain"):
            fig.add_trace(go.Scatter(
                x=group[metric], y=group["property"], mode="markers", name=domain,
                marker=dict(color=DOMAIN_COLORS.get(domain, COLORS["neutral"]), size=7, opacity=0.7),
                text=[f"{p} {net_number(i) or ''}".strip() for p, i in zip(group["property"], group["id"])],
                customdata=np.stack([group["descriptor"].map(lambda d: descriptor_label(str(d))),
                                     group["n_train"]], axis=1),
                hovertemplate="%{text}<br>%{customdata[0]}, %{customdata[1]} training rows<br>"
                              + {"test_r2": "test R\u00b2", "test_spearman": "test Spearman"}.get(metric, metric)
                              + " %{x:.2f}<extra></extra>"))
        fig.update_yaxes(categoryorder="array", categoryarray=order, automargin=True)
    label = {"test_r2": "test R\u00b2 on the source data", "test_spearman": "test Spearman on the source data"}
    fig.update_xaxes(title=label.get(metric, metric))
    n_props = models["property"].nunique() if not models.empty else 0
    return style(fig, "How well each model learned its source property", height=max(320, 16 * n_props + 140))


def _layer_sizes(card: dict) -> list[tuple[str, int]]:
    """(label, width) of every layer; labels are short lines joined by ``<br>``."""
    desc, arch = card["descriptor"], card["architecture"]
    words = descriptor_label(str(desc["name"]))
    layers = [(f"input<br>{desc['n_inputs']} of<br>{desc.get('n_columns', '?')}<br>{_wrap(words + ' columns')}",
               desc["n_inputs"])]
    layers += [(f"hidden {i + 1}<br>{w} units", int(w)) for i, w in enumerate(arch["hidden"])]
    layers.append(("output<br>1", 1))
    return layers


def _wrap(text: str, width: int = 9) -> str:
    """Short lines; a word is never cut ("descriptors" stays whole)."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


def architecture_figure(card: dict, frozen_layers: int = 1) -> go.Figure:
    """A drawing of a library net: one bar per layer, its height growing with its width.

    The last ``frozen_layers`` hidden layers, whose outputs are the frozen features used
    in transfer, are highlighted.
    """
    layers = _layer_sizes(card)
    arch = card["architecture"]
    widest = max(size for _, size in layers)
    heights = [10.0 * np.sqrt(size / widest) for _, size in layers]  # the widest layer is 10 units tall
    top = max(heights)
    n_hidden = len(arch["hidden"])
    frozen = set(range(n_hidden - frozen_layers + 1, n_hidden + 1))
    fig = go.Figure()
    for i in range(len(layers) - 1):  # connections as translucent trapezoids
        h0, h1 = heights[i] / 2, heights[i + 1] / 2
        fig.add_shape(type="path", path=f"M {i + 0.15},{-h0} L {i + 0.85},{-h1} L {i + 0.85},{h1} L {i + 0.15},{h0} Z",
                      fillcolor="rgba(148,163,184,0.25)", line=dict(width=0))
    for i, ((label, _), h) in enumerate(zip(layers, heights)):
        color = COLORS["highlight"] if i in frozen else (COLORS["neutral"] if i in (0, len(layers) - 1)
                                                          else COLORS["transfer"])
        fig.add_shape(type="rect", x0=i - 0.15, x1=i + 0.15, y0=-h / 2, y1=h / 2, fillcolor=color,
                      line=dict(color="white", width=1))
        fig.add_annotation(x=i, y=-top / 2 - 0.6, text=label, showarrow=False, font=dict(size=11), yanchor="top",
                           align="center")
    act = f"{arch.get('activation', '?')}, dropout {arch.get('dropout', 0)}"
    fig.add_annotation(x=(len(layers) - 1) / 2, y=top / 2 + 0.8, showarrow=False, font=dict(size=12),
                       text=f"Linear \u2192 {act} per hidden layer; {arch.get('n_parameters', '?'):,} parameters"
                       if isinstance(arch.get("n_parameters"), int) else f"Linear \u2192 {act} per hidden layer")
    if frozen:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="frozen features used in transfer",
                                 marker=dict(color=COLORS["highlight"], size=12, symbol="square")))
    fig.update_xaxes(visible=False, range=[-0.6, len(layers) - 0.4])
    fig.update_yaxes(visible=False, range=[-top / 2 - 7.5, top / 2 + 1.6])
    return style(fig, f"Architecture of {architecture_name(card)}", height=420)


def architecture_name(card: dict) -> str:
    """``the specific heat capacity net 4 (Morgan counts)``: a library net in words."""
    prop = (card.get("source") or {}).get("property") or "library"
    number = net_number(card.get("id"))
    desc = descriptor_label(str((card.get("descriptor") or {}).get("name", "")))
    return f"the {prop} {number or 'net'}" + (f" ({desc})" if desc else "")
