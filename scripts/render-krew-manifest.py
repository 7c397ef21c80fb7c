#!/usr/bin/env python3
"""Render the krew plugin manifest for a release, and check it against krew-index's rules.

krew-index takes a manifest only if `validate-krew-manifest` passes, and it checks some rules
only by installing every platform's archive; a mistake found there costs a release. This
applies the same rules here, to the archives just built, before anything is published:

    render-krew-manifest.py --version v0.1.0 --out dist/datamodel.yaml dist/*.tar.gz dist/*.zip
    render-krew-manifest.py --check datamodel.yaml ARCHIVE...    # check a manifest as it is

Rendering fills krew-manifest.yaml's `{tag}` (v0.1.0), `{version}` (0.1.0) and each platform's
`{sha256}` from the archive its `uri` names. `--partial` drops the platforms whose archive was
not given (to try one platform's build locally; a release needs them all). Every broken rule is
reported on its own line, naming the rule; nothing is written unless all pass.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import re
import stat
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

ROOT = Path(__file__).resolve().parent.parent
API_VERSION = "krew.googlecontainertools.github.com/v1alpha2"
# krew's own checks (internal/index/validation) and those of krew-index's validate-krew-manifest
NAME_PATTERN = re.compile(r"[\w-]+", re.ASCII)
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10))} | {
    f"lpt{n}" for n in range(1, 10)
}
SEMVER = re.compile(
    r"v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?",
    re.ASCII,
)
SHA256 = re.compile(r"[a-f0-9]{64}")
SHORT_DESCRIPTION_WIDTH = 50  # what `kubectl krew search` shows
KNOWN_PLATFORMS = [
    (os_name, arch)
    for os_name, arches in {
        "windows": ["386", "amd64", "arm64"],
        "linux": ["386", "amd64", "arm", "arm64", "ppc64le"],
        "darwin": ["386", "amd64", "arm64"],
    }.items()
    for arch in arches
]
LICENSE_NAMES = {
    "license", "license.txt", "license.md", "licenses", "licenses.txt", "licenses.md",
    "copying", "copying.txt",
}  # fmt: skip


@dataclass(frozen=True)
class Member:
    """One archive entry, as krew's extractor sees it."""

    name: str
    kind: str  # "file", "dir" or what else it is ("symlink", "hardlink", ...)
    executable: bool = False


@dataclass(frozen=True)
class Archive:
    path: Path
    sha256: str
    members: tuple[Member, ...] | None  # None: not an archive krew can open
    problem: str = ""


class Problems(list[str]):
    """Broken rules, each a line naming the rule."""

    def add(self, rule: str, message: str) -> None:
        self.append(f"{rule}: {message}")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version and args.out is None:
        parser.error("--version needs --out")
    archives = {path.name: read_archive(path) for path in args.archives}
    target: Path = args.check or args.out
    problems = Problems()
    if args.check:
        manifest = _load(args.check, problems)
    else:
        manifest = render(_load_template(args.template), args.version, archives)
    if manifest is not None:
        if args.partial:
            _drop_unbuilt(manifest, archives)
        validate(manifest, target.name, archives, problems)
    for problem in problems:
        print(f"error: {target}: {problem}", file=sys.stderr)
    if problems or manifest is None:
        return 1
    if args.check:
        print(f"{target}: valid ({_count(manifest)})")
    else:
        _write(manifest, target)
        print(f"wrote {target} ({_count(manifest)})")
    return 0


def _count(manifest: dict[str, Any]) -> str:
    platforms = len(manifest["spec"]["platforms"])
    return f"{platforms} platform{'s' if platforms != 1 else ''}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--version", help="the release tag, e.g. v0.1.0")
    mode.add_argument("--check", type=Path, metavar="MANIFEST", help="check this manifest")
    parser.add_argument("--out", type=Path, help="where to write the manifest (datamodel.yaml)")
    parser.add_argument("--template", type=Path, default=ROOT / "krew-manifest.yaml")
    parser.add_argument(
        "--partial", action="store_true", help="drop platforms whose archive is not given"
    )
    parser.add_argument("archives", nargs="+", type=Path, metavar="ARCHIVE")
    return parser


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # keep long URIs on one line
    return yaml


def _load(path: Path, problems: Problems) -> dict[str, Any] | None:
    try:
        document = _yaml().load(path)
    except (OSError, YAMLError) as error:
        problems.add("yaml", "cannot read: " + " ".join(str(error).split()))
        return None
    if not isinstance(document, dict):
        problems.add("yaml", "not a YAML mapping")
        return None
    return document


