#!/usr/bin/env python3
"""Writes every binding's typed API models from openapi.yaml, the one source of the wire contract.

    python3 scripts/generate/generate.py           # rewrite the generated files
    python3 scripts/generate/generate.py --check   # exit 1, naming them, when any differs

Each language gets the models in its own idiom, with the names and types its SDK has always
exposed: Go structs (bindings-go/models_gen.go), Python frozen dataclasses
(bindings-python/python/send0/_models.py), TypeScript interfaces and their converters
(bindings-node/lib/models.ts). What is not a model stays hand-written beside them: the shared model
behaviour (bindings-go/webhooks_service.go, bindings-python/python/send0/_model_base.py,
bindings-node/lib/wire.ts), the request parameters (each suite checks them against the `requests`
of tests/fixtures/contract.json) and the clients.

Why a generator of our own: the off-the-shelf ones were tried on openapi.yaml (ARCHITECTURE.md,
"Generated code") and each writes a different public API than the SDK's (wire-named TypeScript
without Dates, Python that needs 3.10, Go that copies every field of an allOf into a second struct
with its own enum types), with no place for what every model here has: the object as the API sent
it, and secrets kept out of reprs.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"

# The response models every SDK exposes, in the order they are written, with the secret field a
# model must keep out of its repr.
MODELS = [
    ("WebhookEndpoint", None),
    ("WebhookEndpointWithSecret", "secret"),
    ("DeletedWebhookEndpoint", None),
    ("TestResult", None),
    ("RotatedSecret", "secret"),
    ("DeliveryAttempt", None),
]

# Response models of the Rust core alone: the local server's emitEvent (`client.events().emit`, which
# the `send0` CLI's trigger calls) is no part of the platform API the bindings cover. They are
# checked in contract.json like the others, and generated into no binding.
CORE_MODELS = [
    ("EmittedEvent", None),
]

GO_INITIALISMS = {"id": "ID", "url": "URL", "ms": "MS", "http": "HTTP"}


@dataclass
class Field:
    name: str  # as on the wire
    kind: str  # string, integer, boolean, time, strings (array of strings)
    nullable: bool
    description: str
    enum: Optional[List[Any]]


@dataclass
class Model:
    name: str
    description: str
    parent: Optional[str]  # an allOf's $ref: the model this one extends
    fields: List[Field]
    secret: Optional[str]


def resolve(spec: Dict[str, Any], schema: Dict[str, Any]) -> Dict[str, Any]:
    """The schema a $ref points at, with the referring schema's own keys (its description) on top."""
    seen = 0
    while "$ref" in schema:
        seen += 1
        if seen > 16:
            raise SystemExit(f"generate.py: a $ref cycle at {schema['$ref']}")
        target = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def field_of(spec: Dict[str, Any], name: str, schema: Dict[str, Any]) -> Field:
    own_description = schema.get("description")
    schema = resolve(spec, schema)
    types = schema.get("type")
    if "oneOf" in schema:  # `oneOf: [X, {type: 'null'}]`
        options = [resolve(spec, option) for option in schema["oneOf"]]
        types = [t for option in options for t in ([option["type"]] if isinstance(option["type"], str) else option["type"])]
        schema = {**next(o for o in options if o.get("type") != "null"), **schema}
    types = [types] if isinstance(types, str) else list(types or [])
    nullable = "null" in types
    base = [t for t in types if t != "null"]
    if len(base) != 1:
        raise SystemExit(f"generate.py: {name}: cannot type {types}")
    kind = base[0]
    if kind == "string" and schema.get("format") == "date-time":
        kind = "time"
    elif kind == "array":
        if resolve(spec, schema["items"]).get("type") != "string":
            raise SystemExit(f"generate.py: {name}: only arrays of strings are modelled")
        kind = "strings"
    elif kind not in ("string", "integer", "boolean"):
        raise SystemExit(f"generate.py: {name}: no model type for {kind}")
    # A time's shared description only restates its wire format, which no model shows.
    description = own_description or ("" if kind == "time" else schema.get("description")) or ""
    description = " ".join(description.split())
    return Field(name, kind, nullable, description, schema.get("enum"))


