"""Where a model or dataset the user names lives: a local folder, the local hub cache, or the hub.

Checked before transformers or datasets are asked, because their own failures are poor first
messages: a folder that does not exist ends, after a 45-line traceback, in "Repo id must be in the
form 'repo_name' or 'namespace/repo_name'", and a hub id with no network is retried for about 25 s
before a traceback. Here:

- a path-like name (``./x``, ``/x``, ``~/x``, ``a/b/c``, or anything that exists) must be a folder
  holding ``config.json``; otherwise :class:`~iar.errors.SourceError` at once, naming the absolute
  path that was looked at;
- a hub id is loaded as before when the hub answers; when ``HF_HUB_OFFLINE`` is set (or
  ``local_files_only=True``) or the hub does not answer within a few seconds, it is loaded from the
  local cache when it is there (with ``local_files_only=True``, so nothing waits on the network),
  else :class:`~iar.errors.SourceError` at once, saying so and how to pass a local folder.

Datasets (`check_dataset`) follow the same rules with :class:`~iar.errors.DataError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from iar.errors import DataError, SourceError

#: seconds to wait for the hub to answer one request before calling it unreachable
PROBE_TIMEOUT = 3.0

def offline(hub_kwargs: dict[str, Any] | None = None) -> str | None:
    """Why the network must not be used, or None: ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE`` /
    ``HF_DATASETS_OFFLINE``) set to a true value, or ``local_files_only=True``.

    Example:
        >>> offline({"local_files_only": True})
        'local_files_only=True was passed'
    """
    if hub_kwargs and hub_kwargs.get("local_files_only"):
        return "local_files_only=True was passed"
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in ("1", "on", "yes", "true"):
            return f"{var} is set"
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - a dependency of transformers
        return None
    return "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else None


def hub_reachable(timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether the hub endpoint (``HF_ENDPOINT``) answers one HTTP request within ``timeout`` seconds.

    Any HTTP answer counts (even 401/404): only "no answer" means unreachable. The request goes
    through huggingface_hub's own session, so proxies and custom endpoints apply.
    """
    try:
        from huggingface_hub import constants
        from huggingface_hub.utils import get_session

        get_session().head(constants.ENDPOINT, timeout=timeout)
    except Exception:
        return False
    return True


def is_repo_id(name: str) -> bool:
    """Shaped like a hub repo id (``name`` or ``owner/name``), not like a path.

    Example:
        >>> is_repo_id("llava-hf/llava-1.5-7b-hf"), is_repo_id("./models/llava"), is_repo_id("a/b/c")
        (True, False, False)
    """
    if not name or name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1:
        return False
    try:
        from huggingface_hub.utils import validate_repo_id

        validate_repo_id(name)
    except Exception:
        return False
    return True


