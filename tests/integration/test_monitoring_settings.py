"""Monitoring, explanation and notifier settings: validation, secrets, and what the container
builds from them."""

import sys
from pathlib import Path

import pytest

from podium.adapters.log_notifier import NullNotifier
from podium.adapters.scipy_drift import ScipyDriftDetector
from podium.adapters.webhook_notifier import WebhookNotifier
from podium.config.loading import load_config, validate
from podium.config.monitoring import MonitoringJobSettings
from podium.container import Container
from podium.domain.drift import DriftMethod
from podium.domain.errors import ConfigError

SECRET_URL = "https://hooks.example.org/services/T0/B0/s3cr3t"
JOB = {
    "kind": "monitoring",
    "model_name": "bike-sharing",
    "current": {"uri": "data/new.parquet"},
}


def test_defaults_compare_with_scipy_and_tell_no_one() -> None:
    # given
    settings = validate({"job": JOB})

    # when
    container = Container(stack=settings.stack)

    # then
    assert isinstance(container.drift_detector(), ScipyDriftDetector)
    assert isinstance(container.notifier(), NullNotifier)
    assert settings.stack.monitoring.policy().numeric_method is DriftMethod.KS
    assert settings.stack.monitoring.drift_share == 0.5


def test_the_webhook_url_reaches_the_notifier_and_no_printed_setting() -> None:
    # given
    settings = validate({"job": JOB, "notifier": {"kind": "webhook", "url": SECRET_URL}})

    # when
    notifier = Container(stack=settings.stack).notifier()

    # then
    assert isinstance(notifier, WebhookNotifier)
    assert SECRET_URL not in repr(settings)
    assert SECRET_URL not in str(settings.stack.notifier)
    assert "s3cr3t" not in settings.stack.model_dump_json()


def test_a_webhook_url_that_is_not_http_is_refused_without_echoing_it() -> None:
    # given
    url = "ftp://hooks.example.org/s3cr3t"

    # when
    with pytest.raises(ConfigError) as raised:
        validate({"job": JOB, "notifier": {"kind": "webhook", "url": url}})

    # then
    assert "notifier: url: a webhook URL must start with https://" in str(raised.value)
    assert "s3cr3t" not in str(raised.value)


def test_choosing_evidently_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: Python finds no `evidently` package
    monkeypatch.setitem(sys.modules, "evidently", None)

    # when / then
    with pytest.raises(ConfigError, match=r"pip install 'podium\[evidently\]'"):
        validate({"job": JOB, "monitoring": {"detector": {"kind": "evidently"}}})


def test_a_detector_given_without_kind_is_the_statistical_one() -> None:
    # given / when
    settings = validate({"job": JOB, "monitoring": {"detector": {"progress_columns": 5}}})

    # then
    assert settings.stack.monitoring.detector.kind == "statistical"


def test_dates_may_be_written_unquoted_in_yaml(tmp_path: Path) -> None:
    # given
    config = tmp_path / "monitoring.yaml"
    config.write_text(
        "job:\n"
        "  kind: monitoring\n"
        "  model_name: bikes\n"
        "  time_column: dteday\n"
        "  current: {uri: data.parquet, time_from: 2012-01-01, time_to: 2012-07-01T12:00:00}\n"
    )

    # when
    settings = load_config([str(config)])

    # then
    assert isinstance(settings.job, MonitoringJobSettings)
    assert str(settings.job.current.time_from) == "2012-01-01 00:00:00"
    assert str(settings.job.current.time_to) == "2012-07-01 12:00:00"


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ({**JOB, "current": {}}, "current.uri: name the table"),
        ({**JOB, "current": {"uri": "x.parquet", "time_from": "2012-01-01"}}, "`time_column`"),
        ({**JOB, "model_version": 2, "model_alias": "champion"}, "not both"),
    ],
)
def test_an_unusable_monitoring_job_is_refused(job: dict[str, object], message: str) -> None:
    # given / when / then
    with pytest.raises(ConfigError, match=message):
        validate({"job": job})