def model_of(spec: Dict[str, Any], name: str, secret: Optional[str]) -> Model:
    schema = spec["components"]["schemas"][name]
    parent = None
    fields: List[Field] = []
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            parent = part["$ref"].rsplit("/", 1)[-1]
            continue
        required = set(part.get("required", []))
        for prop, prop_schema in part["properties"].items():
            if prop not in required:
                raise SystemExit(f"generate.py: {name}.{prop}: every field of a model is required in openapi.yaml")
            fields.append(field_of(spec, prop, prop_schema))
    if not schema.get("description"):
        raise SystemExit(f"generate.py: {name} needs a description in openapi.yaml: it becomes every SDK's doc")
    return Model(name, " ".join(schema["description"].split()), parent, fields, secret)


def load_spec() -> Dict[str, Any]:
    spec: Dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return spec


def load_models(spec: Dict[str, Any], names: List[Tuple[str, Optional[str]]]) -> List[Model]:
    return [model_of(spec, name, secret) for name, secret in names]


HEADER = "Generated by scripts/generate/generate.py from openapi.yaml: do not edit (make generate)."


# --- Go ---------------------------------------------------------------------------------------


def go_name(wire: str) -> str:
    return "".join(GO_INITIALISMS.get(part, part.capitalize()) for part in wire.split("_"))


def go_type(field: Field) -> str:
    base = {
        "string": "string",
        "integer": "int64" if field.name.endswith("_ms") else "int",
        "boolean": "bool",
        "time": "time.Time",
        "strings": "[]string",
    }[field.kind]
    return f"*{base}" if field.nullable else base


def wrap(text: str, prefix: str, width: int = 100) -> List[str]:
    lines, line = [], prefix
    for word in text.split():
        if len(line) + len(word) + 1 > width and line != prefix:
            lines.append(line.rstrip())
            line = prefix
        line += word + " "
    if line != prefix:
        lines.append(line.rstrip())
    return lines


def go_struct(model: Model, doc: str, root: Optional[str]) -> List[str]:
    """A model as a Go struct: its parent embedded, else `root` (if any), then its own fields."""
    out = wrap(f"{model.name}: {model.description}{doc}", "// ") + [f"type {model.name} struct {{"]
    if model.parent or root:
        out.append(f"\t{model.parent or root}")
    for field in model.fields:
        if field.description:
            out += wrap(field.description, "\t// ")
        out.append(f'\t{go_name(field.name)} {go_type(field)} `json:"{field.name}"`')
    return out + ["}", ""]


def go_source(models: List[Model]) -> str:
    out = ["// Code generated by scripts/generate/generate.py from openapi.yaml. DO NOT EDIT.", "", "package send0", "", 'import "time"', ""]
    for model in models:
        out += go_struct(model, "", "asSent")
    return "\n".join(out)


def gofmt(source: str) -> str:
    """The source as gofmt writes it (Go is on every machine that builds the Go SDK)."""
    done = subprocess.run(["gofmt"], input=source, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"generate.py: gofmt refused the Go models: {done.stderr}")
    return done.stdout


# --- Python -----------------------------------------------------------------------------------


def py_type(field: Field) -> str:
    base = {"string": "str", "integer": "int", "boolean": "bool", "time": "datetime", "strings": "List[str]"}[field.kind]
    return f"Optional[{base}]" if field.nullable else base


def py_source(models: List[Model]) -> str:
    out = [
        f'"""Typed objects of the Webhooks API. {HEADER}',
        "",
        "Each keeps the API's object as it was sent (see ``_model_base``): a field this SDK does not know yet is",
        "an attribute all the same and is in ``to_dict()``, and an unknown ``status`` keeps its string.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass, field",
        "from datetime import datetime",
        "from typing import ClassVar, FrozenSet, List, Optional",
        "",
        "from ._model_base import _Model",
        "",
        "__all__ = [" + ", ".join(f'"{m.name}"' for m in models) + "]",
    ]
    for model in models:
        out += ["", "", "@dataclass(frozen=True)", f"class {model.name}({model.parent or '_Model'}):"]
        out.append(f'    """{model.description}"""')
        out.append("")
        if model.name == "TestResult":
            out.append("    __test__ = False  # not a pytest test class")
        for attribute, names in (
            ("_times", [f.name for f in model.fields if f.kind == "time"]),
            ("_nullable", [f.name for f in model.fields if f.nullable]),
        ):
            if names:
                listed = ", ".join(f'"{n}"' for n in sorted(names))
                out.append(f"    {attribute}: ClassVar[FrozenSet[str]] = {model.parent or '_Model'}.{attribute} | {{{listed}}}")
        for f in model.fields:
            if f.name == model.secret:
                out.append(f"    {f.name}: {py_type(f)} = field(repr=False)")
            else:
                out.append(f"    {f.name}: {py_type(f)}")
            if f.description:
                out.append(f'    """{f.description}"""')
    return "\n".join(out) + "\n"


