"""The command line: thin typer commands over the engine and the reporters; exit codes decided here.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 a usage error, no input at
all, or input that could not be read (the report still lists everything else that was checked).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, List, Optional

import typer

from kubelint_py import __version__

app = typer.Typer(
    name="kubelint",
    help="Catch broken Kubernetes manifests before they reach a cluster.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Format(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kubelint {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """Catch broken Kubernetes manifests before they reach a cluster."""


def fail(message: str) -> None:
    """A usage or input error: one line on stderr, exit code 2."""
    typer.echo(f"kubelint: error: {message}", err=True)
    raise typer.Exit(EXIT_ERROR)


ConfigOption = Annotated[Optional[str], typer.Option(
    "--config", metavar="FILE", help="Configuration file (default: .kubelint.yaml or pyproject.toml [tool.kubelint], "
                                     "searched upward from the working directory).")]
RulesDirOption = Annotated[Optional[List[str]], typer.Option(
    "--rules-dir", metavar="DIR", help="A directory of your own rule files (repeatable).")]


@app.command()
def check(
    paths: Annotated[List[str], typer.Argument(help="Files, directories (searched for *.yaml, *.yml, *.json) or - for stdin.")],
    kubernetes_version: Annotated[Optional[str], typer.Option("--kubernetes-version", "-k",
                                                              help="Kubernetes version to check against, e.g. 1.33 (default: newest bundled).")] = None,
    strict: Annotated[bool, typer.Option("--strict/--no-strict",
                                         help="Unknown fields are errors (--no-strict: warnings), like kubectl --validate=strict.")] = True,
    schema_dir: Annotated[Optional[List[str]], typer.Option("--schema-dir",
                                                           help="Extra JSON schemas in kubeconform's or the CRDs-catalog's layout (repeatable).")] = None,
    ignore_missing_schemas: Annotated[bool, typer.Option("--ignore-missing-schemas",
                                                         help="Say nothing about custom resources without a schema.")] = False,
    output_format: Annotated[Optional[List[Format]], typer.Option(
        "--format", "-f", help="Report format (repeatable, with an --output each or one on stdout).")] = None,
    output: Annotated[Optional[List[str]], typer.Option(
        "--output", "-o", metavar="FILE",
        help="Write the report to FILE instead of stdout; the terminal still gets the text summary (repeatable).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="Print only the findings: nothing when clean, no summary, no progress.")] = False,
    summary_only: Annotated[bool, typer.Option("--summary",
                                               help="Print the number of findings per rule and the summary, not each finding.")] = False,
    color: Annotated[Color, typer.Option("--color", help="Color the text report: auto (a terminal without NO_COLOR), always or never.")] = Color.auto,
    fail_on: Annotated[Optional[FailOn], typer.Option("--fail-on", show_default="error",
                                                      help="Lowest severity that makes the exit code 1.")] = None,
    exclude: Annotated[Optional[List[str]], typer.Option("--exclude", help="Skip paths matching this glob (repeatable).")] = None,
    gitignore: Annotated[bool, typer.Option("--gitignore/--no-gitignore",
                                            help="In directories, skip what .gitignore files ignore.")] = True,
    kustomize: Annotated[bool, typer.Option("--kustomize/--no-kustomize",
                                            help="Render directories holding a kustomization.yaml with kustomize or kubectl "
                                                 "(--no-kustomize: check their files as they are).")] = True,
    max_file_size: Annotated[int, typer.Option("--max-file-size", metavar="MIB", min=1,
                                               help="Largest file read, in MiB.")] = 32,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1,
                                                help="Processes checking files, this one included (default: the number of CPUs).")] = None,
    namespace: Annotated[Optional[str], typer.Option("--namespace", "-n", metavar="NS",
                                                     help="The namespace given to kubectl apply: objects without one go there.")] = None,
    assume_namespace: Annotated[Optional[List[str]], typer.Option("--assume-namespace", metavar="NS",
                                                                  help="A namespace that exists in the cluster already (repeatable).")] = None,
    config_file: ConfigOption = None,
    rules_dir: RulesDirOption = None,
) -> None:
    """Check manifests (schema, what kubectl apply would reject, lint rules): every problem, its line, a fix."""
    from kubelint_py import engine, report
    from kubelint_py.model import Severity
    from kubelint_py.schemas import UsageError, resolve_version

    config, policy = _configuration(config_file, rules_dir)
    try:
        version = resolve_version(kubernetes_version or config.kubernetes_version)
    except UsageError as error:
        fail(f"{config.source}: {error}" if not kubernetes_version and config.kubernetes_version else str(error))
    fail_on = fail_on or FailOn(config.fail_on or "error")
    if quiet and summary_only:
        fail("--quiet and --summary cannot be combined")
    from kubelint_py.apply.formats import is_dns1123_label

    for option, value in [("--namespace", namespace)] * bool(namespace) + [("--assume-namespace", n) for n in assume_namespace or ()]:
        if is_dns1123_label(value):
            fail(f"{option} {value!r} is not a namespace name (lower case letters, digits and '-')")
    destinations = _destinations(output_format or [], output or [])
    options = engine.Options(
        kubernetes_version=version, strict=strict, schema_dirs=tuple(schema_dir or ()),
        ignore_missing_schemas=ignore_missing_schemas, exclude=(*config.exclude, *(exclude or ())),
        max_file_bytes=max_file_size * 1024 * 1024, jobs=jobs or _cpu_count(),
        gitignore=gitignore, kustomize=kustomize, assume_namespaces=tuple(assume_namespace or ()), namespace=namespace,
        policy=policy,
    )
    progress = None if quiet or not sys.stderr.isatty() else _ProgressBar(_use_color(color, sys.stderr))
    try:
        result = engine.check(paths, options, progress)
    finally:
        if progress:
            progress.close()
    if result.files == 0:
        fail(f"no manifest files (*.yaml, *.yml, *.json) under {', '.join(paths)}")
    detail = "quiet" if quiet else "summary" if summary_only else "full"
    threshold = None if fail_on is FailOn.never else Severity.parse(fail_on.value)
    for name, destination in destinations:
        settings = report.Settings(color=destination is None and _use_color(color, sys.stdout), detail=detail,
                                   fail_on=threshold)
        _write(report.render(name, result, settings), destination)
    if not quiet and all(destination is not None for _, destination in destinations):
        # every report went to a file: the terminal gets the summary
        settings = report.Settings(color=_use_color(color, sys.stdout), detail="summary", fail_on=threshold)
        _write(report.render("text", result, settings), None)
    could_not_read = result.unreadable or any(f.rule.startswith("input/") and f.severity == Severity.ERROR
                                              for f in result.findings)
    if could_not_read:
        raise typer.Exit(EXIT_ERROR)
    if fail_on is not FailOn.never and any(f.severity >= Severity.parse(fail_on.value) for f in result.findings):
        raise typer.Exit(EXIT_FINDINGS)


_FORMAT_BY_SUFFIX = ((".sarif", "sarif"), (".sarif.json", "sarif"), (".json", "json"), (".xml", "junit"),
                     (".txt", "text"), (".log", "text"))


def _destinations(formats: list[Format], outputs: list[str]) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs, in the order the formats were given.

    Each --output takes the --format its extension names (.sarif, .json, .xml for JUnit, .txt), else
    the next --format that has no file yet; an --output left over takes its format from its extension
    alone. Formats without a file go to stdout.
    """
    names = [f.value for f in formats] or ([] if outputs else ["text"])
    files: list[str | None] = [None] * len(names)
    leftover = []
    for path in outputs:
        named = _format_of(path)
        slot = next((i for i, name in enumerate(names) if name == named and files[i] is None), None)
        if slot is None:
            leftover.append(path)
        else:
            files[slot] = path
    for path in leftover:
        slot = next((i for i, file in enumerate(files) if file is None), None)
        if slot is None:
            if _format_of(path) is None:
                fail(f"--output {path} has no --format: add one, e.g. --format sarif --output {path}")
            names.append(_format_of(path))
            files.append(path)
        else:
            files[slot] = path
    return list(zip(names, files, strict=True))


