"""`python -m timeline_lab` runs the CLI."""

import atexit
import contextlib
import os
import sys

from .cli import main

code = main()
# Leave without tearing the interpreter down object by object (~70 ms after a render, most of
# a short command's time): the exit handlers still run (logging, temporary files, plugin
# children), then the streams are flushed, so nothing the command wrote is lost.
atexit._run_exitfuncs()
for stream in (sys.stdout, sys.stderr):
    with contextlib.suppress(OSError, ValueError):  # a closed or broken pipe: nothing more to write
        stream.flush()
os._exit(code)
