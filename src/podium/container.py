"""The composition root: the only module that imports adapters and wires them from settings."""

from dependency_injector import containers, providers

from podium.adapters.cloudpath_storage import CloudPathTableStore
from podium.adapters.lightgbm_framework import LightGBMFramework
from podium.adapters.memory import (
    InMemoryExperimentTracker,
    InMemoryModelRegistry,
    InMemoryTableStore,
)
from podium.adapters.mlflow_registry import MlflowModelRegistry
from podium.adapters.mlflow_tracking import MlflowExperimentTracker
from podium.adapters.sklearn_framework import SklearnFramework
from podium.application.training import TrainingService
from podium.settings import Settings


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

    training_service = providers.Factory(
        TrainingService,
        storage=storage,
        tracker=tracker,
        registry=registry,
        framework=framework,
    )
