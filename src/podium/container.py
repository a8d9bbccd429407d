"""The composition root: the only module that imports adapters and wires them from settings."""

from dependency_injector import containers, providers

from podium.adapters.cloudpath_documents import CloudPathDocumentStore
from podium.adapters.cloudpath_storage import CloudPathTableStore
from podium.adapters.evidently_drift import EvidentlyDriftDetector
from podium.adapters.lightgbm_explainer import LightGBMExplainer
from podium.adapters.lightgbm_framework import LightGBMFramework
from podium.adapters.log_notifier import LogNotifier, NullNotifier
from podium.adapters.matplotlib_charts import MatplotlibChartRenderer
from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelFramework,
    InMemoryModelRegistry,
    InMemoryTableStore,
)
from podium.adapters.memory_tuning import InMemoryDocumentStore
from podium.adapters.mlflow_registry import MlflowModelRegistry
from podium.adapters.mlflow_tracking import MlflowExperimentTracker
from podium.adapters.optuna_tuner import OptunaTuner
from podium.adapters.permutation_explainer import PermutationExplainer
from podium.adapters.progress import terminal_progress
from podium.adapters.scipy_drift import ScipyDriftDetector
from podium.adapters.sklearn_framework import SklearnFramework
from podium.adapters.sklearn_tuner import SklearnGridTuner, SklearnRandomTuner
from podium.adapters.webhook_notifier import WebhookNotifier
from podium.application.evaluation import EvaluationService
from podium.application.explanation import ExplanationService
from podium.application.inference import InferenceService
from podium.application.monitoring import MonitoringService
from podium.application.promotion import PromotionService
from podium.application.training import TrainingService
from podium.application.tuning import TuningService
from podium.ports import ModelFramework
from podium.settings import Settings

DEFAULT_SKLEARN_ESTIMATOR = "sklearn.ensemble.HistGradientBoostingRegressor"


def frameworks_by_name(*frameworks: ModelFramework) -> dict[str, ModelFramework]:
    """Frameworks by their name; the first of a name wins (the configured one comes first)."""
    found: dict[str, ModelFramework] = {}
    for framework in frameworks:
        found.setdefault(framework.name, framework)
    return found


