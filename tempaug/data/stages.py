"""The stages of one worker's stream: tar members grouped into raw samples, raw samples decoded (and
transformed) into clips, clips batched into deliveries that also carry the worker's count of skipped samples.

Decoding goes through :func:`tempaug.io.records.decode_record` only, which never unpickles: a member that is not
part of a record (a ``.pyd`` or ``.pickle`` file, say) makes the sample unreadable.

Under ``on_error="raise"`` an unreadable shard or sample raises an error naming the shard and the key; under
``"skip"`` it is counted in a :class:`SkipTally` and left out. A broken tar stream (truncated or corrupt) counts
once, however many samples it lost; so does a shard that holds fewer or more samples than its index says. The
record being read when a stream breaks is still decoded, and counts as a skipped sample if a member is missing
(a record is its clip and json, plus cls whenever the json holds a label, so a cut-short record never decodes).

Example:
    >>> import io, tarfile, torch
    >>> from tempaug.data.stages import SkipTally, decode_samples, read_samples
    >>> from tempaug.io.records import encode_record
    >>> buf = io.BytesIO()
    >>> with tarfile.open(fileobj=buf, mode="w") as tar:
    ...     for ext, data in encode_record(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), {"label": 5}, "npy").items():
    ...         info = tarfile.TarInfo(f"k0.{ext}"); info.size = len(data); tar.addfile(info, io.BytesIO(data))
    >>> path = __import__("tempfile").mktemp(suffix=".tar"); _ = open(path, "wb").write(buf.getvalue())
    >>> tally = SkipTally()
    >>> raw = list(read_samples([{"url": path}], tally, "raise"))
    >>> sorted(raw[0])
    ['__key__', '__url__', 'cls', 'json', 'npy']
    >>> clip, label, meta = next(decode_samples(raw, tally, "raise"))
    >>> clip.shape, label, meta["__key__"]
    (torch.Size([2, 1, 4, 4]), 5, 'k0')
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import torch
from torch import Tensor

from ..core.errors import DTypeError, InvalidInputError
from ..core.sample import Sample as TargetSample
from ..core.transform import Transform
from ..io.records import RecordError, decode_record, split_name
from .batch import Batch, Sample, collate

__all__ = [
    "ClipTransform",
    "Delivery",
    "SkipTally",
    "decode_samples",
    "deliver_batches",
    "read_samples",
    "takes_labels",
]

#: How many skip messages a tally keeps (the most recent).
MAX_REASONS = 20


class SkipTally:
    """Counts what one worker skipped since the last :meth:`take`, with the latest messages.

    Example:
        >>> from tempaug.data.stages import SkipTally
        >>> tally = SkipTally(); tally.add("shard 'a.tar': broken"); tally.take()
        (1, ("shard 'a.tar': broken",))
        >>> tally.take()
        (0, ())
    """

    def __init__(self) -> None:
        self.count = 0
        self.reasons: list[str] = []

    def add(self, reason: str) -> None:
        """Count one skipped sample or broken stream."""
        self.count += 1
        self.reasons = [*self.reasons[-(MAX_REASONS - 1) :], reason]

    def take(self) -> tuple[int, tuple[str, ...]]:
        """The count and messages gathered since the last call, and start again from zero."""
        out = self.count, tuple(self.reasons)
        self.count, self.reasons = 0, []
        return out


class Delivery(NamedTuple):
    """What a worker sends to the main process: a batch (None for a closing count) and what it skipped since
    its previous delivery.

    Example:
        >>> from tempaug.data.stages import Delivery
        >>> Delivery(None, 2, ("shard 'a.tar': ...", "shard 'b.tar': ..."))
        Delivery(batch=None, skipped=2, reasons=("shard 'a.tar': ...", "shard 'b.tar': ..."))
    """

    batch: Batch | None
    skipped: int = 0
    reasons: tuple[str, ...] = ()


def takes_labels(fn: Any) -> bool:
    """True when ``fn`` is a tempaug transform that mixes or makes clips together with their labels (a mixer,
    ``Synthesize``, a ``Compose`` holding one, or a :class:`ClipTransform` running one): the loader then calls it
    on ``Sample(video=..., label=...)`` instead of the bare clips.

    Example:
        >>> import tempaug
        >>> from tempaug.data.stages import takes_labels
        >>> takes_labels(tempaug.Compose([tempaug.HorizontalFlip(), tempaug.MixUp(num_classes=3)]))
        True
        >>> takes_labels(tempaug.HorizontalFlip()), takes_labels(lambda clips: clips)
        (False, False)
    """
    if isinstance(fn, ClipTransform):
        fn = fn.transform
    return isinstance(fn, Transform) and bool(fn.mixes)


class ClipTransform:
    """Runs a per-clip transform; with ``seed``, on a private torch RNG stream so the caller's RNG is untouched.

    In a DataLoader worker the transform draws from torch's default generator, which the DataLoader seeds per
    worker; in the main process (``num_workers=0``) a seed keeps the draws reproducible without reseeding the
    user's generator.

    Example:
        >>> import torch
        >>> from tempaug.data.stages import ClipTransform
        >>> noise = ClipTransform(lambda clip: torch.rand(()) + clip, seed=7)
        >>> state = torch.get_rng_state(); a = noise(torch.zeros(())); torch.equal(state, torch.get_rng_state())
        True
        >>> bool(a == ClipTransform(lambda clip: torch.rand(()) + clip, seed=7)(torch.zeros(())))
        True
    """

    def __init__(self, transform: Callable[[Any], Any], seed: int | None = None) -> None:
        self.transform = transform
        self.state = None if seed is None else torch.Generator().manual_seed(seed).get_state()

    def __call__(self, clip: Any) -> Any:
        """The transformed clip (or sample, for a transform that takes labels)."""
        if self.state is None:
            return self.transform(clip)
        outer = torch.get_rng_state()
        torch.set_rng_state(self.state)
        try:
            return self.transform(clip)
        finally:
            self.state = torch.get_rng_state()
            torch.set_rng_state(outer)


def _fail(message: str, on_error: str, tally: SkipTally, error: type[Exception] = InvalidInputError) -> None:
    if on_error == "raise":
        raise error(message)
    tally.add(message)


def _read_shard(
    url: str, expected: int | None, tally: SkipTally, on_error: str
) -> Generator[dict[str, Any], None, int]:
    """The raw samples of one shard; returns how many it yielded."""
    from webdataset import gopen
    from webdataset.tariterators import tar_file_iterator

    count, sample, stream, broken = 0, None, None, False
    try:
        stream = gopen(url)
        for member in tar_file_iterator(stream):
            key, ext = split_name(member["fname"])
            if sample is not None and key != sample["__key__"]:
                count += 1
                yield sample
                sample = None
            if sample is None:
                sample = {"__key__": key, "__url__": url}
            if ext in sample:
                sample["__error__"] = f"record {key!r}: member {ext!r} appears twice"
            sample[ext] = member["data"]
        if sample is not None:
            count += 1
            yield sample
    except Exception as err:  # noqa: BLE001 - any failure to read the stream is a broken shard
        last = f" after record {sample['__key__']!r}" if sample is not None else ""
        detail = str(err).split(" @ <", 1)[0]  # webdataset appends the file object's repr
        _fail(f"shard {url!r}: tar stream unreadable{last} ({type(err).__name__}: {detail})", on_error, tally)
        broken = True
    finally:
        if stream is not None:
            stream.close()
    if broken:
        if sample is not None:  # the record being read: decoding tells whether all its members arrived
            count += 1
            yield sample
        return count
    if expected is not None and count != expected:
        _fail(
            f"shard {url!r}: holds {count} samples, its index says {expected} (the file is cut short or does not "
            "match the index)",
            on_error,
            tally,
        )
    return count


def read_samples(
    shards: Iterable[Mapping[str, Any]],
    tally: SkipTally,
    on_error: str = "raise",
    expected: Mapping[str, int | None] | None = None,
    max_empty: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Raw samples (extension -> bytes, plus ``__key__`` and ``__url__``) from a stream of ``{"url": ...}``.

    Args:
        shards: shard addresses, as webdataset's shard lists yield them.
        tally: where skipped streams are counted (``on_error="skip"``).
        on_error: ``"raise"`` or ``"skip"``.
        expected: sample count per url, checked at the end of each shard.
        max_empty: raise after this many shards in a row gave no sample (for an endless resampled stream).

    Example:
        >>> from tempaug.data.stages import SkipTally, read_samples
        >>> tally = SkipTally()
        >>> list(read_samples([{"url": "/no/such.tar"}], tally, on_error="skip")), tally.count
        ([], 1)
    """
    empty = 0
    for item in shards:
        url = item["url"]
        count = yield from _read_shard(url, (expected or {}).get(url), tally, on_error)
        empty = 0 if count else empty + 1
        if max_empty is not None and empty >= max_empty:
            raise InvalidInputError(f"make_loader: the last {empty} shards read gave no readable sample")


