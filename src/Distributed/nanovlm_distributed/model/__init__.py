"""nanoVLM in PyTorch, one file per part, module attributes named after nanoVLM's state-dict keys."""
from .vlm import IGNORE_INDEX, VisionLanguageModel

__all__ = ["IGNORE_INDEX", "VisionLanguageModel"]
