"""Agreement with the peers' own labelled fixtures (../shared/peer-tests): where a kubelint rule means
the same as a Polaris or checkov check, the peer's failing fixtures draw its finding and the passing
ones do not. Deliberate disagreements are listed, with the reason, in the rule's `disagreements`; each
must still disagree, so a stale entry is caught."""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import ROOT
from kubelint_py import loader
from kubelint_py.lint.linter import Linter, Setting, activate
from kubelint_py.lint.rules import built_in
from kubelint_py.schemas import built_in_groups

# ../shared next to the repository (CI), or next to the directory of worktrees it is checked out in
PEER_TESTS = next((p / "shared" / "peer-tests" for p in (ROOT.parent, ROOT.parent.parent)
                   if (p / "shared" / "peer-tests").is_dir()), ROOT.parent / "shared" / "peer-tests")

# checkov check id -> the folder of its fixtures (checkov names folders after check classes)
CHECKOV = {
    "CKV_K8S_8": "LivenessReadiness", "CKV_K8S_9": "LivenessReadiness",
    "CKV_K8S_10": "Requests_Limits", "CKV_K8S_11": "Requests_Limits", "CKV_K8S_12": "Requests_Limits",
    "CKV_K8S_13": "Requests_Limits", "CKV_K8S_14": "ImageTagFixed", "CKV_K8S_15": "ImagePullPolicy",
    "CKV_K8S_16": "PrivilegedContainers", "CKV_K8S_17": "ShareHost", "CKV_K8S_18": "ShareHost",
    "CKV_K8S_19": "ShareHost", "CKV_K8S_20": "AllowPrivilegeEscalation", "CKV_K8S_21": "DefaultNamespace",
    "CKV_K8S_22": "ReadOnlyFilesystem", "CKV_K8S_23": "RootContainers", "CKV_K8S_25": "AllowedCapabilities",
    "CKV_K8S_26": "HostPort", "CKV_K8S_27": "DockerSocketVolume", "CKV_K8S_28": "DropCapabilities",
    "CKV_K8S_31": "Seccomp", "CKV_K8S_35": "Secrets", "CKV_K8S_38": "ServiceAccountTokens",
    "CKV_K8S_39": "AllowedCapabilitiesSysAdmin", "CKV_K8S_41": "DefaultServiceAccount",
    "CKV_K8S_42": "DefaultServiceAccountBinding", "CKV_K8S_43": "ImageDigest", "CKV_K8S_49": "WildcardRoles",
    "CKV_K8S_152": "NginxIngressCVE202125742", "CKV_K8S_153": "NginxIngressCVE202125742",
    "CKV_K8S_154": "NginxIngressCVE202125742", "CKV_K8S_155": "RbacEscalateRoles",
    "CKV_K8S_156": "RbacBindRoleBindings", "CKV_K8S_157": "RbacControlWebhooks",
    "CKV_K8S_158": "RbacApproveCertificateSigningRequests",
}


def _folders() -> dict[str, list]:
    """peer fixture folder -> the kubelint rules that claim its check (a folder may test several checks)."""
    claimed = defaultdict(list)
    for rule in built_in():
        for check in rule.peers.get("polaris", []):
            claimed[f"polaris/{check}"].append(rule)
        for check in rule.peers.get("checkov", []):
            if check in CHECKOV:
                claimed[f"checkov/example_{CHECKOV[check]}"].append(rule)
    return claimed


def _label(name: str) -> str | None:
    """fail, pass, mixed (the file holds both), or None (unlabelled: not a test case)."""
    if name.startswith(("mutated", "check")):
        return None
    failing = bool(re.search(r"fail", name, re.I))
    passing = bool(re.search(r"pass|success", name, re.I))
    return "mixed" if failing and passing else "fail" if failing else "pass" if passing else None


CASES = []
for folder, rules in sorted(_folders().items()):
    for path in sorted((PEER_TESTS / folder).glob("*.y*ml")):
        label = _label(path.name)
        if label:
            CASES.append(pytest.param(f"{folder}/{path.name}", label, rules, id=f"{folder}/{path.name}"))


def test_peer_fixtures_are_there():
    assert len(CASES) > 250, f"expected the peers' fixtures under {PEER_TESTS}"


def _found(path: Path, rules: list) -> set[str]:
    text = path.read_text(encoding="utf-8")
    loaded = loader.load_text(text, str(path))
    documents = [d for d in loaded.documents if isinstance(d.body, dict)]
    settings = {rule.id: Setting(enabled=True) for rule in rules}
    linter = Linter(activate(rules, settings, {}), frozenset(built_in_groups()))
    found = {p.rule for d in documents for p in linter.check(d)}
    return found | {p.rule for _, p in linter.finish(documents)}


@pytest.mark.parametrize("fixture, label, rules", CASES)
def test_rule_agrees_with_the_peer_fixture(fixture, label, rules):
    found = _found(PEER_TESTS / fixture, rules)
    disagreements = [d for rule in rules for d in rule.disagreements if fnmatch.fnmatch(fixture, d["fixture"])]
    agrees = bool(found) if label in ("fail", "mixed") else not found
    if disagreements:
        assert not agrees, f"listed as a disagreement, but kubelint now agrees: {disagreements[0]['fixture']}"
    else:
        assert agrees, f"peer says {label}; kubelint found {sorted(found) or 'nothing'}"