class Container(containers.DeclarativeContainer):
    """Ports chosen by each part's `kind`, and the services built on them.

    Build it as `Container(settings=settings)`; swap any port with
    `container.<port>.override(adapter)`.
    """

    settings = providers.Dependency(instance_of=Settings)

    storage = providers.Selector(
        settings.provided.storage.kind,
        cloudpath=providers.Singleton(
            CloudPathTableStore, s3_endpoint_url=settings.provided.storage.s3_endpoint_url
        ),
        memory=providers.Singleton(InMemoryTableStore),
    )
    tracker = providers.Selector(
        settings.provided.tracker.kind,
        mlflow=providers.Singleton(
            MlflowExperimentTracker,
            tracking_uri=settings.provided.tracker.tracking_uri,
            artifact_location=settings.provided.tracker.artifact_location,
        ),
        memory=providers.Singleton(InMemoryExperimentTracker),
    )
    registry = providers.Selector(
        settings.provided.registry.kind,
        mlflow=providers.Singleton(
            MlflowModelRegistry,
            tracking_uri=settings.provided.registry.tracking_uri,
            registry_uri=settings.provided.registry.registry_uri,
        ),
        memory=providers.Singleton(InMemoryModelRegistry),
    )
    framework = providers.Selector(
        settings.provided.model.kind,
        lightgbm=providers.Singleton(LightGBMFramework),
        sklearn=providers.Singleton(SklearnFramework, estimator=settings.provided.model.estimator),
    )
    documents = providers.Selector(
        settings.provided.storage.kind,
        cloudpath=providers.Singleton(
            CloudPathDocumentStore, s3_endpoint_url=settings.provided.storage.s3_endpoint_url
        ),
        memory=providers.Singleton(InMemoryDocumentStore),
    )
    tuner = providers.Selector(
        settings.provided.tuner.kind,
        grid=providers.Singleton(
            SklearnGridTuner,
            n_workers=settings.provided.tuner.n_workers,
            max_retry=settings.provided.tuner.max_retry,
        ),
        random=providers.Singleton(
            SklearnRandomTuner,
            n_workers=settings.provided.tuner.n_workers,
            max_retry=settings.provided.tuner.max_retry,
        ),
        optuna=providers.Singleton(
            OptunaTuner,
            sampler=settings.provided.tuner.sampler,
            pruning=settings.provided.tuner.pruning,
            storage=settings.provided.tuner.storage,
            study_name=settings.provided.tuner.study_name,
            load_if_exists=settings.provided.tuner.load_if_exists,
            n_workers=settings.provided.tuner.n_workers,
            heartbeat_interval_s=settings.provided.tuner.heartbeat_interval_s,
            grace_period_s=settings.provided.tuner.grace_period_s,
            max_retry=settings.provided.tuner.max_retry,
        ),
    )
    drift_detector = providers.Selector(
        settings.provided.monitoring.detector.kind,
        statistical=providers.Singleton(
            ScipyDriftDetector,
            progress_columns=settings.provided.monitoring.detector.progress_columns,
        ),
        evidently=providers.Singleton(EvidentlyDriftDetector),
    )
    notifier = providers.Selector(
        settings.provided.notifier.kind,
        none=providers.Singleton(NullNotifier),
        log=providers.Singleton(LogNotifier),
        webhook=providers.Singleton(
            WebhookNotifier,
            url=settings.provided.notifier.url.get_secret_value.call(),
            timeout_seconds=settings.provided.notifier.timeout_seconds,
            retries=settings.provided.notifier.retries,
            backoff_seconds=settings.provided.notifier.backoff_seconds,
        ),
    )
    charts = providers.Singleton(MatplotlibChartRenderer)
    # Registered models predict through the framework that fitted them, found by its name.
    frameworks = providers.Callable(
        frameworks_by_name,
        framework,
        providers.Singleton(LightGBMFramework),
        providers.Singleton(SklearnFramework, estimator=DEFAULT_SKLEARN_ESTIMATOR),
        providers.Singleton(InMemoryModelFramework),
    )
    progress = providers.Factory(terminal_progress)
    explainer = providers.Selector(
        settings.provided.explainer.kind,
        lightgbm=providers.Singleton(LightGBMExplainer),
        permutation=providers.Singleton(
            PermutationExplainer,
            frameworks=frameworks,
            metric=settings.provided.explainer.metric,
            repeats=settings.provided.explainer.repeats,
            seed=settings.provided.explainer.seed,
        ),
    )

    training_service = providers.Factory(
        TrainingService,
        storage=storage,
        tracker=tracker,
        registry=registry,
        framework=framework,
        notifier=notifier,
    )
    monitoring_service = providers.Factory(
        MonitoringService,
        storage=storage,
        tracker=tracker,
        registry=registry,
        frameworks=frameworks,
        detector=drift_detector,
        charts=charts,
        notifier=notifier,
    )
    explanation_service = providers.Factory(
        ExplanationService,
        storage=storage,
        tracker=tracker,
        registry=registry,
        explainer=explainer,
        charts=charts,
    )
    evaluation_service = providers.Factory(
        EvaluationService,
        storage=storage,
        tracker=tracker,
        registry=registry,
        frameworks=frameworks,
    )
    promotion_service = providers.Factory(
        PromotionService, registry=registry, evaluation=evaluation_service
    )
    inference_service = providers.Factory(
        InferenceService,
        storage=storage,
        tracker=tracker,
        registry=registry,
        frameworks=frameworks,
        progress=progress,
    )
    tuning_service = providers.Factory(
        TuningService,
        storage=storage,
        tracker=tracker,
        framework=framework,
        tuner=tuner,
        documents=documents,
    )
