"""The tables aggregation writes (runs.csv and the others), each held to its digest in
``tables.sha256`` beside it, so that a table cut at a row boundary, or edited, is refused by name
instead of read as fewer runs. The file has sha256sum's format: ``sha256sum -c tables.sha256``, run
in its folder, checks them by hand."""

import hashlib
import io
from pathlib import Path

import pandas as pd

from mnist_mlp.errors import UserError

DIGESTS = "tables.sha256"
REBUILD = "rebuild it: snakemake --forcerun aggregate (with the build's own --config and --configfile)"


class TableNotWhole(UserError):
    """A table is not the one aggregation wrote: cut, edited, or without its digest."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_digests(files: list) -> Path:
    """Write ``tables.sha256`` beside ``files`` (all in one folder): a line per file, its digest and name."""
    files = [Path(f) for f in files]
    (folder,) = {f.parent for f in files}
    out = folder / DIGESTS
    out.write_text("".join(f"{digest(f.read_bytes())}  {f.name}\n" for f in files))
    return out


def check_whole(file, data: bytes) -> None:
    """Raise TableNotWhole, in one line naming ``file`` and the fix, unless ``data``, its content as
    read, is byte for byte the table aggregation wrote, by its digest in the ``tables.sha256`` beside it."""
    file = Path(file)
    listed = file.with_name(DIGESTS)
    try:
        lines = listed.read_text().splitlines()
    except (FileNotFoundError, NotADirectoryError):
        raise TableNotWhole(
            f"{file}: no {DIGESTS} beside it, so nothing tells whether it is whole (written before tables "
            f"carried digests, or moved without it); {REBUILD}"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise TableNotWhole(f"{listed}: cannot be read ({err}); {REBUILD}") from None
    digests = {name: value for value, name in (line.split("  ", 1) for line in lines if "  " in line)}
    if file.name not in digests:
        raise TableNotWhole(f"{file}: not listed in {listed}; {REBUILD}")
    if digest(data) != digests[file.name]:
        raise TableNotWhole(
            f"{file}: not the table aggregation wrote (its digest in {listed} differs): cut short or edited "
            f"since; {REBUILD}"
        )


def read_table(file) -> pd.DataFrame:
    """A table aggregation wrote, once ``check_whole`` holds: read once, checked and parsed."""
    data = Path(file).read_bytes()
    check_whole(file, data)
    return pd.read_csv(io.BytesIO(data))
