"""The ChartRenderer port on matplotlib, without pyplot's global state.

matplotlib is imported when the first chart is drawn, so jobs that draw none never load it.
"""

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from typing_extensions import override

from podium.ports import ChartRenderer

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_BAR_HEIGHT_INCHES = 0.35
_MIN_HEIGHT_INCHES = 2.5
_CALM = "#4c72b0"
_ALERT = "#c44e52"


class MatplotlibChartRenderer(ChartRenderer):
    """Draws on a private `Figure` with the Agg canvas and returns PNG bytes."""

    @override
    def bar_chart(
        self,
        labels: Sequence[str],
        values: Sequence[float],
        *,
        title: str,
        xlabel: str,
        reference_line: float | None = None,
        highlight: Sequence[bool] | None = None,
        legend: tuple[str, str] | None = None,
        notes: Sequence[str] | None = None,
    ) -> bytes:
        for name, other in (("values", values), ("highlight", highlight), ("notes", notes)):
            if other is not None and len(other) != len(labels):
                raise ValueError(f"{len(labels)} labels for {len(other)} {name}")
        figure = _figure(max(_MIN_HEIGHT_INCHES, 1.4 + _BAR_HEIGHT_INCHES * len(labels)))
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        marked = list(highlight) if highlight is not None else [False] * len(labels)
        colours = [_ALERT if mark else _CALM for mark in marked]
        axes.barh(positions, list(values), color=colours)
        axes.set_yticks(positions, [str(label) for label in labels])
        axes.invert_yaxis()
        if reference_line is not None:
            axes.axvline(reference_line, color="#555555", linestyle="--", linewidth=1)
        for position, value, note in zip(positions, values, notes or [], strict=False):
            axes.annotate(
                f" {note}",
                (value, position),
                va="center",
                fontsize=8,
                annotation_clip=False,
            )
        if notes:
            axes.margins(x=0.18)
        if legend is not None:
            from matplotlib.patches import Patch

            handles = [Patch(color=_ALERT, label=legend[0]), Patch(color=_CALM, label=legend[1])]
            axes.legend(handles=handles, loc="lower right", fontsize=8)
        axes.set_title(title, fontsize=10)
        axes.set_xlabel(xlabel)
        return _png(figure)

    @override
    def search_chart(
        self,
        scores: Sequence[float | None],
        *,
        minimize: bool,
        title: str,
        ylabel: str,
    ) -> bytes:
        figure = _figure(4.0)
        axes = figure.add_subplot()
        scored = [(n, s) for n, s in enumerate(scores) if s is not None]
        axes.scatter(
            [n for n, _ in scored], [s for _, s in scored], color=_CALM, s=14, label="trial"
        )
        best: list[float] = []
        for _, score in scored:
            keep = best and (best[-1] <= score if minimize else best[-1] >= score)
            best.append(best[-1] if keep else score)
        if scored:
            axes.step([n for n, _ in scored], best, where="post", color=_ALERT, label="best so far")
            axes.legend(loc="upper right" if minimize else "lower right", fontsize=8)
        axes.set_title(title, fontsize=10)
        axes.set_xlabel("trial")
        axes.set_ylabel(ylabel)
        return _png(figure)


def _figure(height: float) -> "Figure":
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: "Figure") -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
