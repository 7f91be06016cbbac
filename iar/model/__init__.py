"""The model layer: load a Hugging Face VLM, encode prompts, run and generate through the bridge.

Imports nothing from the layers above it (activations, analysis, revision, steering, ...).

    >>> import iar
    >>> vlm = iar.load(*iar.testing.tiny_vlm("llava"))
"""

from iar.model.vlm import SUPPORTED, VLM, Batch, Generation, ModelConfig, Step, load

__all__ = ["SUPPORTED", "VLM", "Batch", "Generation", "ModelConfig", "Step", "load"]