# --- TypeScript -------------------------------------------------------------------------------


def camel(wire: str) -> str:
    head, *rest = wire.split("_")
    return head + "".join(part.capitalize() for part in rest)


def ts_type(field: Field, closed: bool) -> str:
    """`closed`: an enum is exactly its values (event data); else only a one-value enum is a
    literal, so that a value the API adds later still fits the type (response models)."""
    if field.enum and field.kind == "string" and field.name == "status":
        base = "EndpointStatus"  # open: a status added to the API later keeps its string
    elif field.enum and (closed or len(field.enum) == 1):
        base = " | ".join(str(v).lower() if isinstance(v, bool) else f"'{v}'" for v in field.enum)
    else:
        base = {"string": "string", "integer": "number", "boolean": "boolean", "time": "Date", "strings": "string[]"}[field.kind]
    return f"{base} | null" if field.nullable else base


def ts_interface(model: Model, name_of: Callable[[str], str], closed: bool) -> List[str]:
    """A model as a TypeScript interface extending its parent; `name_of` names its wire fields."""
    extends = f" extends {model.parent}" if model.parent else ""
    out = [f"/** {model.description} */", f"export interface {model.name}{extends} {{"]
    for f in model.fields:
        if f.description:
            out.append(f"  /** {f.description} */")
        out.append(f"  {name_of(f.name)}: {ts_type(f, closed)};")
    return out + ["}"]


def all_fields(models: Dict[str, Model], model: Model) -> List[Field]:
    return (all_fields(models, models[model.parent]) if model.parent else []) + model.fields


def ts_source(models: List[Model]) -> str:
    by_name = {m.name: m for m in models}
    statuses = next(f.enum for f in by_name["WebhookEndpoint"].fields if f.name == "status")
    out = [
        f"// The API's objects, camelCased, with Dates; a field unknown to this SDK stays under its API name. {HEADER}",
        "",
        "import { type Shape, type Wire, build } from './wire';",
        "",
        f"/** {', '.join(f'`{s}`' for s in statuses)}, or a status added to the API after this SDK. */",
        "export type EndpointStatus = " + " | ".join(f"'{s}'" for s in statuses) + " | (string & {});",
    ]
    for model in models:
        out += [""] + ts_interface(model, camel, closed=False)
    for model in models:
        const = re.sub(r"(?<!^)([A-Z])", r"_\1", model.name).upper()
        listed = ", ".join(f"'{f.name}'" for f in model.fields)
        times = ", ".join(f"'{f.name}'" for f in model.fields if f.kind == "time")
        if model.parent:  # the parent's shape and this model's own fields
            parent = re.sub(r"(?<!^)([A-Z])", r"_\1", model.parent).upper()
            listed, times = f"...{parent}.fields, {listed}", f"...{parent}.times" + (f", {times}" if times else "")
        secret = f", secret: '{model.secret}'" if model.secret else ""
        out += [
            "",
            f"const {const}: Shape = {{ fields: new Set([{listed}]), times: new Set([{times}]){secret} }};",
            "/** @internal */",
            f"export const to{model.name} = (w: Wire): {model.name} => build(w, {const});",
        ]
    return "\n".join(out) + "\n"


# --- the event catalog -------------------------------------------------------------------------


@dataclass
class EventKind:
    type: str  # email.bounced
    summary: str
    data: str  # the name of its data schema


