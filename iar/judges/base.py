"""What every judge shares: input checks and the error for a verdict a judge cannot give.

    >>> check_inputs(["Sure."], ["Say sure."], need_prompts=True)
    (['Sure.'], ['Say sure.'])
"""

from __future__ import annotations

from collections.abc import Sequence

from iar.errors import IarError, InputError


class VerdictUnavailable(IarError, NotImplementedError):
    """A judge was asked for a verdict it cannot give (e.g. a keyword rule asked about harm)."""


def check_inputs(responses: Sequence[str], prompts: Sequence[str] | None = None, *,
                 need_prompts: bool = False, what: str = "is_refusal"
                 ) -> tuple[list[str], list[str] | None]:
    """Validated copies of `responses` and `prompts` (lists of str), or a clear `InputError`.

    Args:
        responses: the model's answers, one string each.
        prompts: the requests, one per response, or None.
        need_prompts: the verdict needs the prompts (``complied_harmfully``).
        what: the method's name, for the messages.
    """
    responses = _as_list(responses, f"{what} takes a list of responses; wrap a single one in [ ].")
    bad = [i for i, r in enumerate(responses) if not isinstance(r, str)]
    if bad:
        kind = "None" if responses[bad[0]] is None else type(responses[bad[0]]).__name__
        raise InputError(f"{what}: response {bad[0]} is {kind}, not a string ({len(bad)} such). "
                         "Judge only the responses that exist (drop or fill the missing ones, e.g. "
                         "with '' for an empty answer).")
    if prompts is None:
        if need_prompts:
            raise InputError(f"{what} needs the prompts: pass {what}(prompts, responses), one prompt "
                             "(the request the response answers) per response.")
        return responses, None
    prompts = _as_list(prompts, f"{what} takes a list of prompts; wrap a single one in [ ].")
    bad = [i for i, p in enumerate(prompts) if not isinstance(p, str)]
    if bad:
        raise InputError(f"{what}: prompt {bad[0]} is {type(prompts[bad[0]]).__name__}, not a string; "
                         "give every response the request it answers (use '' when there is none).")
    if len(prompts) != len(responses):
        raise InputError(f"{what}: {len(prompts)} prompts for {len(responses)} responses; give exactly "
                         "one prompt per response, in the same order.")
    return responses, prompts


def _as_list(values, message: str) -> list:
    """A list of `values` (a list, tuple, pandas Series, numpy array, ...); a lone string is an error."""
    if isinstance(values, (str, bytes, dict)):
        raise InputError(message)
    try:
        return list(values)
    except TypeError:
        raise InputError(message) from None