def _load_template(path: Path) -> dict[str, Any]:
    """The template without its leading comment, which speaks of templating."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    document = _yaml().load("".join(lines))
    if not isinstance(document, dict):
        raise SystemExit(f"error: {path}: not a YAML mapping")
    return document


def render(template: dict[str, Any], tag: str, archives: dict[str, Archive]) -> dict[str, Any]:
    """Fill the template for `tag` and the archives its platforms' URIs name."""
    number = tag.removeprefix("v")
    spec = template.get("spec") or {}
    spec["version"] = _fill(spec.get("version"), tag, number)
    spec["caveats"] = _fill(spec.get("caveats"), tag, number)  # the store path has the tag
    for platform in spec.get("platforms") or []:
        platform["uri"] = _fill(platform.get("uri"), tag, number)
        archive = archives.get(_basename(platform["uri"]))
        if archive is not None and platform.get("sha256") == "{sha256}":
            platform["sha256"] = archive.sha256
    return template


def _fill(value: object, tag: str, number: str) -> object:
    if not isinstance(value, str):
        return value
    return value.replace("{tag}", tag).replace("{version}", number)


def _drop_unbuilt(manifest: dict[str, Any], archives: dict[str, Archive]) -> None:
    platforms = manifest.get("spec", {}).get("platforms") or []
    kept = [p for p in platforms if isinstance(p, dict) and _basename(p.get("uri")) in archives]
    for platform in platforms:
        if platform not in kept:
            print(f"note: --partial: left out {_basename(platform.get('uri'))}", file=sys.stderr)
    manifest["spec"]["platforms"] = kept


def _basename(uri: object) -> str:
    return str(uri).rstrip("/").rsplit("/", 1)[-1]


def _write(manifest: dict[str, Any], out: Path) -> None:
    """Write via a temporary file, so a failed write leaves no half manifest."""
    text = StringIO()
    _yaml().dump(manifest, text)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(text.getvalue(), encoding="utf-8")
    partial.replace(out)


def validate(
    manifest: dict[str, Any], file_name: str, archives: dict[str, Archive], problems: Problems
) -> None:
    """Add every krew / krew-index rule the manifest or its archives break to `problems`."""
    _check_header(manifest, file_name, problems)
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        problems.add("spec", "spec is missing")
        return
    _check_spec(spec, problems)
    platforms = spec.get("platforms")
    if not isinstance(platforms, list) or not platforms:
        problems.add("platforms", "at least one platform is needed")
        return
    _check_coverage(platforms, problems)
    used: set[str] = set()
    for index, platform in enumerate(platforms):
        if not isinstance(platform, dict):
            problems.add("platforms", f"platforms[{index}] is not a mapping")
            continue
        where = _where(index, platform)
        _check_platform(platform, where, problems)
        archive = archives.get(_basename(platform.get("uri")))
        if archive is None:
            problems.add("archive", f"{where}: no archive given for {platform.get('uri')}")
            continue
        used.add(archive.path.name)
        _check_archive(
            platform, archive, str(manifest.get("metadata", {}).get("name")), where, problems
        )
    for name in sorted(set(archives) - used):
        problems.add("archive", f"{name} is not named by any platform's uri")


def _where(index: int, platform: dict[str, Any]) -> str:
    """`platform linux/amd64` (as a reader finds it in the file), else its index."""
    labels = ((platform.get("selector") or {}).get("matchLabels")) or {}
    if isinstance(labels, dict) and {"os", "arch"} <= set(labels):
        return f"platform {labels['os']}/{labels['arch']}"
    return f"platforms[{index}]"


def _check_header(manifest: dict[str, Any], file_name: str, problems: Problems) -> None:
    if manifest.get("apiVersion") != API_VERSION:
        problems.add("apiVersion", f"must be {API_VERSION}, not {manifest.get('apiVersion')!r}")
    if manifest.get("kind") != "Plugin":
        problems.add("kind", f"must be Plugin, not {manifest.get('kind')!r}")
    name = str((manifest.get("metadata") or {}).get("name", ""))
    if not NAME_PATTERN.fullmatch(name) or name.lower() in WINDOWS_RESERVED:
        problems.add("name", f"{name!r} must be letters, digits, _ and - (not a Windows device)")
    if file_name != f"{name}.yaml":
        problems.add("file name", f"krew-index requires the manifest be named {name}.yaml")


