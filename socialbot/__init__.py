"""socialbot: one feed of a network's affiliated groups, and its campaign posts sent once, on time."""

__version__ = "0.1.0"
