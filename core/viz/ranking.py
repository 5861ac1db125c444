"""Figures of a screen: the ranking, the spread of CV errors, out-of-fold parity plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.labels import candidate_label
from core.viz.theme import COLORS, KIND_FAMILY, axis_label, style



def family(kind: str) -> str:
    """``transfer`` or ``scratch`` for a ranking ``kind`` (rows carry their ``family`` too)."""
    return KIND_FAMILY.get(str(kind), "transfer")


def short_name(row: pd.Series | dict, width: int = 48) -> str:
    """Readable label of a ranking row (:func:`core.labels.candidate_label`)."""
    return candidate_label(row, width)


def ranking_figure(ranking: pd.DataFrame, top: int = 20, unit: str = "") -> go.Figure:
    """Horizontal bars of the ``top`` candidates' CV MAE with their spread over folds.

    The best scratch baseline is always included (and drawn as a dashed line), so the
    reader sees at once whether anything beat it; random-weight controls are grey.
    """
    head = ranking.head(top)
    scratch = ranking[ranking["family"] == "scratch"]
    if len(scratch) and scratch.index[0] not in head.index:
        head = pd.concat([head, scratch.head(1)])
    head = head.iloc[::-1]
    colors = [COLORS[f] for f in head["family"]]
    labels = [f"#{int(r['rank'])} {short_name(r)}" for _, r in head.iterrows()]
    fig = go.Figure(go.Bar(
        x=head["cv_mae"], y=labels, orientation="h", marker_color=colors,
        error_x=dict(type="data", array=head["cv_mae_std"].fillna(0).to_numpy(), thickness=1),
        customdata=np.stack([head["label"], head["family"]], axis=1),
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>CV MAE %{x:.4g}<extra></extra>"))
    if len(scratch):
        fig.add_vline(x=float(scratch["cv_mae"].iloc[0]), line_dash="dash", line_color=COLORS["scratch"],
                      annotation_text="best scratch", annotation_position="top")
    fig.update_xaxes(title=axis_label("CV MAE", unit))
    return style(fig, f"Top {min(top, len(ranking))} candidates by cross-validated MAE",
                 height=max(320, 22 * len(head) + 120))


def error_distribution(ranking: pd.DataFrame, unit: str = "", bins: int = 40) -> go.Figure:
    """Histograms of the CV MAE of every pretrained candidate and of its random-weight
    twin, with the scratch baselines as lines.

    Everything left of the solid red line beat the best scratch model under the same
    folds; if the grey (random) histogram sits where the blue one does, pretraining did
    not matter.
    """
    transfer = ranking[ranking["family"] == "transfer"]["cv_mae"].to_numpy(dtype=float)
    random = ranking[ranking["family"] == "random"]["cv_mae"].to_numpy(dtype=float)
    scratch = ranking[ranking["family"] == "scratch"].drop_duplicates("candidate")
    values = np.concatenate([transfer, random, scratch["cv_mae"].to_numpy(dtype=float)])
    values = values[np.isfinite(values)]
    edges = np.histogram_bin_edges(values, bins=bins) if values.size else np.array([0.0, 1.0])
    counts = [np.histogram(v, bins=edges)[0].max(initial=0) for v in (transfer, random)]
    top = max(1.0, float(max(counts)) * 1.08)
    fig = go.Figure()
    for values_, name, color in ((transfer, f"{len(transfer)} pretrained candidates", COLORS["transfer"]),
                                 (random, f"{len(random)} random-weight controls", COLORS["random"])):
        if len(values_):
            fig.add_trace(go.Histogram(x=values_, xbins=dict(start=float(edges[0]), end=float(edges[-1]),
                                                             size=float(edges[1] - edges[0])),
                                       marker_color=color, opacity=0.6, name=name,
                                       hovertemplate="CV MAE %{x}<br>%{y} candidates<extra></extra>"))
    for i, (_, row) in enumerate(scratch.iterrows()):
        name = short_name(row, 60)
        fig.add_trace(go.Scatter(x=[row["cv_mae"]] * 2, y=[0, top], mode="lines", name=name,
                                 line=dict(color=COLORS["scratch"], width=2.5 if i == 0 else 1.5,
                                           dash="solid" if i == 0 else "dot"),
                                 hovertemplate=f"{name}<br>CV MAE %{{x:.4g}}<extra></extra>"))
    fig.update_xaxes(title=axis_label("CV MAE", unit))
    fig.update_yaxes(title="candidates", range=[0, top])
    fig.update_layout(barmode="overlay", bargap=0.05,
                      legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="right", x=1.0))
    return style(fig, "Cross-validated error of every screened model, with the scratch baselines")


def oof_mean(oof: np.ndarray) -> np.ndarray:
    """Mean out-of-fold prediction per row over repetitions (NaN where never predicted)."""
    oof = np.atleast_2d(np.asarray(oof, dtype=float))
    with np.errstate(invalid="ignore"):
        counts = np.isfinite(oof).sum(axis=0)
        total = np.where(np.isfinite(oof), oof, 0.0).sum(axis=0)
    return np.where(counts > 0, total / np.maximum(counts, 1), np.nan)


def parity_stats(y: np.ndarray, pred: np.ndarray) -> dict:
    """MAE, RMSE and R2 over the rows that have a prediction."""
    y, pred = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    ok = np.isfinite(pred)
    err = pred[ok] - y[ok]
    denom = ((y[ok] - y[ok].mean()) ** 2).sum()
    return {"n": int(ok.sum()), "mae": float(np.abs(err).mean()) if ok.any() else float("nan"),
            "rmse": float(np.sqrt((err ** 2).mean())) if ok.any() else float("nan"),
            "r2": float(1 - (err ** 2).sum() / denom) if ok.any() and denom > 0 else float("nan")}


def parity_figure(y: np.ndarray, predictions: dict[str, np.ndarray], *, target: str = "target", unit: str = "",
                  structures: list[str] | None = None, families: dict[str, str] | None = None) -> go.Figure:
    """Side-by-side out-of-fold parity plots (measured vs predicted), one per candidate.

    Parameters
    ----------
    y : array (n,)
        Measured values.
    predictions : dict
        Panel title -> out-of-fold predictions, (n,) or (repeats, n).
    structures : list of str, optional
        Shown on hover.
    families : dict, optional
        Panel title -> ``transfer``/``scratch``/``random``/``recommended`` for the marker colour.
    """
    y = np.asarray(y, dtype=float)
    names = list(predictions)
    preds = {name: oof_mean(p) for name, p in predictions.items()}
    stats = {name: parity_stats(y, p) for name, p in preds.items()}
    titles = [f"{name}<br><sup>MAE {stats[name]['mae']:.3g} \u00b7 R\u00b2 {stats[name]['r2']:.2f} "
              f"\u00b7 n={stats[name]['n']}</sup>" for name in names]
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.06)
    values = np.concatenate([y] + [p[np.isfinite(p)] for p in preds.values()])
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    hover = structures if structures is not None else [str(i) for i in range(len(y))]
    for col, name in enumerate(names, start=1):
        color = COLORS[(families or {}).get(name, "transfer")]
        pred = preds[name]
        ok = np.isfinite(pred)
        fig.add_trace(go.Scatter(x=y[ok], y=pred[ok], mode="markers", name=name, showlegend=False,
                                 marker=dict(color=color, size=8, opacity=0.75, line=dict(width=0.5, color="white")),
                                 text=[hover[i] for i in np.flatnonzero(ok)],
                                 hovertemplate="%{text}<br>measured %{x:.4g}<br>predicted %{y:.4g}<extra></extra>"),
                      row=1, col=col)
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", showlegend=False, hoverinfo="skip",
                                 line=dict(color=COLORS["neutral"], dash="dash", width=1)), row=1, col=col)
        fig.update_xaxes(range=[lo, hi], title=axis_label(f"measured {target}", unit), row=1, col=col)
        fig.update_yaxes(range=[lo, hi], row=1, col=col)
    fig.update_yaxes(title=axis_label("out-of-fold prediction", unit), row=1, col=1)
    return style(fig, None, height=440)


def oof_frame(structures: list[str], y: np.ndarray, oof: dict[str, np.ndarray], candidates: list[str]) -> pd.DataFrame:
    """Measured values and the mean out-of-fold prediction of each candidate, one row per structure."""
    table = pd.DataFrame({"structure": list(structures), "measured": np.asarray(y, dtype=float)})
    for name in candidates:
        if name in oof:
            table[name] = oof_mean(oof[name])
    return table


def parity_choices(ranking: pd.DataFrame, oof: dict) -> list[str]:
    """Candidates that have out-of-fold predictions, in ranking order."""
    return [c for c in ranking["candidate"] if c in oof]
