"""manifests.read(): what a user's manifest files turn into, and how bad input is reported."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from kubectl_datamodel import errors
from kubectl_datamodel.capture import files as manifests
from tests.support.paths import CERT_MANAGER_BUNDLE, CLUSTER_V1, CORPUS

CERTIFICATES_CRD = CLUSTER_V1 / "crds" / "cert-manager" / "certificates.cert-manager.io.yaml"
ALERTMANAGERCONFIGS_CRD = (
    CLUSTER_V1 / "crds" / "prometheus-operator" / "monitoring.coreos.com_alertmanagerconfigs.yaml"
)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def config_map(name: str, namespace: str | None = None) -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}"]
    if namespace:
        lines.append(f"  namespace: {namespace}")
    return "\n".join(lines) + "\n"


def names(result: manifests.ManifestSet) -> list[str]:
    return [s.obj["metadata"]["name"] for s in result.objects]


def load_one(path: Path) -> dict:
    (source,) = manifests.read(files=[path]).objects
    return source.obj


# --- shapes of input -------------------------------------------------------------------------


def test_reads_every_document_of_a_multi_document_file(tmp_path: Path) -> None:
    path = write(tmp_path / "all.yaml", "---\n".join(config_map(n) for n in ("a", "b", "c")))

    result = manifests.read(files=[path])

    assert names(result) == ["a", "b", "c"]
    assert [s.origin.document for s in result.objects] == [1, 2, 3]
    assert result.warnings == []


def test_kind_list_items_keep_their_own_api_version_and_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path / "list.yaml",
        """\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
""",
    )

    result = manifests.read(files=[path])

    assert [(s.obj["apiVersion"], s.obj["kind"]) for s in result.objects] == [
        ("apps/v1", "Deployment"),
        ("v1", "Service"),
    ]


def test_raw_api_list_items_get_the_list_api_version_and_item_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path / "crds.yaml",
        """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinitionList
metadata: {resourceVersion: "123"}
items:
- metadata: {name: widgets.example.com}
  spec: {group: example.com}
- metadata: {name: gadgets.example.com}
  spec: {group: example.com}
""",
    )

    result = manifests.read(files=[path])

    assert [
        (s.obj["apiVersion"], s.obj["kind"], s.obj["metadata"]["name"]) for s in result.objects
    ] == [
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition", "gadgets.example.com"),
    ]


def test_json_file_gives_the_same_object_as_its_yaml(tmp_path: Path) -> None:
    from_yaml = load_one(CERTIFICATES_CRD)
    path = write(tmp_path / "certificates.json", json.dumps(from_yaml, indent=2))

    assert load_one(path) == from_yaml


def test_raw_api_list_in_json_is_expanded(tmp_path: Path) -> None:
    crd = load_one(CERTIFICATES_CRD)
    item = {k: v for k, v in crd.items() if k not in ("apiVersion", "kind")}
    listing = {"apiVersion": crd["apiVersion"], "kind": "CustomResourceDefinitionList"}
    path = write(tmp_path / "crds.json", json.dumps({**listing, "items": [item]}))

    assert load_one(path) == crd


# --- YAML read the way Kubernetes reads it ---------------------------------------------------


def test_bare_equals_enum_value_is_the_string_equals() -> None:
    crd = load_one(ALERTMANAGERCONFIGS_CRD)

    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    source_match = schema["properties"]["spec"]["properties"]["inhibitRules"]["items"][
        "properties"
    ]["sourceMatch"]
    enum = source_match["items"]["properties"]["matchType"]["enum"]
    assert enum == ["!=", "=", "=~", "!~"]


def test_unquoted_timestamp_stays_a_string(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cm.yaml",
        config_map("a") + "  creationTimestamp: 2024-01-02T03:04:05Z\ndata:\n  day: 2024-01-02\n",
    )

    obj = load_one(path)

    assert obj["metadata"]["creationTimestamp"] == "2024-01-02T03:04:05Z"
    assert obj["data"]["day"] == "2024-01-02"


def test_leading_zero_integer_is_octal_as_kubernetes_reads_it(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pod.yaml",
        """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  volumes:
  - name: tls
    secret: {secretName: web-tls, defaultMode: 0644}
