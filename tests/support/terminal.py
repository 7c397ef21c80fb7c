"""A real terminal for the tests: a command run in a pseudo-terminal, its screen read by pyte.

A pipe is not a terminal: rich, colour and column widths all decide on ``isatty()``, so output
that is fine piped can still break where users look. ``run_on_terminal`` gives the command a
pty of a known size (stdin, stdout and stderr alike, as a shell would) and replays what it
wrote through pyte, a VT100 emulator, so a test asserts on the characters and colours a person
would see, and on the raw bytes for what a screen hides (hyperlinks, bidi controls).
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping
from pathlib import Path

import pyte

#: The console scripts of the kubectl-datamodel under test (the virtualenv running pytest).
SCRIPTS = Path(sys.executable).parent


@dataclasses.dataclass
class Screen:
    """What a command left on the terminal: the bytes it wrote, drawn on demand (pyte takes
    a while over a long output, and some tests need only the bytes)."""

    exit_code: int
    raw: bytes  # every byte written to the terminal, escape sequences included
    columns: int

    @functools.cached_property
    def _screen(self) -> pyte.Screen:
        """Tall enough that nothing scrolls away."""
        raw = self.raw
        screen = pyte.Screen(self.columns, raw.count(b"\n") + 2 * (len(raw) // self.columns) + 24)
        pyte.ByteStream(screen).feed(raw)
        return screen

    @functools.cached_property
    def lines(self) -> list[str]:
        """The screen, line by line, trailing blanks stripped."""
        lines = [line.rstrip() for line in self._screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")

    def cells(self, needle: str) -> list[pyte.screens.Char]:
        """The cells showing the first occurrence of ``needle``, to check how it is drawn."""
        for row, line in enumerate(self.lines):
            column = line.find(needle)
            if column >= 0:
                return [self._screen.buffer[row][column + i] for i in range(len(needle))]
        raise AssertionError(f"{needle!r} is not on the screen:\n{self.text}")


def run_on_terminal(
    command: str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    columns: int = 200,
    rows: int = 50,
    timeout: float = 120.0,
) -> Screen:
    """Run ``command`` with bash -c on a fresh pty of ``columns`` x ``rows``."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        ["bash", "-c", command],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env=dict(env),
        start_new_session=True,  # the pty becomes its controlling terminal, as in a shell
    )
    os.close(follower)
    raw = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            raw += chunk
        else:
            process.kill()
            raise AssertionError(f"{command!r} still running after {timeout:.0f}s")
        exit_code = process.wait(timeout=10)
    finally:
        os.close(leader)
    return Screen(exit_code, bytes(raw), columns)


def terminal_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment on a colour terminal: a fresh HOME, this checkout's scripts first
    on PATH, and ``kubectl`` (the real one when installed, else a stand-in that runs only
    ``kubectl datamodel``)."""
    path = [str(SCRIPTS)]
    if shutil.which("kubectl") is None:
        shim = home / ".shim"
        shim.mkdir(parents=True, exist_ok=True)
        kubectl = shim / "kubectl"
        kubectl.write_text(
            '#!/bin/sh\n[ "$1" = datamodel ] && shift && exec kubectl-datamodel "$@"\n'
            'echo "this test stand-in for kubectl runs only kubectl datamodel" >&2; exit 1\n'
        )
        kubectl.chmod(0o755)
        path.append(str(shim))
    path.append(os.environ.get("PATH", "/usr/bin:/bin"))
    env = {
        "HOME": str(home),
        "PATH": os.pathsep.join(path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "KUBECONFIG": str(home / ".kube" / "none"),  # never the developer's clusters
    }
    env.update(extra)
    return env
