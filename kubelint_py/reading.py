"""Reading inputs: bytes from files and stdin, within the size limit, decoded to text.

Every way an input can fail to be read (missing, a directory, a FIFO nobody writes to, permission
denied, too large, binary, not UTF-8) becomes one finding that says so, never an exception.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from typing import Any

from kubelint_py.model import Finding, Severity

MAX_FILE_BYTES = 32 * 1024 * 1024
STDIN = "-"


def error_finding(file: str, line: int, column: int, index: int, rule: str, message: str, fix: str | None) -> Finding:
    return Finding(rule, Severity.ERROR, message, fix, file, line, column, index)


def decode(data: bytes, file: str) -> tuple[str | None, Finding | None]:
    """Bytes to text, or the one finding that says why not."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None, error_finding(file, 1, 1, 0, "input/encoding", "not valid UTF-16 despite its byte-order mark",
                                "Save the file as UTF-8.")
        return text, Finding("input/encoding", Severity.WARNING, "file is UTF-16; kubectl and most tools expect UTF-8",
                             "Save the file as UTF-8.", file, 1, 1)
    if b"\0" in data[:8192]:
        return None, error_finding(file, 1, 1, 0, "input/binary", "binary file (it contains NUL bytes), not a manifest",
                            "Remove it from the checked paths, or exclude it with --exclude.")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        return None, error_finding(file, line, column, 0, "input/encoding",
                            f"not valid UTF-8 (byte 0x{data[error.start]:02x})", "Save the file as UTF-8.")


class _Unreadable(Exception):
    """An input that exists but cannot be read as a manifest; the message says why."""

    def __init__(self, message: str, fix: str, rule: str = "input/unreadable"):
        super().__init__(message)
        self.message, self.fix, self.rule = message, fix, rule


def read_input(path: str, max_bytes: int = MAX_FILE_BYTES) -> tuple[str | None, Finding | None]:
    """Read a path (or stdin for "-") into text, or the one finding that says why it could not be."""
    display = "<stdin>" if path == STDIN else path
    try:
        data = _read_stdin(max_bytes) if path == STDIN else _read_file(path, max_bytes)
    except _Unreadable as error:
        return None, error_finding(display, 1, 1, 0, error.rule, error.message, error.fix)
    except FileNotFoundError:
        if os.path.islink(path):
            return None, error_finding(display, 1, 1, 0, "input/not-found", "broken symbolic link (its target does not exist)",
                                "Fix or remove the link.")
        return None, error_finding(display, 1, 1, 0, "input/not-found", "no such file or directory", "Check the path.")
    except PermissionError:
        return None, error_finding(display, 1, 1, 0, "input/unreadable", "permission denied", "Make the file readable.")
    except OSError as error:
        message = "symbolic link loop" if error.errno == errno.ELOOP else (error.strerror or str(error)).lower()
        return None, error_finding(display, 1, 1, 0, "input/unreadable", message, "Check the path.")
    if len(data) > max_bytes:  # stdin or a pipe, whose size is only known by reading
        return None, error_finding(display, 1, 1, 0, "input/too-large", _too_large_message(None, max_bytes), _TOO_LARGE_FIX)
    return decode(data, display)


def _read_stdin(max_bytes: int) -> bytes:
    if sys.stdin is None:  # started with standard input closed
        raise _Unreadable("standard input is closed", "Pipe the manifests in, or name files instead of -.")
    return sys.stdin.buffer.read(max_bytes + 1)


def _read_file(path: str, max_bytes: int) -> bytes:
    # O_NONBLOCK: opening a FIFO that no process writes to would otherwise wait forever.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            size = os.fstat(fd).st_size
            if size > max_bytes:  # say so without reading it
                raise _Unreadable(_too_large_message(size, max_bytes), _TOO_LARGE_FIX, "input/too-large")
            os.set_blocking(fd, True)
            return _read_up_to(handle, max_bytes + 1)
        if stat.S_ISFIFO(mode):  # a named pipe, or a shell's <(command)
            try:
                first = os.read(fd, 65536)
            except BlockingIOError:  # a writer, nothing written yet
                first = None
            if first == b"":
                raise _Unreadable("a FIFO with nothing to read (no process writes to it)",
                                  "Start the process that writes to it first, or exclude it with --exclude.")
            os.set_blocking(fd, True)
            return (first or b"") + _read_up_to(handle, max_bytes + 1 - len(first or b""))
        if stat.S_ISDIR(mode):
            raise _Unreadable("is a directory", "Name the directory itself; its manifest files are found.")
        raise _Unreadable("not a regular file (a socket or device)", "Name manifest files, directories or - for stdin.")


def _read_up_to(handle: Any, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit:
        chunk = handle.read(min(limit - total, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


_TOO_LARGE_FIX = "Split the file, or raise the limit with --max-file-size."


def _too_large_message(size: int | None, max_bytes: int) -> str:
    limit = f"the {max_bytes / (1024 * 1024):g} MiB limit"
    return f"{size / (1024 * 1024):.1f} MiB, larger than {limit}" if size else f"larger than {limit}"
