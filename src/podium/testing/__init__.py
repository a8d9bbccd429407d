"""Contract suites of podium's ports, to check an adapter of your own with pytest.

Each port has a suite: a class of pytest tests named after the port (`TableStoreContract` for
`podium.ports.TableStore`) that checks every rule the port's docstring states. Subclass it in a
test module of yours, under a name pytest collects (`Test...`), and define on the subclass the
fixtures its docstring lists; every test of the suite then runs on your adapter:

    import pytest
    from podium.testing import TableStoreContract

    class TestMyStore(TableStoreContract):
        @pytest.fixture
        def table_store(self):
            return MyStore()

The required fixtures have no default, so pytest reports the ones a subclass lacks ("fixture
'table_store' not found"); they may also come from a `conftest.py`. The optional ones have a
default on the suite, so override those on the subclass itself. A test that a subclass cannot
run (corrupt bytes in a store that holds no bytes, a timeout a tuner ignores) is skipped, with
the reason, rather than passed.

podium runs these same suites on its own adapters and in-memory fakes. They need pytest, which
is not one of podium's dependencies (`pip install pytest`): import `podium.testing` from tests
only. `import podium` and the adapters never import it.
"""

import pytest

_SUITES = (
    "batch_engine",
    "chart_renderer",
    "document_store",
    "drift_detector",
    "experiment_tracker",
    "explainer",
    "model_framework",
    "model_registry",
    "notifier",
    "progress",
    "table_store",
    "tuner",
)
# Before the suites are imported: pytest then rewrites their asserts, so that a failing check
# shows the values compared, as it does for the host's own test modules.
pytest.register_assert_rewrite(*(f"{__name__}.{suite}" for suite in _SUITES))

from podium.testing.batch_engine import BatchEngineContract  # noqa: E402
from podium.testing.chart_renderer import ChartRendererContract  # noqa: E402
from podium.testing.document_store import DocumentStoreContract  # noqa: E402
from podium.testing.drift_detector import DriftDetectorContract  # noqa: E402
from podium.testing.experiment_tracker import ExperimentTrackerContract  # noqa: E402
from podium.testing.explainer import ExplainerContract  # noqa: E402
from podium.testing.model_framework import ModelFrameworkContract  # noqa: E402
from podium.testing.model_registry import ModelRegistryContract  # noqa: E402
from podium.testing.notifier import NotifierContract  # noqa: E402
from podium.testing.progress import ProgressReporterContract  # noqa: E402
from podium.testing.table_store import TableStoreContract  # noqa: E402
from podium.testing.tuner import TunerContract  # noqa: E402

__all__ = [
    "BatchEngineContract",
    "ChartRendererContract",
    "DocumentStoreContract",
    "DriftDetectorContract",
    "ExperimentTrackerContract",
    "ExplainerContract",
    "ModelFrameworkContract",
    "ModelRegistryContract",
    "NotifierContract",
    "ProgressReporterContract",
    "TableStoreContract",
    "TunerContract",
]
