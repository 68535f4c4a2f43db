"""Schema validation: the bundled Kubernetes schemas, CRDs from the input, and --schema-dir files.

Validators are built once per (apiVersion, kind) and only for kinds the input holds. Errors from
jsonschema are turned into Problems with kubectl-style wording and a fix (a "did you mean" for typos).
"""

from __future__ import annotations

import copy
import json
import os
import re
from functools import lru_cache
from typing import Any, Iterator

from kubelint_py.model import Problem, Severity, format_path
from kubelint_py.prefilter import Scope, compile_test, linear_search, linear_time
from kubelint_py.resources import data_path

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


class UsageError(Exception):
    """A bad option value: reported in one line, exit code 2."""


@lru_cache(maxsize=None)
def index() -> dict:
    with open(data_path("schemas", "kubernetes", "index.json")) as handle:
        return json.load(handle)


def resolve_version(text: str | None) -> str:
    """'1.33', 'v1.33' and '1.33.2' all mean 1.33; None means the newest bundled version."""
    versions = index()["versions"]
    if text is None:
        return versions[-1]
    match = _VERSION.match(text.strip())
    if not match:
        raise UsageError(f"--kubernetes-version {text!r} is not a version like 1.33")
    version = f"{match.group(1)}.{match.group(2)}"
    if version not in versions:
        raise UsageError(f"no schemas for Kubernetes {version}; bundled: {versions[0]} to {versions[-1]}")
    return version


def _minor(version: str) -> int:
    return int(version.split(".")[1])


@lru_cache(maxsize=None)
def bundle(version: str) -> dict:
    with open(data_path("schemas", "kubernetes", f"v{version}.json")) as handle:
        return json.load(handle)


@lru_cache(maxsize=None)
def _api_facts() -> dict:
    from kubelint_py.loader import load_text

    loaded = load_text(open(data_path("schemas", "api-removals.yaml"), encoding="utf-8").read(), "api-removals.yaml")
    return loaded.documents[0].body


def removals() -> list[dict]:
    """Facts about APIs removed before the oldest bundled version (the schemas cannot tell)."""
    return _api_facts()["removed"]


def deprecations() -> list[dict]:
    """When APIs were deprecated, and what replaces those that are still served (the schemas cannot tell)."""
    return _api_facts()["deprecated"]


@lru_cache(maxsize=None)
def built_in_groups() -> frozenset[str]:
    groups = {api_version.rpartition("/")[0] for api_version in index()["served"]}
    return frozenset(groups | {entry["apiVersion"].rpartition("/")[0] for entry in removals()})


