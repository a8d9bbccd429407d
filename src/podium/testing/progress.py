"""The ProgressReporter contract: `ProgressReporterContract`."""

from podium.ports import ProgressReporter


class ProgressReporterContract:
    """What every `ProgressReporter` promises.

    Subclass it, under a name pytest collects, and define:

    - `progress_reporter` (required): the reporter.
    """

    def test_counting_can_start_again_after_it_finished(
        self, progress_reporter: ProgressReporter
    ) -> None:
        # when / then: no error, whatever the order of the two jobs
        for label in ("first", "second"):
            progress_reporter.start(label, "rows")
            progress_reporter.advance(10)
            progress_reporter.advance(5)
            progress_reporter.finish()
        progress_reporter.finish()
