"""ChartRenderer: draw the small charts jobs attach to their runs, as PNG bytes."""

from abc import abstractmethod
from collections.abc import Sequence
from typing import Protocol


class ChartRenderer(Protocol):
    """Turns numbers into a picture a tracker can store, so use cases never import a plotting
    library.

    `podium.testing.ChartRendererContract` checks these rules on any implementation.
    """

    @abstractmethod
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
        """A horizontal bar chart, first label on top, as PNG bytes (starting with the PNG
        signature), for any number of bars, none included.

        `reference_line` draws a vertical line at that value (a threshold). `highlight` marks
        bars to draw in an alert colour (drifted columns); `legend` names the highlighted bars
        and the others, in that order. `notes` are short texts written at the end of each bar
        (the value behind a clipped bar). Raises `ValueError` when `labels` and `values` (or
        `highlight`, or `notes`) differ in length ("2 labels for 1 values").
        """

    @abstractmethod
    def search_chart(
        self,
        scores: Sequence[float | None],
        *,
        minimize: bool,
        title: str,
        ylabel: str,
    ) -> bytes:
        """A chart of a search as PNG bytes: one point per trial (`None`: no score, not drawn)
        in trial order, and the best score so far as a step line; for any number of trials,
        none included. `minimize` says which way is better.
        """
