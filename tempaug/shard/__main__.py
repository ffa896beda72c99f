"""``python -m tempaug.shard``: see :mod:`tempaug.shard.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
