"""The command line: `diffplay NOUN VERB [options]`. User mistakes exit 2 and failed runs 1,
without a traceback (unless --debug); Ctrl-C exits 130, from the first moment (this module
imports nothing heavy before main() is ready to catch it). What is printed about a user's
input goes through text.printable, so an escape sequence in a name cannot act on the terminal.
"""

import contextlib
import os
import signal
import sys

from .errors import RunFailed, UsageError


def build_parser():
    import argparse

    parser = argparse.ArgumentParser(
        prog="diffplay",
        description="Differentiable creative coding: say what you want as an energy, let autodiff find it.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    from .demo import add_demo_command
    from .gpt.command import add_gpt_command
    from .layout.command import add_layout_command
    from .scenes.command import add_scene_command
    from .studio.command import add_serve_command
    from .studio.export import add_export_command

    add_demo_command(commands)
    add_gpt_command(commands)
    add_layout_command(commands)
    add_scene_command(commands)
    add_serve_command(commands)
    add_export_command(commands)
    return parser


def with_default_command(argv):
    """Bare `diffplay [options]` is `diffplay gpt train [options]`, the main job; --debug stays
    an option of diffplay itself, and -h/--help still shows diffplay's own help."""
    rest = [arg for arg in argv if arg != "--debug"]
    if rest and (not rest[0].startswith("-") or rest[0] in ("-h", "--help")):
        return argv
    return ["--debug"] * (len(rest) < len(argv)) + ["gpt", "train", *rest]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        with _ctrl_c_held():   # the imports: a Ctrl-C now is taken when they are done, at a clean point
            from .process import tune_process

            argv = with_default_command(argv)
            args = build_parser().parse_args(argv)
        args.argv = [arg for arg in argv if arg != "--debug"]   # `gpt train --nproc N` runs it again in N processes
        tune_process()   # diffplay owns this process: one BLAS thread, freed memory kept (process.py)
        status = args.run(args) or 0
        sys.stdout.flush()   # here, where a closed pipe is caught below, not at exit
        return status
    except (UsageError, RunFailed) as error:
        if debug:
            raise
        return _said(error, 2 if isinstance(error, UsageError) else 1)
    except MemoryError:
        if debug:
            raise
        return _said("out of memory; a smaller model, batch or picture fits", 1)
    except KeyboardInterrupt as error:   # an Interrupted run says where it saved its work
        return _said(str(error) or "interrupted", 130)
    except BrokenPipeError:   # `diffplay … | head` read what it wanted: stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # so exiting does not flush into the pipe again
        return 141   # 128 + SIGPIPE, the shell's own status for it


def _said(message, status):
    """Print `message` as diffplay's last word on stderr, its control characters escaped; return status."""
    from .text import printable

    print(f"diffplay: {printable(message)}", file=sys.stderr)
    return status


@contextlib.contextmanager
def _ctrl_c_held():
    """Hold SIGINT back inside the block, and deliver one that came when it ends. A Ctrl-C in
    the middle of an import can land in a callback of the import machinery, where Python
    prints it as "Exception ignored" and goes on; held, it is raised here instead."""
    if not hasattr(signal, "pthread_sigmask"):   # Windows
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


if __name__ == "__main__":
    sys.exit(main())
