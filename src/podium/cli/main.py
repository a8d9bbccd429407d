"""The `podium` command: run, validate and describe jobs from YAML configs.

Exit codes are those of `podium.cli.exit_codes`.
Heavy modules (pandas, MLflow, LightGBM, scikit-learn) are imported only by the commands that
need them, so `podium --help` stays fast.
"""

import argparse
import json
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from typing_extensions import override

from podium.cli.exit_codes import FAILED, INTERRUPTED, INVALID, OK, TERMINATED
from podium.domain.redaction import redact


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: `sys.argv[1:]`) and return its exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 after --help
        return int(exc.code or 0)
    _configure_logging(args.verbose)
    _quiet_vendor_errors(args.debug)
    with _terminate_as_interrupt() as signals:
        try:
            code: int = args.command(args)
        except KeyboardInterrupt as exc:
            _traceback(exc, debug=args.debug)
            print("podium: interrupted", file=sys.stderr)
            return TERMINATED if signal.SIGTERM in signals else INTERRUPTED
        except BrokenPipeError:  # `podium schema | head`: the reader has what it wanted
            _silence_stdout()
            return OK
        except Exception as exc:
            return _report(exc, debug=args.debug)
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@contextmanager
def _terminate_as_interrupt() -> Iterator[list[int]]:
    """For the block, SIGTERM stops the job as Ctrl-C does (runs marked KILLED, temporary files
    removed on the way out); yields the signals received. Only the main thread can have signal
    handlers, so elsewhere (a host calling `main` from a thread) the block changes nothing."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def stop(number: int, _frame: object) -> None:
        received.append(number)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


_EPILOG = """\
job kinds (a config's job.kind), with a bundled example of each in configs/:
  training     fit a model, judge it on a time-ordered holdout, register a version
  tuning       search the model's params by time-ordered cross-validation
  evaluation   score a version and the champion on the same rows, through a gate
  promotion    move an alias (champion) through that gate; rollback; history
  inference    predict a table in batches with a registered version
  explanation  global importance and per-row contributions of a version
  monitoring   drift of a version's features between a reference and a current table

  podium run configs/training.yaml                   train the bundled example
  podium run configs/training.yaml configs/stacks/local.yaml --set model.kind=sklearn
  podium schema > podium.schema.json                 JSON Schema of a job config, for editors
  podium schema --stack                              ... of a stack file (configs/stacks/)

exit codes: 0 ok, 1 job failed, 2 invalid config or usage, 3 quality gate refused,
4 drift found, 130 interrupted, 143 terminated."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podium",
        description="The machine-learning model lifecycle as ports and adapters.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="show podium's version and exit")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for name, handler, help_text in (
        ("run", _run, "run the job a config describes"),
        ("validate", _validate, "check a config without running it"),
    ):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "configs", nargs="+", metavar="CONFIG", help="YAML files or URIs, merged left to right"
        )
        command.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override one key, e.g. --set model.params.learning_rate=0.05 (repeatable)",
        )
        _common(command)
        command.set_defaults(command=handler)
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a job config (--stack: of a stack file)",
        description="Print the JSON Schema of a job config, or with --stack of a stack file"
        " (configs/stacks/*.yaml), for editors and validators such as check-jsonschema.",
    )
    schema.add_argument(
        "--stack", action="store_true", help="the schema of a stack file, without `job:`"
    )
    _common(schema)
    schema.set_defaults(command=_schema)
    return parser


class _Version(argparse.Action):
    """`--version`, reading the installed version only when asked (it costs an import)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        import podium

        print(f"podium {podium.__version__}")
        parser.exit()


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log podium's progress")


def _run(args: argparse.Namespace) -> int:
    from podium.cli.dispatch import run_job
    from podium.config.loading import load_config

    outcome = run_job(load_config(args.configs, args.overrides))
    print(redact(outcome.summary))
    return outcome.exit_code


def _validate(args: argparse.Namespace) -> int:
    from podium.cli.dispatch import check_job
    from podium.config.loading import load_config

    config = load_config(args.configs, args.overrides)
    check_job(config)
    print(f"ok: a valid {config.job.kind} config")
    return OK


def _schema(args: argparse.Namespace) -> int:
    from podium.config.schema import job_schema, stack_schema

    print(json.dumps(stack_schema() if args.stack else job_schema(), indent=2))
    return OK


def _traceback(exc: BaseException, *, debug: bool) -> None:
    """With `--debug`, the traceback of `exc` on stderr, without secrets."""
    if debug:
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))


def _report(exc: Exception, *, debug: bool) -> int:
    from podium.domain.errors import ConfigError, PodiumError

    _traceback(exc, debug=debug)
    text = redact(str(exc))
    if isinstance(exc, ConfigError):
        print(f"podium: {text}", file=sys.stderr)
        return INVALID
    if isinstance(exc, PodiumError):
        print(f"podium: job failed: {text}", file=sys.stderr)
        return FAILED
    print(
        f"podium: unexpected error: {type(exc).__name__}: {text}; rerun with --debug for details",
        file=sys.stderr,
    )
    return FAILED


_VENDOR_HANDLER = "podium.cli.vendors"
# MLflow logs the store errors it raises, with their tracebacks, before podium reports the
# failure in one line. Importing MLflow resets its top logger but not its modules' loggers, so
# the level is set on the modules that log them.
_VENDOR_ERROR_LOGGERS = ("mlflow.store",)


class _Redacting(logging.Formatter):
    """A formatter that keeps passwords and secret query values out of every line."""

    @override
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    @override
    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


def _configure_logging(verbose: bool) -> None:
    """podium's own lines on stderr (INFO with -v); other libraries' warnings too, redacted
    like podium's, in place of Python's bare last-resort handler."""
    formatter = _Redacting("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    logger = logging.getLogger("podium")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False
    vendors = logging.StreamHandler(sys.stderr)
    vendors.setFormatter(_Redacting("%(levelname)s %(name)s: %(message)s"))
    vendors.setLevel(logging.WARNING)
    vendors.set_name(_VENDOR_HANDLER)
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != _VENDOR_HANDLER] + [vendors]


def _quiet_vendor_errors(debug: bool) -> None:
    """Keep the errors vendors log to themselves, unless `--debug` asks for everything."""
    for name in _VENDOR_ERROR_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.CRITICAL)
