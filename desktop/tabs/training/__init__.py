"""The Training tab: train one model with live curves (Compare and Tune views later)."""

from desktop.tabs.training.tab import TrainingTab

__all__ = ["TrainingTab"]
