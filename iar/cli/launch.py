"""``--processes N`` of ``iar eval`` and ``iar tune``: relaunch the command under torchrun, and the
per-process state and device once under a launcher (docs/data-parallel.md).

    iar tune --processes 2 ...   # = torchrun --standalone --nproc_per_node 2 -m iar tune ...
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
