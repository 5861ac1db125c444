"""Figures of a screen: the ranking, the spread of CV errors, out-of-fold parity plots.

Every name on a figure is a label of :mod:`core.labels` and every number is formatted by
:func:`core.labels.number`, so a figure says what the verdict and the tables say.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.labels import FAMILIES, candidate_label, cut, number, r2_text
from core.viz.theme import COLORS, KIND_FAMILY, axis_label, style


def family(kind: str) -> str:
    """``transfer`` or ``scratch`` for a ranking ``kind`` (rows carry their ``family`` too)."""
    return KIND_FAMILY.get(str(kind), "transfer")


def short_name(row: pd.Series | dict, width: int = 48) -> str:
    """Readable label of a ranking row, cut to ``width`` (:func:`core.labels.candidate_label`)."""
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
    rows = head.to_dict("records")
    labels = [f"#{int(r['rank'])} {short_name(r)}" for r in rows]
    hover = [f"{candidate_label(r)}<br>{FAMILIES.get(r['family'], r['family'])}<br>CV MAE {number(r['cv_mae'], unit)}"
             for r in rows]
    fig = go.Figure(go.Bar(
        x=head["cv_mae"], y=labels, orientation="h", marker_color=colors,
        error_x=dict(type="data", array=head["cv_mae_std"].fillna(0).to_numpy(), thickness=1),
        customdata=np.array([[h, candidate_label(r), r["family"]] for h, r in zip(hover, rows)], dtype=object),
        hovertemplate="%{customdata[0]}<extra></extra>"))
    if len(scratch):
        fig.add_vline(x=float(scratch["cv_mae"].iloc[0]), line_dash="dash", line_color=COLORS["scratch"],
                      annotation_text="best scratch", annotation_position="top",
                      annotation_bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(title=axis_label("CV MAE", unit))
    fig.update_yaxes(automargin=True)
    return style(fig, f"Top {min(top, len(ranking))} candidates by cross-validated MAE",
                 height=max(320, 22 * len(head) + 120))


def error_distribution(ranking: pd.DataFrame, unit: str = "", bins: int = 40) -> go.Figure:
    """Histograms of the CV MAE of every pretrained candidate and of its random-weight
    twin, with the scratch baselines as lines.

    Everything left of the solid red line beat the best scratch model under the same
    folds; if the grey (random) histogram sits where the blue one does, pretraining did
    not matter.  The legend has one entry per kind (the scratch baselines' names are on
    hover), so it never crowds the plot.
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
    for values_, name, color in ((transfer, f"pretrained ({len(transfer)})", COLORS["transfer"]),
                                 (random, f"random-weight controls ({len(random)})", COLORS["random"])):
        if len(values_):
            fig.add_trace(go.Histogram(x=values_, xbins=dict(start=float(edges[0]), end=float(edges[-1]),
                                                             size=float(edges[1] - edges[0])),
                                       marker_color=color, opacity=0.6, name=name,
                                       hovertemplate=f"CV MAE %{{x}}<br>%{{y}} candidates<extra>{name}</extra>"))
    for i, row in enumerate(scratch.to_dict("records")):
        label = candidate_label(row)
        fig.add_trace(go.Scatter(x=[row["cv_mae"]] * 2, y=[0, top], mode="lines", meta=label,
                                 name="best scratch baseline" if i == 0 else "other scratch baselines",
                                 legendgroup="best" if i == 0 else "other", showlegend=i < 2,
                                 line=dict(color=COLORS["scratch"], width=2.5 if i == 0 else 1.5,
                                           dash="solid" if i == 0 else "dot"),
                                 hovertemplate=f"{label}<br>CV MAE {number(row['cv_mae'], unit)}<extra></extra>"))
    fig.update_xaxes(title=axis_label("CV MAE", unit))
    fig.update_yaxes(title="candidates", range=[0, top])
    fig.update_layout(barmode="overlay", bargap=0.05)
    return style(fig, "Cross-validated error of every candidate, with the scratch baselines")


def oof_mean(oof: np.ndarray) -> np.ndarray:
    """Mean out-of-fold prediction per row over repetitions (NaN where never predicted)."""
    oof = np.atleast_2d(np.asarray(oof, dtype=float))
    with np.errstate(invalid="ignore"):
        counts = np.isfinite(oof).sum(axis=0)
        total = np.where(np.isfinite(oof), oof, 0.0).sum(axis=0)
    return np.where(counts > 0, total / np.maximum(counts, 1), np.nan)


def parity_stats(y: np.ndarray, pred: np.ndarray) -> dict:
    """MAE, RMSE and R2 over every predicted (repetition, row) cell.

    Over cells, not over the rows' mean prediction: that is how the nested estimate is
    scored (:class:`core.transfer.procedure.NestedEstimate`), so the two agree.
    """
    y = np.asarray(y, dtype=float)
    pred = np.atleast_2d(np.asarray(pred, dtype=float))
    yy = np.broadcast_to(y[None, :], pred.shape)
    ok = np.isfinite(pred)
    err = pred[ok] - yy[ok]
    denom = ((yy[ok] - yy[ok].mean()) ** 2).sum() if ok.any() else 0.0
    n_rows = int(ok.any(axis=0).sum())
    return {"n": n_rows, "mae": float(np.abs(err).mean()) if ok.any() else float("nan"),
            "rmse": float(np.sqrt((err ** 2).mean())) if ok.any() else float("nan"),
            "r2": float(1 - (err ** 2).sum() / denom) if ok.any() and denom > 0 else float("nan")}