def _check_spec(spec: dict[str, Any], problems: Problems) -> None:
    version = spec.get("version")
    if not isinstance(version, str) or not SEMVER.fullmatch(version):
        problems.add("version", f"{version!r} must be a semantic version with a 'v' (v1.2.3)")
    short = spec.get("shortDescription")
    if not isinstance(short, str) or not short.strip() or "\n" in short or "\r" in short:
        problems.add("shortDescription", "must be one non-empty line")
    elif len(short) > SHORT_DESCRIPTION_WIDTH:
        problems.add(
            "shortDescription",
            f"{len(short)} characters; krew search shows {SHORT_DESCRIPTION_WIDTH}",
        )
    if not str(spec.get("homepage", "")).startswith("https://"):
        problems.add("homepage", "must be an https:// URL")


def _check_platform(platform: dict[str, Any], where: str, problems: Problems) -> None:
    uri = platform.get("uri")
    if not isinstance(uri, str) or not uri.startswith("https://") or "{" in uri:
        problems.add("uri", f"{where}: {uri!r} must be an https:// URL, placeholders filled")
    sha = platform.get("sha256")
    if not isinstance(sha, str) or not SHA256.fullmatch(sha):
        problems.add("sha256", f"{where}: {sha!r} must be 64 lowercase hexadecimal digits")
    if not platform.get("bin"):
        problems.add("bin", f"{where}: bin is missing")
    files = platform.get("files")
    if files is not None and (
        not isinstance(files, list) or not files or not all(_is_file_rule(f) for f in files)
    ):
        problems.add("files", f"{where}: files must be a non-empty list of {{from, to}}")


def _is_file_rule(rule: object) -> bool:
    return isinstance(rule, dict) and bool(rule.get("from")) and bool(rule.get("to"))


def _check_coverage(platforms: list[Any], problems: Problems) -> None:
    """Each platform must select a known os/arch, and no os/arch may be selected twice."""
    owners: dict[tuple[str, str], list[int]] = {}
    for index, platform in enumerate(platforms):
        selector = platform.get("selector") if isinstance(platform, dict) else None
        labels, bad = _selector_problems(selector)
        if bad:
            problems.add("selector", f"platforms[{index}]: {bad}")
            continue
        matched = [pair for pair in KNOWN_PLATFORMS if _matches(labels, pair)]
        if not matched:
            problems.add("selector", f"platforms[{index}] matches no os/arch krew knows")
        for pair in matched:
            owners.setdefault(pair, []).append(index)
    for (os_name, arch), indexes in owners.items():
        if len(indexes) > 1:
            problems.add(
                "selector", f"{os_name}/{arch} is matched by platforms {indexes}; only one may"
            )


def _selector_problems(selector: object) -> tuple[dict[str, str], str]:
    """The selector's labels, or what is wrong with it (only matchLabels is rendered here)."""
    if not isinstance(selector, dict) or not selector:
        return {}, "selector is missing"
    if set(selector) != {"matchLabels"}:
        return {}, f"only matchLabels is supported, not {sorted(set(selector) - {'matchLabels'})}"
    labels = selector["matchLabels"]
    if not isinstance(labels, dict) or not labels:
        return {}, "matchLabels is empty"
    extra = sorted(set(labels) - {"os", "arch"})
    if extra:
        return {}, f"only os and arch may be selected on, not {extra}"
    return {str(k): str(v) for k, v in labels.items()}, ""


def _matches(labels: dict[str, str], pair: tuple[str, str]) -> bool:
    return labels.get("os", pair[0]) == pair[0] and labels.get("arch", pair[1]) == pair[1]


def _check_archive(
    platform: dict[str, Any], archive: Archive, plugin: str, where: str, problems: Problems
) -> None:
    name = archive.path.name
    if archive.members is None:
        problems.add("archive", f"{name}: {archive.problem}")
        return
    if platform.get("sha256") != archive.sha256:
        problems.add("sha256", f"{where}: does not match {name} ({archive.sha256})")
    for member in archive.members:
        if member.kind not in {"file", "dir"}:
            problems.add("archive", f"{name}: {member.name} is a {member.kind}; krew refuses it")
        if ".." in member.name or member.name.startswith(("/", "\\")):
            problems.add("archive", f"{name}: krew refuses the path {member.name!r}")
    rules = platform.get("files") or [{"from": "*", "to": "."}]
    if not isinstance(rules, list) or not all(_is_file_rule(r) for r in rules):
        return  # reported by _check_platform; nothing can be said of what would be installed
    installed = _installed(archive.members, rules)
    binary = installed.get(str(PurePosixPath(str(platform.get("bin", "")))))
    if binary is None or binary.kind != "file":
        problems.add("bin", f"{where}: {platform.get('bin')} is not installed from {name}")
    elif not binary.executable and "windows" not in _basename(name):
        problems.add("bin", f"{where}: {platform.get('bin')} is not executable in {name}")
    _check_completion(platform, installed, plugin, where, name, problems)
    if not any(
        PurePosixPath(path).name.lower() in LICENSE_NAMES and member.kind == "file"
        for path, member in installed.items()
    ):
        problems.add("license", f"{where}: no LICENSE file is installed from {name}")


