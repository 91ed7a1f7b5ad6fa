"""Monitored training: the request (TrainConfig) and one run (train_pipeline)."""

from mlcore.training.config import TrainConfig

__all__ = ["TrainConfig"]
