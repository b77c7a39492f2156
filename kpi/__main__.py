import os
import sys

from kpi.cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # The output went to a reader that stopped early (`| head`); Python's documented remedy is to
    # point stdout at devnull so that the interpreter's final flush does not fail again.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(0)
