"""Release archives and the krew manifest: what krew and krew-index will accept.

The PyInstaller build itself runs in .ci/run (it takes a minute); these tests pack stand-in
bundles with the real packer and check manifests with the real renderer, rule by rule.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from ruamel.yaml import YAML

from tests.support.paths import ROOT

EPOCH = 1_700_000_000
TARGETS = [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")]
WINDOWS = ("windows", "amd64")
COMPLETION = "kubectl-datamodel/kubectl_complete-datamodel"  # kubectl 1.26+ runs it from PATH


def load_script(name: str) -> ModuleType:
    """A script in scripts/ as a module (their names are commands, with dashes)."""
    module_name = name.replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


build = load_script("build-binary")
render = load_script("render-krew-manifest")


def make_bundle(folder: Path, executable: str = "kubectl-datamodel") -> Path:
    """A stand-in for PyInstaller's onedir output, with a link as PyInstaller makes on POSIX."""
    internal = folder / "_internal"
    internal.mkdir(parents=True)
    (folder / executable).write_bytes(b"#!/bin/sh\necho frozen\n")
    (folder / executable).chmod(0o755)
    (internal / "libpython3.so").write_bytes(b"\x7fELF library")
    (internal / "libpython3.so").chmod(0o755)
    (internal / "base_library.zip").write_bytes(b"PK modules")
    (internal / "libpython3.so.1").symlink_to("libpython3.so")
    build.add_completion_script(folder, "windows" if executable.endswith(".exe") else "linux")
    return folder


def pack(bundle: Path, out: Path, os_name: str, arch: str) -> Path:
    name = build.archive_name("0.1.0", os_name, arch)
    return build.pack(bundle, ROOT / "LICENSE", out, name, EPOCH)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return make_bundle(tmp_path / "bundle" / "kubectl-datamodel")


@pytest.fixture
def archives(tmp_path: Path, bundle: Path) -> list[Path]:
    """The five release archives of one version."""
    out = tmp_path / "dist"
    packed = [pack(bundle, out, os_name, arch) for os_name, arch in TARGETS]
    windows = make_bundle(tmp_path / "windows" / "kubectl-datamodel", "kubectl-datamodel.exe")
    return [*packed, pack(windows, out, *WINDOWS)]


