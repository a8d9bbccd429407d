"""The ChartRenderer contract (`podium.testing.ChartRendererContract`) on the in-memory fake and
on matplotlib; then what only matplotlib promises."""

import pytest

from podium.adapters.matplotlib_charts import MatplotlibChartRenderer
from podium.adapters.memory import InMemoryChartRenderer
from podium.ports import ChartRenderer
from podium.testing import ChartRendererContract


class TestInMemoryChartRenderer(ChartRendererContract):
    @pytest.fixture
    def chart_renderer(self) -> ChartRenderer:
        return InMemoryChartRenderer()


class TestMatplotlibChartRenderer(ChartRendererContract):
    @pytest.fixture
    def chart_renderer(self) -> ChartRenderer:
        return MatplotlibChartRenderer()

    def test_matplotlib_draws_a_taller_picture_for_more_bars(self) -> None:
        # given
        charts = MatplotlibChartRenderer()

        # when
        few = charts.bar_chart(["a"], [1.0], title="t", xlabel="x")
        many = charts.bar_chart([str(i) for i in range(30)], [1.0] * 30, title="t", xlabel="x")

        # then: the PNG header holds the height, big-endian, at bytes 20..24
        assert int.from_bytes(many[20:24], "big") > int.from_bytes(few[20:24], "big")
