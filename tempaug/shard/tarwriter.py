"""Deterministic, atomic tar shards: the same records always give the same bytes, and no reader sees half a shard.

Every member gets the same fixed mtime, owner and mode, and records keep their member order, so a shard's bytes
depend only on what is written into it. The tar is written to a temporary name beside its destination, flushed
to disk, and renamed into place only when :meth:`ShardFile.close` finishes.

Example:
    >>> import tarfile, tempfile
    >>> from pathlib import Path
    >>> from tempaug.shard.tarwriter import ShardFile
    >>> path = Path(tempfile.mkdtemp()) / "train-000000.tar"
    >>> with ShardFile(path) as shard:
    ...     shard.write("k0", {"json": b"{}", "cls": b"1"})
    >>> path.exists(), tarfile.open(path).getnames()
    (True, ['k0.json', 'k0.cls'])
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path
from types import TracebackType

__all__ = ["MTIME", "ShardFile", "record_size", "sha256_file", "tar_size"]

#: The mtime of every member (2000-01-01T00:00:00Z): fixed, so shards are byte-identical across runs.
MTIME = 946684800

_BLOCK = 512


def record_size(members: dict[str, bytes]) -> int:
    """Bytes one record takes in a tar: a 512-byte header per member plus its data padded to 512 bytes.

    Example:
        >>> from tempaug.shard.tarwriter import record_size
        >>> record_size({"json": b"{}", "npy": bytes(600)})
        2560
    """
    return sum(_BLOCK + -(-len(data) // _BLOCK) * _BLOCK for data in members.values())


def tar_size(content: int) -> int:
    """The size of a finished tar whose members take ``content`` bytes: plus the two closing blocks, padded to
    tarfile's 10240-byte records.

    Example:
        >>> from tempaug.shard.tarwriter import tar_size
        >>> tar_size(0), tar_size(9216), tar_size(9217)
        (10240, 10240, 20480)
    """
    return -(-(content + 2 * _BLOCK) // tarfile.RECORDSIZE) * tarfile.RECORDSIZE


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file, read in chunks.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.shard.tarwriter import sha256_file
        >>> f = Path(tempfile.mkdtemp()) / "x"; _ = f.write_bytes(b"abc")
        >>> sha256_file(f)[:16]
        'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class ShardFile:
    """One tar shard being written: records go to ``<dest>.partial``, renamed to ``dest`` on :meth:`close`.

    Attributes:
        samples: records written so far.
        bytes: bytes the records written so far take (headers and padded data); :func:`tar_size` gives the
            finished file's size.
        sha256: hex digest of the finished file, set by :meth:`close`.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from tempaug.shard.tarwriter import ShardFile
        >>> dest = Path(tempfile.mkdtemp()) / "a.tar"
        >>> shard = ShardFile(dest); shard.write("x", {"json": b"{}"}); shard.bytes
        1024
        >>> _ = shard.close(); dest.stat().st_size, shard.sha256 is not None
        (10240, True)
    """

    def __init__(self, dest: str | os.PathLike[str]) -> None:
        self.dest = Path(dest)
        self.tmp = self.dest.with_name(self.dest.name + ".partial")
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.tmp, "wb")
        self._tar = tarfile.open(fileobj=self._file, mode="w", format=tarfile.USTAR_FORMAT)
        self.samples = 0
        self.bytes = 0
        self.sha256: str | None = None

    def write(self, key: str, members: dict[str, bytes]) -> None:
        """Append one record: member ``<key>.<ext>`` for each ``ext -> data``, in the dict's order."""
        if "." in key or "/" in key or not key:
            raise ValueError(f"ShardFile: key {key!r} must be non-empty and hold no '.' or '/'")
        for ext, data in members.items():
            info = tarfile.TarInfo(f"{key}.{ext}")
            info.size, info.mtime, info.mode = len(data), MTIME, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            self._tar.addfile(info, io.BytesIO(data))
        self.samples += 1
        self.bytes += record_size(members)

    def close(self) -> Path:
        """Finish the tar, flush it to disk and rename it to its destination; returns the destination."""
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self.sha256 = sha256_file(self.tmp)
        os.replace(self.tmp, self.dest)
        return self.dest

    def abort(self) -> None:
        """Drop the shard: close and delete the temporary file; the destination is left untouched."""
        self._file.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> ShardFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
