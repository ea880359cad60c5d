"""Reading and writing the IDX format of the original MNIST and Fashion-MNIST files.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the data in C order. MNIST uses only unsigned bytes.
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

from mnist_mlp.errors import UserError

_UBYTE = 0x08


class IdxFormatError(UserError, ValueError):
    """A file is not a well-formed unsigned-byte IDX file."""


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an unsigned-byte IDX file.

    Args:
        raw: the decompressed file content.
        name: what to call the file in error messages.

    Returns:
        A uint8 array with the dimensions the header declares.
    """
    if len(raw) < 4:
        raise IdxFormatError(f"{name}: only {len(raw)} bytes, too short for an IDX header")
    zero0, zero1, type_code, ndim = raw[:4]
    if zero0 != 0 or zero1 != 0 or type_code != _UBYTE or ndim == 0:
        raise IdxFormatError(
            f"{name}: bad magic number {raw[:4].hex()} (expected 0000 08 0N for an unsigned-byte IDX file)"
        )
    header_end = 4 + 4 * ndim
    if len(raw) < header_end:
        raise IdxFormatError(f"{name}: header declares {ndim} dimensions but the file ends at byte {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    actual = len(raw) - header_end
    if actual != expected:
        raise IdxFormatError(
            f"{name}: header declares shape {shape} ({expected} bytes of data) but the file holds {actual}; "
            "it is truncated or corrupt, delete it and download again"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_end).reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    """Read a gzip-compressed (``.gz``) or plain IDX file into a uint8 array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as err:  # a non-gzip, truncated or corrupt file
        raise IdxFormatError(f"{path}: cannot be decompressed ({err}); delete it and download again") from err
    return parse_idx(raw, name=str(path))


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file, gzip-compressed when ``path`` ends in ``.gz``."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, _UBYTE, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    opener = gzip.open if Path(path).suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())
