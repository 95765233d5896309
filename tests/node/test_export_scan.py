"""The static export scan lint uses for Node.js handlers: every export form handlers use is
found, and text inside comments, strings, templates and regular expressions never is.

What Lambda looks up is the module's export named after the handler's last part ("Define
Lambda function handler in Node.js", AWS Lambda Developer Guide): ``export const main``,
``exports.main``, ``module.exports = { main }``. A module that *is* a function
(``module.exports = async (e) => ...``) has no property ``main``: Runtime.HandlerNotFound.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsnb._node_exports import scan_exports, scan_file

# Reserved and contextual words that cannot (or, for the scan, should not) be export names.
_WORDS = set(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
        "async",
        "as",
        "from",
        "of",
        "get",
        "set",
        "type",
        "declare",
        "abstract",
        "namespace",
        "module",
        "exports",
        "require",
        "Object",
        "using",
    ]
)
names = st.from_regex(r"[A-Za-z_$][A-Za-z0-9_$]{0,11}", fullmatch=True).filter(
    lambda n: n not in _WORDS
)

# Each form: source exporting the name {n} (other names a form binds are listed separately).
FORMS = {
    "function": "export function {n}(event, context) {{ return {{}}; }}",
    "async function": "export async function {n}(event) {{ return {{ statusCode: 200 }}; }}",
    "generator": "export function* {n}() {{ yield 1; }}",
    "const arrow": "export const {n} = async (event) => ({{ ok: true }});",
    "let function": "export let {n} = function () {{ return 1; }}",
    "var list": "export var {n} = 1, other = 2;",
    "typed arrow": (
        "export const {n} = async (event: APIGatewayProxyEvent): Promise<Result> => {{\n"
        "  return {{ statusCode: 200 }};\n}};"
    ),
    "destructured": "export const {{ {n}, b: renamed }} = require('./impl');",
    "class": "export class {n} {{ static handle() {{}} }}",
    "enum": "export enum {n} {{ A, B }}",
    "as": "const impl = () => 1;\nexport {{ impl as {n} }};",
    "list": "function {n}() {{}}\nexport {{ {n}, other }};",
    "re-export": "export {{ {n} }} from './other';",
    "re-export as": "export {{ main as {n} }} from './other.js';",
    "namespace re-export": "export * as {n} from './all';",
    "exports dot": "exports.{n} = async (event) => ({{}});",
    "exports bracket": 'exports["{n}"] = function () {{}};',
    "module.exports dot": "module.exports.{n} = function () {{}};",
    "object shorthand": "const {n} = async () => 1;\nmodule.exports = {{ {n}, other: 1 }};",
    "object key": "module.exports = {{ {n}: handler, 'other-name': 2 }};",
    "object method": "module.exports = {{ async {n}(event) {{ return 1; }} }};",
    "defineProperty": (
        'Object.defineProperty(exports, "__esModule", {{ value: true }});\n'
        'Object.defineProperty(exports, "{n}", {{ enumerable: true, get: function () '
        "{{ return impl; }} }});"
    ),
    "tsc output": (
        'Object.defineProperty(exports, "__esModule", {{ value: true }});\n'
        "exports.{n} = void 0;\nconst {n} = async () => ({{}});\nexports.{n} = {n};"
    ),
}

# Statements around the export that export nothing themselves.
NOISE = [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "const client = new DynamoDBClient({});",
    "const url = `https://${domainName}/${stage}`;",
    "const total = a / b / 2;",
    "const pattern = /[/'\"`]+export const hidden = 1/g;",
    "if (x) { exportsTable.push(1); }",
    "const nested = `outer ${`inner ${{ a: [1, 2] }.a}`} done`;",
    "// a comment with export const commented = 1",
    "/* block\n   export function blocked() {} */",
    "type Shape = { export: string };",
    "interface Event { body: string }",
    "namespace Inner { export const notTopLevel = 1; }",
]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_export_form_is_found(form):
    found = scan_exports(FORMS[form].format(n="main"))
    assert "main" in found.names, found
    assert found.complete and found.exports("main") is True


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    form=st.sampled_from(sorted(FORMS)),
    name=names,
    before=st.lists(st.sampled_from(NOISE), max_size=4),
    after=st.lists(st.sampled_from(NOISE), max_size=4),
)
def test_generated_exports_are_found_among_other_statements(form, name, before, after):
    source = "\n".join([*before, FORMS[form].format(n=name), *after])
    found = scan_exports(source)
    assert name in found.names, source
    assert found.complete, found.unknown_because
    hidden = {"hidden", "commented", "blocked", "notTopLevel"} - {name}
    assert not hidden & found.names


# Places where text is not code: the template takes the filler text and the name.
HIDING_PLACES = {
    "line comment": "// {f} export const {n} = 1\n",
    "block comment": "/* {f}\nexport function {n}() {{}} */\n",
    "single quotes": "const s1 = '{f} export const {n} = 1';\n",
    "double quotes": 'const s2 = "{f} exports.{n} = 1";\n',
    "template": "const s3 = `{f}\nmodule.exports.{n} = ${{value}}`;\n",
    "regex": "const r = /{f}export const {n}/g;\n",
    "jsdoc": "/**\n * {f}\n * @example export const {n} = handler\n */\n",
}
# Filler that cannot end the place it sits in (no newline, quote, backslash, slash or *).
filler = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
        blacklist_characters="\n\r'\"`\\/*$[]",
    ),
    max_size=30,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    places=st.lists(st.sampled_from(sorted(HIDING_PLACES)), min_size=1, max_size=4),
    name=names.filter(lambda n: n != "main"),
    text=filler,
)
def test_text_in_comments_and_strings_never_yields_a_name(places, name, text):
    source = "".join(HIDING_PLACES[p].format(f=text, n=name) for p in places)
    source += "export const main = async (event) => ({ statusCode: 200 });\n"
    found = scan_exports(source)
    assert found.names == {"main"}, source
    assert found.complete


@pytest.mark.parametrize(
    "source",
    [
        "export * from './impl';",
        "export const a = 1;\nexport * from './b';",
        "module.exports = require('./impl');",
        "module.exports = { ...shared, other };",
        "module.exports = { [name]: handler };",
        "module.exports = makeHandler();",
        "Object.assign(module.exports, handlers);",
        "exports[key] = handler;",
        "__exportStar(require('./impl'), exports);",
        "module.exports = { a };\nmodule.exports = { b };",
        "export const a = () => { if (x) {;",  # brackets that do not balance
        "/* a comment that never closes\nexport const main = 1;",
        "export @decorated class Handler {}",
    ],
)
def test_what_the_scan_cannot_see_through_is_unknown_not_missing(source):
    found = scan_exports(source)
    assert not found.complete and found.unknown_because
    assert found.exports("main") in (None, True)


@pytest.mark.parametrize(
    "source",
    [
        "module.exports = async (event) => ({ statusCode: 200 });",
        "module.exports = function handler(event, context, callback) {};",
        "module.exports = event => event;",
        "const main = async (event) => ({});\nmodule.exports = main;",
        "async function main(event) {}\nmodule.exports = main;",
        "function main() {}\nexport = main;",
    ],
)
def test_a_module_that_is_a_function_exports_no_names(source):
    # Lambda looks up module["main"]: a function object has no such property.
    found = scan_exports(source)
    assert found.exports_function and found.complete
    assert found.exports("main") is False


def test_a_function_module_with_a_property_added_exports_that_property():
    found = scan_exports("const h = async () => 1;\nmodule.exports = h;\nmodule.exports.main = h;")
    assert found.exports_function and found.exports("main") is True


def test_type_only_exports_export_nothing():
    found = scan_exports(
        "export type Event = { body: string };\nexport interface Result {}\n"
        "export declare const ambient: number;\nexport { type Event as E, value };"
    )
    assert found.names == {"value"} and found.complete


def test_default_export_is_named_default():
    found = scan_exports("export default async function main(event) {}")
    assert found.names == {"default"}  # handler "file.main" does not find it; "file.default" does


def test_division_and_regular_expressions_are_told_apart():
    source = (
        "const half = total / 2, rate = hits / (misses + 1) / 3;\n"
        "const quote = /'/.test(s) ? 1 : 0;\n"
        "export const main = () => half;\n"
    )
    found = scan_exports(source)
    assert found.names == {"main"} and found.complete


def test_template_literals_nest_and_hide_their_text():
    source = (
        "const a = `x ${ `y ${ {k: '}'}.k } export const inner = 1` } z`;\n"
        "export function main() { return a; }\n"
    )
    found = scan_exports(source)
    assert found.names == {"main"} and found.complete


def test_a_file_scan_is_cached_and_sees_changes(tmp_path):
    path = tmp_path / "h.ts"
    path.write_text("export const main = 1;\n")
    assert scan_file(path).names == {"main"}
    path.write_text("export const main = 1;\nexport const other = 2;\n")
    assert scan_file(path).names == {"main", "other"}
    assert scan_file(tmp_path / "missing.ts") is None
