"""Where the organism's shipped weights live (a module of its own so every part can name them)."""

from pathlib import Path

WEIGHTS = Path(__file__).resolve().parent / "weights"