def parity_title(name: str, stats: dict, unit: str = "", width: int = 70) -> str:
    """A panel's title: its name (on lines of at most ``width`` characters) and
    ``MAE 1.4 kcal/mol · R² 0.81 · n=50`` (on two lines when the panel is narrow)."""
    import textwrap

    head = "<br>".join(f"<b>{line}</b>" for line in textwrap.wrap(name, width)) or f"<b>{name}</b>"
    mae, rest = f"MAE {number(stats['mae'], unit)}", f"R\u00b2 {r2_text(stats['r2'])} \u00b7 n={stats['n']}"
    tail = f"{mae} \u00b7 {rest}" if len(mae) + len(rest) + 3 <= width else f"{mae}<br>{rest}"
    return f"{head}<br>{tail}"


def parity_figure(y: np.ndarray, predictions: dict[str, np.ndarray], *, target: str = "target", unit: str = "",
                  structures: list[str] | None = None, families: dict[str, str] | None = None,
                  scores: dict[str, dict] | None = None) -> go.Figure:
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
    scores : dict, optional
        Panel title -> ``{"mae": ..., "r2": ...}`` the engine reported for it (a ranking
        row's CV MAE is the mean over folds): shown instead of the numbers computed here,
        so a panel says what the verdict and the ranking say.
    """
    y = np.asarray(y, dtype=float)
    names = list(predictions)
    preds = {name: oof_mean(p) for name, p in predictions.items()}
    stats = {name: {**parity_stats(y, p), **{k: v for k, v in ((scores or {}).get(name) or {}).items()
                                              if v is not None}} for name, p in predictions.items()}
    width = {1: 80, 2: 44}.get(len(names), 26)  # characters per title line: panels never share a title's room
    titles = [parity_title(cut(name, 3 * width), stats[name], unit, width) for name in names]
    lines = max(t.count("<br>") + 1 for t in titles)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.06)
    values = np.concatenate([y] + [p[np.isfinite(p)] for p in preds.values()])
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    hover = [cut(s, 60) for s in structures] if structures is not None else [str(i) for i in range(len(y))]
    for col, name in enumerate(names, start=1):
        color = COLORS[(families or {}).get(name, "transfer")]
        pred = preds[name]
        ok = np.isfinite(pred)
        fig.add_trace(go.Scatter(x=y[ok], y=pred[ok], mode="markers", name=cut(name, 40), showlegend=False,
                                 marker=dict(color=color, size=8, opacity=0.75, line=dict(width=0.5, color="white")),
                                 text=[hover[i] for i in np.flatnonzero(ok)],
                                 hovertemplate="%{text}<br>measured %{x:.3g}<br>predicted %{y:.3g}<extra></extra>"),
                      row=1, col=col)
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", showlegend=False, hoverinfo="skip",
                                 line=dict(color=COLORS["neutral"], dash="dash", width=1)), row=1, col=col)
        # short axis titles: side by side, long target names would run into each other
        measured = f"measured {cut(target, 60)}" if len(names) == 1 else "measured"
        fig.update_xaxes(range=[lo, hi], title=axis_label(measured, unit), row=1, col=col)
        fig.update_yaxes(range=[lo, hi], row=1, col=col)
    for annotation in fig.layout.annotations:  # subplot titles: two lines over each panel
        annotation.font = dict(size=13)
    fig.update_yaxes(title=axis_label("prediction on unseen rows", unit), row=1, col=1)
    fig = style(fig, None, height=440 + 17 * lines)
    fig.update_layout(margin=dict(t=24 + 17 * lines))
    return fig


def oof_frame(structures: list[str], y: np.ndarray, oof: dict[str, np.ndarray], candidates: list[str],
              labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Out-of-fold predictions in long form: one row per (structure, candidate), with the
    candidate's label and its machine id in separate columns.

    Columns: ``structure``, ``measured``, ``label``, ``prediction``, ``candidate``.
    """
    frames = []
    for name in candidates:
        if name in oof:
            frames.append(pd.DataFrame({"structure": list(structures), "measured": np.asarray(y, dtype=float),
                                        "label": (labels or {}).get(name, name),
                                        "prediction": oof_mean(oof[name]), "candidate": name}))
    if not frames:
        return pd.DataFrame(columns=["structure", "measured", "label", "prediction", "candidate"])
    return pd.concat(frames, ignore_index=True)


def parity_choices(ranking: pd.DataFrame, oof: dict) -> list[str]:
    """Candidates that have out-of-fold predictions, in ranking order."""
    return [c for c in ranking["candidate"] if c in oof]