def _format_of(path: str) -> str | None:
    return next((name for suffix, name in _FORMAT_BY_SUFFIX if path.endswith(suffix)), None)


def _write(text: str, destination: str | None) -> None:
    if destination is None:
        _write_stdout(text)
        return
    try:
        with open(destination, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)
    except OSError as error:
        fail(f"cannot write {destination}: {error.strerror or error}")


def _write_stdout(text: str) -> None:
    """Reports are UTF-8, as JSON, SARIF and JUnit must be, even where the terminal's encoding is another."""
    out = sys.stdout
    if (out.encoding or "").lower().replace("-", "").replace("_", "") == "utf8":
        try:
            out.write(text)
            return
        except UnicodeEncodeError:  # a lone surrogate the reporters did not escape
            pass
    out.flush()
    out.buffer.write(text.encode("utf-8", "replace"))
    out.buffer.flush()


def _use_color(choice: Color, stream) -> bool:
    """--color always/never win; auto colors a terminal unless NO_COLOR is set (no-color.org) or TERM=dumb."""
    if choice is not Color.auto:
        return choice is Color.always
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


PROGRESS_MIN_FILES = 250


class _ProgressBar:
    """A progress bar on stderr, shown once a run turns out to hold more than a few hundred files."""

    def __init__(self, color: bool):
        self.color = color
        self.bar = None
        self.task = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < PROGRESS_MIN_FILES:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(stderr=True, force_terminal=True, no_color=not self.color)
            self.bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                                TimeRemainingColumn(), console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("check", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _configuration(config_file: str | None, rules_dirs: list[str] | None):
    """The configuration and the policy it makes; a bad file or rule is a usage error (exit 2)."""
    from kubelint_py import catalog
    from kubelint_py.config import ConfigError, load, policy

    try:
        config = load(config_file, os.getcwd())
        return config, policy(config, catalog.stage_rules(), rules_dirs or ())
    except ConfigError as error:
        fail(str(error))


class ListFormat(str, Enum):
    text = "text"
    json = "json"


@app.command("rules")
def list_rules(
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = ListFormat.text,
    config_file: ConfigOption = None,
    rules_dir: RulesDirOption = None,
) -> None:
    """List every rule: id, category, severity (as configured) and what it finds."""
    import json

    _, policy = _configuration(config_file, rules_dir)
    from kubelint_py import catalog

    listed = policy.infos(catalog.stage_rules())
    if output_format is ListFormat.json:
        rows = [{"id": info.id, "category": info.category, "severity": str(info.severity), "summary": info.summary,
                 "enabled": enabled} for info, enabled in listed]
        typer.echo(json.dumps(rows, indent=2))
        return
    width = max(len(info.id) for info, _ in listed)
    for info, enabled in listed:
        severity = str(info.severity) if enabled else "off"
        typer.echo(f"{info.id:<{width}}  {info.category:<13}  {severity:<7}  {info.summary}")


@app.command()
def explain(
    rule: Annotated[str, typer.Argument(help="A rule id, as `kubelint rules` lists it, or a diagnose cause id.")],
    config_file: ConfigOption = None,
    rules_dir: RulesDirOption = None,
) -> None:
    """Print a rule's documentation (what it finds, why it matters, an example and the fix), or a
    diagnose cause's (its stage, what it looks like, the fix and the commands that confirm it)."""
    import difflib

    from kubelint_py import catalog
    from kubelint_py.diagnose.catalogue import explain_cause, list_causes

    _, policy = _configuration(config_file, rules_dir)
    listed = {info.id: (info, enabled) for info, enabled in policy.infos(catalog.stage_rules())}
    if rule in listed:
        info, enabled = listed[rule]
        state = "" if enabled else " (off: enable it in configuration)"
        text = f"# {info.id}\n\n{info.category} · {info.severity}{state}\n\n{info.docs}"
    else:
        text = explain_cause(rule)
    if text is None:
        known = list(listed) + [cause_id for cause_id, _, _ in list_causes()]
        close = difflib.get_close_matches(rule, known, n=1)
        fail(f"no rule or diagnose cause {rule!r}"
             + (f"; did you mean {close[0]}?" if close else "; `kubelint rules` lists the rules"))
    if sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)


class DiagnoseFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def diagnose(
    paths: Annotated[List[str], typer.Argument(help="Files holding kubectl describe / get -o yaml|json / get events / events / get pods output, or - for stdin.")],
    manifests: Annotated[Optional[List[str]], typer.Option("--manifests", "-m",
                                                          help="Manifests of the workloads: link each cause to the line to change (repeatable).")] = None,
    output_format: Annotated[DiagnoseFormat, typer.Option("--format", "-f", help="Report format.")] = DiagnoseFormat.text,
    color: Annotated[Color, typer.Option("--color", help="Color the text report: auto (a terminal), always or never.")] = Color.auto,
    max_file_size: Annotated[int, typer.Option("--max-file-size", metavar="MIB", min=1, help="Largest input read, in MiB.")] = 32,
) -> None:
    """Explain why pods are not running, from kubectl output alone: stage, cause, evidence, fix.

    Exit codes: 0 every pod is healthy, 1 a problem was diagnosed, 2 input that could not be read.
    """
    from kubelint_py.diagnose import render, run
    from kubelint_py.escaping import printable

    result = run(paths, manifests, max_file_size * 1024 * 1024)
    for error in result.errors:
        typer.echo(f"kubelint: error: {printable(error)}", err=True)
    if result.entries:
        if output_format is DiagnoseFormat.json:
            _write_stdout(render.to_json(result))
        else:
            _write_stdout(render.to_text(result, color=_use_color(color, sys.stdout)))
    if result.errors or not result.entries:
        raise typer.Exit(EXIT_ERROR)
    if result.problems:
        raise typer.Exit(EXIT_FINDINGS)


