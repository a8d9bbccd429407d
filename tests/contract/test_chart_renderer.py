"""Contract of ChartRenderer on the in-memory fake and matplotlib."""

import pytest

from podium.adapters.matplotlib_charts import MatplotlibChartRenderer
from podium.adapters.memory import InMemoryChartRenderer
from podium.ports import ChartRenderer

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(params=["memory", "matplotlib"])
def charts(request: pytest.FixtureRequest) -> ChartRenderer:
    return InMemoryChartRenderer() if request.param == "memory" else MatplotlibChartRenderer()


@pytest.mark.parametrize("bars", [0, 1, 12])
def test_a_bar_chart_is_png_bytes(charts: ChartRenderer, bars: int) -> None:
    # given
    labels = [f"column {i}" for i in range(bars)]
    values = [float(i) / 3 for i in range(bars)]

    # when
    png = charts.bar_chart(labels, values, title="Drift", xlabel="strength", reference_line=1.0)

    # then
    assert png.startswith(PNG_SIGNATURE)


def test_labels_and_values_of_different_lengths_are_refused(charts: ChartRenderer) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="2 labels for 1 values"):
        charts.bar_chart(["a", "b"], [1.0], title="t", xlabel="x")


def test_matplotlib_draws_a_taller_picture_for_more_bars() -> None:
    # given
    charts = MatplotlibChartRenderer()

    # when
    few = charts.bar_chart(["a"], [1.0], title="t", xlabel="x")
    many = charts.bar_chart([str(i) for i in range(30)], [1.0] * 30, title="t", xlabel="x")

    # then: the PNG header holds the height, big-endian, at bytes 20..24
    assert int.from_bytes(many[20:24], "big") > int.from_bytes(few[20:24], "big")
