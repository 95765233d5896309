"""The pure-Python model of a WebSocket API. Imports nothing heavy."""

from ._access_log import AccessLogSpec
from ._authorizer import LambdaAuthorizer
from ._cdk import CdkSpec
from ._domain import DomainSpec
from ._frozen import Frozen, FrozenDict, FrozenList, freeze, thaw
from ._function import PROP_NAMES, Function
from ._handlers import CallableHandler, FileHandler, callable_module_source, unresolved_globals
from ._permissions import permission_label
from ._resources import (
    Bucket,
    Parameter,
    Ref,
    Resource,
    Secret,
    Table,
    bind_environment,
    find_tokens,
)
from ._spec import ApiSpec, RouteFunction, RouteSpec
from ._values import check_context, check_data

__all__ = [
    "PROP_NAMES",
    "AccessLogSpec",
    "ApiSpec",
    "Bucket",
    "CallableHandler",
    "CdkSpec",
    "DomainSpec",
    "FileHandler",
    "Frozen",
    "FrozenDict",
    "FrozenList",
    "Function",
    "LambdaAuthorizer",
    "Parameter",
    "Ref",
    "Resource",
    "RouteFunction",
    "RouteSpec",
    "Secret",
    "Table",
    "bind_environment",
    "callable_module_source",
    "check_context",
    "check_data",
    "find_tokens",
    "freeze",
    "permission_label",
    "thaw",
    "unresolved_globals",
]
