"""The one table of kinds: which adapter serves which kind of which part of a stack.

The settings unions in `podium.config` name the kinds; `ADAPTERS` maps each settings class to
its adapter's import path, and `build` imports that module only when a part is first built, so
building a container, `podium validate` and an in-memory stack stay light. Adding a model
framework is one adapter module, one settings class in `ModelSettings`, and one entry here.
"""

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from podium.config.monitoring import (
    EvidentlyDetectorSettings,
    LightGBMExplainerSettings,
    PermutationExplainerSettings,
    StatisticalDetectorSettings,
)
from podium.config.notifier import (
    LogNotifierSettings,
    NoNotifierSettings,
    WebhookNotifierSettings,
)
from podium.config.parts import (
    CloudPathStorageSettings,
    LightGBMModelSettings,
    LocalEngineSettings,
    MemoryModelSettings,
    MemoryRegistrySettings,
    MemoryStorageSettings,
    MemoryTrackerSettings,
    MlflowRegistrySettings,
    MlflowTrackerSettings,
    SklearnModelSettings,
    SparkEngineSettings,
)
from podium.config.tuning import GridTunerSettings, OptunaTunerSettings, RandomTunerSettings
from podium.domain.base import Frozen
from podium.domain.errors import ConfigError
from podium.ports import ModelFramework


def _none(_settings: Any) -> dict[str, Any]:
    return {}


# The optional packages an adapter may import, and the extra of podium that installs each.
EXTRAS = {
    "optuna": "tuning",
    "cmaes": "tuning",
    "psycopg2": "tuning",
    "boto3": "cloud",
    "botocore": "cloud",
    "evidently": "evidently",
    "pyspark": "spark",
}


@dataclass(frozen=True)
class Adapter:
    """Where an adapter lives (`module:attribute`, imported on first use), the constructor
    arguments its settings give, and the other ports it needs by name. An empty `path` means
    that the part is deliberately absent for this kind (an in-memory tracker renders no chart).
    """

    path: str
    options: Callable[[Any], dict[str, Any]] = _none
    needs: tuple[str, ...] = field(default=())

    def create(self, settings: Frozen, dependencies: Mapping[str, Any]) -> Any:
        """The adapter for `settings`, built with its options and the ports it needs."""
        if not self.path:
            return None
        module, _, attribute = self.path.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
        return factory(
            **self.options(settings), **{name: dependencies[name] for name in self.needs}
        )


def _tuner_options(settings: GridTunerSettings | RandomTunerSettings) -> dict[str, Any]:
    return {"n_workers": settings.n_workers, "max_retry": settings.max_retry}


