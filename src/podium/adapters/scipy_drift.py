"""The DriftDetector port on scipy: KS and chi-squared tests, PSI and Wasserstein distances."""

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm
from typing_extensions import override

from podium.domain.dataset import FeatureKind
from podium.domain.drift import DriftMethod, DriftPolicy, check_columns, column_drift
from podium.domain.drift_report import DriftReport
from podium.domain.rows import cap_rows
from podium.ports import DriftDetector

_PSI_BINS = 10
_PSI_FLOOR = 1e-4
_SMALLEST_SD = 1e-3
_EXACT_KS_ROWS = 10_000  # where scipy's ks_2samp stops computing exact p-values

Scores = tuple[float, float]


class ScipyDriftDetector(DriftDetector):
    """Two-sample statistics from scipy, one column at a time, on at most `max_rows` rows.

    `ks`: `scipy.stats.ks_2samp` up to 10,000 rows a side, beyond that the same statistic with
    the limiting Kolmogorov distribution's p-value (`kstwobign`). `chi2`:
    `scipy.stats.chi2_contingency` on the category counts of both tables (a test of
    homogeneity, without Yates' correction). `psi`: the population stability index over the
    reference's deciles (numeric) or the categories, with shares floored at 1e-4.
    `wasserstein`: `scipy.stats.wasserstein_distance` divided by the reference's standard
    deviation (at least 1e-3). With `progress_columns` columns or more, a progress bar shows on
    a terminal (never in logs or pipes).
    """

    name = "statistical"

    def __init__(self, *, progress_columns: int = 20, show_progress: bool = True) -> None:
        self._progress_columns = progress_columns
        self._show_progress = show_progress

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
        few = len(columns) < self._progress_columns
        quiet = True if few or not self._show_progress else None  # None: on a TTY only
        results = []
        for column, kind in tqdm(columns.items(), desc="drift", disable=quiet, leave=False):
            method = policy.method_for(column, kind)
            old, new = reference[column], current[column]
            statistic, score = _score(method, old.dropna(), new.dropna(), kind)
            results.append(
                column_drift(
                    column,
                    kind,
                    method,
                    statistic=statistic,
                    score=score,
                    threshold=policy.threshold_for(column, method),
                    reference=old,
                    current=new,
                )
            )
        return DriftReport(detector=self.name, columns=tuple(results))


def _score(method: DriftMethod, old: pd.Series, new: pd.Series, kind: FeatureKind) -> Scores:
    if old.empty or new.empty:
        return float("nan"), float("nan")
    if method is DriftMethod.CHI2 or (
        method is DriftMethod.PSI and kind is FeatureKind.CATEGORICAL
    ):
        old_counts, new_counts = _category_counts(old, new)
        return _CATEGORICAL[method](old_counts, new_counts)
    return _NUMERIC[method](_numbers(old), _numbers(new))


def _numbers(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="float64", na_value=np.nan)


def _category_counts(old: pd.Series, new: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    # Counting the raw values and only then naming them as text keeps a million rows fast.
    counts = pd.concat({"old": _counts_by_name(old), "new": _counts_by_name(new)}, axis=1).fillna(0)
    counts = counts[counts.sum(axis=1) > 0]  # a category of a pandas dtype that nobody uses
    return counts["old"].to_numpy(dtype="float64"), counts["new"].to_numpy(dtype="float64")


def _counts_by_name(values: pd.Series) -> pd.Series:
    counts = values.value_counts(sort=False)
    counts.index = counts.index.astype(str)
    return counts.groupby(level=0, sort=True).sum()


def _ks(old: np.ndarray, new: np.ndarray) -> Scores:
    if max(len(old), len(new)) <= _EXACT_KS_ROWS:
        result = stats.ks_2samp(old, new)  # exact p-values for samples this small
        return float(result.statistic), float(result.pvalue)
    # Beyond that, scipy's finite-n tail (`kstwo`) costs more than the rest of the whole
    # comparison, and differs from the limiting distribution by far less than sampling noise.
    old, new = np.sort(old), np.sort(new)
    both = np.concatenate([old, new])
    gap = np.abs(
        np.searchsorted(old, both, side="right") / len(old)
        - np.searchsorted(new, both, side="right") / len(new)
    )
    statistic = float(gap.max())
    effective = len(old) * len(new) / (len(old) + len(new))
    return statistic, float(stats.kstwobign.sf(statistic * np.sqrt(effective)))


def _wasserstein(old: np.ndarray, new: np.ndarray) -> Scores:
    distance = float(stats.wasserstein_distance(old, new))
    return distance, distance / max(float(np.std(old)), _SMALLEST_SD)


def _numeric_psi(old: np.ndarray, new: np.ndarray) -> Scores:
    edges = np.unique(np.quantile(old, np.linspace(0, 1, _PSI_BINS + 1)[1:-1]))
    old_counts = np.bincount(np.searchsorted(edges, old, side="right"), minlength=len(edges) + 1)
    new_counts = np.bincount(np.searchsorted(edges, new, side="right"), minlength=len(edges) + 1)
    return _psi(old_counts.astype("float64"), new_counts.astype("float64"))


def _psi(old_counts: np.ndarray, new_counts: np.ndarray) -> Scores:
    old_shares = np.maximum(old_counts / old_counts.sum(), _PSI_FLOOR)
    new_shares = np.maximum(new_counts / new_counts.sum(), _PSI_FLOOR)
    value = float(np.sum((new_shares - old_shares) * np.log(new_shares / old_shares)))
    return value, value


def _chi2(old_counts: np.ndarray, new_counts: np.ndarray) -> Scores:
    if len(old_counts) < 2:
        return 0.0, 1.0  # one category on both sides: nothing can have moved
    result = stats.chi2_contingency(np.vstack([old_counts, new_counts]), correction=False)
    return float(result.statistic), float(result.pvalue)


_NUMERIC: dict[DriftMethod, Callable[[np.ndarray, np.ndarray], Scores]] = {
    DriftMethod.KS: _ks,
    DriftMethod.WASSERSTEIN: _wasserstein,
    DriftMethod.PSI: _numeric_psi,
}
_CATEGORICAL: dict[DriftMethod, Callable[[np.ndarray, np.ndarray], Scores]] = {
    DriftMethod.CHI2: _chi2,
    DriftMethod.PSI: _psi,
}
