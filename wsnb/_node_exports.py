"""The names a JavaScript/TypeScript file exports, read statically (nothing runs, no Node).

``lint()`` asks whether ``src/connect.ts`` exports ``main`` on every render, so this is a small
lexer (strings, template literals, regular expressions and comments are skipped as units) and a
scan of the token stream for the export forms handlers use:

- ES modules, at the top level: ``export function f`` / ``export async function f`` /
  ``export class C`` / ``export const|let|var f = …`` (destructuring too) / ``export enum E`` /
  ``export { x as f }`` / ``export { f } from "…"`` / ``export * as ns from "…"`` /
  ``export default …`` (the name ``"default"``); TypeScript's type-only exports export nothing.
- CommonJS, anywhere: ``exports.f =`` / ``module.exports.f =`` / ``exports["f"] =`` /
  ``module.exports = { f, g: … }`` / ``Object.defineProperty(exports, "f", …)``, and
  ``module.exports = <a function>`` (``async (event) => …``), which makes the module itself the
  function: Lambda then finds no ``main`` on it (``Runtime.HandlerNotFound``) — TypeScript's
  ``export = f`` is the same.

What the scan cannot see through — ``export * from "…"``, ``module.exports = require(…)`` or
any other expression, spreads and computed keys, ``Object.assign(module.exports, …)``, brackets
that do not balance — makes the result incomplete: callers then report nothing rather than a
false "not exported".
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

__all__ = ["ExportScan", "scan_exports", "scan_file"]


@dataclass(frozen=True)
class ExportScan:
    """What a file exports: ``names``; ``complete`` is False when it may export more than the
    scan can see; ``exports_function`` when ``module.exports`` (or ``export =``) is a function
    itself."""

    names: frozenset[str]
    complete: bool
    exports_function: bool = False
    unknown_because: str = ""

    def exports(self, name: str) -> bool | None:
        """True when ``name`` is exported, False when surely not, None when unknown."""
        if name in self.names:
            return True
        return False if self.complete else None


# ---- lexing --------------------------------------------------------------------------------

_PUNCT = re.compile(
    r">>>=|\.\.\.|===|!==|\*\*=|<<=|>>=|>>>|&&=|\|\|=|\?\?=|=>|==|!=|<=|>=|&&|\|\||\?\?|\?\.|"
    r"\+\+|--|\+=|-=|\*=|/=|%=|&=|\|=|\^=|\*\*|<<|>>|[{}()\[\];,<>+\-*/%&|^!~?:=.@#]"
)
_NAME = re.compile(r"(?:[^\W\d]|\$)[\w$]*")
_NUMBER = re.compile(r"\d[\w.]*|\.\d\w*")
_SPACE = re.compile(r"\s+")
_STRING_END = {q: re.compile(rf"(?:[^{q}\\\n]|\\.|\\\n)*(?:{q}|(?=\n)|\Z)", re.S) for q in "'\""}
#: after these names a ``/`` starts a regular expression, not a division
_BEFORE_EXPRESSION = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case"}
    | {"do", "else", "yield", "await"}
)
_FLAGS = re.compile(r"[A-Za-z]*")
_OPEN = {"(": ")", "[": "]", "{": "}"}
#: a bigger file (a bundle, most likely) is not scanned: its exports count as unknown
MAX_SCAN_BYTES = 1_000_000


class _Token(NamedTuple):
    kind: str  # "name", "str", "num", "tpl", "re", "punct"
    text: str
    depth: int  # brackets open around it ({, [, (, and ${ of template literals)
    newline: bool  # a line break comes before it


class _Unbalanced(Exception):
    """Brackets or a comment/template that do not close: the scan cannot place ``export``."""


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    stack: list[str] = []
    pos, end = 0, len(text)
    newline = True
    if text.startswith("#!"):  # hashbang line
        pos = text.find("\n") if "\n" in text else end
    in_template = False  # lexing the text part of a template literal

    def add(kind: str, value: str) -> None:
        nonlocal newline
        out.append(_Token(kind, value, len(stack), newline))
        newline = False

    while pos < end:
        if in_template:
            pos = _template_text(text, pos, end)
            if pos >= end:
                raise _Unbalanced("a template literal does not close")
            if text[pos] == "`":
                pos += 1
            else:  # "${": code until the matching "}"
                stack.append("${")
                pos += 2
            in_template = False
            continue
        char = text[pos]
        if char.isspace():
            match = _SPACE.match(text, pos)
            assert match is not None
            if "\n" in match.group():
                newline = True
            pos = match.end()
        elif text.startswith("//", pos):
            stop = text.find("\n", pos)
            pos = end if stop < 0 else stop
        elif text.startswith("/*", pos):
            stop = text.find("*/", pos + 2)
            if stop < 0:
                raise _Unbalanced("a /* comment does not close")
            if "\n" in text[pos:stop]:
                newline = True
            pos = stop + 2
        elif char in "'\"":
            match = _STRING_END[char].match(text, pos + 1)
            assert match is not None
            body = match.group()
            add("str", body[:-1] if body.endswith(char) else body)
            pos = match.end()
        elif char == "`":
            add("tpl", "`")
            in_template = True
            pos += 1
        elif char == "/" and _regex_allowed(out):
            after = _regex_end(text, pos, end)
            if after is None:  # no closing "/" on this line: a division after all
                add("punct", "/")
                pos += 1
            else:
                add("re", text[pos:after])
                pos = after
        elif (match := _NAME.match(text, pos)) is not None:
            add("name", match.group())
            pos = match.end()
        elif (match := _NUMBER.match(text, pos)) is not None:
            add("num", match.group())
            pos = match.end()
        elif (match := _PUNCT.match(text, pos)) is not None:
            value = match.group()
            if value in _OPEN:
                add("punct", value)
                stack.append(value)
            elif value in ")]}":
                if not stack:
                    raise _Unbalanced(f"a {value!r} closes nothing")
                opener = stack.pop()
                if opener == "${":
                    if value != "}":
                        raise _Unbalanced("a template's ${ closes with another bracket")
                    in_template = True
                elif _OPEN[opener] != value:
                    raise _Unbalanced(f"{opener!r} closes with {value!r}")
                else:
                    add("punct", value)
            else:
                add("punct", value)
            pos = match.end()
        else:  # any other character (JSX text, a stray byte): skip it
            pos += 1
    if stack or in_template:
        raise _Unbalanced("brackets do not balance")
    return out


def _template_text(text: str, pos: int, end: int) -> int:
    """The index of the template literal's closing backtick or next ``${`` from ``pos``."""
    while pos < end:
        char = text[pos]
        if char == "\\":
            pos += 2
        elif char == "`" or text.startswith("${", pos):
            return pos
        else:
            pos += 1
    return end