class Schemas:
    """Every schema one run can validate against, for one Kubernetes version."""

    def __init__(self, version: str, strict: bool = True, schema_dirs: tuple[str, ...] = ()):
        self.version = version
        self.strict = strict
        self.schema_dirs = schema_dirs
        self._validators: dict[tuple[str, str], Any] = {}
        self._passes: dict[tuple[str, str], Any] = {}  # (apiVersion, kind) -> prefilter test, or None
        self._scope: Scope | None = None  # what every prefilter test shares: the bundle's definitions
        # (apiVersion, kind) -> [(file of the CRD, its schema)]: a repository may hold several variants
        self._crds: dict[tuple[str, str], list[tuple[str, Any]]] = {}
        self._registry = None

    # --- what exists -------------------------------------------------------------------------------

    def add_crd(self, crd: dict, file: str) -> None:
        """Make the custom resources a CustomResourceDefinition defines checkable in this run."""
        spec = crd.get("spec") if isinstance(crd.get("spec"), dict) else {}
        group, names = spec.get("group"), spec.get("names")
        if not isinstance(group, str) or not isinstance(names, dict) or not isinstance(names.get("kind"), str):
            return
        for version in spec.get("versions") or []:
            if not isinstance(version, dict) or not version.get("served", True) or not isinstance(version.get("name"), str):
                continue
            schema = version.get("schema")
            schema = schema.get("openAPIV3Schema") if isinstance(schema, dict) else None
            self._crds.setdefault((f"{group}/{version['name']}", names["kind"]), []).append((file, schema))

    def has_crd(self, api_version: str, kind: str) -> bool:
        return (api_version, kind) in self._crds

    def is_built_in(self, api_version: str, kind: str) -> bool:
        return kind in bundle(self.version)["kinds"].get(api_version, {})

    # --- validation --------------------------------------------------------------------------------

    def validate(self, body: dict, file: str = "") -> Iterator[Problem]:
        """Schema problems of one object whose apiVersion and kind are strings."""
        api_version, kind = body["apiVersion"], body["kind"]
        if self._certainly_valid(api_version, kind, body):
            return
        best = None
        # Several CRDs for one kind, equally near (a project's release channels): an object that one
        # of them accepts is fine; otherwise report against the one it fits best.
        for validator, crd_schema, may_fail in self._validators_for(api_version, kind, file):
            if validator is None:
                yield from self._no_schema(api_version, kind)
                return
            if validator is False:  # a CRD without a schema: anything goes
                return
            # The apiserver fills a custom resource's defaults in before it validates it.
            instance = with_defaults(body, crd_schema) if crd_schema else body
            try:
                if may_fail is not None and not may_fail(instance):
                    return
                errors = list(validator.iter_errors(instance))
            except RecursionError:
                yield Problem((), "object nests too deeply to validate", "Flatten the object.", "schema/invalid")
                return
            if best is None or len(errors) < len(best):
                if best:
                    release(best)
                best = errors
            else:
                release(errors)
            if not errors:
                return
        for error in best or ():
            yield from _translate(error, self.strict)
        release(best or [])

    def _certainly_valid(self, api_version: str, kind: str, body: dict) -> bool:
        """Most objects of built-in kinds are valid: a plain-Python test compiled from the bundled
        schema says so many times faster than jsonschema, which then looks only at the others."""
        key = (api_version, kind)
        if key not in self._passes:
            defs = bundle(self.version)
            name = defs["kinds"].get(api_version, {}).get(kind)
            self._passes[key] = compile_test({"$ref": f"#/$defs/{name}"}, self.scope()) if name else None
        may_fail = self._passes[key]
        try:
            return may_fail is not None and not may_fail(body)
        except RecursionError:
            return False

    def _validators_for(self, api_version: str, kind: str, file: str) -> Iterator[Any]:
        crds = self._crds.get((api_version, kind))
        for crd_file in _nearest(crds, file) if crds else [""]:
            key = (api_version, kind, crd_file)
            if key not in self._validators:
                self._validators[key] = self._build(api_version, kind, crd_file)
            yield self._validators[key]  # (validator, the CRD's own schema or None, its prefilter test or None)

    def scope(self) -> Scope:
        if self._scope is None:
            self._scope = Scope(bundle(self.version), {}, linear_search)
        return self._scope

    def _build(self, api_version: str, kind: str, crd_file: str) -> tuple[Any, dict | None, Any]:
        from jsonschema import Draft202012Validator
        from jsonschema.validators import validator_for

        validator_class = _linear_time(Draft202012Validator)
        defs = bundle(self.version)
        name = defs["kinds"].get(api_version, {}).get(kind)
        if name:  # valid objects were let through by _certainly_valid
            return validator_class({"$ref": f"{defs['$id']}#/$defs/{name}"}, registry=self.registry()), None, None
        if crds := self._crds.get((api_version, kind)):
            schema = next(schema for file, schema in reversed(crds) if file == crd_file)
            if not isinstance(schema, dict):
                return False, None, None
            converted = crd_json_schema(schema, f"{defs['$id']}#/$defs/{OBJECT_META}")
            return validator_class(converted, registry=self.registry()), schema, compile_test(converted, self.scope())
        for path in _schema_files(self.schema_dirs, api_version, kind):
            with open(path) as handle:
                schema = json.load(handle)
            return _linear_time(validator_for(schema))(schema), None, None
        return None, None, None

    def registry(self) -> Any:
        if self._registry is None:
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            defs = bundle(self.version)
            self._registry = Registry().with_resource(defs["$id"], Resource.from_contents(defs, DRAFT202012))
        return self._registry

    def _no_schema(self, api_version: str, kind: str) -> Iterator[Problem]:
        group = api_version.rpartition("/")[0]
        served = sorted(av for av, k in self._crds if k == kind and av.rpartition("/")[0] == group)
        if served:
            yield Problem(("apiVersion",), f"the CustomResourceDefinition of {kind} does not serve {api_version}",
                          f"Use apiVersion: {served[-1]} (served: {', '.join(served)}).", "schema/unknown-kind")
            return
        if group not in built_in_groups():
            yield Problem(
                ("kind",), f"no schema for {kind} ({api_version}): its CustomResourceDefinition is not in the input",
                "Check it together with its CRD, pass --schema-dir, or silence with --ignore-missing-schemas.",
                "schema/missing-schema", Severity.WARNING,
            )
            return
        yield _unknown_api(self.version, api_version, kind)