def load_events(spec: Dict[str, Any]) -> "tuple[List[EventKind], List[Model]]":
    """The catalog (openapi.yaml's webhooks, in order) and each data shape, parents first."""
    events, names = [], []
    for event_type, hook in spec["webhooks"].items():
        body = hook["post"]["requestBody"]["content"]["application/json"]["schema"]
        data = body["allOf"][1]["properties"]["data"]["$ref"].rsplit("/", 1)[-1]
        events.append(EventKind(event_type, hook["post"]["description"], data))
        for name in (spec["components"]["schemas"][data].get("allOf", [{}])[0].get("$ref", "").rsplit("/", 1)[-1], data):
            if name and name not in names:
                names.append(name)
    return events, [model_of(spec, name, None) for name in names]


def pascal(event_type: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[._]", event_type))


def ts_events(events: List[EventKind], shapes: List[Model]) -> List[str]:
    out: List[str] = []
    for shape in shapes:  # event data keeps the wire's names
        out += ts_interface(shape, lambda name: name, closed=True) + [""]
    out += ["/** The data of each event type. */", "export interface EventDataByType {"]
    out += [f"  '{e.type}': {e.data};" for e in events]
    out += ["}", "", "/** Every event type send0 delivers. */", "export type EventType = keyof EventDataByType;", ""]
    for e in events:
        out += [f"/** {e.summary} */", f"export type {pascal(e.type)}Event<Raw extends Uint8Array = Uint8Array> = BaseEvent<'{e.type}', {e.data}, Raw>;"]
    out += ["", "/** A verified send0 event: narrow it with `switch (event.type)`. */", "export type WebhookEvent<Raw extends Uint8Array = Uint8Array> ="]
    out += [f"  | {pascal(e.type)}Event<Raw>" + (";" if i == len(events) - 1 else "") for i, e in enumerate(events)]
    return out


def py_events(events: List[EventKind], shapes: List[Model], models: Dict[str, Model]) -> str:
    names = ["EVENT_TYPES", "EventType"] + [shape.name for shape in shapes]
    out = [
        f'"""The send0 event catalog: every event type and the shape of its ``data``. {HEADER}',
        "",
        "The data shapes are TypedDicts (``typing.cast(EmailBouncedData, event.data)``); their keys are the",
        "wire's, ``from`` among them, hence the functional form.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import List, Literal, Tuple, TypedDict",
        "",
        "__all__ = [" + ", ".join(f'"{n}"' for n in names) + "]",
        "",
        "EVENT_TYPES: Tuple[str, ...] = (" + ", ".join(f'"{e.type}"' for e in events) + ")",
        '"""Every event type send0 delivers."""',
        "",
        "EventType = Literal[" + ", ".join(f'"{e.type}"' for e in events) + "]",
    ]
    for shape in shapes:
        fields = all_fields(models, shape)
        kinds = []
        for f in fields:
            kind = f"Literal[{', '.join(repr(v) for v in f.enum)}]" if f.enum else {"string": "str", "strings": "List[str]", "integer": "int", "boolean": "bool"}[f.kind]
            kinds.append(f'"{f.name}": {kind}')
        out += ["", f'{shape.name} = TypedDict("{shape.name}", {{{", ".join(kinds)}}})', f'"""{shape.description}"""']
    return "\n".join(out) + "\n"


def go_events(events: List[EventKind], shapes: List[Model]) -> str:
    out = ["// Code generated by scripts/generate/generate.py from openapi.yaml. DO NOT EDIT.", "", "package send0", ""]
    out += ["// The event types send0 delivers (an Event's Type).", "const ("]
    for e in events:
        out += wrap(e.summary, "\t// ") + [f'\tEvent{pascal(e.type)} = "{e.type}"']
    out += [")", "", "// EventTypes lists every event type, in the catalog's order.", "var EventTypes = []string{" + ", ".join(f"Event{pascal(e.type)}" for e in events) + "}", ""]
    for shape in shapes:
        out += go_struct(shape, " Read it with json.Unmarshal(event.Data, &data).", None)
    return "\n".join(out)


# --- error tables ------------------------------------------------------------------------------
# Written between `BEGIN GENERATED` and `END GENERATED` in each binding's hand-written errors module:
# the classes are hand-written (each has its own fields and docs), the kind -> class tables are not.

BEGIN, END = "BEGIN GENERATED", "END GENERATED"


def load_error_kinds(spec: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    kinds: Dict[str, Dict[str, Any]] = spec["x-send0-error-kinds"]
    return kinds


def with_region(path: Path, comment: str, body: List[str]) -> str:
    """The file at `path` with its generated region replaced by `body`."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"{comment} {BEGIN}")
    start = text.index("\n", start) + 1
    end = text.index(f"{comment} {END}", start)
    return text[:start] + "\n".join(body) + "\n" + text[end:]


def py_error_tables(kinds: Dict[str, Dict[str, Any]]) -> List[str]:
    out = ["_API_CLASSES: Dict[str, Type[APIError]] = {"]
    out += [f'    "{k}": {v["class"]},' for k, v in kinds.items() if v["group"] == "api" and v.get("class")]
    out += ["}", "", "_OTHER_CLASSES: Dict[str, Type[Send0Error]] = {"]
    out += [
        f'    "{k}": {v.get("python_class", v["class"])},'
        for k, v in kinds.items()
        if v["group"] == "other" and v.get("python_class", v.get("class"))
    ]
    out += ["}", "", "WEBHOOK_KINDS: Tuple[str, ...] = ("]
    out += [f'    "{k}",' for k, v in kinds.items() if v["group"] == "webhook"]
    return out + [")"]


def ts_error_tables(kinds: Dict[str, Dict[str, Any]]) -> List[str]:
    out = ["const WEBHOOK_KINDS = new Set(["]
    out += [f"  '{k}'," for k, v in kinds.items() if v["group"] == "webhook"]
    out += ["]);", "", "const API_CLASSES: Record<string, APIErrorClass> = {"]
    out += [f"  {k}: {v['class']}," for k, v in kinds.items() if v["group"] == "api" and v.get("class")]
    out += ["};", "", "const OTHER_CLASSES: Record<string, new (message: string, kind: string) => Send0Error> = {"]
    out += [f"  {k}: {v['class']}," for k, v in kinds.items() if v["group"] == "other" and v.get("class")]
    return out + ["};"]


def go_error_tables(kinds: Dict[str, Dict[str, Any]]) -> List[str]:
    names = {**GO_INITIALISMS, "api": "API"}
    out = ["var ("]
    for kind, info in kinds.items():
        out += wrap(info["description"], "\t// ")
        out.append(f'\tErr{"".join(names.get(p, p.capitalize()) for p in kind.split("_"))} = kindSentinel("{kind}")')
    out += [")", "", "var webhookKinds = map[string]bool{"]
    out += [f'\t"{k}": true,' for k, v in kinds.items() if v["group"] == "webhook"]
    return out + ["}"]


# --- request parameters ------------------------------------------------------------------------
# Not generated into the SDKs: each language's parameters are hand-written in its own idiom (Python
# keyword arguments with NOT_GIVEN, Go pointers and ClearDescription, TypeScript interfaces), and
# every suite checks them against these fields in contract.json.

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class RequestField:
    name: str  # as on the wire
    where: str  # body or query
    kind: str  # as a Field's
    required: bool


def parameter_of(spec: Dict[str, Any], parameter: Dict[str, Any]) -> Dict[str, Any]:
    if "$ref" not in parameter:
        return parameter
    found: Dict[str, Any] = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
    return found


def query_fields(spec: Dict[str, Any], op_id: str, parameters: List[Dict[str, Any]]) -> List[RequestField]:
    """The query parameters; the path's `id` is every SDK's positional argument and Idempotency-Key a
    request option, and any other path or header parameter has no place in the SDKs yet."""
    fields = []
    for parameter in (parameter_of(spec, p) for p in parameters):
        name, where = parameter["name"], parameter["in"]
        if where == "query":
            kind = field_of(spec, name, parameter["schema"]).kind
            fields.append(RequestField(name, "query", kind, bool(parameter.get("required"))))
        elif (where, name) not in (("path", "id"), ("header", "Idempotency-Key")):
            raise SystemExit(f"generate.py: {op_id}: no SDK parameter for the {where} parameter {name}")
    return fields


def body_fields(spec: Dict[str, Any], op_id: str, body: Optional[Dict[str, Any]]) -> List[RequestField]:
    """The fields of a JSON request body, an object that refuses fields it does not name."""
    if body is None:
        return []
    if list(body["content"]) != ["application/json"]:
        raise SystemExit(f"generate.py: {op_id}: only application/json request bodies are modelled")
    schema = resolve(spec, body["content"]["application/json"]["schema"])
    if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
        raise SystemExit(f"generate.py: {op_id}: a request body must be an object with additionalProperties: false")
    required = set(schema.get("required", [])) if body.get("required") else set()
    return [
        RequestField(name, "body", field_of(spec, name, prop).kind, name in required)
        for name, prop in schema["properties"].items()
    ]


def load_requests(spec: Dict[str, Any]) -> Dict[str, List[RequestField]]:
    """Each operation of the SDKs' resource (tag `webhooks`), by operationId, with what its caller
    gives: query parameters and body fields (none for some)."""
    requests: Dict[str, List[RequestField]] = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None or "webhooks" not in op.get("tags", []):
                continue
            op_id = op["operationId"]
            fields = query_fields(spec, op_id, item.get("parameters", []) + op.get("parameters", []))
            fields += body_fields(spec, op_id, op.get("requestBody"))
            names = [f.name for f in fields]
            if len(set(names)) != len(names):
                raise SystemExit(f"generate.py: {op_id} ({method.upper()} {path}): a field named twice (query, body)")
            requests[op_id] = fields
    return requests


# --- the shapes, for the Rust core's drift check -----------------------------------------------


def contract_source(
    models: List[Model],
    kinds: Dict[str, Dict[str, Any]],
    events: List[EventKind],
    data_shapes: List[Model],
    requests: Dict[str, List[RequestField]],
) -> str:
    """Every model's wire fields and their kinds, and the error kinds in order:
    core/tests/client/vectors.rs checks the Rust core's own models (which the server shares) and its
    ErrorKind against them. And each operation's request parameters, which every SDK's suite checks
    its hand-written parameters against (ARCHITECTURE.md, "Generated code")."""
    by_name = {m.name: m for m in models}
    shapes = {
        m.name: {f.name: f.kind + ("?" if f.nullable else "") for f in all_fields(by_name, m)} for m in models
    }
    by_name.update({m.name: m for m in data_shapes})
    data = {e.type: {f.name: f.kind for f in all_fields(by_name, by_name[e.data])} for e in events}
    document = {
        "description": HEADER,
        "models": shapes,
        "error_kinds": list(kinds),
        "event_types": [e.type for e in events],
        "event_data": data,
        "requests": {
            op_id: {f.name: {"in": f.where, "kind": f.kind, "required": f.required} for f in fields}
            for op_id, fields in requests.items()
        },
    }
    return json.dumps(document, indent=2) + "\n"


# --- driver -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report generated files that differ")
    args = parser.parse_args()
    spec = load_spec()
    models = load_models(spec, MODELS)
    core_models = load_models(spec, CORE_MODELS)
    kinds = load_error_kinds(spec)
    events, data_shapes = load_events(spec)
    requests = load_requests(spec)
    node_events = ROOT / "bindings-node" / "lib" / "events.ts"
    python_errors = ROOT / "bindings-python" / "python" / "send0" / "errors.py"
    node_errors = ROOT / "bindings-node" / "lib" / "native-errors.ts"
    go_errors = ROOT / "bindings-go" / "errors.go"
    outputs = {
        ROOT / "bindings-go" / "models_gen.go": gofmt(go_source(models)),
        ROOT / "bindings-python" / "python" / "send0" / "_models.py": py_source(models),
        ROOT / "bindings-node" / "lib" / "models.ts": ts_source(models),
        ROOT / "tests" / "fixtures" / "contract.json": contract_source(models + core_models, kinds, events, data_shapes, requests),
        node_events: with_region(node_events, "//", ts_events(events, data_shapes)),
        ROOT / "bindings-python" / "python" / "send0" / "_events.py": py_events(
            events, data_shapes, {m.name: m for m in data_shapes}
        ),
        ROOT / "bindings-go" / "events_gen.go": gofmt(go_events(events, data_shapes)),
        python_errors: with_region(python_errors, "#", py_error_tables(kinds)),
        node_errors: with_region(node_errors, "//", ts_error_tables(kinds)),
        go_errors: gofmt(with_region(go_errors, "//", go_error_tables(kinds))),
    }
    stale = [path for path, text in outputs.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from what openapi.yaml generates: run make generate", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
