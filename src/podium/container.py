"""The composition root: every port built from a stack, each adapter imported when first used.

Which adapter serves which kind is the table in `podium.wiring`; the providers here only look it
up, so building a container imports no adapter module.
"""

import operator

from dependency_injector import containers, providers

from podium.application.evaluation import EvaluationService
from podium.application.explanation import ExplanationService
from podium.application.inference import InferenceService
from podium.application.monitoring import MonitoringService
from podium.application.promotion import PromotionService
from podium.application.training import TrainingService
from podium.application.tuning import TuningService
from podium.config.parts import MemoryTrackerSettings
from podium.config.stack import StackSettings
from podium.wiring import FrameworkCatalog, build, build_progress


class Container(containers.DeclarativeContainer):
    """Ports chosen by each part's `kind`, and the services built on them.

    Build it from a stack alone, `Container(stack=StackSettings(...))`; swap any port with
    `container.<port>.override(adapter)`. No adapter module is imported until its port is used.
    """

    stack = providers.Dependency(instance_of=StackSettings)
    progress_mode = providers.Dependency(instance_of=str, default="terminal")

    storage = providers.Singleton(build, "storage", stack.provided.storage)
    documents = providers.Singleton(build, "documents", stack.provided.storage)
    tracker = providers.Singleton(build, "tracker", stack.provided.tracker)
    charts = providers.Singleton(build, "charts", stack.provided.tracker)
    registry = providers.Singleton(build, "registry", stack.provided.registry)
    framework = providers.Singleton(build, "model", stack.provided.model)
    frameworks = providers.Singleton(FrameworkCatalog, stack.provided.model, framework.provider)
    show_progress = providers.Callable(operator.eq, progress_mode, "terminal")
    tuner = providers.Singleton(build, "tuner", stack.provided.tuner, show_progress=show_progress)
    drift_detector = providers.Singleton(
        build, "detector", stack.provided.monitoring.detector, show_progress=show_progress
    )
    explainer = providers.Singleton(
        build, "explainer", stack.provided.explainer, frameworks=frameworks
    )
    notifier = providers.Singleton(build, "notifier", stack.provided.notifier)
    progress = providers.Factory(build_progress, progress_mode)
    # A factory, so that a service given other storage (`engine__storage=...`) gets an engine
    # on it; Spark sessions are shared by the process all the same.
    engine = providers.Factory(
        build, "engine", stack.provided.engine, storage=storage, progress=progress
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
        engine=engine,
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
    # A dry run's gate evaluation logs to a tracker of its own, thrown away with it.
    rehearsal_tracker = providers.Factory(build, "tracker", MemoryTrackerSettings(kind="memory"))
    rehearsal_service = providers.Factory(
        EvaluationService,
        storage=storage,
        tracker=rehearsal_tracker,
        registry=registry,
        frameworks=frameworks,
    )
    promotion_service = providers.Factory(
        PromotionService,
        registry=registry,
        evaluation=evaluation_service,
        rehearsal=rehearsal_service,
    )
    inference_service = providers.Factory(
        InferenceService,
        storage=storage,
        tracker=tracker,
        registry=registry,
        frameworks=frameworks,
        engine=engine,
    )
    tuning_service = providers.Factory(
        TuningService,
        storage=storage,
        tracker=tracker,
        framework=framework,
        tuner=tuner,
        documents=documents,
        charts=charts,
    )