def tar_names(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return tar.getnames()


# -- the archive ------------------------------------------------------------------------


def test_the_archive_holds_one_folder_with_the_executable_its_files_and_licence(bundle, tmp_path):
    archive = pack(bundle, tmp_path / "dist", "linux", "amd64")
    assert archive.name == "kubectl-datamodel_0.1.0_linux_amd64.tar.gz"
    assert tar_names(archive) == [
        "kubectl-datamodel",
        "kubectl-datamodel/LICENSE",
        "kubectl-datamodel/_internal",
        "kubectl-datamodel/_internal/base_library.zip",
        "kubectl-datamodel/_internal/libpython3.so",
        "kubectl-datamodel/_internal/libpython3.so.1",
        "kubectl-datamodel/kubectl-datamodel",
        "kubectl-datamodel/kubectl_complete-datamodel",
    ]
    with tarfile.open(archive) as tar:
        licence = tar.extractfile("kubectl-datamodel/LICENSE")
        assert licence is not None and licence.read() == (ROOT / "LICENSE").read_bytes()


def test_the_completion_script_answers_kubectl_through_the_plugin_on_path(bundle, tmp_path):
    """The archive's kubectl_complete-datamodel, linked anywhere on PATH as the caveats say,
    with the plugin on PATH (here the one under test, not a frozen one): kubectl's question
    gets Cobra's answer. With the real kubectl, kubectl itself asks."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl_complete-datamodel").symlink_to(bundle / "kubectl_complete-datamodel")
    env = {
        **os.environ,
        "PATH": os.pathsep.join(
            [str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]]
        ),
    }
    asked = [str(bin_dir / "kubectl_complete-datamodel"), "database", "l"]
    answer = subprocess.run(asked, capture_output=True, text=True, env=env, check=True).stdout
    assert answer.splitlines()[0].startswith("list") and answer.splitlines()[-1] == ":4"
    kubectl = shutil.which("kubectl")
    if kubectl:
        asked = [kubectl, "__complete", "datamodel", "database", "l"]
        answer = subprocess.run(asked, capture_output=True, text=True, env=env, check=True).stdout
        assert answer.splitlines()[0].startswith("list")


def test_links_are_stored_as_the_files_they_point_to(bundle, tmp_path):
    """krew refuses tar archives holding links."""
    with tarfile.open(pack(bundle, tmp_path, "linux", "amd64")) as tar:
        assert all(m.isreg() or m.isdir() for m in tar.getmembers())
        link = tar.extractfile("kubectl-datamodel/_internal/libpython3.so.1")
        assert link is not None and link.read() == b"\x7fELF library"


def test_entries_are_owned_by_root_dated_by_the_epoch_with_normalised_modes(bundle, tmp_path):
    (bundle / "_internal" / "base_library.zip").chmod(0o600)  # a build machine's umask
    with tarfile.open(pack(bundle, tmp_path, "linux", "amd64")) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members.values()} == {
        (0, 0, "", "", EPOCH)
    }
    assert members["kubectl-datamodel/kubectl-datamodel"].mode == 0o755
    assert members["kubectl-datamodel/_internal"].mode == 0o755
    assert members["kubectl-datamodel/_internal/base_library.zip"].mode == 0o644


def test_two_packs_of_the_same_bundle_are_byte_identical(bundle, tmp_path):
    first = pack(bundle, tmp_path / "first", "linux", "amd64")
    for path in bundle.rglob("*"):  # a second build writes the same files at another time
        if not path.is_symlink():
            path.touch()
    second = pack(bundle, tmp_path / "second", "linux", "amd64")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == EPOCH.to_bytes(4, "little")  # gzip's own timestamp


def test_a_link_out_of_the_bundle_is_refused(bundle, tmp_path):
    (tmp_path / "secret").write_text("from the build machine")
    (bundle / "_internal" / "stray").symlink_to(tmp_path / "secret")
    with pytest.raises(build.BuildError, match="stray links outside the bundle"):
        pack(bundle, tmp_path / "dist", "linux", "amd64")
    assert not (tmp_path / "dist").exists()  # no archive, not even a partial one


def test_the_windows_archive_is_a_zip_with_unix_modes_and_the_epoch_date(tmp_path):
    bundle = make_bundle(tmp_path / "kubectl-datamodel", "kubectl-datamodel.exe")
    archive = pack(bundle, tmp_path / "dist", *WINDOWS)
    assert archive.name == "kubectl-datamodel_0.1.0_windows_amd64.zip"
    with zipfile.ZipFile(archive) as zip_:
        infos = {i.filename: i for i in zip_.infolist()}
    exe = infos["kubectl-datamodel/kubectl-datamodel.exe"]
    assert stat.S_IMODE(exe.external_attr >> 16) == 0o755
    assert stat.S_ISDIR(infos["kubectl-datamodel/_internal/"].external_attr >> 16)
    assert {i.date_time for i in infos.values()} == {(2023, 11, 14, 22, 13, 20)}


@pytest.mark.parametrize(
    ("system", "machine", "expected"),
    [("Linux", "x86_64", ("linux", "amd64")), ("Darwin", "arm64", ("darwin", "arm64")),
     ("Windows", "AMD64", ("windows", "amd64")), ("Linux", "aarch64", ("linux", "arm64"))],
)  # fmt: skip
def test_platforms_are_named_as_krew_selects_them(monkeypatch, system, machine, expected):
    monkeypatch.setattr(build.platform, "system", lambda: system)
    monkeypatch.setattr(build.platform, "machine", lambda: machine)
    assert build.platform_name() == expected


def test_an_unsupported_platform_is_named(monkeypatch):
    monkeypatch.setattr(build.platform, "system", lambda: "Linux")
    monkeypatch.setattr(build.platform, "machine", lambda: "s390x")
    with pytest.raises(build.BuildError, match="no release is built for linux/s390x"):
        build.platform_name()


# -- the manifest -----------------------------------------------------------------------


def run_render(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    status = render.main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def read_yaml(path: Path) -> dict:
    return YAML(typ="safe").load(path)


@pytest.fixture
def manifest(tmp_path, archives, capsys) -> Path:
    """datamodel.yaml rendered for v0.1.0 and the five archives."""
    out = tmp_path / "out" / "datamodel.yaml"
    status, _, err = run_render(capsys, "--version", "v0.1.0", "--out", out, *archives)
    assert status == 0, err
    return out


def test_rendering_fills_the_version_uris_and_real_digests(manifest, archives):
    document = read_yaml(manifest)
    assert document["spec"]["version"] == "v0.1.0"
    platforms = document["spec"]["platforms"]
    assert [tuple(p["selector"]["matchLabels"].values()) for p in platforms] == [
        *TARGETS,
        WINDOWS,
    ]
    release = "https://github.com/kubectl-datamodel/kubectl-datamodel/releases/download/v0.1.0/"
    for platform, archive in zip(platforms, archives, strict=True):
        assert platform["uri"] == release + archive.name
        assert platform["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    text = manifest.read_text()
    assert not re.search(r"\{(tag|version|sha256)\}", text)  # every placeholder filled
    # the caveats' link into krew's store names the installed version
    assert f'store/datamodel/v0.1.0/{COMPLETION}" ' in document["spec"]["caveats"]
    assert not text.startswith("#")  # the template's note on templating is not published


def test_the_template_reads_well_in_krew_search_and_says_where_the_database_lives():
    template = render._load_template(ROOT / "krew-manifest.yaml")
    spec = template["spec"]
    assert template["metadata"]["name"] == "datamodel"
    assert len(spec["shortDescription"]) <= 50
    assert "~/.k8s-inventory/inventory.db" in spec["caveats"]
    assert spec["homepage"].startswith("https://github.com/")


def test_the_rendered_manifest_checks_clean(manifest, archives, capsys):
    status, out, err = run_render(capsys, "--check", manifest, *archives)
    assert (status, err) == (0, "")
    assert out == f"{manifest}: valid (5 platforms)\n"


def test_partial_leaves_out_the_platforms_not_built(tmp_path, archives, capsys):
    out = tmp_path / "datamodel.yaml"
    status, stdout, err = run_render(
        capsys, "--version", "v0.1.0", "--partial", "--out", out, archives[0]
    )
    assert status == 0
    assert stdout == f"wrote {out} (1 platform)\n"
    assert err.count("note: --partial: left out") == 4
    assert len(read_yaml(out)["spec"]["platforms"]) == 1


def test_a_missing_archive_fails_and_writes_nothing(tmp_path, archives, capsys):
    out = tmp_path / "datamodel.yaml"
    status, _, err = run_render(capsys, "--version", "v0.1.0", "--out", out, *archives[:4])
    assert status == 1
    assert "archive: platform windows/amd64: no archive given for https://" in err
    assert not out.exists()
    assert list(tmp_path.glob("*.partial")) == []


def test_a_version_without_v_is_refused_before_anything_is_written(tmp_path, archives, capsys):
    out = tmp_path / "datamodel.yaml"
    status, _, err = run_render(capsys, "--version", "0.1.0", "--out", out, *archives)
    assert status == 1
    assert f"error: {out}: version: '0.1.0' must be a semantic version with a 'v'" in err
    assert not out.exists()


def edit(manifest: Path, change) -> Path:
    """The manifest with one change made, written back under its own name."""
    yaml = YAML()
    document = yaml.load(manifest)
    change(document)
    yaml.dump(document, manifest)
    return manifest


def platform(index: int):
    return lambda d: d["spec"]["platforms"][index]


def set_in(getter, key, value):
    def change(document):
        getter(document)[key] = value

    return change


SPEC = lambda d: d["spec"]  # noqa: E731 - a path into the document, read as data
LABELS = lambda index: lambda d: d["spec"]["platforms"][index]["selector"]["matchLabels"]  # noqa: E731

BROKEN_MANIFESTS = {
    "apiVersion": (
        set_in(lambda d: d, "apiVersion", "krew.googlecontainertools.github.com/v1alpha1"),
        "must be krew.googlecontainertools.github.com/v1alpha2",
    ),
    "kind": (set_in(lambda d: d, "kind", "Plugins"), "must be Plugin, not 'Plugins'"),
    "name": (set_in(lambda d: d["metadata"], "name", "data model"), "'data model' must be"),
    "windows device name": (set_in(lambda d: d["metadata"], "name", "CON"), "'CON' must be"),
    "version without v": (set_in(SPEC, "version", "0.1.0"), "'0.1.0' must be a semantic"),
    "version not semver": (set_in(SPEC, "version", "v0.1"), "'v0.1' must be a semantic"),
    "short description too long": (
        set_in(SPEC, "shortDescription", "Snapshot CRDs, operators and OLM CSVs; report drift"),
        "shortDescription: 51 characters; krew search shows 50",
    ),
    "short description on two lines": (
        set_in(SPEC, "shortDescription", "Snapshot\nCRDs"),
        "shortDescription: must be one non-empty line",
    ),
    "no platforms": (set_in(SPEC, "platforms", []), "platforms: at least one platform"),
    "uppercase sha256": (
        lambda d: platform(0)(d).update(sha256=platform(0)(d)["sha256"].upper()),
        "sha256: platform linux/amd64: '",
    ),
    "another archive's sha256": (
        lambda d: platform(0)(d).update(sha256=platform(4)(d)["sha256"]),
        "sha256: platform linux/amd64: does not match kubectl-datamodel_0.1.0_linux_amd64.tar.gz",
    ),
    "unfilled uri": (
        set_in(platform(0), "uri", "https://example.com/{tag}/kubectl-datamodel.tar.gz"),
        "uri: platform linux/amd64: 'https://example.com/{tag}/kubectl-datamodel.tar.gz'",
    ),
    "selector on another key": (
        set_in(LABELS(0), "distro", "debian"),
        "only os and arch may be selected on, not ['distro']",
    ),
    "empty selector": (
        set_in(platform(0), "selector", {}),
        "selector: platforms[0]: selector is missing",
    ),
    "two platforms for one os/arch": (
        set_in(LABELS(1), "arch", "amd64"),
        "selector: linux/amd64 is matched by platforms [0, 1]; only one may",
    ),
    "a platform krew does not know": (
        set_in(LABELS(0), "os", "plan9"),
        "selector: platforms[0] matches no os/arch krew knows",
    ),
    "bin not in the archive": (
        set_in(platform(0), "bin", "kubectl-datamodel/kubectl-dm"),
        "bin: platform linux/amd64: kubectl-datamodel/kubectl-dm is not installed from",
    ),
    "files leaving the licence behind": (
        set_in(platform(0), "files", [{"from": "kubectl-datamodel/kubectl-datamodel", "to": "."}]),
        "license: platform linux/amd64: no LICENSE file is installed from",
    ),
    "files leaving the completion script behind": (
        lambda d: platform(0)(d)["files"].pop(1),
        f"completion: platform linux/amd64: {COMPLETION} is not installed from",
    ),
    "files without to": (
        set_in(platform(0), "files", [{"from": "*"}]),
        "files: platform linux/amd64: files must be a non-empty list of {from, to}",
    ),
}


@pytest.mark.parametrize("case", BROKEN_MANIFESTS)
def test_each_broken_manifest_rule_is_named(manifest, archives, capsys, case):
    change, message = BROKEN_MANIFESTS[case]
    status, out, err = run_render(capsys, "--check", edit(manifest, change), *archives)
    assert (status, out) == (1, "")
    assert err.startswith(f"error: {manifest}: ")
    assert message in err


def test_the_file_must_be_named_after_the_plugin(manifest, archives, capsys):
    renamed = manifest.rename(manifest.with_name("kubectl-datamodel.yaml"))
    status, _, err = run_render(capsys, "--check", renamed, *archives)
    assert status == 1
    assert "file name: krew-index requires the manifest be named datamodel.yaml" in err


def craft_tar(path: Path, members: list[tuple[str, bytes | str | None, int]]) -> Path:
    """A tar.gz of (name, data, mode): bytes for a file, str for a symlink, None for a folder."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data, mode in members:
            info = tarfile.TarInfo(name)
            info.mode = mode
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif isinstance(data, str):
                info.type, info.linkname = tarfile.SYMTYPE, data
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


GOOD_MEMBERS = [
    ("kubectl-datamodel", None, 0o755),
    ("kubectl-datamodel/LICENSE", b"Apache License", 0o644),
    ("kubectl-datamodel/kubectl-datamodel", b"binary", 0o755),
    (COMPLETION, b"#!/bin/sh\n", 0o755),
]
BROKEN_ARCHIVES = {
    "no licence": (
        [m for m in GOOD_MEMBERS if not m[0].endswith("LICENSE")],
        "license: platform linux/amd64: no LICENSE file",
    ),
    "no completion script": (
        GOOD_MEMBERS[:3],
        f"completion: platform linux/amd64: {COMPLETION} is not installed from",
    ),
    "a completion script without its x bit": (
        [*GOOD_MEMBERS[:3], (COMPLETION, b"#!/bin/sh\n", 0o644)],
        f"completion: platform linux/amd64: {COMPLETION} is not executable",
    ),
    "a symlink": (
        [*GOOD_MEMBERS, ("kubectl-datamodel/lib.so", "lib.so.1", 0o777)],
        "kubectl-datamodel/lib.so is a symlink; krew refuses it",
    ),
    "a path with ..": (
        [*GOOD_MEMBERS, ("kubectl-datamodel/../evil", b"x", 0o644)],
        "krew refuses the path 'kubectl-datamodel/../evil'",
    ),
    "an executable without its x bit": (
        [
            *GOOD_MEMBERS[:2],
            ("kubectl-datamodel/kubectl-datamodel", b"binary", 0o644),
            GOOD_MEMBERS[3],
        ],
        "bin: platform linux/amd64: kubectl-datamodel/kubectl-datamodel is not executable",
    ),
    "the executable as a folder": (
        [*GOOD_MEMBERS[:2], ("kubectl-datamodel/kubectl-datamodel", None, 0o755), GOOD_MEMBERS[3]],
        "kubectl-datamodel/kubectl-datamodel is not installed from",
    ),
}


@pytest.mark.parametrize("case", BROKEN_ARCHIVES)
def test_each_broken_archive_rule_is_named(tmp_path, manifest, archives, capsys, case):
    members, message = BROKEN_ARCHIVES[case]
    broken = craft_tar(tmp_path / archives[0].name, members)
    digest = hashlib.sha256(broken.read_bytes()).hexdigest()
    edit(manifest, set_in(platform(0), "sha256", digest))
    status, _, err = run_render(capsys, "--check", manifest, broken, *archives[1:])
    assert status == 1
    assert message in err
    assert err.count("\n") == 1, err  # only the rule broken, nothing else


def test_a_file_that_is_no_archive_is_named(tmp_path, manifest, archives, capsys):
    text = tmp_path / archives[0].name
    text.write_text("<html>Not Found</html>")
    status, _, err = run_render(capsys, "--check", manifest, text, *archives[1:])
    assert status == 1
    assert "archive: kubectl-datamodel_0.1.0_linux_amd64.tar.gz: krew opens only zip" in err


def test_an_archive_no_platform_names_is_refused(tmp_path, manifest, archives, bundle, capsys):
    stray = pack(bundle, tmp_path / "stray", "linux", "ppc64le")
    status, _, err = run_render(capsys, "--check", manifest, *archives, stray)
    assert status == 1
    assert f"archive: {stray.name} is not named by any platform's uri" in err


def test_the_script_fails_with_error_lines_and_no_traceback(manifest, archives):
    edit(manifest, set_in(lambda d: d, "kind", "Plugins"))
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render-krew-manifest.py"), "--check",
         str(manifest), *map(str, archives)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == f"error: {manifest}: kind: must be Plugin, not 'Plugins'\n"


def test_a_manifest_that_is_not_yaml_is_named_with_its_line(tmp_path, archives, capsys):
    broken = tmp_path / "datamodel.yaml"
    broken.write_text("apiVersion: [\n")
    status, _, err = run_render(capsys, "--check", broken, *archives)
    assert status == 1
    assert err.startswith(f"error: {broken}: yaml: cannot read: ")
    assert "line 2, column 1" in err
