"""The progress bar class `iar` uses: tqdm's notebook widget where ipywidgets is installed, its
text bar everywhere else, and no ``TqdmWarning: IProgress not found`` in a notebook.

``tqdm.auto`` picks the widget bar in any Jupyter kernel; where ipywidgets is missing it warns
``IProgress not found. Please update jupyter and ipywidgets.`` when it is first imported, and
falls back to the text bar. `iar` does not need ipywidgets, and transformers and huggingface_hub
import ``tqdm.auto`` themselves, so without ipywidgets this module imports ``tqdm.auto`` first with
that one warning silenced (the fallback is the same) and uses the text bar. ``iar/__init__.py``
imports it before anything that loads transformers.
"""

from __future__ import annotations

import contextlib
import importlib.util
import warnings
from collections.abc import Iterator

if importlib.util.find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm
else:
    from tqdm.std import TqdmWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)
        import tqdm.auto  # noqa: F401  (cached: later imports by transformers etc. do not warn)
    from tqdm.std import tqdm



@contextlib.contextmanager
def quiet_hf_loading(errors_only: bool = False) -> Iterator[None]:
    """Load small models without transformers' "Loading weights" bar (and, with ``errors_only``,
    without its warnings); both settings come back as they were, also on an error.

    A bar for a load of a tenth of a second fills notebook outputs and CI logs with nothing useful.

    Example:
        >>> with quiet_hf_loading():
        ...     pass
    """
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    if errors_only:
        hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


__all__ = ["quiet_hf_loading", "tqdm"]
