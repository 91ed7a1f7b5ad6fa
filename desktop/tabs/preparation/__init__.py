"""The Preparation tab: cleaning, feature selection, scaling/encoding, split, recipes."""

from desktop.tabs.preparation.tab import PreparationTab

__all__ = ["PreparationTab"]
