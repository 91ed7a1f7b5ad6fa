"""The specification's REST API (FastAPI) over a Workspace: ``create_app(workspace, token=None)``."""

from mlcore.server.app import ServerSettings, create_app

__all__ = ["create_app", "ServerSettings"]
