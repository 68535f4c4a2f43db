"""What a run reads: the files named, manifest files under directories, stdin, and Kustomize directories.

Directories are walked in sorted order, skipping dot-directories, paths matching --exclude and what
.gitignore files ignore (those of the walked tree and of its parents up to the git work tree's root).
A directory holding a kustomization is one input, rendered by the loader, and is not walked further:
its files are patches and bases that only make sense rendered. A `kind: Component` is skipped: it is
checked through the overlays that use it. Symbolic links are followed once each; what the walk cannot
enter comes out as a Finding: a directory that cannot be listed (an error), a link back to a
directory being walked (info).
"""

from __future__ import annotations

import os
from fnmatch import fnmatch
from typing import Iterable, Iterator

from kubelint_py import kustomize
from kubelint_py.loader import MANIFEST_SUFFIXES
from kubelint_py.reading import STDIN
from kubelint_py.model import Finding, Severity


def discover(paths: Iterable[str], exclude: Iterable[str] = (), gitignore: bool = True,
             render_kustomize: bool = True) -> Iterator[str | Finding]:
    """Inputs to check, in order: file paths, "-" for stdin, and Kustomize directories; and Findings
    for what the walk could not enter.

    A path that does not exist is still yielded, so that reading it reports it. A file inside a
    Kustomize directory stands for that directory (so a pre-commit hook checks what a changed patch
    renders to); each directory is yielded once.
    """
    patterns = list(exclude)
    rendered: set[str] = set()

    def excluded(path: str) -> bool:
        return any(fnmatch(path, p) or fnmatch(os.path.basename(path), p) for p in patterns)

    def once(directory: str) -> Iterator[str]:
        key = os.path.realpath(directory)
        if key not in rendered:
            rendered.add(key)
            yield directory

    for path in paths:
        if excluded(path):
            continue
        if path == STDIN or not os.path.isdir(path):
            parent = os.path.dirname(path) or "."
            found = render_kustomize and path != STDIN and kustomize.kustomization(parent)
            if found and os.path.exists(path):
                if not kustomize.is_component(found):
                    yield from once(parent)
            else:
                yield path
            continue
        found = render_kustomize and kustomize.kustomization(path)
        if found:
            if not kustomize.is_component(found):
                yield from once(path)
            continue
        ignores = _Ignores.above(path) if gitignore else None
        if ignores is not None and ignores.ignored(path, True):
            ignores = _Ignores()  # a directory named on purpose is checked; only its own .gitignore files apply
        yield from _walk(path, excluded, ignores, render_kustomize, once)


def _walk(top: str, excluded, ignores: "_Ignores | None", render_kustomize: bool, once) -> Iterator[str | Finding]:
    visited: set[str] = set()
    scopes: dict[str, _Ignores | None] = {}
    errors: list[OSError] = []
    for root, dirs, files in os.walk(top, followlinks=True, onerror=errors.append):
        yield from map(_unlistable, errors)
        errors.clear()
        real = os.path.realpath(root)
        if real in visited:  # a second link to a directory already walked
            dirs[:] = []
            continue
        visited.add(real)
        scope = scopes.pop(root, ignores)
        if scope is not None and ".gitignore" in files:
            scope = scope.with_file(root)
        if root != top and render_kustomize:
            found = kustomize.kustomization(root, files)
            if found:
                dirs[:] = []
                if not kustomize.is_component(found):
                    yield from once(root)
                continue

        dirs[:] = sorted(d for d in dirs
                         if not d.startswith(".") and not _skipped(os.path.join(root, d), True, excluded, scope))
        for loop in [d for d in dirs if _leads_back(os.path.join(root, d), real)]:
            dirs.remove(loop)
            yield Finding("input/symlink-loop", Severity.INFO, "symbolic link back to a directory being checked; "
                          "not followed", "Nothing to do, or remove the link.", os.path.join(root, loop), 1, 1)
        for d in dirs:
            scopes[os.path.join(root, d)] = scope
        for name in sorted(files):
            full = os.path.join(root, name)
            if name.endswith(MANIFEST_SUFFIXES) and not _skipped(full, False, excluded, scope):
                yield full
    yield from map(_unlistable, errors)


def _leads_back(link: str, inside: str) -> bool:
    """Is `link` a symbolic link to `inside` (a real path) or to one of its ancestors?"""
    if not os.path.islink(link):
        return False
    target = os.path.realpath(link)
    return inside == target or inside.startswith(target.rstrip(os.sep) + os.sep)


def _unlistable(error: OSError) -> Finding:
    reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error)).lower()
    return Finding("input/unreadable", Severity.ERROR, f"directory cannot be listed: {reason}",
                   "Make the directory readable, or exclude it with --exclude.", str(error.filename), 1, 1)


def _skipped(path: str, is_dir: bool, excluded, ignores: "_Ignores | None") -> bool:
    return excluded(path) or (ignores is not None and ignores.ignored(path, is_dir))


class _Ignores:
    """The .gitignore files that apply in one directory, shallowest first; a deeper file overrides."""

    def __init__(self, specs: tuple = ()):
        self.specs = specs  # (absolute directory, pathspec.GitIgnoreSpec); every path checked lies under each

    @classmethod
    def above(cls, directory: str) -> "_Ignores":
        """The .gitignore files of the directory's parents, up to the root of its git work tree."""
        parents = []
        current = os.path.dirname(os.path.abspath(directory))
        while True:
            parents.append(current)
            if os.path.exists(os.path.join(current, ".git")):
                break
            parent = os.path.dirname(current)
            if parent == current:  # not inside a git work tree: only the walked tree's own files count
                parents = []
                break
            current = parent
        ignores = cls()
        for parent in reversed(parents):
            if os.path.isfile(os.path.join(parent, ".gitignore")):
                ignores = ignores.with_file(parent)
        return ignores

    def with_file(self, directory: str) -> "_Ignores":
        from pathspec import GitIgnoreSpec  # only runs that meet a .gitignore pay for the import

        try:
            with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
                spec = GitIgnoreSpec.from_lines(handle.read().splitlines())
        except OSError:
            return self
        return _Ignores(self.specs + ((os.path.abspath(directory), spec),))

    def ignored(self, path: str, is_dir: bool) -> bool:
        if not self.specs:
            return False
        path = os.path.abspath(path)
        for base, spec in reversed(self.specs):
            relative = os.path.relpath(path, base).replace(os.sep, "/") + ("/" if is_dir else "")
            decision = spec.check_file(relative).include
            if decision is not None:
                return decision
        return False