class SimulateFormat(str, Enum):
    text = "text"
    json = "json"


@app.command()
def simulate(
    paths: Annotated[List[str], typer.Argument(help="Files, directories (searched for *.yaml, *.yml, *.json) or - for stdin.")],
    cluster: Annotated[Optional[str], typer.Option("--cluster", metavar="FILE",
                                                   help="What the cluster holds: `kubectl get nodes -o yaml` (and storage "
                                                        "classes, volumes, pods, other objects), or kubelint's kind: Cluster.")] = None,
    now: Annotated[Optional[str], typer.Option("--now", metavar="TIME",
                                               help="When the apply happens, e.g. 2025-03-01T09:30:00Z (default: now); "
                                                    "a CronJob's next run counts from it.")] = None,
    kubernetes_version: Annotated[Optional[str], typer.Option("--kubernetes-version", "-k",
                                                              help="Kubernetes version, e.g. 1.33 (default: newest bundled).")] = None,
    namespace: Annotated[Optional[str], typer.Option("--namespace", "-n", metavar="NS",
                                                     help="The namespace given to kubectl apply: objects without one go there.")] = None,
    output_format: Annotated[SimulateFormat, typer.Option("--format", "-f", help="Report format.")] = SimulateFormat.text,
    color: Annotated[Color, typer.Option("--color", help="Color the tree: auto (a terminal without NO_COLOR), always or never.")] = Color.auto,
    max_file_size: Annotated[int, typer.Option("--max-file-size", metavar="MIB", min=1, help="Largest file read, in MiB.")] = 32,
) -> None:
    """Show every object the apply would create, who creates it, and what would become of each pod.

    Exit codes: 0 every pod is predicted to run, 1 a problem is predicted, 2 usage or unreadable input.
    """
    from datetime import datetime, timezone

    from kubelint_py.apply.formats import is_dns1123_label
    from kubelint_py.escaping import printable
    from kubelint_py.schemas import UsageError, resolve_version
    from kubelint_py.simulate import Options, render, run

    try:
        version = resolve_version(kubernetes_version)
    except UsageError as error:
        fail(str(error))
    if namespace and is_dns1123_label(namespace):
        fail(f"--namespace {namespace!r} is not a namespace name (lower case letters, digits and '-')")
    when = datetime.now(timezone.utc).replace(microsecond=0)
    if now is not None:
        try:
            when = datetime.fromisoformat(now.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            fail(f"--now {now!r} is not a time: write it like 2025-03-01T09:30:00Z")
        when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    result = run(paths, Options(version, when, cluster, namespace, max_file_size * 1024 * 1024))
    if result.files == 0:
        fail(f"no manifest files (*.yaml, *.yml, *.json) under {', '.join(paths)}")
    for error in result.errors:
        typer.echo(f"kubelint: error: {printable(error)}", err=True)
    if output_format is SimulateFormat.json:
        _write_stdout(render.to_json(result))
    else:
        terminal = sys.stdout.isatty()
        width = os.get_terminal_size().columns if terminal else None
        _write_stdout(render.to_text(result, color=_use_color(color, sys.stdout), width=width))
    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if result.problems:
        raise typer.Exit(EXIT_FINDINGS)


def main() -> None:
    app()
