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
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1.")] = FailOn.error,
    exclude: Annotated[Optional[List[str]], typer.Option("--exclude", help="Skip paths matching this glob (repeatable).")] = None,
    max_file_size: Annotated[int, typer.Option("--max-file-size", metavar="MIB", min=1,
                                               help="Largest file read, in MiB.")] = 32,
    assume_namespace: Annotated[Optional[List[str]], typer.Option("--assume-namespace", metavar="NS",
                                                                  help="A namespace that exists in the cluster already (repeatable).")] = None,
) -> None:
    """Validate manifests against the Kubernetes schemas and report every problem with its line."""
    from kubelint_py import engine, report
    from kubelint_py.model import Severity
    from kubelint_py.schemas import UsageError, resolve_version

    try:
        version = resolve_version(kubernetes_version)
    except UsageError as error:
        fail(str(error))
    from kubelint_py.apply.formats import is_dns1123_label

    for namespace in assume_namespace or ():
        if is_dns1123_label(namespace):
            fail(f"--assume-namespace {namespace!r} is not a namespace name (lower case letters, digits and '-')")
    options = engine.Options(
        kubernetes_version=version, strict=strict, schema_dirs=tuple(schema_dir or ()),
        ignore_missing_schemas=ignore_missing_schemas, exclude=tuple(exclude or ()),
        max_file_bytes=max_file_size * 1024 * 1024, assume_namespaces=tuple(assume_namespace or ()),
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


def main() -> None:
    app()
