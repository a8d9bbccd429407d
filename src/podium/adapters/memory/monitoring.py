"""In-memory notifier, chart renderer and explainer, re-exported by `podium.adapters.memory`."""

from collections.abc import Sequence

import pandas as pd
from typing_extensions import override

from podium.domain.errors import ModelError, NotificationError
from podium.domain.explanation import BIAS
from podium.domain.model import FittedModel
from podium.domain.notice import Notice
from podium.ports import ChartRenderer, Explainer, Notifier

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MEMORY_FRAMEWORK = "memory"  # `InMemoryModelFramework.name`


class InMemoryNotifier(Notifier):
    """Keeps the notices it is given; with `fail`, refuses each one as a dead channel would."""

    def __init__(self, *, fail: bool = False) -> None:
        self.notices: list[Notice] = []
        self.attempts = 0
        self._fail = fail

    @override
    def notify(self, notice: Notice) -> None:
        self.attempts += 1
        if self._fail:
            raise NotificationError(f"in-memory notifier: the {notice.job} notice was refused")
        self.notices.append(notice)


class InMemoryChartRenderer(ChartRenderer):
    """Records the charts asked for and returns the PNG signature as a stand-in image."""

    def __init__(self) -> None:
        self.charts: list[dict[str, object]] = []

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
        self.charts.append(
            {
                "labels": list(labels),
                "values": list(values),
                "title": title,
                "xlabel": xlabel,
                "line": reference_line,
                "highlight": None if highlight is None else list(highlight),
                "legend": legend,
                "notes": None if notes is None else list(notes),
            }
        )
        return PNG_SIGNATURE

    @override
    def search_chart(
        self,
        scores: Sequence[float | None],
        *,
        minimize: bool,
        title: str,
        ylabel: str,
    ) -> bytes:
        self.charts.append(
            {"scores": list(scores), "minimize": minimize, "title": title, "ylabel": ylabel}
        )
        return PNG_SIGNATURE


class InMemoryExplainer(Explainer):
    """Explains the constant regression models of `InMemoryModelFramework`: no feature matters,
    and each row's prediction is all bias."""

    name = "memory"

    @override
    def importance(
        self, model: FittedModel, features: pd.DataFrame, target: pd.Series | None
    ) -> pd.DataFrame:
        _constant(model)
        return pd.DataFrame({"feature": list(model.features), "importance": 0.0})

    @override
    def contributions(self, model: FittedModel, features: pd.DataFrame) -> pd.DataFrame:
        constant = _constant(model)
        missing = [c for c in model.features if c not in features.columns]
        if missing:
            raise ModelError(f"the rows to explain lack the model's feature column(s) {missing}")
        wide = pd.DataFrame(0.0, index=features.index, columns=[*model.features, BIAS])
        wide[BIAS] = constant
        return wide


def _constant(model: FittedModel) -> float:
    if model.framework != _MEMORY_FRAMEWORK or not isinstance(model.estimator, float):
        raise ModelError("the in-memory explainer explains in-memory regression models only")
    return model.estimator
