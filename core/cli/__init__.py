"""Command-line interface: ``python -m core <command> ...``.

Contracts: ``--json`` prints one JSON document on stdout; progress and logs go to
stderr; bad input exits with status 2 and a one-line reason on stderr, never a
traceback (set ``MDL_DEBUG=1`` to see one for internal errors).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Sequence

from core.compute.dask_backend import ComputeError
from core.errors import CancelledError, DataUnavailableError, InputError, LibraryError

from core.cli import commands


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line and exit status 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every subcommand."""
    from core import __version__

    parser = _Parser(prog="python -m core", description=(
        "Shotgun transfer learning for materials properties: datasets, featurizers, a pretrained "
        "model library, and transfer to small targets."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in commands.REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except (InputError, DataUnavailableError, LibraryError) as exc:
        sys.stderr.write(f"error: {_one_line(exc)}\n")
        return 2
    except ComputeError as exc:
        sys.stderr.write(f"error: {_one_line(exc)}\n")
        return 1
    except CancelledError as exc:
        sys.stderr.write(f"cancelled: {_one_line(exc)}\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: one line, traceback only on request
        if os.environ.get("MDL_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(f"internal error: {type(exc).__name__}: {_one_line(exc)} "
                         f"(set MDL_DEBUG=1 for the traceback)\n")
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
