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
    ) -> bytes:
        """A horizontal bar chart, first label on top, as PNG bytes (starting with the PNG
        signature), for any number of bars, none included.

        `reference_line` draws a vertical line at that value (a threshold). Raises
        `ValueError` when `labels` and `values` differ in length ("2 labels for 1 values").
        """