def _regex_allowed(before: list[_Token]) -> bool:
    if not before:
        return True
    last = before[-1]
    if last.kind == "name":
        return last.text in _BEFORE_EXPRESSION
    if last.kind == "punct":
        return last.text not in (")", "]", "}", "++", "--")
    return False  # after a string, a number, a template or a regex: a division


def _regex_end(text: str, pos: int, end: int) -> int | None:
    """The index after a regular expression literal starting at ``pos`` (its flags included),
    or None when no closing ``/`` comes before the end of the line."""
    index, in_class = pos + 1, False
    while index < end:
        char = text[index]
        if char == "\n":
            return None
        if char == "\\":
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            match = _FLAGS.match(text, index + 1)
            assert match is not None
            return match.end()
        index += 1
    return None


# ---- scanning ------------------------------------------------------------------------------

#: words that start a new statement: a declaration list never continues across a line into one
_STATEMENT_START = frozenset(
    {"export", "import", "const", "let", "var", "function", "class", "async", "if", "for"}
    | {"while", "do", "return", "throw", "try", "switch", "module", "exports", "interface"}
    | {"type", "enum", "namespace", "declare", "abstract"}
)


class _Scan:
    def __init__(self, tokens: list[_Token]) -> None:
        self.t = tokens
        self.names: set[str] = set()
        self.unknown = ""
        self.exports_function = False
        self.module_assignments = 0
        self.functions = self._top_level_functions()

    def give_up(self, why: str) -> None:
        self.unknown = self.unknown or why

    def at(self, index: int) -> _Token | None:
        return self.t[index] if 0 <= index < len(self.t) else None

    def is_(self, index: int, kind: str, *texts: str) -> bool:
        token = self.at(index)
        return token is not None and token.kind == kind and (not texts or token.text in texts)

    def run(self) -> ExportScan:
        for index, token in enumerate(self.t):
            if token.kind != "name" or self.is_(index - 1, "punct", ".", "?."):
                continue
            if token.text == "export" and token.depth == 0:
                self._esm(index + 1)
            elif token.text == "exports":
                self._exports_member(index + 1)
            elif token.text == "module" and self.is_(index + 1, "punct", "."):
                if self.is_(index + 2, "name", "exports"):
                    self._module_exports(index + 3)
            elif token.text == "Object" and self.is_(index + 1, "punct", "."):
                self._object_call(index + 2)
            elif token.text in ("__exportStar", "__export", "__reExport"):
                self.give_up(f"{token.text}(...) re-exports names from elsewhere")
        if self.module_assignments > 1:
            self.give_up("module.exports is assigned more than once")
        return ExportScan(
            frozenset(self.names), not self.unknown, self.exports_function, self.unknown
        )

    # -- ES modules

    def _esm(self, i: int) -> None:
        token = self.at(i)
        if token is None:
            return
        word = token.text if token.kind in ("name", "punct") else ""
        if word == "default":
            self.names.add("default")
        elif word == "=":  # TypeScript's export = x: CommonJS module.exports = x
            self._assign_module(i + 1)
        elif word == "*":
            if self.is_(i + 1, "name", "as") and self._name_or_string(i + 2):
                self.names.add(self._name_or_string(i + 2))  # type: ignore[arg-type]
            else:
                self.give_up("export * from another module")
        elif word == "{":
            self._specifiers(i)
        elif word in ("type", "interface", "declare"):
            return  # types and ambient declarations have no value at run time
        elif word == "import" and self.is_(i + 1, "name"):
            self.names.add(self.t[i + 1].text)  # export import x = require(...)
        elif word == "async" and self.is_(i + 1, "name", "function"):
            self._declared_name(i + 2)
        elif word == "function":
            self._declared_name(i + 1)
        elif word == "abstract" and self.is_(i + 1, "name", "class"):
            self._declared_name(i + 2)
        elif word in ("class", "enum", "namespace", "module"):
            self._declared_name(i + 1)
        elif word == "const" and self.is_(i + 1, "name", "enum"):
            self._declared_name(i + 2)
        elif word in ("const", "let", "var", "using"):
            self._declarators(i + 1)
        else:
            self.give_up(f"export followed by {token.text!r}")

    def _declared_name(self, i: int) -> None:
        if self.is_(i, "punct", "*"):  # function* generator
            i += 1
        if self.is_(i, "name"):
            self.names.add(self.t[i].text)
        else:
            self.give_up("an export whose name the scan cannot read")

    def _specifiers(self, brace: int) -> None:
        """``{ a, b as c, type T, "x-y" as z }``: the exported names (after ``as``)."""
        depth = self.t[brace].depth + 1
        spec: list[_Token] = []
        i = brace + 1
        while (token := self.at(i)) is not None:
            closing = token.depth == depth - 1 and token.text == "}"
            if token.depth == depth and token.kind == "punct" and token.text == ",":
                self._specifier(spec)
                spec = []
            elif closing:
                self._specifier(spec)
                return
            else:
                spec.append(token)
            i += 1

    def _specifier(self, spec: list[_Token]) -> None:
        words = [t for t in spec if t.kind in ("name", "str")]
        if not words:
            return
        if len(words) >= 2 and words[0].text == "type" and words[1].text != "as":
            return  # export { type T }: a type, no value
        self.names.add(words[-1].text)

    def _declarators(self, i: int) -> None:
        """``const a = 1, { b, c: d } = x, [e] = y``: a, b, d, e."""
        depth = self.t[i - 1].depth
        expect_binding = True
        while (token := self.at(i)) is not None:
            if token.depth < depth:
                return
            if token.depth == depth:
                if expect_binding:
                    if token.kind == "name":
                        self.names.add(token.text)
                    elif token.text in ("{", "["):
                        i = self._pattern(i)
                        expect_binding = False
                        continue
                    # anything else after a comma is not a declarator (a type's Map<K, V>)
                    expect_binding = False
                elif token.text == ";":
                    return
                elif token.text == ",":
                    expect_binding = True
                elif token.newline and token.kind == "name" and token.text in _STATEMENT_START:
                    return
            i += 1

    def _pattern(self, opener: int) -> int:
        """Add the names a destructuring pattern binds; the index after it."""
        depth = self.t[opener].depth
        i = opener + 1
        while (token := self.at(i)) is not None and token.depth > depth:
            after = self.at(i + 1)
            if (
                token.kind == "name"
                and after is not None
                and after.text in (",", "}", "]", "=")
                and not self.is_(i - 1, "punct", ".", "?.")
            ):
                self.names.add(token.text)
            i += 1
        return i + 1  # past the closing bracket

    # -- CommonJS

    def _exports_member(self, i: int) -> None:
        """``exports.f =`` or ``exports["f"] =`` (``i`` is just after ``exports``)."""
        name, after = self._member(i)
        if name is not None and self.is_(after, "punct", "="):
            self.names.add(name)
        elif name is None and self.is_(i, "punct", "[") and self._assigned_after_bracket(i):
            self.give_up("exports[...] is assigned with a computed name")

    def _module_exports(self, i: int) -> None:
        """After ``module.exports``: ``.f =``, ``["f"] =``, or ``= value``."""
        if self.is_(i, "punct", "="):
            self.module_assignments += 1
            self._assign_module(i + 1)
            return
        self._exports_member(i)

    def _member(self, i: int) -> tuple[str | None, int]:
        """``.name`` or ``["name"]`` at ``i``: (name, index after it); (None, i) otherwise."""
        if self.is_(i, "punct", ".") and self.is_(i + 1, "name"):
            return self.t[i + 1].text, i + 2
        if self.is_(i, "punct", "[") and self.is_(i + 1, "str") and self.is_(i + 2, "punct", "]"):
            return self.t[i + 1].text, i + 3
        return None, i

    def _assigned_after_bracket(self, i: int) -> bool:
        depth = self.t[i].depth
        j = i + 1
        while (token := self.at(j)) is not None and token.depth > depth:
            j += 1
        return self.is_(j + 1, "punct", "=")

    def _assign_module(self, i: int) -> None:
        """``module.exports = <value>`` (or ``export = <value>``) with the value at ``i``."""
        if self.is_(i, "punct", "{"):
            self._object_keys(i)
        elif self._is_function(i) or self._names_function(i):
            self.exports_function = True
        else:
            self.give_up("module.exports is set to a value the scan cannot read")

    def _names_function(self, i: int) -> bool:
        """``module.exports = handler`` where a top-level declaration makes ``handler`` a
        function."""
        return self.is_(i, "name") and self.t[i].text in self.functions and self._ends(i + 1)

    def _ends(self, i: int) -> bool:
        token = self.at(i)
        return token is None or token.text in (";", "}") or token.newline

    def _object_keys(self, brace: int) -> None:
        """The keys of ``{ a, b: 1, c() {}, async d() {}, "e": 2 }``."""
        depth = self.t[brace].depth + 1
        i, start = brace + 1, True
        while (token := self.at(i)) is not None and token.depth >= depth:
            if token.depth == depth:
                if start:
                    if token.text == "...":
                        self.give_up("module.exports spreads another object")
                    elif token.text == "[":
                        self.give_up("module.exports has a computed key")
                    else:
                        j = i  # past the modifiers of a method: async *name() {}
                        while self.t[j].text in ("async", "get", "set", "*") and (
                            self._is_key(j + 1) or self.is_(j + 1, "punct", "*")
                        ):
                            j += 1
                        if self.t[j].kind in ("name", "str", "num"):
                            self.names.add(self.t[j].text)
                    start = False
                elif token.text == ",":
                    start = True
            i += 1

    def _is_key(self, i: int) -> bool:
        token = self.at(i)
        return token is not None and token.kind in ("name", "str", "num") and token.text != ","

    def _object_call(self, i: int) -> None:
        """``Object.defineProperty(exports, "f", ...)`` and ``Object.assign(exports, ...)``."""
        if not self.is_(i + 1, "punct", "("):
            return
        j = i + 2
        if self.is_(j, "name", "exports"):
            j += 1
        elif (
            self.is_(j, "name", "module")
            and self.is_(j + 1, "punct", ".")
            and self.is_(j + 2, "name", "exports")
        ):
            j += 3
        else:
            return
        method = self.t[i].text
        if method == "defineProperty" and self.is_(j, "punct", ",") and self.is_(j + 1, "str"):
            if self.t[j + 1].text != "__esModule":
                self.names.add(self.t[j + 1].text)
        elif method in ("assign", "defineProperty", "defineProperties", "setPrototypeOf"):
            self.give_up(f"Object.{method}(exports, ...) adds names the scan cannot read")

    # -- what is a function

    def _is_function(self, i: int) -> bool:
        """Whether the expression at ``i`` is a function: ``function``, ``async function``, an
        arrow function (``(a) =>``, ``a =>``, ``async (a) =>``)."""
        if self.is_(i, "name", "async"):
            i += 1
        if self.is_(i, "name", "function"):
            return True
        if self.is_(i, "name") and self.is_(i + 1, "punct", "=>"):
            return True
        if self.is_(i, "punct", "("):
            depth = self.t[i].depth
            j = i + 1
            while (token := self.at(j)) is not None and token.depth > depth:
                j += 1
            j += 1  # past ")"
            if self.is_(j, "punct", ":"):  # a return type annotation: (e): Promise<X> =>
                while (token := self.at(j)) is not None and token.depth >= depth:
                    if token.depth == depth and token.text in ("=>", ";", "{", "="):
                        break
                    j += 1
            return self.is_(j, "punct", "=>")
        return False

    def _top_level_functions(self) -> frozenset[str]:
        """Names a top-level declaration binds to a function (``function f``, ``const f = () =>``)."""
        found: set[str] = set()
        for i, token in enumerate(self.t):
            if token.depth != 0 or token.kind != "name":
                continue
            if token.text == "function" and self.is_(i + 1, "name"):
                found.add(self.t[i + 1].text)
            elif (
                token.text == "function"
                and self.is_(i + 1, "punct", "*")
                and self.is_(i + 2, "name")
            ):
                found.add(self.t[i + 2].text)
            elif (
                token.text in ("const", "let", "var")
                and self.is_(i + 1, "name")
                and self.is_(i + 2, "punct", "=")
                and self._is_function(i + 3)
            ):
                found.add(self.t[i + 1].text)
        return frozenset(found)

    def _name_or_string(self, i: int) -> str | None:
        token = self.at(i)
        return token.text if token is not None and token.kind in ("name", "str") else None


