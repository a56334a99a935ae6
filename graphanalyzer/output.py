"""Writing outputs: one policy for every command that writes a file, and atomic writes.

The policy (:func:`check_output`, applied by :func:`write_output`): graphanalyzer
never writes over one of the command's inputs (an inventory file, an imported
source), never over an existing file unless the user said ``--force``, and never
into a folder the user did not name: the only folders it creates are those in a
path given with ``-o``.  A refusal is an :class:`~graphanalyzer.errors.OutputError`
(exit code 2) with the same words whichever command refused.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out" / "estate.yaml"
>>> write_output(target, "inventory: x\\n")
>>> target.read_text()
'inventory: x\\n'
>>> write_output(target, "inventory: y\\n")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphanalyzer.errors.OutputError: .../out/estate.yaml: already exists (use --force to replace it)
>>> write_output(target, "inventory: y\\n", force=True, inputs=[target])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphanalyzer.errors.OutputError: .../estate.yaml: is an input of this command; graphanalyzer never writes ...
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from graphanalyzer.errors import OutputError

#: How the refusals read, the same for every command.
EXISTS = "{path}: already exists (use --force to replace it)"
INPUT = "{path}: is an input of this command; graphanalyzer never writes over its inputs"
FOLDER = "{path}: is a folder; name a file to write"


def check_output(
    path: str | os.PathLike[str], *, force: bool = False, inputs: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """The output path, if graphanalyzer may write it; else an OutputError saying why not.

    ``inputs`` are the files (or folders) the command read: a target that is one of
    them, or an existing file inside an input folder, is refused even with ``force``.
    Commands call this before their work, so a refusal costs nothing.
    """
    target = Path(path)
    for source in map(Path, inputs):
        if str(source).startswith("<"):  # <stdin>
            continue
        if _same(target, source) or (source.is_dir() and target.exists() and _inside(target, source)):
            raise OutputError(INPUT.format(path=target))
    if target.is_dir():
        raise OutputError(FOLDER.format(path=target))
    if target.exists() and not force:
        raise OutputError(EXISTS.format(path=target))
    return target


def write_output(
    path: str | os.PathLike[str],
    content: str | bytes,
    *,
    force: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Write a command's output file under the policy above, atomically."""
    write_atomic(check_output(path, force=force, inputs=inputs), content)


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through symbolic or hard links too)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part.

    This is the mechanism, with no policy: it replaces what is there and creates
    the folders of ``path``.  Commands write through :func:`write_output`.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "cache" / "entry"
    >>> write_atomic(target, b"x")
    >>> target.read_bytes()
    b'x'
    """
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
