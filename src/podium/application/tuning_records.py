"""What a tuning run records of its study: the trials table, child runs, the overlay's header."""

import json
from collections.abc import Mapping

import pandas as pd
from pydantic import JsonValue

from podium.domain.model import RunStatus
from podium.domain.study import StudyResult, TrialResult, TrialState
from podium.domain.tuning import TuningRequest
from podium.ports import ExperimentTracker

_RUN_STATUS = {
    TrialState.COMPLETE: RunStatus.FINISHED,
    TrialState.PRUNED: RunStatus.FINISHED,
    TrialState.FAIL: RunStatus.FAILED,
}


def trials_table(study: StudyResult) -> pd.DataFrame:
    """One row per trial: number, state, mean score, each fold's score, params, duration, error.

    Params are columns `param.<name>`; fold scores are columns `fold_1`, `fold_2`, ...
    """
    metric = study.objective.metric
    names = list(dict.fromkeys(name for trial in study.trials for name in trial.params))
    n_folds = max((len(trial.fold_scores) for trial in study.trials), default=0)
    rows = []
    for trial in study.trials:
        row: dict[str, object] = {
            "trial": trial.number,
            "state": trial.state.value,
            f"cv_{metric}": trial.value,
        }
        for step in range(n_folds):
            scores = trial.fold_scores
            row[f"fold_{step + 1}"] = scores[step] if step < len(scores) else None
        for name in names:
            row[f"param.{name}"] = _cell(trial.params.get(name))
        row["duration_s"] = trial.duration_s
        row["error"] = trial.error
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(value: JsonValue) -> object:
    # A column of mixed scalars is fine in a table; lists and mappings become their JSON text.
    return json.dumps(value) if isinstance(value, list | dict) else value


def log_trial_runs(
    tracker: ExperimentTracker, parent_run_id: str, request: TuningRequest, study: StudyResult
) -> None:
    """One child run per finished trial under `parent_run_id`: its params, fold and mean scores."""
    metric = study.objective.metric
    for trial in study.trials:
        status = _RUN_STATUS.get(trial.state)
        if status is None:
            continue
        run_id = tracker.start_run(
            request.experiment,
            run_name=f"trial {trial.number}",
            tags={"podium.job": "tuning-trial", "podium.trial.state": trial.state.value},
            parent_run_id=parent_run_id,
        )
        tracker.log_params(run_id, {**trial.params, "podium.trial": trial.number})
        tracker.log_metrics(run_id, _trial_metrics(trial, metric))
        tracker.end_run(run_id, status)


def _trial_metrics(trial: TrialResult, metric: str) -> dict[str, float]:
    metrics = {f"fold_{i + 1}_{metric}": s for i, s in enumerate(trial.fold_scores)}
    if trial.value is not None:
        metrics[f"cv_{metric}"] = trial.value
    if trial.duration_s is not None:
        metrics["duration_s"] = trial.duration_s
    return metrics


def overlay(best: TrialResult) -> dict[str, JsonValue]:
    """The config overlay that sets the best trial's params on the model."""
    return {"model": {"params": dict(best.params)}}


def overlay_comment(run_id: str, study: StudyResult, best: TrialResult, n_folds: int) -> str:
    """The header of the overlay: where the params come from and how to use them."""
    name = f" (study {study.study_name})" if study.study_name else ""
    return "\n".join(
        [
            f"Best params of podium tuning run {run_id}{name}, trial {best.number}:",
            f"{study.objective.metric} {best.value:.6g}, the mean over {n_folds} folds.",
            "Merge it after a training config, e.g.:",
            "  podium run configs/training.yaml <this file>",
        ]
    )


def search_params(
    request: TuningRequest, tuner_settings: Mapping[str, str], framework: str
) -> dict[str, object]:
    """The parent run's params: the search settings, the tuner's own, and the base params."""
    return {
        **request.base_params,
        "podium.framework": framework,
        "podium.metric": request.objective.metric,
        "podium.direction": request.objective.direction.value,
        "podium.space": request.space.model_dump_json(exclude_defaults=True),
        "podium.folds": request.folds.model_dump_json(),
        "podium.holdout": request.holdout.model_dump_json() if request.holdout else "none",
        "podium.n_trials": request.budget.n_trials,
        "podium.timeout_s": request.budget.timeout_s,
        "podium.seed": request.budget.seed,
        **{f"podium.tuner.{key}": value for key, value in tuner_settings.items()},
    }