def scan_exports(text: str) -> ExportScan:
    """The names ``text`` (JavaScript or TypeScript source) exports."""
    try:
        tokens = _tokens(text)
    except _Unbalanced as exc:
        return ExportScan(frozenset(), False, False, str(exc))
    return _Scan(tokens).run()


_CACHE: dict[tuple[str, int, int], ExportScan] = {}


def scan_file(path: str | os.PathLike[str]) -> ExportScan | None:
    """:func:`scan_exports` of a file (cached by path, size and modification time); None when it
    cannot be read."""
    file = Path(path)
    try:
        stat = file.stat()
        key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return None
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if stat.st_size > MAX_SCAN_BYTES:
        return ExportScan(frozenset(), False, False, "the file is too large to scan")
    try:
        text = file.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None
    result = scan_exports(text)
    if len(_CACHE) > 512:
        _CACHE.clear()
    _CACHE[key] = result
    return result


#: How many exported names a message lists before "and N more".
MAX_LISTED = 5


def listed(names: list[str]) -> str:
    """``a, b, c`` — at most :data:`MAX_LISTED` names, then how many more."""
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def missing_export_fix(name: str, module_path: str, file: str, names: list[str]) -> str:
    """The fix for a handler naming an export ``file`` lacks: the close name for a typo, else
    the names it does export, else how to export one (CommonJS syntax for a ``.cjs`` file)."""
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f'did you mean "{module_path}.{close[0]}"?'
    if names:
        return f"use a name {file} exports: {listed(names)}"
    if file.endswith(".cjs"):
        return f"export it: exports.{name} = async (event, context) => {{ ... }}"
    return f"export it: export const {name} = async (event, context) => {{ ... }}"
