"""The ChartRenderer port on matplotlib, without pyplot's global state.

matplotlib is imported when the first chart is drawn, so jobs that draw none never load it.
"""

import io
from collections.abc import Sequence

from typing_extensions import override

from podium.ports import ChartRenderer

_BAR_HEIGHT_INCHES = 0.35
_MIN_HEIGHT_INCHES = 2.5


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
    ) -> bytes:
        if len(labels) != len(values):
            raise ValueError(f"{len(labels)} labels for {len(values)} values")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        height = max(_MIN_HEIGHT_INCHES, 1.2 + _BAR_HEIGHT_INCHES * len(labels))
        figure = Figure(figsize=(7.0, height), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        axes.barh(positions, list(values), color="#4c72b0")
        axes.set_yticks(positions, [str(label) for label in labels])
        axes.invert_yaxis()
        if reference_line is not None:
            axes.axvline(reference_line, color="#c44e52", linestyle="--", linewidth=1)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()
