"""How the command line prints numbers: four significant digits, trailing zeros kept."""

import pytest

from podium.cli.summaries import number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (119.0, "119.0"),
        (120.18, "120.2"),
        (85.276, "85.28"),
        (0.70291, "0.7029"),
        (0.5, "0.5000"),
        (1.2, "1.200"),
        (14442.3, "14442"),
        (-3.5, "-3.500"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
    ],
)
def test_metrics_print_with_fixed_readable_precision(value: float, shown: str) -> None:
    # then
    assert number(value) == shown


def test_the_start_line_names_each_part_by_kind_and_no_uri() -> None:
    # given a stack whose tracking URI holds a password
    from conftest import ROOT
    from podium.cli.dispatch import describe_stack
    from podium.config.loading import load_config

    config = load_config(
        [str(ROOT / "configs" / "training.yaml")],
        ["tracker.tracking_uri=http://ana:s3cret@mlflow.internal:5000"],
    )

    # when
    line = describe_stack(config.stack)

    # then
    assert line.startswith("model lightgbm, storage cloudpath, tracker mlflow, registry mlflow")
    assert "s3cret" not in line
    assert "mlflow.internal" not in line
