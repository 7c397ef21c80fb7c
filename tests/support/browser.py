"""Headless Chromium for the HTML report's tests: load a file from disk with the network off,
and hand back the DOM the browser built from it.

`.ci/run` installs Debian's `chromium` and sets KUBECTL_DATAMODEL_REQUIRE_BROWSER; without a
browser the tests that need one are skipped with one line saying why (failed, when required).
KUBECTL_DATAMODEL_CHROMIUM names another Chromium or Chrome executable.

The network is off three ways: every request goes to a proxy on the discard port, loopback
included (`<-loopback>` drops Chromium's implicit bypass), every host name fails to resolve,
and the background services (updates, sync, safe browsing) are off. A test in
test_report_html.py checks the first by pointing a page at a loopback port and seeing that
nothing connects.
"""

from __future__ import annotations

import dataclasses
import html.parser
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ENV_BINARY = "KUBECTL_DATAMODEL_CHROMIUM"
ENV_REQUIRE = "KUBECTL_DATAMODEL_REQUIRE_BROWSER"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60  # seconds for one page; a cold start on 2 cores takes about one
INSTALL_HINT = "apt-get install chromium (.ci/run does)"

FLAGS = (
    "--headless",
    "--no-sandbox",  # tests run as root in CI containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--safebrowsing-disable-auto-update",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


class BrowserError(Exception):
    """The browser did not start, timed out, or printed no document."""


def find() -> Path | None:
    """$KUBECTL_DATAMODEL_CHROMIUM, else the first Chromium or Chrome on PATH."""
    given = os.environ.get(ENV_BINARY)
    if given:
        return Path(given)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def dump_dom(binary: Path, page: Path, *, timeout: float = TIMEOUT) -> str:
    """The serialized DOM of ``page`` once loaded, as `chromium --dump-dom` prints it."""
    with tempfile.TemporaryDirectory(prefix="kdm-chromium-") as profile:
        command = [
            str(binary),
            *FLAGS,
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.resolve().as_uri(),
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise BrowserError(f"{binary} did not finish {page.name} in {timeout} s") from exc
        except OSError as exc:
            raise BrowserError(f"cannot run {binary}: {exc.strerror}") from exc
    if result.returncode != 0 or "<html" not in result.stdout:
        tail = "\n".join(result.stderr.splitlines()[-20:])
        raise BrowserError(f"{binary} exited {result.returncode} on {page.name}:\n{tail}")
    return result.stdout


# -- reading the DOM back ----------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


@dataclasses.dataclass
class Element:
    """An element of a parsed page: enough of the DOM to find things and read their text."""

    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = dataclasses.field(default_factory=list)

    @property
    def text(self) -> str:
        """textContent: the text of every descendant, in order."""
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(
        self, tag: str | None = None, cls: str | None = None, **attrs: str
    ) -> list[Element]:
        """Descendants (and self) by tag, class and attribute values (data_x for data-x)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def by_id(self, element_id: str) -> Element:
        found = self.find_all(id=element_id)
        if len(found) != 1:
            raise LookupError(f"{len(found)} elements with id {element_id!r}")
        return found[0]


class _Builder(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


def parse(text: str) -> Element:
    """The document ``text`` as a tree (what the browser printed, or a file as written)."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root
