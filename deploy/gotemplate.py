"""A renderer for the subset of Go templates (Helm's template language) that deploy/helm/vipd uses.

Helm is not packaged in Debian, so deploy/check.py renders the chart itself. To keep the chart
honest, this renderer accepts exactly a small subset and refuses everything else, so that a
template that renders here renders the same under Helm:

  {{ PIPELINE }}                      print a string, integer or boolean
  {{- ... -}}                         trim the white space before / after, as Go does
  {{/* comment */}}
  {{ if P }} ... {{ else }} ... {{ end }}
  {{ with P }} ... {{ else }} ... {{ end }}    (dot becomes the value inside)
  {{ range P }} ... {{ end }}                  (over a list; dot becomes each element)

A pipeline is commands separated by `|`; the value of each is passed as the last argument of
the next. Operands: `.Values.a.b`, `.Release.Name`, `.Release.Namespace`, `.Chart.Name`,
`.Chart.Version`, `.Chart.AppVersion`, `.` and `.a.b` (inside with/range), "strings" and
integers. Functions: toYaml, nindent N, indent N, quote, default D, not X.

Stricter than Go and Helm on purpose: a value path that does not exist is an error (Helm would
print nothing), as is printing a map, a list or null; values.yaml must declare every key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml


class TemplateError(Exception):
    pass


_ACTION = re.compile(r"\{\{(-[ \t\r\n])?(.*?)([ \t\r\n]-)?\}\}", re.S)
_WS = " \t\r\n"


@dataclass
class _Node:
    kind: str  # text, print, if, with, range
    text: str = ""
    pipeline: list = field(default_factory=list)
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)
    line: int = 0


def _tokenize(source: str, name: str):
    """Yields ("text", str, line) and ("action", str, line) with Go's trimming applied."""
    pieces = []
    pos = 0
    for m in _ACTION.finditer(source):
        pieces.append(["text", source[pos:m.start()], source.count("\n", 0, pos) + 1])
        inner = m.group(2)
        if "{{" in inner:
            raise TemplateError(f"{name}:{source.count(chr(10), 0, m.start()) + 1}: "
                                f"unterminated action")
        pieces.append(["action", inner.strip(_WS), source.count("\n", 0, m.start()) + 1,
                       bool(m.group(1)), bool(m.group(3))])
        pos = m.end()
    pieces.append(["text", source[pos:], source.count("\n", 0, pos) + 1])
    for i, p in enumerate(pieces):
        if p[0] != "action":
            continue
        if p[3] and i > 0:
            pieces[i - 1][1] = pieces[i - 1][1].rstrip(_WS)
        if p[4] and i + 1 < len(pieces):
            pieces[i + 1][1] = pieces[i + 1][1].lstrip(_WS)
    for p in pieces:
        if p[0] == "text" and "{{" in p[1]:
            raise TemplateError(f"{name}:{p[2]}: '{{{{' without a matching '}}}}'")
    return [(p[0], p[1], p[2]) for p in pieces]


_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|\||\(|\)|[^\s|()"]+)')


def _split_pipeline(text: str, where: str):
    tokens = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise TemplateError(f"{where}: cannot read {text[pos:]!r}")
        tokens.append(m.group(1))
        pos = m.end()
    commands, current = [], []
    for t in tokens:
        if t in ("(", ")"):
            raise TemplateError(f"{where}: parentheses are outside the supported subset")
        if t == "|":
            if not current:
                raise TemplateError(f"{where}: empty command in pipeline")
            commands.append(current)
            current = []
        else:
            if t.startswith("$") or t in (":=", "="):
                raise TemplateError(f"{where}: variables ({t}) are outside the supported subset")
            current.append(t)
    if not current:
        raise TemplateError(f"{where}: empty pipeline")
    commands.append(current)
    return commands


_FUNCTIONS = {"toYaml": 1, "nindent": 2, "indent": 2, "quote": 1, "default": 2, "not": 1}
_CONTROL = {"if", "with", "range", "else", "end"}
_REFUSED = {"include", "template", "define", "block", "tpl", "required", "printf", "print",
            "println", "and", "or", "eq", "ne", "lt", "le", "gt", "ge", "len", "index",
            "slice", "call", "html", "js", "urlquery", "fail", "lookup", "toJson", "fromYaml",
            "trunc", "trimSuffix", "replace", "upper", "lower", "b64enc", "squote", "dict",
            "list", "merge", "tuple", "empty", "coalesce", "ternary"}


def _parse(tokens, name: str):
    root: list = []
    stack = [(None, root)]  # (node, current list)
    for kind, text, line in tokens:
        where = f"{name}:{line}"
        if kind == "text":
            if text:
                stack[-1][1].append(_Node("text", text=text, line=line))
            continue
        if text.startswith("/*"):
            if not text.endswith("*/"):
                raise TemplateError(f"{where}: a comment must be the whole action: {{{{/* ... */}}}}")
            continue
        words = text.split(None, 1)
        if not words:
            raise TemplateError(f"{where}: empty action")
        head = words[0]
        rest = words[1] if len(words) > 1 else ""
        if head in ("if", "with", "range"):
            node = _Node(head, pipeline=_split_pipeline(rest, where), line=line)
            _check_pipeline(node.pipeline, where)
            stack[-1][1].append(node)
            stack.append((node, node.body))
        elif head == "else":
            if rest:
                raise TemplateError(f"{where}: 'else {rest}' is outside the supported subset")
            node, current = stack[-1]
            if node is None or current is node.orelse:
                raise TemplateError(f"{where}: else without if/with/range")
            stack[-1] = (node, node.orelse)
        elif head == "end":
            if rest:
                raise TemplateError(f"{where}: 'end {rest}'")
            if stack[-1][0] is None:
                raise TemplateError(f"{where}: end without if/with/range")
            stack.pop()
        else:
            pipeline = _split_pipeline(text, where)
            _check_pipeline(pipeline, where)
            stack[-1][1].append(_Node("print", pipeline=pipeline, line=line))
    if stack[-1][0] is not None:
        raise TemplateError(f"{name}: {stack[-1][0].kind} at line {stack[-1][0].line} has no end")
    return root


def _is_operand(word: str) -> bool:
    return (word.startswith(".") or word.startswith('"') or re.fullmatch(r"-?[0-9]+", word)
            is not None)


def _check_pipeline(pipeline, where):
    for i, command in enumerate(pipeline):
        head = command[0]
        if _is_operand(head):
            if len(command) != 1 or i != 0:
                raise TemplateError(f"{where}: {' '.join(command)!r}: an operand cannot take "
                                    f"arguments or be piped into")
            continue
        if head in _CONTROL:
            raise TemplateError(f"{where}: {head} inside a pipeline")
        if head in _REFUSED or head not in _FUNCTIONS:
            raise TemplateError(f"{where}: function {head!r} is outside the supported subset "
                                f"({', '.join(sorted(_FUNCTIONS))})")
        arity = _FUNCTIONS[head]
        given = len(command) - 1 + (1 if i > 0 else 0)
        if given != arity:
            raise TemplateError(f"{where}: {head} takes {arity} argument(s), got {given}")
        for arg in command[1:]:
            if not _is_operand(arg):
                raise TemplateError(f"{where}: argument {arg!r} of {head} must be a value "
                                    f"(.path, \"string\" or integer)")


def _truthy(v: Any) -> bool:
    if v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    if isinstance(v, (str, list, dict)):
        return len(v) > 0
    return True


def to_yaml(v: Any) -> str:
    """Helm's toYaml: keys sorted, block style, no trailing newline."""
    text = yaml.safe_dump(v, default_flow_style=False, sort_keys=True, width=1 << 20,
                          allow_unicode=True)
    if text.endswith("\n...\n"):
        text = text[:-5]
    return text.rstrip("\n")


def _indent(n: int, s: str) -> str:
    pad = " " * n
    return pad + s.replace("\n", "\n" + pad)


def _go_quote(v: Any) -> str:
    s = _scalar_text(v, "quote")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in s):
        raise TemplateError(f"quote: control characters in {s!r}")
    return json.dumps(s, ensure_ascii=False)


