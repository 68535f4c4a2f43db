"""Documentation of the rules the loader and the schema stage report (input/, yaml/, schema/)."""

from __future__ import annotations

from kubelint_py.model import RuleInfo, Severity

E, W = Severity.ERROR, Severity.WARNING


def _rule(id: str, severity: Severity, summary: str, why: str, example: str, fix: str) -> RuleInfo:
    docs = (f"## What it does\n{summary}\n\n## Why it matters\n{why}\n\n"
            f"## Example\n```yaml\n{example.strip()}\n```\n\n## Fix\n{fix}\n")
    return RuleInfo(id, "validation", severity, summary, docs)


RULES = [
    _rule("input/not-found", E, "A path given on the command line does not exist.",
          "A typo in a CI step would otherwise check nothing and pass.", "kubelint check deploy/ manifests.yaml",
          "Check the path."),
    _rule("input/unreadable", E, "An input cannot be read: permission denied, a directory that cannot be listed, "
          "a FIFO nothing writes to, a device, a symbolic link loop.",
          "Every named input is either checked or reported; nothing is skipped silently.", "chmod 000 app.yaml",
          "Make the file readable, or exclude it with --exclude."),
    _rule("input/symlink-loop", Severity.INFO, "A symbolic link leads back to a directory being walked; it is not followed.",
          "Following it would walk the same files forever; each file is checked once.", "base/again -> ..",
          "Nothing to do; remove the link if it is a mistake."),
    _rule("input/binary", E, "A file named like a manifest holds binary data (NUL bytes).",
          "Binary data is no manifest; a tool that skips it silently hides a broken commit.", "app.yaml: PNG image data",
          "Remove the file or exclude it."),
    _rule("input/encoding", E, "A file is not UTF-8 text (UTF-16 with a byte-order mark is read, with a warning).",
          "kubectl and the apiserver expect UTF-8; other encodings fail or garble values.", "name: caf\\xe9  # Latin-1",
          "Save the file as UTF-8."),
    _rule("input/too-large", E, "A file is larger than --max-file-size (32 MiB by default).",
          "Bounded input keeps a pre-commit hook or CI step fast and its memory bounded.", "release-bundle.yaml: 100 MiB",
          "Split the file, or raise --max-file-size."),
    _rule("input/kustomize", E, "A directory holding a kustomization could not be rendered: neither kustomize nor "
          "kubectl is installed, or the build failed.",
          "Its files are patches and bases that only make sense rendered; checking them one by one would report "
          "partial objects.", "overlays/prod/kustomization.yaml: resources: [../../base, missing.yaml]",
          "Install kubectl or kustomize, fix the build error the message quotes, or check the files as they are "
          "with --no-kustomize."),
    _rule("input/empty", W, "A manifest file holds no object (it is empty or only comments), or a List has no items.",
          "An empty manifest is usually a mistake, such as a template that rendered nothing.", "# TODO",
          "Add the manifest or remove the file."),
    _rule("yaml/syntax", E, "A document is not valid YAML (tabs, a missing quote, indentation, control characters).",
          "kubectl refuses the whole file; the line and column point at the problem.",
          "metadata:\n  name: web\n\tlabels: {}", "Fix the YAML at the line shown (tabs, indentation, unclosed quotes)."),
    _rule("yaml/helm-template", E, "A document is a Helm template ({{ ... }}), not a manifest.",
          "Templates are not valid YAML until rendered; checking them as-is gives meaningless errors.",
          "replicas: {{ .Values.replicas }}", "Render first: helm template CHART | kubelint check -"),
    _rule("yaml/merge-conflict", E, "A document holds unresolved merge-conflict markers.",
          "A half-merged manifest applies the wrong half, or nothing.", "<<<<<<< HEAD\nreplicas: 2\n=======\nreplicas: 3\n>>>>>>> main",
          "Resolve the conflict."),
    _rule("yaml/duplicate-key", E, "The same key appears twice in one mapping.",
          "kubectl's strict decoding rejects it; other tools silently keep the last value.",
          "spec:\n  replicas: 2\n  replicas: 3", "Keep one of the two keys."),
    _rule("yaml/alias-limit", E, "Anchors and aliases expand to more than 100,000 nodes.",
          "A few lines of nested aliases (a 'billion laughs' bomb) can expand to gigabytes.",
          "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]  # ... and so on", "Write the data out instead of nesting aliases."),
    _rule("yaml/too-deep", E, "A document nests more than 256 collections deep.",
          "No Kubernetes object nests that deep; such input is built to exhaust a parser's stack "
          "(libyaml's overflows near 25,000 levels).", "[[[[[[ ... ]]]]]]",
          "Flatten the document."),
    _rule("schema/not-an-object", E, "A document is a list, a scalar or empty, or a mapping with neither apiVersion "
          "nor kind (a Helm values file, a config file).",
          "The apiserver can only accept objects with apiVersion and kind.", "- name: web\n  image: nginx",
          "Make the document a mapping with apiVersion, kind and metadata."),
    _rule("schema/missing-api-version", E, "A document has no apiVersion, or one that is not a string.",
          "Without apiVersion kubectl cannot tell which API to send the object to.", "kind: Deployment\nmetadata: {name: web}",
          "Add apiVersion, e.g. apps/v1."),
    _rule("schema/missing-kind", E, "A document has no kind, or one that is not a string.",
          "Without kind kubectl cannot tell what the object is.", "apiVersion: apps/v1\nmetadata: {name: web}",
          "Add kind, e.g. Deployment."),
    _rule("schema/unknown-kind", E, "A built-in API group does not serve this kind in the target Kubernetes version.",
          "kubectl fails with 'no matches for kind'.", "apiVersion: apps/v1\nkind: Deploymnet",
          "Fix the kind or apiVersion; the message names the closest known kind."),
    _rule("schema/removed-api", E, "The apiVersion of this kind was removed before the target Kubernetes version.",
          "The apply fails on upgrade; the replacement API often changes fields too.",
          "apiVersion: extensions/v1beta1\nkind: Ingress", "Move to the replacement the message names."),
    _rule("schema/missing-schema", W, "A custom resource whose CustomResourceDefinition is not in the input.",
          "Its fields cannot be checked; a typo would reach the cluster.",
          "apiVersion: cert-manager.io/v1\nkind: Certificate", "Check it with its CRD, pass --schema-dir, or --ignore-missing-schemas."),
    _rule("schema/unknown-field", E, "A field that the schema of its kind does not define (a typo, or a misplaced field).",
          "Without strict validation the apiserver drops unknown fields silently: the setting never takes effect.",
          "containers:\n  - name: web\n    imagePullPolicyy: Always", "Use the field the fix names, or remove it."),
    _rule("schema/type", E, "A value of the wrong type: a string where a number goes, a boolean where a string goes.",
          "The apiserver rejects the object. YAML turns yes/no/on/off into booleans and 8080 into a number.",
          "env:\n  - name: DEBUG\n    value: yes", "Quote strings; remove quotes around numbers."),
    _rule("schema/required", E, "A required field is missing.", "The apiserver rejects the object.",
          "kind: Deployment\nspec:\n  template: {}", "Add the field the message names."),
    _rule("schema/enum", E, "A value outside the set the schema allows.", "The apiserver rejects the object.",
          "spec:\n  type: Loadbalancer", "Use one of the values the message lists."),
    _rule("schema/invalid", E, "Any other schema violation (pattern, minimum, length) found in a CRD's schema.",
          "The apiserver rejects the object.", "spec:\n  retention: 0  # minimum: 1", "Change the value to what the schema allows."),
]
