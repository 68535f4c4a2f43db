#!/usr/bin/env python3
"""Generate schemas/kubernetes/v1.NN.json from the Kubernetes OpenAPI definitions.

Input: the JSON-Schema form of the Kubernetes OpenAPI definitions shipped in the PyPI package
kubernetes-validate (Apache-2.0; https://github.com/willthames/kubernetes-validate), used here at
build time only. Pass its wheel, or let the script find the installed package:

    pip download kubernetes-validate==1.37.0 --no-deps -d /tmp/kv
    python scripts/generate_schemas.py /tmp/kv/kubernetes_validate-1.37.0-py3-none-any.whl

For each Kubernetes minor version in VERSIONS, the strict definitions (unknown fields are errors)
are reduced to the keywords validation needs (descriptions and patch/list hints dropped) and written
one definition per line, keys sorted, so that running the script again gives the same bytes.
schemas/kubernetes/index.json lists the versions and, for every apiVersion/kind, the versions
that serve it.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

VERSIONS = [f"1.{minor}" for minor in range(27, 38)]
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "schemas" / "kubernetes"
SOURCE = "kubernetes-validate {version} (Apache-2.0), kubernetes-json-schema/v{k8s}.0-local-strict/_definitions.json"

# JSON Schema keywords kept; everything else (description, x-kubernetes-*, discriminators) is dropped.
SCHEMA_KEYWORDS = {"type", "enum", "format", "required", "$ref", "minimum", "maximum", "pattern",
                   "minLength", "maxLength", "minItems", "maxItems", "const"}
SUBSCHEMA_LISTS = {"oneOf", "anyOf", "allOf"}


def reduce(schema: dict) -> dict:
    """Keep only what validation reads; walk sub-schemas by keyword so property names are never touched."""
    out: dict = {}
    for key, value in schema.items():
        if key in SCHEMA_KEYWORDS:
            out[key] = value
        elif key == "properties":
            out[key] = {name: reduce(sub) for name, sub in value.items()}
        elif key in ("items", "not"):
            out[key] = reduce(value)
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else reduce(value)
        elif key in SUBSCHEMA_LISTS:
            out[key] = [reduce(sub) for sub in value]
    return out


def read_definitions(source: Path, k8s: str) -> tuple[dict, str]:
    member = f"kubernetes_validate/kubernetes-json-schema/v{k8s}.0-local-strict/_definitions.json"
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            version = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            version = version.split("-")[1].split(".dist")[0]
            return json.loads(wheel.read(member)), version
    package_version = (source / "kubernetes_validate" / "version.py").read_text().split('"')[1]
    return json.loads((source / member).read_text()), package_version


def kinds_of(definitions: dict) -> dict:
    kinds: dict = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            # The first definition wins: objects are listed before the meta types that share their GVK.
            if not name.startswith("io.k8s.apimachinery.pkg.apis.meta"):
                kinds.setdefault(api_version, {}).setdefault(gvk["kind"], name)
    return {av: dict(sorted(ks.items())) for av, ks in sorted(kinds.items())}


def write(path: Path, k8s: str, source: str, kinds: dict, definitions: dict) -> None:
    lines = ["{", f'"$id": "https://kubelint.invalid/schemas/kubernetes/v{k8s}.json",',
             '"$schema": "https://json-schema.org/draft/2020-12/schema",',
             f'"kubernetesVersion": "{k8s}",', f'"source": {json.dumps(source)},',
             f'"kinds": {json.dumps(kinds, sort_keys=True, separators=(",", ":"))},', '"$defs": {']
    names = sorted(definitions)
    for i, name in enumerate(names):
        comma = "," if i < len(names) - 1 else ""
        lines.append(f"{json.dumps(name)}:{json.dumps(definitions[name], sort_keys=True, separators=(',', ':'))}{comma}")
    lines += ["}", "}", ""]
    path.write_text("\n".join(lines))


def locate_source(argument: str | None) -> Path:
    if argument:
        return Path(argument)
    try:
        import kubernetes_validate
    except ImportError:
        sys.exit("pass the kubernetes-validate wheel, or install it: pip install kubernetes-validate")
    return Path(kubernetes_validate.__file__).parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", help="kubernetes-validate wheel or site-packages directory")
    args = parser.parse_args()
    source = locate_source(args.source)
    OUT.mkdir(parents=True, exist_ok=True)
    served: dict = {}
    for k8s in VERSIONS:
        raw, package_version = read_definitions(source, k8s)
        definitions = {name: reduce(schema) for name, schema in raw["$defs"].items()}
        kinds = kinds_of(raw["$defs"])
        for api_version, names in kinds.items():
            for kind in names:
                served.setdefault(api_version, {}).setdefault(kind, []).append(k8s)
        write(OUT / f"v{k8s}.json", k8s, SOURCE.format(version=package_version, k8s=k8s), kinds, definitions)
        print(f"v{k8s}: {sum(len(k) for k in kinds.values())} kinds, {len(definitions)} definitions")
    index = {"versions": VERSIONS, "served": {av: dict(sorted(k.items())) for av, k in sorted(served.items())}}
    (OUT / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