def _scalar_text(v: Any, what: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return v
    raise TemplateError(f"{what}: cannot print {type(v).__name__} {v!r} (only strings, "
                        f"integers and booleans)")


class _Renderer:
    def __init__(self, root: dict, name: str):
        self.root = root
        self.name = name

    def operand(self, word: str, dot: Any, where: str):
        if word.startswith('"'):
            return json.loads(word)
        if re.fullmatch(r"-?[0-9]+", word):
            return int(word)
        if word == ".":
            return dot
        value = dot
        path = word[1:].split(".")
        walked = ""
        for key in path:
            walked += "." + key
            if not isinstance(value, dict) or key not in value:
                raise TemplateError(f"{where}: {walked} does not exist (declare it in "
                                    f"values.yaml)")
            value = value[key]
        return value

    def pipeline(self, pipeline, dot, where):
        value = None
        for i, command in enumerate(pipeline):
            head = command[0]
            if _is_operand(head):
                value = self.operand(head, dot, where)
                continue
            args = [self.operand(a, dot, where) for a in command[1:]]
            if i > 0:
                args.append(value)
            try:
                value = self.call(head, args)
            except TemplateError as e:
                raise TemplateError(f"{where}: {e}") from None
        return value

    @staticmethod
    def call(fn, args):
        if fn == "toYaml":
            return to_yaml(args[0])
        if fn in ("nindent", "indent"):
            n, s = args
            if not isinstance(n, int) or isinstance(n, bool) or not isinstance(s, str):
                raise TemplateError(f"{fn} takes an integer and a string")
            return ("\n" if fn == "nindent" else "") + _indent(n, s)
        if fn == "quote":
            return _go_quote(args[0])
        if fn == "default":
            d, v = args
            return v if _truthy(v) else d
        if fn == "not":
            return not _truthy(args[0])
        raise TemplateError(f"unknown function {fn}")

    def render(self, nodes, dot) -> str:
        out = []
        for node in nodes:
            where = f"{self.name}:{node.line}"
            if node.kind == "text":
                out.append(node.text)
            elif node.kind == "print":
                out.append(_scalar_text(self.pipeline(node.pipeline, dot, where), where))
            elif node.kind == "if":
                branch = node.body if _truthy(self.pipeline(node.pipeline, dot, where)) else node.orelse
                out.append(self.render(branch, dot))
            elif node.kind == "with":
                v = self.pipeline(node.pipeline, dot, where)
                out.append(self.render(node.body, v) if _truthy(v) else self.render(node.orelse, dot))
            elif node.kind == "range":
                v = self.pipeline(node.pipeline, dot, where)
                if v is None or (isinstance(v, list) and not v):
                    out.append(self.render(node.orelse, dot))
                elif isinstance(v, list):
                    out.extend(self.render(node.body, item) for item in v)
                else:
                    raise TemplateError(f"{where}: range over {type(v).__name__} (lists only)")
        return "".join(out)


def render(source: str, context: dict, name: str = "template") -> str:
    """Renders `source` with `context` ({"Values": ..., "Release": ..., "Chart": ...})."""
    nodes = _parse(_tokenize(source, name), name)
    return _Renderer(context, name).render(nodes, context)
