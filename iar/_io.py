"""Files: the one atomic write, the one artifact format, the one conversion to JSON.

Every artifact `iar` saves (:class:`~iar.activations.Activations`, :class:`~iar.revision.Revision`,
:class:`~iar.analysis.shifts.ShiftReport`, :class:`~iar.analysis.probes.ProbeReport`) is one
safetensors file: the tensors, plus two metadata entries, ``"iar"`` (a JSON header whose
``"format"`` names the kind, e.g. ``"iar.Revision"``, and ``"version"`` is 2) and ``"sha256"``
(over the header and every tensor), so :func:`load_artifact` detects a damaged or edited file.

Files written before version 2 still load: the kinds had three layouts (activations: a
``"format": "iar.activations/1"`` entry; revisions: ``"iar"`` + ``"sha256"`` without a format;
shift and probe reports: ``"iar"`` with ``"version": 1`` and no checksum). :func:`load_artifact`
reads them through the ``legacy`` hook each class passes.

    >>> import tempfile, torch
    >>> p = save_artifact(tempfile.mkdtemp() + "/x.safetensors", "iar.Example", {"t": torch.ones(2)}, {"a": 1})
    >>> load_artifact(p, "iar.Example")[1]["a"]
    1
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from iar.errors import ArtifactError, InputError

VERSION = 2


# --------------------------------------------------------------------------------------------
# writing


def atomic_write(path: str | os.PathLike, write: Callable[[str], Any]) -> Path:
    """Create ``path`` through ``write(tmp)`` on a temporary file in the same folder, then rename.

    A crash never leaves a half-written file; parent folders are created; the file gets the usual
    permissions (``0o666`` less the umask) rather than ``mkstemp``'s 0600.

    Example:
        >>> import tempfile
        >>> p = atomic_write(tempfile.mkdtemp() + "/a/b.txt", lambda tmp: open(tmp, "w").write("hi"))
        >>> p.read_text()
        'hi'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_dir(
    path: str | os.PathLike,
    fill: Callable[[Path], Any],
    *,
    done_by_other: Callable[[Path], bool] | None = None,
) -> Path:
    """Create the folder ``path`` through ``fill(tmp)`` on a temporary folder beside it, then rename.

    Readers never see a half-filled folder. An empty folder already at ``path`` is replaced.
    When the rename fails because another process put the folder there first, that is fine if
    ``done_by_other(path)`` says so. Files get mode 0644 and folders 0755, at every depth.

    Example:
        >>> import tempfile
        >>> p = atomic_dir(tempfile.mkdtemp() + "/out", lambda d: (d / "a.txt").write_text("x"))
        >>> sorted(f.name for f in p.iterdir())
        ['a.txt']
    """
    import shutil

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
    try:
        fill(tmp)
        for f in tmp.rglob("*"):  # nested folders too: writers that go through mkstemp leave 0600
            if f.is_symlink():
                continue
            f.chmod(0o755 if f.is_dir() else 0o644)
        tmp.chmod(0o755)
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
        try:
            os.replace(tmp, path)
        except OSError:
            if done_by_other is None or not done_by_other(path):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_write` of a UTF-8 text (flushed to disk before the rename).

    Example:
        >>> import tempfile
        >>> write_text(tempfile.mkdtemp() + "/t.json", "{}").read_text()
        '{}'
    """
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """:func:`atomic_write` of ``data`` (flushed to disk before the rename).

    Example:
        >>> import tempfile
        >>> write_bytes(tempfile.mkdtemp() + "/b.bin", b"ab").read_bytes()
        b'ab'
    """

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    return atomic_write(path, write)


# --------------------------------------------------------------------------------------------
# JSON


def jsonable(value: Any) -> Any:
    """``value`` as strict JSON data: containers recursively, NaN as ``None`` and infinities as
    ``"inf"`` / ``"-inf"``, small tensors as
    lists (larger ones as ``"tensor(shape)"``), other objects by their ``describe()`` or ``repr``.

    Example:
        >>> jsonable({"a": (1, float("nan")), 2: "x"})
        {'a': [1, None], '2': 'x'}
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):  # strict JSON has neither NaN nor infinities
        return None if math.isnan(value) else value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    import torch

    if isinstance(value, torch.Tensor):
        return jsonable(value.tolist()) if value.numel() <= 64 else f"tensor{tuple(value.shape)}"
    describe = getattr(value, "describe", None)
    return jsonable(describe()) if callable(describe) else repr(value)


# --------------------------------------------------------------------------------------------
# artifacts


def digest(blob: str, tensors: Mapping[str, Any]) -> str:
    """SHA-256 over a JSON header and the tensors (name, shape and float32 bytes, in name order).

    Example:
        >>> import torch
        >>> len(digest("{}", {"t": torch.zeros(2)}))
        64
    """
    h = hashlib.sha256(blob.encode())
    for k in sorted(tensors):
        t = tensors[k].detach().float().cpu().contiguous()
        h.update(k.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def save_artifact(
    path: str | os.PathLike, kind: str, tensors: Mapping[str, Any], header: Mapping[str, Any]
) -> Path:
    """Write ``tensors`` and a JSON ``header`` as one checksummed safetensors file, atomically.

    Args:
        path: the file to write; parent folders are created.
        kind: the format name stored in the header (``"iar.Revision"``, ...).
        tensors: name -> tensor (made contiguous and moved to the CPU).
        header: JSON data (``jsonable`` is applied).

    Example:
        >>> import tempfile, torch
        >>> save_artifact(tempfile.mkdtemp() + "/x.safetensors", "iar.Example", {"t": torch.ones(1)}, {}).suffix
        '.safetensors'
    """
    from safetensors.torch import save_file

    if Path(path).is_dir():
        name = kind.rpartition(".")[2].lower() + ".safetensors"
        raise InputError(f"{str(path)!r} is a folder; save to a file inside it, e.g. "
                         f"{str(Path(path) / name)!r}.")
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    blob = json.dumps({**jsonable(dict(header)), "format": kind, "version": VERSION}, sort_keys=True)
    metadata = {"iar": blob, "sha256": digest(blob, tensors)}
    return atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))


Legacy = Callable[[dict[str, str], dict[str, Any]], "dict[str, Any] | None"]


def load_artifact(
    path: str | os.PathLike, kind: str, *, what: str = "iar", legacy: Legacy | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a file written by :func:`save_artifact` (or an older layout that ``legacy`` knows).

    Args:
        path: the file.
        kind: the format name expected in the header.
        what: how the error messages name the file ("revision", "activations", ...).
        legacy: ``legacy(metadata, tensors)`` -> the header of a pre-version-2 file of this kind,
            or ``None`` when it is not one.

    Returns:
        ``(tensors, header)``.

    Raises:
        ArtifactError: no file, not a safetensors file, another kind of file, or a checksum that
            does not match.

    Example:
        >>> import tempfile, torch
        >>> p = save_artifact(tempfile.mkdtemp() + "/x.safetensors", "iar.Example", {"t": torch.ones(2)}, {})
        >>> load_artifact(p, "iar.Example")[0]["t"].tolist()
        [1.0, 1.0]
    """
    from safetensors import safe_open

    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise ArtifactError(f"no {what} file at {name!r}; check the path.")
    try:
        with safe_open(name, framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as err:  # safetensors raises its own error types
        raise ArtifactError(
            f"{name!r} is not a readable {what} file (truncated or corrupted: {err}); save it again."
        ) from None
    try:
        header = json.loads(metadata["iar"]) if "iar" in metadata else {}
    except ValueError:
        header = {}
    if header.get("version") == VERSION and header.get("format") == kind:
        if digest(metadata["iar"], tensors) != metadata.get("sha256"):
            raise ArtifactError(
                f"{name!r} failed its checksum: the file was modified after saving; save it again."
            )
        return tensors, header
    old = legacy(metadata, tensors) if legacy is not None else None
    if old is not None:
        return tensors, old
    found = header.get("format") or metadata.get("format") or "no iar header"
    raise ArtifactError(
        f"{name!r} is a safetensors file but not an iar {what} (it holds {found}, not {kind}); "
        "load it with the class that saved it."
    )


def report_v1(kind: str) -> Legacy:
    """The ``legacy`` reader of iar 0.1's shift and probe reports (``"version": 1``, no checksum).

    Example:
        >>> report_v1("iar.ShiftReport")({"iar": '{"format": "iar.ShiftReport", "version": 1}'}, {})
        {'format': 'iar.ShiftReport', 'version': 1}
    """

    def read(metadata: dict[str, str], tensors: dict[str, Any]) -> dict[str, Any] | None:
        try:
            header = json.loads(metadata.get("iar") or "{}")
        except ValueError:
            return None
        ok = isinstance(header, dict) and header.get("format") == kind and header.get("version") == 1
        return header if ok else None

    return read
