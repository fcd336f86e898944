"""The command line: `diffplay NOUN VERB [options]`. User mistakes exit 2 and failed runs 1,
without a traceback (unless --debug); Ctrl-C exits 130."""

import argparse
import sys

from .errors import RunFailed, UsageError
from .process import tune_process


def build_parser():
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

    add_demo_command(commands)
    add_gpt_command(commands)
    add_layout_command(commands)
    add_scene_command(commands)
    add_serve_command(commands)
    return parser


def with_default_command(argv):
    """Bare `diffplay [options]` is `diffplay gpt train [options]`, the main job; --debug stays
    an option of diffplay itself, and -h/--help still shows diffplay's own help."""
    rest = [arg for arg in argv if arg != "--debug"]
    if rest and (not rest[0].startswith("-") or rest[0] in ("-h", "--help")):
        return argv
    return ["--debug"] * (len(rest) < len(argv)) + ["gpt", "train", *rest]


def main(argv=None):
    argv = with_default_command(sys.argv[1:] if argv is None else list(argv))
    args = build_parser().parse_args(argv)
    args.argv = [arg for arg in argv if arg != "--debug"]   # as given: `gpt train --nproc N` runs it again in N processes
    tune_process()   # diffplay owns this process: one BLAS thread, freed memory kept (process.py)
    try:
        return args.run(args) or 0
    except (UsageError, RunFailed) as error:
        if args.debug:
            raise
        print(f"diffplay: {error}", file=sys.stderr)
        return 2 if isinstance(error, UsageError) else 1
    except KeyboardInterrupt as error:   # an Interrupted run says where it saved its work
        print(f"diffplay: {str(error) or 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
