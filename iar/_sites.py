"""Hook sites: the table of recordable sites and the one way to take a site's tensor.

A *site* is a short name for one TransformerLens hook point inside every block: ``"z"``
(``blocks.{l}.attn.hook_z``, each head's output before the output projection) and the residual
and sub-layer outputs. Recorded activations are ``[n, layers, heads, d_head]`` at ``"z"`` and
``[n, layers, d_model]`` elsewhere.

    >>> SITES["z"].format(l=3)
    'blocks.3.attn.hook_z'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from torch import Tensor

from iar.errors import InputError, SiteError

# site name -> TransformerLens hook name inside block l
SITES: dict[str, str] = {
    "z": "blocks.{l}.attn.hook_z",
    "resid_pre": "blocks.{l}.hook_resid_pre",
    "resid_mid": "blocks.{l}.hook_resid_mid",
    "resid_post": "blocks.{l}.hook_resid_post",
    "attn_out": "blocks.{l}.hook_attn_out",
    "mlp_out": "blocks.{l}.hook_mlp_out",
}


def check_sites(sites: Iterable[str] | str) -> tuple[str, ...]:
    """Validate site names and return them as a tuple.

    Raises:
        SiteError: a name that is not one of :data:`SITES`.

    Example:
        >>> check_sites(["z", "resid_post"])
        ('z', 'resid_post')
    """
    if isinstance(sites, str):
        sites = (sites,)
    sites = tuple(sites)
    if not sites:
        raise SiteError(f"no sites given; choose from {sorted(SITES)}.")
    for s in sites:
        if s not in SITES:
            raise SiteError(
                f"unknown site {s!r}; choose from {sorted(SITES)} "
                "('z' = per-head output before o_proj, 'resid_post' = residual stream after the block)."
            )
    if len(set(sites)) != len(sites):
        raise SiteError(f"sites {sites} name a site twice; list each once.")
    return sites


def site_tensor(acts: Any, site: str, which: str) -> Tensor:
    """The tensor of ``site`` in ``acts`` (an :class:`iar.Activations`, a dict ``site -> tensor``,
    or a tensor, taken as that site's), detached.

    Args:
        acts: the activations.
        site: the site wanted.
        which: how error messages name ``acts`` ("positive", "with-image", ...).

    Raises:
        SiteError: ``site`` was not recorded.
        InputError: ``acts`` is neither activations nor a tensor.

    Example:
        >>> import torch
        >>> site_tensor({"z": torch.zeros(2, 1, 1, 3)}, "z", "positive").shape
        torch.Size([2, 1, 1, 3])
    """
    if isinstance(acts, Tensor):
        return acts.detach()
    sites = getattr(acts, "sites", None)
    if sites is None and hasattr(acts, "keys"):
        sites = acts.keys()
    if sites is None:
        raise InputError(
            f"{which} activations must be an iar.Activations, a dict site -> tensor or a "
            f"torch.Tensor, got {type(acts).__name__}."
        )
    sites = list(sites)
    if site not in sites:
        raise SiteError(
            f"site {site!r} was not recorded for the {which} activations (recorded: {sites}); "
            f"record it with iar.record(..., sites=({site!r},)) or pass site= one of {sites}"
        )
    x = acts[site]
    if not isinstance(x, Tensor):
        raise InputError(f"{which} activations for site {site!r} must be a torch.Tensor, got {type(x).__name__}")
    return x.detach()
