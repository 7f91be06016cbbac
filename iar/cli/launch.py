"""How ``iar eval`` and ``iar tune`` run: ``--processes N`` (relaunch the command under torchrun;
the per-process state and device once under a launcher, docs/data-parallel.md) or ``--device-map``
(one model split across devices, CPU memory and disk, docs/scaling.md).

    iar tune --processes 2 ...   # = torchrun --standalone --nproc_per_node 2 -m iar tune ...
    iar eval --model ID --device-map auto --max-memory 0=20GiB 1=20GiB cpu=60GiB ...
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from iar.errors import InputError


def add_processes(p: argparse.ArgumentParser, what: str) -> None:
    """The ``--processes`` option, splitting ``what`` (e.g. "the items") across processes.

    Example:
        >>> p = argparse.ArgumentParser(); add_processes(p, "the items")
        >>> p.parse_args(["--processes", "2"]).processes
        2
    """
    p.add_argument("--processes", type=int,
                   help=f"split {what} across N processes (relaunches itself under torchrun; "
                        "see docs/data-parallel.md); under torchrun or accelerate launch this is "
                        "automatic")


def relaunch_if_asked(args: argparse.Namespace, what: str) -> int | None:
    """Check ``--processes``; with N > 1 outside a launcher, run the same command as
    ``torchrun --standalone --nproc_per_node N -m iar ...`` (without ``--processes``) and return
    its exit code; else None (the caller goes on in this process).

    Example:
        >>> relaunch_if_asked(argparse.Namespace(processes=None), "the items") is None
        True
    """
    import subprocess

    from iar.evaluation.parallel import is_distributed

    n = getattr(args, "processes", None)
    if n is not None and n < 1:
        raise InputError(f"--processes {n}: pass N >= 1 (processes to split {what} across).")
    if n is None or n == 1 or is_distributed():
        return None
    argv, skip = [], False
    for a in getattr(args, "argv", None) or sys.argv[1:]:
        if skip:
            skip = False
        elif a == "--processes":
            skip = True
        elif not a.startswith("--processes="):
            argv.append(a)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           "--nproc_per_node", str(n), "-m", "iar", *argv]
    return subprocess.call(cmd)


def process_state(device: str | None) -> tuple[Any, str | None]:
    """``(state, device)`` of this process: under a launcher its `accelerate.PartialState`
    (`iar.evaluation.parallel.distributed_state`) and, when ``device`` is None and the state is
    on a GPU, that GPU (one per process); else ``(None, device)``.

    Example:
        >>> process_state("cpu")  # not under a launcher
        (None, 'cpu')
    """
    from iar.evaluation import parallel

    if not parallel.is_distributed():
        return None, device
    state = parallel.distributed_state(device)
    if device is None and state.device.type != "cpu":
        device = str(state.device)  # one GPU per process
    return state, device


DEVICE_MAPS = ("auto", "balanced", "balanced_low_0", "sequential")


def add_placement(p: argparse.ArgumentParser) -> None:
    """``--device-map``, ``--max-memory`` and ``--offload-folder``: `iar.load`'s placement of a
    model larger than one device (hub ids and model folders).

    Example:
        >>> p = argparse.ArgumentParser(); add_placement(p)
        >>> p.parse_args(["--device-map", "auto", "--max-memory", "0=20GiB", "cpu=60GiB"]).max_memory
        ['0=20GiB', 'cpu=60GiB']
    """
    p.add_argument("--device-map", help=f"split the model across devices: {', '.join(DEVICE_MAPS)} or a "
                                        "JSON file {module: device} (hub ids and folders; docs/scaling.md)")
    p.add_argument("--max-memory", nargs="+", metavar="DEVICE=SIZE",
                   help="with --device-map: memory per device, e.g. 0=20GiB 1=20GiB cpu=60GiB")
    p.add_argument("--offload-folder", help="with --device-map: folder for weights offloaded to disk")


def placement(args: argparse.Namespace) -> dict[str, Any]:
    """``iar.load`` keywords from ``--device-map/--max-memory/--offload-folder`` ({} without them).

    Raises:
        InputError: ``--max-memory``/``--offload-folder`` without ``--device-map``, a bad
            ``DEVICE=SIZE``, an unreadable map file, or ``--device-map`` with ``--processes`` or
            ``--device`` (each names the fix).

    Example:
        >>> placement(argparse.Namespace(device_map="auto", max_memory=["0=20GiB", "cpu=60GiB"],
        ...                              offload_folder=None, processes=None, device=None))
        {'device_map': 'auto', 'max_memory': {0: '20GiB', 'cpu': '60GiB'}}
    """
    import json
    from pathlib import Path

    dm, mm, off = (getattr(args, k, None) for k in ("device_map", "max_memory", "offload_folder"))
    if dm is None:
        if mm or off:
            raise InputError("--max-memory and --offload-folder place a model split by --device-map; "
                             "add --device-map auto (or leave them out).")
        return {}
    from iar.evaluation.parallel import is_distributed

    if (getattr(args, "processes", None) or 1) > 1 or is_distributed():
        raise InputError("--device-map splits one model across the devices; with several processes "
                         "(--processes N, torchrun, accelerate launch) every process would claim all "
                         "of them. Use one of the two.")
    if getattr(args, "device", None):
        raise InputError("--device moves the whole model to one device; --device-map splits it. "
                         "Pass one of the two.")
    out: dict[str, Any] = {}
    if dm in DEVICE_MAPS or dm == "cpu":
        out["device_map"] = dm
    else:
        try:
            out["device_map"] = json.loads(Path(dm).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f"--device-map {dm!r}: not one of {DEVICE_MAPS} nor a readable JSON file "
                             f"{{module: device}} ({e}).") from None
        if not isinstance(out["device_map"], dict):
            raise InputError(f"--device-map {dm}: the JSON file must hold an object {{module: device}}.")
    if mm:
        memory: dict[Any, str] = {}
        for item in mm:
            dev, sep, size = item.partition("=")
            if not sep or not dev or not size:
                raise InputError(f"--max-memory {item!r}: write DEVICE=SIZE, e.g. 0=20GiB or cpu=60GiB.")
            memory[int(dev) if dev.isdigit() else dev] = size
        out["max_memory"] = memory
    if off:
        out["offload_folder"] = str(off)
    return out