""",
    )

    assert load_one(path)["spec"]["volumes"][0]["secret"]["defaultMode"] == 0o644


def test_scalars_resolve_as_go_yaml_v2_does(tmp_path: Path) -> None:
    """Booleans by YAML 1.1 rules, keys as JSON strings, and no base-60 numbers."""
    path = write(
        tmp_path / "cm.yaml",
        config_map("a") + "data:\n  on: yes\n  at: 12:30\n  ratio: 1.5\n  count: 10\n",
    )

    assert load_one(path)["data"] == {"true": True, "at": "12:30", "ratio": 1.5, "count": 10}


# --- unreadable input ------------------------------------------------------------------------


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    # The second document's line 10 (`bad: x: y`) is the problem.
    path = write(
        tmp_path / "bad.yaml", config_map("a") + "---\n" + config_map("b") + "  bad: x: y\n"
    )

    with pytest.raises(errors.ManifestError) as caught:
        manifests.read(files=[path])

    assert str(caught.value).startswith(f"{path}:10:")
    assert "malformed YAML" in str(caught.value)


def test_malformed_yaml_in_a_folder_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "a-good.yaml", config_map("a"))
    bad = write(tmp_path / "b-bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n   x: [1\n")

    with pytest.raises(errors.ManifestError, match=f"^{re.escape(str(bad))}:"):
        manifests.read(dirs=[tmp_path])


def test_malformed_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.json",
        '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "a",}\n}\n',
    )

    with pytest.raises(errors.ManifestError) as caught:
        manifests.read(files=[path])

    assert str(caught.value).startswith(f"{path}:4:28: malformed JSON")


def test_non_utf8_file_is_a_manifest_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.yaml", config_map("caf\xe9").encode("latin-1"))

    with pytest.raises(errors.ManifestError) as caught:
        manifests.read(files=[path])

    assert str(path) in str(caught.value)
    assert "UTF-8" in str(caught.value)


# --- warnings --------------------------------------------------------------------------------


def test_non_object_documents_give_one_warning_naming_the_file_and_count(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mixed.yaml",
        config_map("a") + "---\njust a string\n---\nfoo: bar\n---\n" + config_map("b"),
    )

    result = manifests.read(files=[path])

    assert names(result) == ["a", "b"]
    assert len(result.warnings) == 1
    assert str(path) in result.warnings[0]
    assert "skipped 2 document(s)" in result.warnings[0]


def test_bundle_metadata_annotations_is_skipped_with_a_warning() -> None:
    result = manifests.read(dirs=[CERT_MANAGER_BUNDLE])

    assert result.warnings == [
        f"{CERT_MANAGER_BUNDLE / 'metadata' / 'annotations.yaml'}: "
        "skipped 1 document(s) that are not Kubernetes objects"
    ]
    assert "ClusterServiceVersion" in {s.obj["kind"] for s in result.objects}


def test_empty_documents_give_no_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sparse.yaml",
        "---\n---\n# only a comment\n---\n" + config_map("a") + "---\n---\n",
    )

    result = manifests.read(files=[path])

    assert names(result) == ["a"]
    assert result.warnings == []


# --- what is read at all ---------------------------------------------------------------------


def test_input_without_kubernetes_objects_raises_no_objects_error(tmp_path: Path) -> None:
    write(tmp_path / "values.yaml", "replicaCount: 1\nimage: {tag: latest}\n")

    with pytest.raises(errors.NoObjectsError, match="no Kubernetes objects"):
        manifests.read(dirs=[tmp_path])


def test_empty_folder_raises_no_objects_error(tmp_path: Path) -> None:
    with pytest.raises(errors.NoObjectsError):
        manifests.read(dirs=[tmp_path])


def test_missing_from_dir_is_a_manifest_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"

    with pytest.raises(errors.ManifestError, match="no such directory") as caught:
        manifests.read(dirs=[missing])

    assert str(missing) in str(caught.value)


def test_from_file_pointing_at_a_directory_is_a_manifest_error(tmp_path: Path) -> None:
    write(tmp_path / "cm.yaml", config_map("a"))

    with pytest.raises(errors.ManifestError, match="is a directory"):
        manifests.read(files=[tmp_path])


def test_hidden_directories_are_not_read(tmp_path: Path) -> None:
    write(tmp_path / "visible" / "cm.yaml", config_map("visible"))
    write(tmp_path / ".git" / "cm.yaml", config_map("in-git"))
    write(tmp_path / "visible" / ".cache" / "cm.yaml", config_map("in-cache"))

    result = manifests.read(dirs=[tmp_path])

    assert names(result) == ["visible"]
    assert result.files == [str(tmp_path / "visible" / "cm.yaml")]


def test_only_yaml_yml_and_json_files_are_read(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", config_map("from-yaml"))
    write(tmp_path / "b.yml", config_map("from-yml"))
    write(tmp_path / "c.json", json.dumps({**load_one(CERTIFICATES_CRD)}))
    write(tmp_path / "d.txt", config_map("from-txt"))
    write(tmp_path / "e.yaml.bak", config_map("from-bak"))

    result = manifests.read(dirs=[tmp_path])

    assert sorted(names(result)) == ["certificates.cert-manager.io", "from-yaml", "from-yml"]


# --- duplicates ------------------------------------------------------------------------------


def test_duplicate_object_keeps_the_later_file_and_warns_naming_both(tmp_path: Path) -> None:
    first = write(tmp_path / "a.yaml", config_map("settings", "shop") + "data: {v: old}\n")
    second = write(tmp_path / "b.yaml", config_map("settings", "shop") + "data: {v: new}\n")

    result = manifests.read(dirs=[tmp_path])

    assert [s.obj["data"] for s in result.objects] == [{"v": "new"}]
    assert len(result.warnings) == 1
    assert str(first) in result.warnings[0]
    assert str(second) in result.warnings[0]
    assert "shop/settings" in result.warnings[0]


def test_same_name_in_other_namespace_or_kind_is_not_a_duplicate(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", config_map("settings", "shop"))
    write(tmp_path / "b.yaml", config_map("settings", "billing"))
    write(tmp_path / "c.yaml", config_map("settings", "shop").replace("ConfigMap", "Secret"))

    result = manifests.read(dirs=[tmp_path])

    assert len(result.objects) == 3
    assert result.warnings == []


# --- the shared corpus -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> manifests.ManifestSet:
    if not CORPUS.is_dir():
        message = f"shared corpus not found at {CORPUS}"
        if os.environ.get("KUBECTL_DATAMODEL_REQUIRE_CORPUS") == "1":
            pytest.fail(f"{message} (KUBECTL_DATAMODEL_REQUIRE_CORPUS=1)")
        pytest.skip(message)
    return manifests.read(dirs=[CORPUS])


def test_every_corpus_manifest_file_is_read(corpus: manifests.ManifestSet) -> None:
    on_disk = sorted(
        str(p) for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in manifests.SUFFIXES
    )

    assert sorted(corpus.files) == on_disk
    assert len(on_disk) > 400


def test_corpus_yields_its_crds_and_csvs(corpus: manifests.ManifestSet) -> None:
    kinds = [s.obj["kind"] for s in corpus.objects]
    # The corpus holds several releases of each project: a CRD read again from a later release
    # replaces the earlier one (with a warning), so count both to see every CRD document read.
    superseded_crds = [w for w in corpus.warnings if ": CustomResourceDefinition " in w]

    assert kinds.count("CustomResourceDefinition") + len(superseded_crds) >= 200
    assert kinds.count("ClusterServiceVersion") >= 10


def test_corpus_skips_only_files_that_are_not_kubernetes_objects(
    corpus: manifests.ManifestSet,
) -> None:
    skipped = [w for w in corpus.warnings if "that are not Kubernetes objects" in w]
    others = [w for w in corpus.warnings if w not in skipped]

    skipped_files = {Path(w.partition(": skipped ")[0]).relative_to(CORPUS) for w in skipped}
    assert skipped_files
    assert all(
        f.parts[0] == "discovery" or f.parts[-2:] == ("metadata", "annotations.yaml")
        for f in skipped_files
    ), sorted(skipped_files)
    assert all("also defined in" in w and "keeping the later one" in w for w in others), others
