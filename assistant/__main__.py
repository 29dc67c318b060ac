"""``python -m assistant``: the same command line as ``assistant``."""

import sys

from .cli import main

sys.exit(main())
