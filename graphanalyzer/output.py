"""Writing outputs: atomically (a temporary file beside the target, then a rename).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out" / "estate.yaml"
>>> write_atomic(target, "inventory: x\\n")
>>> target.read_text()
'inventory: x\\n'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from graphanalyzer.errors import OutputError


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part."""
    target = Path(path)
    data = content.encode() if isinstance(content, str) else content
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise OutputError(f"{target}: cannot write: {error.strerror or error}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