def _cached_snapshot(repo_id: str, hub_kwargs: dict[str, Any], filename: str = "config.json") -> str | None:
    """The local cache folder holding ``filename`` of ``repo_id`` (at ``revision``), or None."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, filename, cache_dir=hub_kwargs.get("cache_dir"),
                                       revision=hub_kwargs.get("revision"))
    except Exception:
        return None
    return str(Path(found).parent) if isinstance(found, str) else None


def resolve_pretrained(name: str | os.PathLike, *, what: str = "model",
                       hub_kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check that ``name`` can be loaded with ``from_pretrained`` now; return the kwargs to load it with.

    Args:
        name: a local folder or a hub id.
        what: what it is, for messages (``"model"``, ``"processor"``, ``"judge model"``).
        hub_kwargs: the keyword arguments meant for ``from_pretrained`` (``revision``,
            ``cache_dir``, ``local_files_only``, ...).

    Returns:
        ``hub_kwargs`` (a copy), with ``local_files_only=True`` (and the same for the PEFT adapter
        look-up, ``adapter_kwargs``) added when the hub cannot be used but the local cache has the
        model, so transformers does not retry the network.

    Raises:
        SourceError: a path that does not exist or is not a model folder; a hub id while offline
            or with the hub unreachable, not in the local cache.

    Example:
        >>> resolve_pretrained("./no/such/model")
        Traceback (most recent call last):
        ...
        iar.errors.SourceError: model folder ./no/such/model does not exist ...
    """
    kwargs = dict(hub_kwargs or {})
    text = os.fspath(name)
    path = Path(text).expanduser()
    if path.exists() or not is_repo_id(text):
        if not path.exists():
            holds = ("the processor's files (preprocessor_config.json, tokenizer files)" if what == "processor"
                     else "the model's config.json and weights")
            raise SourceError(
                f"{what} folder {text} does not exist (looked for {path.resolve()}). Pass the folder "
                f"that holds {holds}, or a hub id such as 'llava-hf/llava-1.5-7b-hf'."
            )
        if not path.is_dir():
            raise SourceError(
                f"{what} {text} is a file; pass the folder that holds config.json and the weights "
                f"(here perhaps {path.resolve().parent})."
            )
        if not (path / "config.json").is_file() and what != "processor":
            raise SourceError(
                f"{what} folder {text} has no config.json: it is not a saved Hugging Face model. Pass "
                "the folder that save_pretrained / `hf download` wrote (config.json, *.safetensors, "
                "tokenizer and processor files)."
            )
        return kwargs
    why = offline(kwargs)
    if why is None and not hub_reachable():
        why = f"the hub ({_endpoint()}) cannot be reached from here"
    if why is None:
        return kwargs
    if _cached_snapshot(text, kwargs) is not None:
        kwargs["local_files_only"] = True
        # transformers looks for a PEFT adapter without passing local_files_only / cache_dir on
        # (5.23: ~25 s of retries against an unreachable hub); give them to it
        adapter = dict(kwargs.get("adapter_kwargs") or {}, local_files_only=True)
        if kwargs.get("cache_dir"):
            adapter.setdefault("cache_dir", kwargs["cache_dir"])
        if what != "processor":
            kwargs["adapter_kwargs"] = adapter
        return kwargs
    call = "iar.load('DIR') or --model DIR" if what == "model" else "pass DIR instead of the hub id"
    raise SourceError(
        f"{what} {text!r} is not a local folder (no {path.resolve()}), and as a hub id it cannot be "
        f"loaded: {why}, and it is not in the local cache ({_cache_dir(kwargs)}); nothing was "
        f"downloaded. To use a local copy, pass its folder: {call} (download it where there is "
        f"network with `hf download {text} --local-dir DIR`)."
        + (f" Or unset {why.split()[0]} to let it download." if "OFFLINE" in why else
           " Once it is cached, HF_HUB_OFFLINE=1 skips the network entirely.")
    )


def check_dataset(hub_id: str, split: str) -> None:
    """Fail at once when the hub dataset ``hub_id`` cannot be loaded now (offline or hub unreachable,
    and not in the local caches), instead of letting `datasets` retry for ~25 s.

    Raises:
        DataError: saying that no local file or folder of that name exists, why the hub cannot be
            used, and how to pass a local copy.
    """
    why = offline()
    if why is None and not hub_reachable():
        why = f"the hub ({_endpoint()}) cannot be reached from here"
    if why is None or _dataset_cached(hub_id):
        return
    raise DataError(
        f"{hub_id!r} is not a local file or folder (looked for {Path(hub_id).resolve()}), and as a hub "
        f"dataset id (split {split!r}) it cannot be loaded: {why}, and it is not in the local cache; "
        "nothing was downloaded. If you meant a folder, check the path. Otherwise, on a machine with "
        f"network, download it (`hf download {hub_id} --repo-type dataset --local-dir DIR`), copy DIR "
        "here and pass the folder"
        + (f", or unset {why.split()[0]} to let it download." if "OFFLINE" in why else
           ". Once it is cached, HF_HUB_OFFLINE=1 skips the network entirely.")
    )


def _dataset_cached(hub_id: str) -> bool:
    """Whether `datasets` or the hub cache hold anything of ``hub_id``."""
    owner, _, repo = hub_id.partition("/")
    places = []
    try:
        from huggingface_hub import constants

        places.append(Path(constants.HF_HUB_CACHE) / f"datasets--{owner}--{repo}")
    except Exception:  # pragma: no cover
        pass
    try:
        import datasets.config

        places.append(Path(datasets.config.HF_DATASETS_CACHE) / f"{owner}___{repo}".lower())
        places.append(Path(datasets.config.HF_DATASETS_CACHE) / f"{owner}___{repo}")
    except Exception:  # pragma: no cover
        pass
    return any(p.is_dir() for p in places)


def _endpoint() -> str:
    try:
        from huggingface_hub import constants

        return constants.ENDPOINT
    except Exception:  # pragma: no cover
        return "https://huggingface.co"


def _cache_dir(kwargs: dict[str, Any]) -> str:
    if kwargs.get("cache_dir"):
        return str(kwargs["cache_dir"])
    try:
        from huggingface_hub import constants

        return constants.HF_HUB_CACHE
    except Exception:  # pragma: no cover
        return "~/.cache/huggingface/hub"
