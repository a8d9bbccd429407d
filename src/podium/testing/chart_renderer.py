"""The ChartRenderer contract: `ChartRendererContract`."""

import pytest

from podium.ports import ChartRenderer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ChartRendererContract:
    """What every `ChartRenderer` promises.

    Subclass it, under a name pytest collects, and define:

    - `chart_renderer` (required): the renderer.
    """

    @pytest.mark.parametrize("bars", [0, 1, 12])
    def test_a_bar_chart_is_png_bytes(self, chart_renderer: ChartRenderer, bars: int) -> None:
        # given
        labels = [f"column {i}" for i in range(bars)]
        values = [float(i) / 3 for i in range(bars)]

        # when
        png = chart_renderer.bar_chart(
            labels, values, title="Drift", xlabel="strength", reference_line=1.0
        )

        # then
        assert png.startswith(PNG_SIGNATURE)

    def test_labels_and_values_of_different_lengths_are_refused(
        self, chart_renderer: ChartRenderer
    ) -> None:
        # when / then
        with pytest.raises(ValueError, match="2 labels for 1 values"):
            chart_renderer.bar_chart(["a", "b"], [1.0], title="t", xlabel="x")