# --- regular expressions from the input ---------------------------------------------------------------


@lru_cache(maxsize=None)
def _linear_time(validator_class: Any) -> Any:
    """The validator class with `pattern` and `patternProperties` matched in linear time (see
    prefilter.linear_time): a crafted CRD pattern must not stop a run."""
    from jsonschema import ValidationError
    from jsonschema.validators import extend

    def pattern(validator, expression, instance, schema):
        if validator.is_type(instance, "string") and not _search(expression, instance):
            yield ValidationError(f"{instance!r} does not match {expression!r}")

    def pattern_properties(validator, patterns, instance, schema):
        if validator.is_type(instance, "object"):
            for expression, subschema in patterns.items():
                for key, value in instance.items():
                    if _search(expression, key):
                        yield from validator.descend(value, subschema, path=key, schema_path=expression)

    return extend(validator_class, {"pattern": pattern, "patternProperties": pattern_properties})


def _search(expression: str, text: str) -> bool:
    """Does `text` match? An expression that compiles nowhere cannot be judged: it is taken to match."""
    compiled = linear_time(expression)
    return compiled is None or compiled.search(text) is not None


def release(errors: list) -> None:
    """Break the reference cycles of jsonschema errors (a nested error points at its parent, the parent
    at its `context`), so they are freed as soon as they are dropped: a run keeps the cyclic garbage
    collector off, and one error tree left behind per object adds up to gigabytes on large input."""
    stack = list(errors)
    while stack:
        error = stack.pop()
        stack.extend(error.context)
        error.context, error.parent = [], None


def _nearest(crds: list[tuple[str, Any]], file: str) -> list[str]:
    """The CRD files closest to the object's file (most leading directories shared), the last in path order first."""
    parts = file.split("/")

    def shared(crd_file: str) -> int:
        count = 0
        for mine, theirs in zip(parts, crd_file.split("/")):
            if mine != theirs:
                break
            count += 1
        return count

    distances = {crd_file: shared(crd_file) for crd_file, _ in crds}
    best = max(distances.values())
    # by path, not by when each CRD was read: worker processes read them in no fixed order
    return sorted((crd_file for crd_file, distance in distances.items() if distance == best), reverse=True)


def _unknown_api(version: str, api_version: str, kind: str) -> Problem:
    """A built-in group that does not serve this kind in this version: removed, not yet added, or a typo."""
    served = index()["served"]
    versions_serving = served.get(api_version, {}).get(kind, [])
    replacements = sorted(
        (av for av, kinds in bundle(version)["kinds"].items() if kind in kinds),
        key=lambda av: ("alpha" in av, "beta" in av, av),
    )
    for entry in removals():
        if entry["apiVersion"] == api_version and kind in entry["kinds"]:
            return Problem(
                ("apiVersion",), f"{api_version} {kind} was removed in Kubernetes {entry['removedIn']}",
                f"Use {entry['replacement']}." + (f" {entry['notes']}" if entry.get("notes") else ""),
                "schema/removed-api",
            )
    if versions_serving:
        last, first = versions_serving[-1], versions_serving[0]
        if _minor(last) < _minor(version):
            removed = f"1.{_minor(last) + 1}"
            fix = f"Use {replacements[0]}." if replacements else "Remove it; nothing replaces it."
            return Problem(("apiVersion",), f"{api_version} {kind} was removed in Kubernetes {removed}", fix,
                           "schema/removed-api")
        return Problem(("apiVersion",), f"{api_version} {kind} is not served before Kubernetes {first}",
                       f"Use {replacements[0]}, or target a newer version with --kubernetes-version."
                       if replacements else "Target a newer version with --kubernetes-version.",
                       "schema/unknown-kind")
    if replacements:
        return Problem(("apiVersion",), f"{kind} is not served by {api_version} in Kubernetes {version}",
                       f"Use apiVersion: {replacements[0]}.", "schema/unknown-kind")
    known = {k for kinds in bundle(version)["kinds"].values() for k in kinds}
    from difflib import get_close_matches
    close = get_close_matches(kind, known, n=1)
    fix = f"Did you mean {close[0]}?" if close else "Check the kind and apiVersion."
    return Problem(("kind",), f"no kind {kind!r} in {api_version} (Kubernetes {version})", fix, "schema/unknown-kind")


