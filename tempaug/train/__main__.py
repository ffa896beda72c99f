"""``python -m tempaug.train KIND [options]``: train a reference model; ``python -m tempaug.train eval RUN``:
evaluate a run again (on other data, with more clips); see ``--help`` of each."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..core.errors import TempaugError
from .config import parse_args, parse_eval_args
from .evaluate import evaluate_run
from .run import headline, train


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``python -m tempaug.train`` with ``argv``; returns the exit code.

    Example:
        >>> from tempaug.train.__main__ import main
        >>> main(["seq2seq", "--data", "/no/such/folder", "--quiet"])
        2
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["eval"]:
            eval_args = parse_eval_args(args[1:])
            record = evaluate_run(eval_args)
            if not eval_args.quiet:
                print(
                    f"{eval_args.run}: step {record['step']}; {record['split']} {headline(record) or 'samples in eval.gif'}",
                    file=sys.stderr,
                )
        else:
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
