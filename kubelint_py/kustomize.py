"""Kustomize directories: recognising them and rendering them with the kustomize or kubectl on PATH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
TIMEOUT_SECONDS = 120
INSTALL_HINT = ("Install kubectl (https://kubernetes.io/docs/tasks/tools/) or kustomize "
                "(https://kubectl.docs.kubernetes.io/installation/kustomize/), "
                "or check the files as they are with --no-kustomize.")

_COMPONENT = re.compile(r"^kind:\s*['\"]?Component['\"]?\s*$", re.M)
# kubectl logs through klog: E1129 20:53:16.306746  12637 run.go:72] "command failed" err="..."
_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err="(.*)"$')


class RenderError(Exception):
    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message, self.fix = message, fix


def kustomization(directory: str, names: list[str] | None = None) -> str | None:
    """The kustomization file of a directory, if it has one (`names`: its file names, when already listed)."""
    for name in KUSTOMIZATION_FILES:
        if (name in names) if names is not None else os.path.isfile(os.path.join(directory, name)):
            return os.path.join(directory, name)
    return None


def is_component(kustomization_file: str) -> bool:
    """A `kind: Component` is only built as part of the overlays that use it, never on its own."""
    try:
        with open(kustomization_file, encoding="utf-8", errors="replace") as handle:
            return bool(_COMPONENT.search(handle.read()))
    except OSError:
        return False


def renderer() -> tuple[list[str], str] | None:
    """The command that renders a directory, and its name; a standalone kustomize is preferred."""
    standalone = shutil.which("kustomize")
    if standalone:
        return [standalone, "build"], "kustomize build"
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"], "kubectl kustomize"
    return None


def render(directory: str) -> tuple[str, str]:
    """The manifests a Kustomize directory renders to, and the name of the command that rendered them."""
    found = renderer()
    if found is None:
        raise RenderError("a Kustomize directory, but neither kustomize nor kubectl is installed to render it",
                          INSTALL_HINT)
    command, name = found
    try:
        completed = subprocess.run([*command, directory], stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"{name} did not finish within {TIMEOUT_SECONDS} s",
                          f"Run `{name} {directory}` to see where it hangs (a remote base?).") from None
    except OSError as error:
        raise RenderError(f"{name} could not be started: {error.strerror or error}", INSTALL_HINT) from None
    if completed.returncode != 0:
        raise RenderError(f"{name} failed: {_first_line(completed.stderr)}",
                          f"Run `{name} {directory}` to see the whole error, and fix the kustomization.")
    return completed.stdout.decode("utf-8", errors="replace"), name


def _first_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if line:
            klog = _KLOG.match(line)
            line = klog.group(1) if klog else re.sub(r"^(error|Error):\s*", "", line)
            return line if len(line) <= 300 else line[:297] + "..."
    return "no error message"