def _schema_files(dirs: tuple[str, ...], api_version: str, kind: str) -> Iterator[str]:
    """kubeconform's and the CRDs-catalog's file layouts."""
    group, _, version = api_version.rpartition("/")
    lower = kind.lower()
    names = [os.path.join(group, f"{lower}_{version}.json"), f"{lower}_{version}.json",
             f"{lower}-{group.split('.')[0]}-{version}.json" if group else f"{lower}-{version}.json"]
    for directory in dirs:
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                yield path


# --- CRD schemas -------------------------------------------------------------------------------------


def crd_json_schema(schema: dict, object_meta_ref: str) -> dict:
    """A CRD's openAPIV3Schema as JSON Schema 2020-12, strict like the apiserver's field validation."""
    converted = _convert_openapi(schema)
    properties = converted.setdefault("properties", {})
    properties["metadata"] = {"$ref": object_meta_ref}
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    return converted


def with_defaults(value: Any, schema: dict) -> Any:
    """`value` with the `default`s of a CRD schema filled in where fields are absent (copies only
    the mappings and lists on the way; the object itself is left as written)."""
    if isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        extra = schema.get("additionalProperties")
        out = dict(value)
        for name, sub in properties.items():
            if isinstance(sub, dict):
                if name not in out and "default" in sub:
                    out[name] = copy.deepcopy(sub["default"])
                if name in out:
                    out[name] = with_defaults(out[name], sub)
        if isinstance(extra, dict):
            for name in out.keys() - properties.keys():
                out[name] = with_defaults(out[name], extra)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(item, schema["items"]) for item in value]
    return value


def _convert_openapi(schema: Any, junction: bool = False) -> Any:
    """One OpenAPI v3 schema node as JSON Schema. Inside allOf/anyOf/oneOf/not (a `junction`) a
    structural schema only constrains values: which fields exist is decided outside them."""
    if not isinstance(schema, dict):
        return {}
    out: dict = {}
    for key, value in schema.items():
        # patternProperties is left out: structural schemas forbid it, and jsonschema would match its
        # expressions with Python's backtracking re when deciding which fields are additional
        if key in ("properties", "definitions") and isinstance(value, dict):
            out[key] = {name: _convert_openapi(sub, junction) for name, sub in value.items()}
        elif key in ("items", "additionalItems") and isinstance(value, dict):
            out[key] = _convert_openapi(value, junction)
        elif key == "not" and isinstance(value, dict):
            out[key] = _convert_openapi(value, True)
        elif key == "items" and isinstance(value, list):
            out["prefixItems"] = [_convert_openapi(sub, junction) for sub in value]
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else _convert_openapi(value, junction)
        elif key in ("oneOf", "anyOf", "allOf") and isinstance(value, list):
            out[key] = [_convert_openapi(sub, True) for sub in value]
        elif key in ("type", "enum", "required", "pattern", "minimum", "maximum", "minLength", "maxLength",
                     "minItems", "maxItems", "minProperties", "maxProperties", "multipleOf", "uniqueItems"):
            out[key] = value
    # OpenAPI 3.0's boolean exclusiveMinimum/Maximum become 2020-12's numeric ones
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if schema.get(exclusive) is True and bound in out:
            out[exclusive] = out.pop(bound)
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}] + out.get("anyOf", [])
    if "type" in out:  # the apiserver prunes nulls from custom resources before validating them
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
    if schema.get("x-kubernetes-embedded-resource"):
        for field in ("apiVersion", "kind", "metadata"):
            out.setdefault("properties", {}).setdefault(field, {})
    preserve = schema.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and "additionalProperties" not in out and not preserve and not junction:
        out["additionalProperties"] = False
    return out