ADAPTERS: dict[tuple[str, type[Frozen]], Adapter] = {
    # Where tables and documents (tuning overlays) live.
    ("storage", CloudPathStorageSettings): Adapter(
        "podium.adapters.cloudpath.tables:CloudPathTableStore",
        lambda s: {"s3_endpoint_url": s.s3_endpoint_url},
    ),
    ("storage", MemoryStorageSettings): Adapter("podium.adapters.memory.tables:InMemoryTableStore"),
    ("documents", CloudPathStorageSettings): Adapter(
        "podium.adapters.cloudpath.documents:CloudPathDocumentStore",
        lambda s: {"s3_endpoint_url": s.s3_endpoint_url},
    ),
    ("documents", MemoryStorageSettings): Adapter(
        "podium.adapters.memory.tuning:InMemoryDocumentStore"
    ),
    # Runs, and the charts a tracker that keeps figures files gets.
    ("tracker", MlflowTrackerSettings): Adapter(
        "podium.adapters.mlflow.tracking:MlflowExperimentTracker",
        lambda s: {
            "tracking_uri": s.tracking_uri,
            "artifact_location": s.artifact_location,
            "timeout_s": s.timeout_s,
        },
    ),
    ("tracker", MemoryTrackerSettings): Adapter(
        "podium.adapters.memory.tracking:InMemoryExperimentTracker"
    ),
    ("charts", MlflowTrackerSettings): Adapter(
        "podium.adapters.matplotlib_charts:MatplotlibChartRenderer"
    ),
    ("charts", MemoryTrackerSettings): Adapter(""),
    # Registered models.
    ("registry", MlflowRegistrySettings): Adapter(
        "podium.adapters.mlflow.registry:MlflowModelRegistry",
        lambda s: {
            "tracking_uri": s.tracking_uri,
            "registry_uri": s.registry_uri,
            "timeout_s": s.timeout_s,
        },
    ),
    ("registry", MemoryRegistrySettings): Adapter(
        "podium.adapters.memory.registry:InMemoryModelRegistry"
    ),
    # Model frameworks; a registered model predicts with the one of the kind that fitted it.
    ("model", LightGBMModelSettings): Adapter(
        "podium.adapters.lightgbm.framework:LightGBMFramework"
    ),
    ("model", SklearnModelSettings): Adapter(
        "podium.adapters.sklearn.framework:SklearnFramework", lambda s: {"estimator": s.estimator}
    ),
    ("model", MemoryModelSettings): Adapter(
        "podium.adapters.memory.framework:InMemoryModelFramework"
    ),
    # Tuners.
    ("tuner", GridTunerSettings): Adapter(
        "podium.adapters.sklearn.tuner:SklearnGridTuner", _tuner_options, needs=("show_progress",)
    ),
    ("tuner", RandomTunerSettings): Adapter(
        "podium.adapters.sklearn.tuner:SklearnRandomTuner",
        _tuner_options,
        needs=("show_progress",),
    ),
    ("tuner", OptunaTunerSettings): Adapter(
        "podium.adapters.optuna.tuner:OptunaTuner",
        lambda s: {
            "sampler": s.sampler,
            "pruning": s.pruning,
            "storage": s.storage,
            "study_name": s.study_name,
            "load_if_exists": s.load_if_exists,
            "n_workers": s.n_workers,
            "heartbeat_interval_s": s.heartbeat_interval_s,
            "grace_period_s": s.grace_period_s,
            "max_retry": s.max_retry,
        },
        needs=("show_progress",),
    ),
    # Drift detectors.
    ("detector", StatisticalDetectorSettings): Adapter(
        "podium.adapters.scipy_drift:ScipyDriftDetector",
        lambda s: {"progress_columns": s.progress_columns},
        needs=("show_progress",),
    ),
    ("detector", EvidentlyDetectorSettings): Adapter(
        "podium.adapters.evidently_drift:EvidentlyDriftDetector"
    ),
    # Explainers.
    ("explainer", LightGBMExplainerSettings): Adapter(
        "podium.adapters.lightgbm.explainer:LightGBMExplainer"
    ),
    ("explainer", PermutationExplainerSettings): Adapter(
        "podium.adapters.permutation_explainer:PermutationExplainer",
        lambda s: {"metric": s.metric, "repeats": s.repeats, "seed": s.seed},
        needs=("frameworks",),
    ),
    # Where batch work (inference, monitoring samples) runs.
    ("engine", LocalEngineSettings): Adapter(
        "podium.adapters.local_engine:LocalBatchEngine", needs=("storage", "progress")
    ),
    ("engine", SparkEngineSettings): Adapter(
        "podium.adapters.spark.engine:SparkBatchEngine",
        lambda s: {"master": s.master, "app_name": s.app_name, "conf": dict(s.conf)},
    ),
    # Notifiers.
    ("notifier", NoNotifierSettings): Adapter("podium.adapters.log_notifier:NullNotifier"),
    ("notifier", LogNotifierSettings): Adapter("podium.adapters.log_notifier:LogNotifier"),
    ("notifier", WebhookNotifierSettings): Adapter(
        "podium.adapters.webhook_notifier:WebhookNotifier",
        lambda s: {
            "url": s.url.get_secret_value(),
            "timeout_seconds": s.timeout_seconds,
            "retries": s.retries,
            "backoff_seconds": s.backoff_seconds,
        },
    ),
}

PROGRESS = {
    "terminal": "podium.adapters.progress:terminal_progress",
    "log": "podium.adapters.progress:LogProgress",
}


def build(port: str, settings: Frozen | None, **dependencies: Any) -> Any:
    """The adapter of `port` for `settings`, its module imported now; `ConfigError` when the
    stack lacks the part or no adapter serves its kind."""
    if settings is None:
        raise ConfigError(f"{port}: the stack has no `{port}` section; add one to the config")
    adapter = ADAPTERS.get((port, type(settings)))
    if adapter is None:
        kind = getattr(settings, "kind", type(settings).__name__)
        raise ConfigError(f"{port}.kind: no adapter serves {kind!r} here")
    try:
        return adapter.create(settings, dependencies)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing not in EXTRAS:
            raise
        kind = getattr(settings, "kind", type(settings).__name__)
        raise ConfigError(
            f"{port}.kind: {kind!r} needs the {missing} package, which is not installed; install"
            f" it with pip install 'podium[{EXTRAS[missing]}]'"
        ) from None


def build_progress(mode: str) -> Any:
    """The progress reporter: a bar on a terminal (`terminal`) or log lines only (`log`)."""
    module, _, attribute = PROGRESS[mode].partition(":")
    return getattr(importlib.import_module(module), attribute)()


def kind_of(settings: type[Frozen]) -> str:
    """The `kind` a settings class stands for (the value of its `Literal`)."""
    return str(get_args(settings.model_fields["kind"].annotation)[0])


class FrameworkCatalog(Mapping[str, ModelFramework]):
    """Every model framework by name, each built on first use: the stack's own (with its
    settings), and every other model kind with its defaults, so that a registered model
    predicts with the framework that fitted it."""

    def __init__(self, configured: Frozen, framework: Callable[[], ModelFramework]) -> None:
        self._kinds = {
            kind_of(settings): settings for port, settings in ADAPTERS if port == "model"
        }
        self._configured = kind_of(type(configured))
        self._framework = framework
        self._built: dict[str, ModelFramework] = {}

    def __getitem__(self, name: str) -> ModelFramework:
        if name not in self._kinds:
            raise KeyError(name)
        if name == self._configured:
            configured = self._framework()
            if configured.name == name:  # not an override of another kind
                return configured
        if name not in self._built:
            defaults = self._kinds[name].model_validate({"kind": name})
            self._built[name] = build("model", defaults)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)