def decode_samples(
    samples: Iterable[Mapping[str, Any]],
    tally: SkipTally,
    on_error: str = "raise",
    transform: Callable[[Any], Any] | None = None,
    backend: str = "decord",
) -> Iterator[Sample]:
    """Decoded ``(clip, label, meta)`` samples, the clip passed through ``transform`` when one is given.

    A transform that takes labels (:func:`takes_labels`: ``Synthesize``, say) runs on
    ``Sample(video=clip, label=label)`` and the label it gives back replaces the record's; any other callable
    runs on the bare clip.

    ``meta`` is the record's JSON plus ``__key__`` and ``__url__``. A record whose JSON holds an integer label
    but which has no ``cls`` member was cut short and is unreadable.

    Example:
        >>> from tempaug.data.stages import SkipTally, decode_samples
        >>> tally = SkipTally()
        >>> bad = {"__key__": "k", "__url__": "a.tar", "json": b"{}", "pyd": b"..."}
        >>> list(decode_samples([bad], tally, on_error="skip")), tally.reasons
        ([], ["shard 'a.tar': record 'k': members ['pyd'] are not part of a tempaug record"])
    """
    labelled = takes_labels(transform)
    for sample in samples:
        key, url = sample["__key__"], sample["__url__"]
        try:
            if "__error__" in sample:
                raise RecordError(sample["__error__"])
            members = {k: v for k, v in sample.items() if not k.startswith("__")}
            record = decode_record(members, key=key, backend=backend)
            label = record.meta.get("label")
            if "cls" not in members and isinstance(label, int) and not isinstance(label, bool):
                raise RecordError(f"record {key!r}: json holds label {label} but there is no cls member (cut short)")
        except Exception as err:  # noqa: BLE001 - any decoding failure makes the sample unreadable
            text = str(err) if isinstance(err, RecordError) else f"record {key!r}: {type(err).__name__}: {err}"
            _fail(f"shard {url!r}: {text}", on_error, tally, RecordError)
            continue
        clip, label = record.clip, record.label
        if transform is not None:
            try:
                if labelled:
                    if label < 0:
                        raise InvalidInputError(
                            f"make_loader: the per-clip transform mixes or makes clips with their labels, but "
                            f"record {key!r} of shard {url!r} has no label (no cls member)"
                        )
                    out = transform(TargetSample(video=clip, label=label))
                    clip, label = out.video, out.label
                else:
                    clip = transform(clip)
            except Exception as err:
                if hasattr(err, "add_note"):
                    err.add_note(f"(in the per-clip transform of record {key!r} of shard {url!r})")
                raise
            if not isinstance(clip, Tensor):
                raise DTypeError(
                    f"make_loader: the transform returned a {type(clip).__name__} for record {key!r}, expected a Tensor"
                )
        yield clip, label, {**record.meta, "__key__": key, "__url__": url}


def deliver_batches(
    samples: Iterable[Sample], tally: SkipTally, batch_size: int, drop_last: bool = False
) -> Iterator[Delivery]:
    """Batches of ``batch_size`` samples as :class:`Delivery` items; the last may be short (or dropped), and a
    final item with no batch carries counts gathered after the last batch.

    Example:
        >>> import torch
        >>> from tempaug.data.stages import SkipTally, deliver_batches
        >>> samples = [(torch.zeros(1, 1, 2, 2), i, {}) for i in range(3)]
        >>> [d.batch.labels.tolist() for d in deliver_batches(samples, SkipTally(), batch_size=2)]
        [[0, 1], [2]]
    """
    pending: list[Sample] = []
    for sample in samples:
        pending.append(sample)
        if len(pending) == batch_size:
            yield Delivery(collate(pending), *tally.take())
            pending = []
    if pending and not drop_last:
        yield Delivery(collate(pending), *tally.take())
    skipped, reasons = tally.take()
    if skipped:
        yield Delivery(None, skipped, reasons)
