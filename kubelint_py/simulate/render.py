"""The simulation for people (a tree per namespace, drawn with rich) or for machines (JSON).

Names, files and messages come from the input: the tree shows their control characters as escapes
(printable), so that a crafted name cannot drive the terminal; JSON escapes them too.
"""

from __future__ import annotations

from io import StringIO

from kubelint_py.escaping import dump_json, printable, printable_lines
from kubelint_py.simulate import Result
from kubelint_py.simulate.model import ClusterObject

STAND_IN = "≈"
UNWRAPPED = 100_000  # columns when writing to a file or a pipe: one line per line, for grep and diff


def to_json(result: Result) -> str:
    return dump_json({"objects": [o.to_json() for o in result.objects]})


def to_text(result: Result, color: bool = False, width: int | None = None) -> str:
    from rich.console import Console
    from rich.text import Text
    from rich.tree import Tree

    out = StringIO()
    console = Console(
        file=out,
        width=width or UNWRAPPED,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
    )
    children: dict[int, list[ClusterObject]] = {}
    for obj in result.objects:
        if obj.created_by is not None:
            children.setdefault(id(obj.created_by), []).append(obj)

    def grow(branch: Tree, obj: ClusterObject, like_previous: bool = False) -> None:
        sub = branch.add(_label(obj, Text, brief=like_previous))
        previous = None
        for child in children.get(id(obj), ()):
            grow(sub, child, _same_fate(previous, child))
            previous = child

    for head, members in _groups(result):
        tree = Tree(
            _label(head, Text) if isinstance(head, ClusterObject) else Text(head, style="bold"),
            guide_style="dim",
        )
        for obj in (children.get(id(head), []) if isinstance(head, ClusterObject) else []) + members:
            grow(tree, obj)
        console.print(tree)
        console.print()
    console.print(_summary(result), highlight=False)
    return out.getvalue()


def _groups(result: Result) -> list[tuple[ClusterObject | str, list[ClusterObject]]]:
    """One tree per namespace (headed by its Namespace when the input creates it), in the order they
    first appear, then one for the other cluster-scoped objects."""
    namespaces: dict[str, ClusterObject | None] = {}
    members: dict[str | None, list[ClusterObject]] = {}
    for obj in result.objects:
        if obj.kind == "Namespace" and obj.namespace is None and obj.created_by is None:
            namespaces[obj.name] = obj
            members.setdefault(obj.name, [])
        elif obj.created_by is None:
            if obj.namespace is not None:
                namespaces.setdefault(obj.namespace, None)
            members.setdefault(obj.namespace, []).append(obj)
    groups: list[tuple[ClusterObject | str, list[ClusterObject]]] = []
    for name, namespace in namespaces.items():
        if namespace is not None:
            groups.append((namespace, members.get(name, [])))
        else:
            groups.append((f"namespace {printable(name)}{_where_from(name, result)}", members.get(name, [])))
    if members.get(None):
        groups.append(("cluster-scoped", members[None]))
    return groups


def _where_from(namespace: str, result: Result) -> str:
    """Why a namespace the input does not create is there (or must be)."""
    from kubelint_py.apply.kinds import WELL_KNOWN_NAMESPACES

    if namespace in WELL_KNOWN_NAMESPACES:
        return ""
    if result.cluster and any(kind == "Namespace" and name == namespace for kind, _, name, _ in result.cluster.objects):
        return " (in the cluster)"
    if result.options and result.options.namespace == namespace:
        return " (--namespace: it exists)"
    return " (not created by the input: it must exist)"


def _same_fate(previous: ClusterObject | None, obj: ClusterObject) -> bool:
    """Replicas with the same problem: the tree says it once."""
    return (
        previous is not None
        and previous.kind == obj.kind
        and previous.predicted is not None
        and obj.predicted is not None
        and previous.predicted.problem
        and previous.predicted.to_json() == obj.predicted.to_json()
    )


def _label(obj: ClusterObject, Text, brief: bool = False):
    label = Text()
    label.append(printable(obj.kind), style="bold")
    label.append(f" {printable(obj.name)}")
    if obj.stand_in:
        label.append(f" {STAND_IN}", style="dim")
    if obj.source:
        label.append(f"  {printable(obj.source[0])}:{obj.source[1]}", style="dim")
    if obj.node:
        certain = obj.spec.get("nodeName") or (
            obj.created_by is not None and obj.created_by.kind == "DaemonSet"
        )
        label.append(f"  {'on' if certain else 'likely on'} {printable(obj.node)}", style="dim")
    predicted = obj.predicted
    if predicted is not None:
        style = "red" if predicted.problem else "green"
        label.append(f"  {printable(predicted.status)}", style=f"bold {style}")
        if predicted.reason and predicted.reason != predicted.status:
            label.append(f" ({printable(predicted.reason)})", style=style)
        if brief:
            label.append("  the same as above", style="dim")
            return label
        if predicted.message:
            label.append(f"\n{printable_lines(predicted.message)}")
        if predicted.problem and predicted.fix:
            label.append("\nfix: ", style="green")
            label.append(printable_lines(predicted.fix))
        if predicted.cause:
            label.append(f"\ncause: {printable_lines(predicted.cause)}", style="dim")
    for note in obj.notes:
        label.append(f"\n{printable_lines(note)}", style="dim")
    return label


def _summary(result: Result) -> str:
    rejected = sum(1 for o in result.objects if o.predicted is not None and o.predicted.status == "Rejected")
    pods = [
        o
        for o in result.objects
        if o.kind == "Pod" and (o.predicted is None or o.predicted.status != "Rejected")
    ]
    running = sum(1 for p in pods if p.predicted is not None and not p.predicted.problem)
    problems = len(result.problems)
    options = result.options
    parts = [
        f"{len(result.objects)} object{'s' if len(result.objects) != 1 else ''}",
        f"{len(pods)} pod{'s' if len(pods) != 1 else ''} ({running} predicted to run)",
        f"{problems} problem{'s' if problems != 1 else ''} predicted",
    ]
    if rejected:
        parts.append(f"{rejected} rejected by the apiserver")
    lines = [", ".join(parts)]
    if options is not None:
        where = (
            f"on the {len(result.cluster.nodes)} node{'s' if len(result.cluster.nodes) != 1 else ''} of "
            f"{options.cluster}"
            if result.cluster
            else "no --cluster: no scheduling predictions"
        )
        lines.append(
            f"Kubernetes {options.kubernetes_version}, applied at {options.now:%Y-%m-%dT%H:%M:%SZ}, {where}"
        )
    if any(o.stand_in for o in result.objects):
        lines.append(
            f"{STAND_IN} marks names the cluster would generate (a hash or random suffix): stand-ins"
        )
    return "\n".join(lines)
