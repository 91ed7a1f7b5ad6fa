"""Writing and reading artifacts with a recorded sha256, and the artifact store that holds them."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from mlcore.errors import ArtifactIntegrityError, ConfigError, NotFoundError


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_artifact(obj: Any, path: Path) -> str:
    """Dump ``obj`` with joblib atomically; return the file's sha256."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(obj, tmp)
    os.replace(tmp, path)
    return sha256_file(path)


def load_artifact(path: Path, expected_sha256: str) -> Any:
    """Load a workspace artifact after checking it is byte-for-byte what was saved."""
    import joblib

    verify_artifact(path, expected_sha256)
    return joblib.load(path)


def verify_artifact(path: Path, expected_sha256: str, actual: str | None = None) -> None:
    """Refuse a missing artifact or one whose sha256 (``actual`` when already computed) is not ``expected``."""
    if not path.exists():
        raise ArtifactIntegrityError(f"The model file {path} is missing.")
    actual = actual or sha256_file(path)
    if actual != expected_sha256:
        raise ArtifactIntegrityError(
            f"The model file {path} was changed after it was saved (sha256 {actual[:12]}… "
            f"instead of {expected_sha256[:12]}…); refusing to load it."
        )


class ArtifactMissingError(NotFoundError, ArtifactIntegrityError):
    """A file the registry records is not in the artifact store."""


def _join(root: str, rel: str) -> str:
    return f"{root.rstrip('/')}/{PurePosixPath(rel).as_posix()}" if rel else root


class ArtifactStore:
    """Where datasets, job artifacts and model versions live: a folder or any fsspec URL.

    Paths recorded in the registry are relative to the store's root. A store that is the
    workspace home itself is used in place; any other store is read through a local cache
    folder: a read downloads the file once (to a temporary name, then renamed) and checks the
    recorded sha256 after every download; a write goes to a temporary name in the store and is
    then moved to its final name, so a reader never sees half a file.
    """

    def __init__(self, url: str, cache: Path) -> None:
        self.url = url
        self.cache = Path(cache)
        self._fs: Any = None
        local_root = _file_url_path(url)
        if local_root is not None:  # fsspec is imported on first use only: a window's start needs none of it
            self.root = local_root
        else:
            import fsspec.core

            try:
                self._fs, self.root = fsspec.core.url_to_fs(url)
            except (ImportError, ValueError) as exc:  # an unknown protocol or its package not installed
                raise ConfigError(f"cannot use the artifact store {hide_url_password(url)!r}: {exc}") from None
        self.is_local = local_root is not None or "file" in _protocols(self._fs)
        # the workspace home as its own store: files are read where they lie, no copies
        self.in_place = self.is_local and Path(self.root).resolve() == self.cache.resolve()

    def __repr__(self) -> str:
        return f"ArtifactStore({hide_url_password(self.url)!r})"

    @property
    def fs(self) -> Any:
        """The fsspec filesystem of the store."""
        if self._fs is None:
            from fsspec.implementations.local import LocalFileSystem

            self._fs = LocalFileSystem()
        return self._fs

    def location(self, rel: str) -> str:
        """Where ``rel`` lives, for a message (no password)."""
        if self.is_local:
            return _join(self.root, rel)
        return _join(hide_url_password(self.url), rel)

    def local_path(self, rel: str) -> Path:
        """The local file for ``rel``: in the store itself (in place) or in the cache."""
        return self.cache / PurePosixPath(rel)

    def exists(self, rel: str) -> bool:
        return self.fs.exists(_join(self.root, rel))

    def fetch(self, rel: str, sha256: str | None, what: str) -> Path:
        """A local readable copy of ``rel``, downloaded to the cache when needed and checked against ``sha256``.

        ``what`` names what needs the file (e.g. "dataset 'iris'") for the error a missing file gives.
        """
        local = self.local_path(rel)
        if self.in_place:
            if not local.exists():
                raise ArtifactMissingError(f"The file {local} of {what} is missing.")
            return local
        if local.exists():
            return local  # paths are never reused for other content: a cached copy is the file
        remote = _join(self.root, rel)
        local.parent.mkdir(parents=True, exist_ok=True)
        tmp = local.with_name(f"{local.name}.download-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            try:
                self.fs.get_file(remote, str(tmp))
            except FileNotFoundError:
                raise ArtifactMissingError(
                    f"The file {self.location(rel)} of {what} is missing from the artifact store.") from None
            if sha256:
                actual = sha256_file(tmp)
                if actual != sha256:
                    raise ArtifactIntegrityError(
                        f"The file {self.location(rel)} of {what} is not what was saved (sha256 {actual[:12]}… "
                        f"instead of {sha256[:12]}…); refusing to use it.")
            os.replace(tmp, local)
        finally:
            tmp.unlink(missing_ok=True)
        return local

    def put(self, local: Path, rel: str) -> None:
        """Store the finished local file ``local`` as ``rel`` (temporary name in the store, then moved)."""
        final_local = self.local_path(rel)
        if self.in_place:
            if Path(local).resolve() != final_local.resolve():
                final_local.parent.mkdir(parents=True, exist_ok=True)
                os.replace(local, final_local)
            return
        remote = _join(self.root, rel)
        parent = remote.rsplit("/", 1)[0]
        tmp = f"{remote}.upload-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.fs.makedirs(parent, exist_ok=True)
        try:
            self.fs.put_file(str(local), tmp)
            self.fs.mv(tmp, remote)
        except BaseException:
            self._rm_quietly(tmp)
            raise
        if Path(local).resolve() != final_local.resolve():  # keep the bytes: the next read is a cache hit
            final_local.parent.mkdir(parents=True, exist_ok=True)
            os.replace(local, final_local)

    def check_writable(self) -> None:
        """Create the store's root if needed and write (then remove) a small file there; a clear error if not."""
        probe = f".mlwb-check-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            self.fs.makedirs(self.root, exist_ok=True)
            self.fs.pipe_file(_join(self.root, probe), b"ok")
            self._rm_quietly(_join(self.root, probe))
        except OSError as exc:
            raise ConfigError(f"cannot write to the artifact store {hide_url_password(self.url)!r}: {exc}") from None

    def list_folders(self, rel: str) -> list[str]:
        """Names of the folders directly under ``rel`` (none when it does not exist)."""
        try:
            entries = self.fs.ls(_join(self.root, rel), detail=True)
        except FileNotFoundError:
            return []
        return [PurePosixPath(e["name"].rstrip("/")).name for e in entries if e.get("type") == "directory"]

    def delete(self, rel: str, recursive: bool = False) -> None:
        """Remove ``rel`` (a file, or a folder with ``recursive``) from the store and the cache."""
        self._rm_quietly(_join(self.root, rel), recursive)
        local = self.local_path(rel)
        if recursive and local.is_dir():
            import shutil

            shutil.rmtree(local, ignore_errors=True)
        elif not local.is_dir():
            local.unlink(missing_ok=True)

    def _rm_quietly(self, path: str, recursive: bool = False) -> None:
        try:
            self.fs.rm(path, recursive=recursive)
        except FileNotFoundError:
            pass


def _file_url_path(url: str) -> str | None:
    """The folder a ``file://`` URL names (None for any other URL)."""
    from urllib.parse import unquote, urlsplit

    if not url.startswith("file://"):
        return None
    return str(Path(unquote(urlsplit(url).path)).resolve())


def _protocols(fs: Any) -> tuple[str, ...]:
    proto = fs.protocol
    return (proto,) if isinstance(proto, str) else tuple(proto)


def hide_url_password(url: str) -> str:
    """``url`` with any password in it masked (``user:***@host``)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
