#!/usr/bin/env python3
"""Build the news digest: ``python build.py --help``."""

import os
import sys

from site_builder.cli import main

if __name__ == "__main__":
    code = main()
    # Everything is written and closed by now.  Leaving without freeing a large build's
    # objects one by one (millions of them) saves a noticeable part of a small rebuild:
    # the system takes the memory back at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
