"""The Datasets tab: import, samples, list, preview, column profile, target, delete."""

from desktop.tabs.datasets.tab import DatasetsTab

__all__ = ["DatasetsTab"]
