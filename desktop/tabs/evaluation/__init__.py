"""The Evaluation tab: metrics with intervals, plots, worst predictions, threshold, HTML report."""

from desktop.tabs.evaluation.tab import EvaluationTab

__all__ = ["EvaluationTab"]
