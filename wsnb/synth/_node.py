"""Import aws_cdk quietly, on the Node that ships as a Python wheel."""

from __future__ import annotations

from types import ModuleType

from .._errors import require
from .._jsii_env import node_binary, prepare_node_env

__all__ = ["import_cdk", "node_binary", "prepare_node_env"]


def import_cdk() -> ModuleType:
    """``aws_cdk``, imported once per process (raises MissingDependencyError with the fix)."""
    prepare_node_env()
    return require("aws_cdk", extra="cdk", purpose="Synthesizing CloudFormation")
