"""The `kubelint` command and `python -m kubelint_py`."""

import gc
import os
import sys


def run() -> None:
    # A command lives for one run and its objects live until it ends: the cyclic garbage collector
    # would only scan them again and again (the check stage collects the cycles it makes itself).
    gc.disable()
    from kubelint_py.cli import main

    try:
        main()
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else _message(exit.code)
    # Tearing the interpreter down frees every module and object one by one: a fifth of the time of a
    # small run, for nothing. Nothing registers atexit work; the output is flushed here.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): what was read is all that is wanted
            pass
    os._exit(code)


def _message(text: object) -> int:
    print(text, file=sys.stderr)
    return 1


if __name__ == "__main__":
    run()
