"""The model layer: load a Hugging Face VLM, encode prompts, run and generate through the bridge.

Imports nothing from the layers above it (activations, analysis, revision, steering, ...).

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
"""

from iar.model.types import Batch, Generation, ModelConfig, Step
from iar.model.vlm import SUPPORTED, VLM, load

__all__ = ["SUPPORTED", "VLM", "Batch", "Generation", "ModelConfig", "Step", "load"]
