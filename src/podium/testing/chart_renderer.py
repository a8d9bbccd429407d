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

    @pytest.mark.parametrize("bars", [0, 1, 12])
    def test_a_bar_chart_with_highlights_a_legend_and_notes_is_png_bytes(
        self, chart_renderer: ChartRenderer, bars: int
    ) -> None:
        # when
        png = chart_renderer.bar_chart(
            [f"column {i}" for i in range(bars)],
            [float(i) for i in range(bars)],
            title="Drift",
            xlabel="strength",
            highlight=[i % 2 == 0 for i in range(bars)],
            legend=("drifted", "not drifted"),
            notes=[f"p = {i}" for i in range(bars)],
        )

        # then
        assert png.startswith(PNG_SIGNATURE)

    def test_highlights_or_notes_of_another_length_are_refused(
        self, chart_renderer: ChartRenderer
    ) -> None:
        # when / then
        with pytest.raises(ValueError, match="2 labels for 1 highlight"):
            chart_renderer.bar_chart(
                ["a", "b"], [1.0, 2.0], title="t", xlabel="x", highlight=[True]
            )
        with pytest.raises(ValueError, match="2 labels for 3 notes"):
            chart_renderer.bar_chart(["a", "b"], [1.0, 2.0], title="t", xlabel="x", notes="abc")

    @pytest.mark.parametrize("minimize", [True, False])
    @pytest.mark.parametrize("trials", [0, 1, 30])
    def test_a_search_chart_is_png_bytes(
        self, chart_renderer: ChartRenderer, trials: int, minimize: bool
    ) -> None:
        # given: some trials without a score (pruned, failed)
        scores = [None if i % 4 == 3 else 100.0 / (i + 1) for i in range(trials)]

        # when
        png = chart_renderer.search_chart(scores, minimize=minimize, title="Search", ylabel="rmse")

        # then
        assert png.startswith(PNG_SIGNATURE)

    def test_labels_and_values_of_different_lengths_are_refused(
        self, chart_renderer: ChartRenderer
    ) -> None:
        # when / then
        with pytest.raises(ValueError, match="2 labels for 1 values"):
            chart_renderer.bar_chart(["a", "b"], [1.0], title="t", xlabel="x")
