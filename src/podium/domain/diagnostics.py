"""Tables that show where a model errs: residuals by predicted level, confusion of classes."""

import numpy as np
import pandas as pd

RESIDUAL_BINS = 10


def residual_table(
    truth: pd.Series | np.ndarray, predicted: np.ndarray, bins: int = RESIDUAL_BINS
) -> pd.DataFrame:
    """Residuals (`actual - predicted`) summarised by bins of equal count over the predictions.

    One row per bin, lowest predictions first: `bin`, `rows`, `predicted_min`, `predicted_max`,
    `mean_actual`, `mean_predicted`, `mean_residual`, `rmse`. Its size depends on `bins`, not
    on the number of rows.
    """
    actual = np.asarray(truth, dtype=float)
    pred = np.asarray(predicted, dtype=float)
    columns = [
        "bin",
        "rows",
        "predicted_min",
        "predicted_max",
        "mean_actual",
        "mean_predicted",
        "mean_residual",
        "rmse",
    ]
    if len(pred) == 0:
        return pd.DataFrame(columns=columns)
    order = np.argsort(pred, kind="stable")
    rows = []
    for number, part in enumerate(np.array_split(order, min(bins, len(pred))), start=1):
        residual = actual[part] - pred[part]
        rows.append(
            (
                number,
                len(part),
                float(pred[part].min()),
                float(pred[part].max()),
                float(actual[part].mean()),
                float(pred[part].mean()),
                float(residual.mean()),
                float(np.sqrt(np.mean(residual**2))),
            )
        )
    return pd.DataFrame(rows, columns=columns)


def confusion_table(
    truth: pd.Series | np.ndarray, predicted: np.ndarray, classes: np.ndarray | None = None
) -> pd.DataFrame:
    """Counts of each (actual, predicted) pair of labels in long form: `actual`, `predicted`,
    `rows`, over every pair of `classes` and labels seen, zeros included."""
    actual = np.asarray(truth)
    pred = np.asarray(predicted)
    seen = np.concatenate([actual, pred])
    labels = np.unique(seen if classes is None else np.concatenate([np.asarray(classes), seen]))
    actual_codes = pd.Categorical(actual, categories=labels).codes
    predicted_codes = pd.Categorical(pred, categories=labels).codes
    counts = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(counts, (actual_codes, predicted_codes), 1)
    return pd.DataFrame(
        {
            "actual": np.repeat(labels, len(labels)).astype(str),
            "predicted": np.tile(labels, len(labels)).astype(str),
            "rows": counts.ravel(),
        }
    )
