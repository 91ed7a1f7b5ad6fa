"""Workspace operations of the model registry (filled by the registry issue)."""

from __future__ import annotations


class RegistryOps:
    pass
