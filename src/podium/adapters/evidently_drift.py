"""The DriftDetector port on Evidently's data drift preset: the optional `evidently` extra.

Evidently is imported when the detector is built, not when this module is, so the container
and the other jobs never pay for it (it takes seconds) and need not have it installed.
"""

import functools
import importlib
import importlib.util
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from typing_extensions import override

from podium.domain.dataset import FeatureKind
from podium.domain.drift import DriftMethod, DriftPolicy, check_columns, column_drift
from podium.domain.drift_report import DriftReport
from podium.domain.errors import ConfigError, DataSchemaError
from podium.domain.rows import cap_rows
from podium.ports import DriftDetector

INSTALL_HINT = "pip install 'podium[evidently]'"
_METHODS = {
    DriftMethod.KS: "ks",
    DriftMethod.CHI2: "chisquare",
    DriftMethod.PSI: "psi",
    DriftMethod.WASSERSTEIN: "wasserstein",
}
_VALUE_DRIFT = "evidently:metric_v2:ValueDrift"


class EvidentlyDriftDetector(DriftDetector):
    """Evidently's `DataDriftPreset`, told the policy's method and threshold for each column,
    its per-column scores turned into the same report rows as every detector's.

    Differences from the statistical detector: Evidently's `chisquare` is a goodness-of-fit
    test of the current counts against the reference's shares (not a test of homogeneity), so
    it takes the reference as exact and flags more on small samples, and a category the
    reference lacks scores p = 0; its `psi` bins numbers into Sturges' bins over both tables
    (not the reference's deciles). Evidently reports a score only: `statistic` is NaN for the
    tests and equals the score for the distances. Raises `ConfigError` when built without
    Evidently installed.
    """

    name = "evidently"

    def __init__(self) -> None:
        self._evidently = _evidently()

    @override
    def detect(
        self,
        reference: pd.DataFrame,
        current: pd.DataFrame,
        columns: Mapping[str, FeatureKind],
        policy: DriftPolicy,
    ) -> DriftReport:
        check_columns(reference, current, columns)
        reference = cap_rows(reference, policy.max_rows, policy.seed)
        current = cap_rows(current, policy.max_rows, policy.seed)
        methods = {column: policy.method_for(column, kind) for column, kind in columns.items()}
        thresholds = {column: policy.threshold_for(column, m) for column, m in methods.items()}
        # Evidently cannot score a column without values on a side; the shared rule judges it.
        scored = {
            column: kind
            for column, kind in columns.items()
            if reference[column].notna().any() and current[column].notna().any()
        }
        scores = self._scores(reference, current, scored, methods, thresholds) if scored else {}
        results = []
        for column, kind in columns.items():
            score = scores.get(column, float("nan"))
            distance = methods[column] in (DriftMethod.PSI, DriftMethod.WASSERSTEIN)
            results.append(
                column_drift(
                    column,
                    kind,
                    methods[column],
                    statistic=score if distance else float("nan"),
                    score=score,
                    threshold=thresholds[column],
                    reference=reference[column],
                    current=current[column],
                )
            )
        return DriftReport(detector=self.name, columns=tuple(results))

    def _scores(
        self,
        reference: pd.DataFrame,
        current: pd.DataFrame,
        columns: Mapping[str, FeatureKind],
        methods: Mapping[str, DriftMethod],
        thresholds: Mapping[str, float],
    ) -> dict[str, float]:
        evidently = self._evidently
        definition = evidently.definition(
            numerical_columns=[c for c, k in columns.items() if k is FeatureKind.NUMERIC],
            categorical_columns=[c for c, k in columns.items() if k is FeatureKind.CATEGORICAL],
        )
        preset = evidently.preset(
            columns=list(columns),
            per_column_method={c: _METHODS[methods[c]] for c in columns},
            per_column_threshold={c: thresholds[c] for c in columns},
        )
        try:
            with warnings.catch_warnings():
                # Evidently's calls into pandas warn about pandas' own future, not about the data.
                warnings.simplefilter("ignore")
                snapshot = evidently.report([preset]).run(
                    current_data=evidently.dataset.from_pandas(
                        _plain(current, columns), data_definition=definition
                    ),
                    reference_data=evidently.dataset.from_pandas(
                        _plain(reference, columns), data_definition=definition
                    ),
                )
        except (ValueError, TypeError, KeyError) as exc:
            raise DataSchemaError(f"Evidently could not compare the tables: {exc}") from exc
        return _value_drifts(snapshot.dict())


def _plain(table: pd.DataFrame, columns: Mapping[str, FeatureKind]) -> pd.DataFrame:
    """The columns as Evidently reads them: floats, and categories as text with missing kept."""
    plain: dict[str, Any] = {}
    for column, kind in columns.items():
        values = table[column]
        if kind is FeatureKind.NUMERIC:
            plain[column] = values.to_numpy(dtype="float64", na_value=np.nan)
        elif ptypes.is_string_dtype(values) and not ptypes.is_object_dtype(values):
            plain[column] = values
        else:
            plain[column] = values.astype("string")
    return pd.DataFrame(plain, index=table.index)


def _value_drifts(snapshot: Mapping[str, Any]) -> dict[str, float]:
    return {
        str(metric["config"]["column"]): float(metric["value"])
        for metric in snapshot.get("metrics", [])
        if metric.get("config", {}).get("type") == _VALUE_DRIFT
    }


def is_installed() -> bool:
    """Whether the `evidently` extra is installed."""
    return importlib.util.find_spec("evidently") is not None


@dataclass(frozen=True)
class _Api:
    """The parts of Evidently this detector calls."""

    report: Any
    dataset: Any
    definition: Any
    preset: Any


@functools.cache
def _evidently() -> _Api:
    """Evidently's report, dataset and data drift preset, imported once, quietly."""
    if not is_installed():
        raise ConfigError(f"the evidently drift detector needs Evidently: {INSTALL_HINT}")
    _let_evidently_import_on_pandas_3()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecations inside Evidently's own dependencies
        evidently = importlib.import_module("evidently")
        presets = importlib.import_module("evidently.presets")
    logging.getLogger("evidently").setLevel(logging.WARNING)
    return _Api(
        report=evidently.Report,
        dataset=evidently.Dataset,
        definition=evidently.DataDefinition,
        preset=presets.DataDriftPreset,
    )


def _let_evidently_import_on_pandas_3() -> None:
    # Evidently 0.7's legacy package imports `infer_dtype_from_object`, which pandas 3 removed,
    # while the drift preset never calls it. Give pandas back a stand-in when it lacks one, so
    # the import succeeds; nothing else in pandas or podium reads that name.
    common = importlib.import_module("pandas.core.dtypes.common")
    if not hasattr(common, "infer_dtype_from_object"):
        common.infer_dtype_from_object = _dtype_class  # type: ignore[attr-defined]


def _dtype_class(dtype: Any) -> type[np.generic]:
    found: type[np.generic] = np.dtype(dtype).type
    return found