def _check_completion(
    platform: dict[str, Any],
    installed: dict[str, Member],
    plugin: str,
    where: str,
    name: str,
    problems: Problems,
) -> None:
    """Ours, not krew-index's: kubectl 1.26+ completes `kubectl PLUGIN <TAB>` only through a
    `kubectl_complete-PLUGIN` on PATH, so each platform must install one beside `bin`, for the
    caveats' link to point at (`.cmd` on Windows, which has no executable bit)."""
    script = PurePosixPath(str(platform.get("bin", ""))).parent / f"kubectl_complete-{plugin}"
    windows = "windows" in _basename(name)
    found = installed.get(f"{script}.cmd" if windows else str(script))
    if found is None or found.kind != "file":
        problems.add("completion", f"{where}: {script} is not installed from {name}")
    elif not found.executable and not windows:
        problems.add("completion", f"{where}: {script} is not executable in {name}")


def _installed(members: Iterable[Member], rules: list[dict[str, str]]) -> dict[str, Member]:
    """Where krew's `files` rules put each archive member: {installed path: member}.

    krew globs `from` one path segment per pattern segment (Go's filepath.Glob) and moves each
    match, folders whole, into `to`.
    """
    members = list(members)
    paths = {m.name.rstrip("/"): m for m in members} | {
        parent: Member(parent, "dir") for m in members for parent in _parents(m.name)
    }
    placed: dict[str, Member] = {}
    for rule in rules:
        pattern = PurePosixPath(str(rule["from"])).parts
        target = PurePosixPath(str(rule["to"]))
        for match in [p for p in paths if _glob(pattern, PurePosixPath(p).parts)]:
            base = target / PurePosixPath(match).name
            for path, member in paths.items():
                if path == match or path.startswith(match + "/"):
                    placed[str(base / path[len(match) :].lstrip("/"))] = member
    return placed


def _parents(name: str) -> Iterator[str]:
    parts = PurePosixPath(name.rstrip("/")).parts
    for end in range(1, len(parts)):
        yield str(PurePosixPath(*parts[:end]))


def _glob(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    return len(pattern) == len(parts) and all(
        fnmatch.fnmatchcase(part, segment) for segment, part in zip(pattern, parts, strict=True)
    )


def read_archive(path: Path) -> Archive:
    """The archive's digest and entries, opened the way krew opens it: by its first bytes."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SystemExit(f"error: {path}: {error.strerror}") from error
    digest = hashlib.sha256(data).hexdigest()
    try:
        if data.startswith(b"PK\x03\x04"):
            return Archive(path, digest, tuple(_zip_members(path)))
        if data.startswith(b"\x1f\x8b\x08"):
            return Archive(path, digest, tuple(_tar_members(path)))
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as error:
        return Archive(path, digest, None, f"cannot be read: {error}")
    return Archive(path, digest, None, "krew opens only zip and gzip-compressed tar archives")


def _tar_members(path: Path) -> Iterator[Member]:
    with tarfile.open(path, "r:gz") as tar:
        for info in tar:
            kind = "file" if info.isreg() else "dir" if info.isdir() else _tar_kind(info)
            yield Member(info.name, kind, bool(info.mode & 0o111))


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    return f"tar entry of type {info.type!r}"


def _zip_members(path: Path) -> Iterator[Member]:
    with zipfile.ZipFile(path) as zip_:
        for info in zip_.infolist():
            mode = info.external_attr >> 16
            kind = "symlink" if stat.S_ISLNK(mode) else "dir" if info.is_dir() else "file"
            yield Member(info.filename, kind, bool(mode & 0o111))


if __name__ == "__main__":
    sys.exit(main())
