"""The Registry tab: versions and stages, A/B tests, prediction on files, export."""

from desktop.tabs.registry.tab import RegistryTab

__all__ = ["RegistryTab"]
