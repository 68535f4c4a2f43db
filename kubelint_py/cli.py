"""The command line: thin typer commands over the engine and the reporters; exit codes decided here.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 a usage error, no input at
all, or input that could not be read (the report still lists everything else that was checked).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional

import typer
from typing_extensions import Annotated

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
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    fail_on: Annotated[Optional[FailOn], typer.Option("--fail-on", show_default="error",
                                                      help="Lowest severity that makes the exit code 1.")] = None,
    exclude: Annotated[Optional[List[str]], typer.Option("--exclude", help="Skip paths matching this glob (repeatable).")] = None,
    max_file_size: Annotated[int, typer.Option("--max-file-size", metavar="MIB", min=1,
                                               help="Largest file read, in MiB.")] = 32,
    config_file: ConfigOption = None,
    rules_dir: RulesDirOption = None,
) -> None:
    """Validate manifests against the Kubernetes schemas and report every problem with its line."""
    from kubelint_py import engine, report
    from kubelint_py.model import Severity
    from kubelint_py.schemas import UsageError, resolve_version

    config, policy = _configuration(config_file, rules_dir)
    try:
        version = resolve_version(kubernetes_version or config.kubernetes_version)
    except UsageError as error:
        fail(f"{config.source}: {error}" if not kubernetes_version and config.kubernetes_version else str(error))
    fail_on = fail_on or FailOn(config.fail_on or "error")
    options = engine.Options(
        kubernetes_version=version, strict=strict, schema_dirs=tuple(schema_dir or ()),
        ignore_missing_schemas=ignore_missing_schemas, exclude=(*config.exclude, *(exclude or ())),
        max_file_bytes=max_file_size * 1024 * 1024, policy=policy,
    )
    result = engine.check(paths, options)
    if result.files == 0:
        fail(f"no manifest files (*.yaml, *.yml, *.json) under {', '.join(paths)}")
    if output_format is Format.json:
        sys.stdout.write(report.render_json(result))
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        sys.stdout.write(report.render_text(result, color=color))
    could_not_read = result.unreadable or any(f.rule.startswith("input/") and f.severity == Severity.ERROR
                                              for f in result.findings)
    if could_not_read:
        raise typer.Exit(EXIT_ERROR)
    if fail_on is not FailOn.never and any(f.severity >= Severity.parse(fail_on.value) for f in result.findings):
        raise typer.Exit(EXIT_FINDINGS)


ConfigOption = Annotated[Optional[str], typer.Option(
    "--config", metavar="FILE", help="Configuration file (default: .kubelint.yaml or pyproject.toml [tool.kubelint], "
                                     "searched upward from the working directory).")]
RulesDirOption = Annotated[Optional[List[str]], typer.Option(
    "--rules-dir", metavar="DIR", help="A directory of your own rule files (repeatable).")]


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
    rule: Annotated[str, typer.Argument(help="A rule id, as `kubelint rules` lists it.")],
    config_file: ConfigOption = None,
    rules_dir: RulesDirOption = None,
) -> None:
    """Print a rule's documentation: what it finds, why it matters, an example and the fix."""
    import difflib

    from kubelint_py import catalog

    _, policy = _configuration(config_file, rules_dir)
    listed = {info.id: (info, enabled) for info, enabled in policy.infos(catalog.stage_rules())}
    if rule not in listed:
        close = difflib.get_close_matches(rule, list(listed), n=1)
        fail(f"no rule {rule!r}" + (f"; did you mean {close[0]}?" if close else "; `kubelint rules` lists them"))
    info, enabled = listed[rule]
    state = "" if enabled else " (off: enable it in configuration)"
    text = f"# {info.id}\n\n{info.category} · {info.severity}{state}\n\n{info.docs}"
    if sys.stdout.isatty() and "NO_COLOR" not in os.environ:
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)


def main() -> None:
    app()
