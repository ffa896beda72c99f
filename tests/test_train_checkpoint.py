"""Checkpoints: atomic writes, weights-only loading, clear errors, and RNG states that resume exactly."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from tempaug.train.checkpoint import CheckpointError, load_checkpoint, restore_rng, save_checkpoint


def _save(path: Path, kind: str = "vae") -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model(torch.randn(5, 3)).sum().backward()
    opt.step()
    save_checkpoint(
        path,
        kind=kind,
        model=model,
        optimizers={"main": opt},
        config={"seed": 3},
        step=11,
        pipeline={"name": "TemporalReverse", "p": 0.5},
        extra={"history": {"loss": [[1, 0.5]]}},
    )
    return model, opt


def test_round_trip_restores_model_optimiser_and_metadata(tmp_path: Path) -> None:
    model, opt = _save(tmp_path / "c.pt")
    ckpt = load_checkpoint(tmp_path / "c.pt", kind="vae")
    clone = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    clone.load_state_dict(ckpt["model"])
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), clone.state_dict().values()))
    clone_opt = torch.optim.AdamW(clone.parameters(), lr=1e-2)
    clone_opt.load_state_dict(ckpt["optimizers"]["main"])
    assert clone_opt.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]
    assert ckpt["step"] == 11 and ckpt["config"] == {"seed": 3} and ckpt["pipeline"]["p"] == 0.5
    assert ckpt["extra"]["history"]["loss"] == [[1, 0.5]]
    assert not list(tmp_path.glob(".*partial"))


def test_rng_states_saved_in_a_checkpoint_resume_every_stream(tmp_path: Path) -> None:
    torch.manual_seed(1), random.seed(2), np.random.seed(3)
    _save(tmp_path / "c.pt")
    expected = (torch.rand(3), random.random(), np.random.rand())
    torch.manual_seed(99), random.seed(99), np.random.seed(99)
    restore_rng(load_checkpoint(tmp_path / "c.pt")["rng"])
    got = (torch.rand(3), random.random(), np.random.rand())
    assert torch.equal(expected[0], got[0]) and expected[1:] == got[1:]


def test_another_kind_a_corrupt_file_a_truncated_file_and_no_file_are_clear_errors(tmp_path: Path) -> None:
    _save(tmp_path / "c.pt", kind="rcgan")
    with pytest.raises(CheckpointError, match="holds a 'rcgan' model, not a 'seq2seq' one"):
        load_checkpoint(tmp_path / "c.pt", kind="seq2seq")
    data = (tmp_path / "c.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "cut.pt")
    (tmp_path / "junk.pt").write_bytes(b"\x00" * 100)
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a tempaug checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")


def test_loading_never_unpickles_arbitrary_objects(tmp_path: Path) -> None:
    class Payload:
        def __reduce__(self):
            return (Path(tmp_path / "ran").touch, ())

    torch.save({"version": 1, "kind": "vae", "evil": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "evil.pt")
    assert not (tmp_path / "ran").exists()
