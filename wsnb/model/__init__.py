"""The pure-Python model of a WebSocket API. Imports nothing heavy.

The other wsnb packages (the facade, lint, plan, display, synth, local, template, the CLI) use
the model only through the names below, never its private modules: import-linter's
``model-interface`` contract in pyproject.toml keeps it so.
"""

from ._access_log import AccessLogSpec
from ._authorizer import LambdaAuthorizer
from ._cdk import CdkSpec
from ._domain import DomainSpec
from ._frozen import Frozen, FrozenDict, FrozenList, freeze, thaw
from ._function import PROP_NAMES, Function
from ._handlers import CallableHandler, FileHandler, callable_module_source, unresolved_globals
from ._integrations import (
    INVOCATION_TYPES,
    AwsIntegration,
    HttpIntegration,
    Integration,
    IntegrationResponse,
    LambdaIntegration,
    MockIntegration,
)
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

# isort: split
# For the other wsnb packages: building and validating specs, names and tokens, handler files.
from ._access_log import normalize_access_log
from ._authorizer import normalize_authorizer
from ._building import (
    add_routes,
    append_unique,
    build_spec,
    defaults_props,
    replace_route,
    resource_list,
)
from ._domain import normalize_domain
from ._finite import refuse_non_finite
from ._function import LAMBDA_ENV_NAME, env_name_fix, props_resources
from ._handler_files import handler_folder_files, imported_python_files
from ._handlers import export_problems, handler_files_in, parse_callable, parse_handler
from ._integrations import (
    CFN_TYPES,
    LOCAL_SERVICES,
    check_selection_expression,
    integration_error,
)
from ._permissions import managed_policy, normalize_permissions
from ._physical import (
    DeclaredRuntimeHandler,
    ForeignHandler,
    NamedBucket,
    NamedParameter,
    NamedTable,
    explicit_name,
    foreign_handlers,
)
from ._resources import TOKEN_PATTERN, resource_name, ssm_parameter_name
from ._sources import handler_candidates, handler_runtime, resolve_handler_file
from ._spec import finished_function_error, make_route, normalize_route_key
from ._values import DYNAMIC_REFERENCE

__all__ = [
    "INVOCATION_TYPES",
    "PROP_NAMES",
    "AccessLogSpec",
    "ApiSpec",
    "AwsIntegration",
    "Bucket",
    "CallableHandler",
    "CdkSpec",
    "DomainSpec",
    "FileHandler",
    "Frozen",
    "FrozenDict",
    "FrozenList",
    "Function",
    "HttpIntegration",
    "Integration",
    "IntegrationResponse",
    "LambdaAuthorizer",
    "LambdaIntegration",
    "MockIntegration",
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

# For the other wsnb packages.
__all__ += [
    "CFN_TYPES",
    "DYNAMIC_REFERENCE",
    "LAMBDA_ENV_NAME",
    "LOCAL_SERVICES",
    "TOKEN_PATTERN",
    "DeclaredRuntimeHandler",
    "ForeignHandler",
    "NamedBucket",
    "NamedParameter",
    "NamedTable",
    "add_routes",
    "append_unique",
    "build_spec",
    "check_selection_expression",
    "defaults_props",
    "env_name_fix",
    "explicit_name",
    "export_problems",
    "finished_function_error",
    "foreign_handlers",
    "handler_candidates",
    "handler_files_in",
    "handler_folder_files",
    "handler_runtime",
    "imported_python_files",
    "integration_error",
    "make_route",
    "managed_policy",
    "normalize_access_log",
    "normalize_authorizer",
    "normalize_domain",
    "normalize_permissions",
    "normalize_route_key",
    "parse_callable",
    "parse_handler",
    "props_resources",
    "refuse_non_finite",
    "replace_route",
    "resolve_handler_file",
    "resource_list",
    "resource_name",
    "ssm_parameter_name",
]
