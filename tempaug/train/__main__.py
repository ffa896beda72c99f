"""``python -m tempaug.train KIND [options]``: train a reference model; see ``--help``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..core.errors import TempaugError


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m tempaug.train`` with ``argv``; returns the exit code.

    Example:
        >>> from tempaug.train.__main__ import main
        >>> main(["seq2seq", "--data", "/no/such/folder", "--quiet"])
        2
    """
    from .config import parse_args
    from .run import train

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        train(parse_args(args), argv=args)
    except (TempaugError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the last checkpoint is kept; continue with --resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