# --- errors to problems ------------------------------------------------------------------------------

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
               type(None): "null"}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _translate(error: Any, strict: bool) -> Iterator[Problem]:
    path = tuple(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties" and value is False and isinstance(instance, dict):
        known = sorted(error.schema.get("properties", {}))
        for extra in sorted(k for k in instance if k not in known):
            from difflib import get_close_matches
            close = get_close_matches(extra, known, n=1, cutoff=0.6)
            fix = f"Did you mean {close[0]}?" if close else (
                "This is a kustomize patch, not a whole object: check what `kubectl kustomize` renders instead."
                if extra == "$patch" else
                f"Remove it; known fields here: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''}."
                if known else "Remove it.")
            yield Problem(path + (extra,), f"unknown field {extra!r}", fix, "schema/unknown-field",
                          None if strict else Severity.WARNING)
        return
    if kind == "required":
        missing = next(name for name in value if f"{name!r} is a required property" == error.message)
        yield Problem(path, f"missing required field {missing!r}", f"Add {format_path(path + (missing,))}.",
                      "schema/required")
        return
    if kind == "type":
        yield _type_problem(path, value, instance)
        return
    if kind in ("oneOf", "anyOf"):
        types = _alternative_types(value)
        if types:
            yield _type_problem(path, types, instance)
            return
        if error.context:  # say why the closest alternative failed, not just "none matched"
            from jsonschema.exceptions import best_match

            yield from _translate(best_match(error.context), strict)
            return
        if kind == "oneOf":
            yield Problem(path, "the value fits more than one of the forms the schema allows, and it must fit "
                          "exactly one", "Set the field that tells the forms apart (often `type`).", "schema/invalid")
            return
    if kind == "enum":
        allowed = ", ".join(json.dumps(v) for v in value)
        yield Problem(path, f"unsupported value {json.dumps(instance)}: supported values: {allowed}",
                      f"Use one of {allowed}.", "schema/enum")
        return
    yield Problem(path, f"invalid value: {error.message}", "Change the value to what the schema allows.", "schema/invalid")


def _alternative_types(options: list) -> list[str]:
    types: list[str] = []
    for option in options:
        option_type = option.get("type") if isinstance(option, dict) else None
        if option_type is None or set(option) - {"type"}:
            return []
        types.extend([option_type] if isinstance(option_type, str) else option_type)
    return types


def _type_problem(path: tuple, expected: Any, instance: Any) -> Problem:
    wanted = [t for t in ([expected] if isinstance(expected, str) else expected) if t != "null"]
    got = _json_type(instance)
    names = " or ".join(dict.fromkeys("integer" if t == "number" and "integer" in wanted else t for t in wanted))
    message = f"expected {names}, got {got}"
    if "string" in wanted and got in ("boolean", "integer", "number"):
        fix = f"Quote the value so that YAML reads it as a string, not as {'an' if got == 'integer' else 'a'} {got}."
        if got == "boolean":
            message += " (YAML reads yes/no/on/off/true/false as booleans)"
    elif got == "string" and set(wanted) & {"integer", "number"} and _numeric(instance):
        fix = f"Remove the quotes: {instance}."
    elif "array" in wanted and got == "object":
        fix = "Make it a list: start each entry with '- '."
    elif "object" in wanted and got == "array":
        fix = "Make it a mapping: remove the '- ' list markers."
    elif "array" in wanted:
        fix = f"Make it a list: [{json.dumps(instance)}]."
    else:
        fix = f"Use a value of type {names}."
    return Problem(path, message, fix, "schema/type")


def _numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
