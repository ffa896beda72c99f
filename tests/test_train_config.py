"""The training config: filled from argparse, validated before anything runs, round-trips as plain data."""

from __future__ import annotations

import pytest
import torch

from tempaug.core.errors import InvalidArgumentError
from tempaug.train.config import TrainConfig, parse_args


def test_command_line_fills_the_dataclass_and_none_means_no_pipeline() -> None:
    cfg = parse_args(["vae", "--data", "shards", "--augment", "none", "--epochs", "20", "--out", "runs/vae1"])
    assert (cfg.kind, cfg.data, cfg.augment, cfg.epochs, cfg.out) == ("vae", "shards", None, 20, "runs/vae1")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert parse_args(["rcgan"]).out == "runs/rcgan"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_an_accelerator_this_machine_lacks_is_a_clear_error() -> None:
    with pytest.raises(InvalidArgumentError, match="no CUDA device") as err:
        parse_args(["seq2seq", "--device", "cuda"])
    assert err.value.arg == "device"


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"kind": "gan"}, "kind"),
        ({"device": "tpu9"}, "device"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_steps": 0}, "max_steps"),
        ({"lr": 0.0}, "lr"),
        ({"horizon": 0}, "horizon"),
    ],
)
def test_bad_options_name_the_option(kwargs: dict, arg: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        TrainConfig(**kwargs)
    assert err.value.arg == arg


def test_unknown_keys_in_a_saved_config_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="unknown options"):
        TrainConfig.from_dict({"kind": "vae", "learning_rate": 1.0})
