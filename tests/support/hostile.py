"""Cluster values written by someone else, and what a reader must see of them.

Real upstream manifests (examples/cluster-vN and tests/data/kinds/vN) are copied and changed to
carry rich markup, terminal escape sequences, bidi and other control characters, HTML, Markdown
and very long text in the fields that reach an output: names, namespaces, labels, annotations,
display names, descriptions, images, container and env names, taints, chart names. An offline
manifest can hold anything YAML can, and a live API server hands most of it back in labels,
annotations and descriptions. tests/render/test_hostile_values.py renders them through every
command and format.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubectl_datamodel import documents
from tests.support.paths import CLUSTER_V1, CLUSTER_V2, DATA, ROOT

# Rich markup, as a renderer that took text for markup would act on it.
MARKUP = (
    "[/x] [/] provider [link=https://evil.example]x[/link] [bold red]alarm[/bold red] "
    "versions[v1beta2]"
)
# SGR colour, an OSC 8 hyperlink, an 8-bit CSI (reverse video).
ESCAPES = "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x9b7m"
BIDI = "\u202eevil\u202c \u2066iso\u2069 \u2067\u2068"
# Other C0 and C1 controls, a carriage return that would rewrite the start of a row, a newline
# that would split one (SPLIT_AFTER is what would start the new line), a tab, a line separator.
SPLIT_AFTER = "secondline"
CONTROLS = f"bell\x07 bs\x08 del\x7f nel\x85 cr\rover first\n{SPLIT_AFTER} tab\tx ls\u2028y"
HTML = "<script>alert(1)</script> <img src=x onerror=alert(1)> &amp; \"q\" 'q'"
MARKDOWN = "| pipe | `tick` **bold** [a](javascript:alert(1)) <details>d</details> @admin #1"
HOSTILE = " ".join((MARKUP, ESCAPES, BIDI, CONTROLS, HTML, MARKDOWN))
LONG = "long-" + "x" * 5000 + "-end"
# A file's name can hold anything but a slash and NUL (in at most 255 bytes).
FILE_NAME = f"\x1b[31mred\x1b[0m \u202eevil\u202c [bold red]alarm first\n{SPLIT_AFTER}.yaml"
FILE_NAME_SHOWN = r"\x1b[31mred\x1b[0m \u202eevil\u202c [bold red]alarm first\nsecondline.yaml"

# How HOSTILE reads on a terminal, written out by hand: markup as it reads, every control and
# bidi character as an escape, on one line.
SHOWN = (
    "[/x] [/] provider [link=https://evil.example]x[/link] [bold red]alarm[/bold red] "
    "versions[v1beta2]",
    r"\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\link\x1b]8;;\x1b\ \x9b7m",
    r"\u202eevil\u202c \u2066iso\u2069 \u2067\u2068",
    r"bell\x07 bs\x08 del\x7f nel\x85 cr\rover first\nsecondline tab\tx ls\u2028y",
    HTML,
    MARKDOWN,
)

# What a terminal or a browser acts on rather than shows: C0 and C1 controls, bidi overrides
# and isolates and other format characters, line and paragraph separators.
ACTED_ON = {"Cc", "Cf", "Cs", "Zl", "Zp"}
SGR = re.compile(r"\x1b\[[0-9;]*m")  # a colour or a style: what our own coloured cells use


def hostile(tag: str) -> str:
    """A value that says which field it was put in, then everything hostile."""
    return f"{tag} {HOSTILE}"


def acted_on(text: str) -> list[str]:
    """The characters of ``text`` a terminal or browser would act on; the newlines that end
    its lines aside."""
    return sorted({ch for ch in text if ch != "\n" and unicodedata.category(ch) in ACTED_ON})


def split_rows(text: str) -> list[str]:
    """Lines that a newline inside a value started: they begin with what followed it."""
    return [line for line in text.splitlines() if line.lstrip().startswith(SPLIT_AFTER)]


def strings(document: Any) -> set[str]:
    """Every string in a parsed document, keys and values."""
    if isinstance(document, str):
        return {document}
    if isinstance(document, dict):
        return {k for k in document if isinstance(k, str)} | {
            s for value in document.values() for s in strings(value)
        }
    if isinstance(document, list):
        return {s for value in document for s in strings(value)}
    return set()


# -- the hostile cluster ------------------------------------------------------------------------

CONTEXT = hostile("context")
NOTES = hostile("notes")
NAMESPACE = hostile("namespace")
OPERATOR = hostile("operator")  # a Deployment's name; drift pairs operators by it
CSV_PACKAGE = hostile("csv")  # the CSVs are PACKAGE.v5.1.0 and PACKAGE.v5.2.0
RELEASE = hostile("release")  # a Helm release's name
CRD = hostile("crd")  # a CRD's name, though the API server wants PLURAL.GROUP
CRD_KIND = hostile("kind")
CHART = hostile("chart")


def csv_name(version: int) -> str:
    return f"{CSV_PACKAGE}.v5.{version}.0"


def write_cluster(folder: Path, version: int) -> Path:
    """State ``version`` (1 or 2) of the hostile cluster, as manifests in a new ``folder``: the
    grafana-operator CSV, cert-manager's Certificate CRD and the prometheus-operator Deployment
    of examples/cluster-vN, and the namespaces, nodes, ConfigMap and Helm release of
    tests/data/kinds/vN."""
    source = CLUSTER_V1 if version == 1 else CLUSTER_V2
    folder.mkdir(parents=True)
    changes: list[tuple[Path, Callable[[dict[str, Any], int], None]]] = [
        (source / "olm/csvs/grafana-operator.clusterserviceversion.yaml", _csv),
        (source / "crds/cert-manager/certificates.cert-manager.io.yaml", _crd),
        (source / "operators/prometheus-operator/prometheus-operator-deployment.yaml", _operator),
        (DATA / f"kinds/v{version}/cluster.yaml", _kinds),
        (DATA / f"kinds/v{version}/helm.yaml", _helm_storage),
    ]
    for path, change in changes:
        _copy(path, folder, change, version)
    return folder


def _copy(
    path: Path, folder: Path, change: Callable[[dict[str, Any], int], None], version: int
) -> None:
    """``path``'s documents, changed, written under ``folder`` with a note of where from (the
    provenance of every upstream file is in examples/README.md and tests/data/README.md)."""
    changed = []
    for document in documents.read_all(path):
        if document is not None:
            copied = copy.deepcopy(document)
            change(copied, version)
            changed.append(copied)
    with (folder / path.name).open("w", encoding="utf-8") as stream:
        stream.write(f"# {path.relative_to(ROOT)}, changed by tests/support/hostile.py\n")
        for document in changed:
            stream.write("---\n")
            documents.dump_yaml(document, stream)


def _tag(mapping: dict[str, Any], tag: str) -> None:
    mapping[f"hostile.example/{tag}"] = hostile(tag)


def _csv(csv: dict[str, Any], version: int) -> None:
    metadata, spec = csv["metadata"], csv["spec"]
    metadata["name"] = csv_name(version)
    metadata["namespace"] = NAMESPACE
    _tag(metadata.setdefault("labels", {}), "csv-label")
    _tag(metadata["annotations"], "csv-annotation")
    metadata["annotations"]["description"] = hostile(f"csv-description-v{version}")
    spec["displayName"] = hostile("display-name")
    spec["provider"] = {"name": hostile("provider")}
    spec["version"] = f"5.{version}.0"
    spec["replaces"] = csv_name(1) if version == 2 else hostile("replaces")
    spec["skips"] = [hostile("skips")]


def _crd(crd: dict[str, Any], version: int) -> None:
    metadata, spec = crd["metadata"], crd["spec"]
    metadata["name"] = CRD
    _tag(metadata.setdefault("labels", {}), "crd-label")
    _tag(metadata.setdefault("annotations", {}), "crd-annotation")
    spec["names"]["kind"] = CRD_KIND
    for served in spec["versions"]:
        schema = served["schema"]["openAPIV3Schema"]
        schema["description"] = hostile(f"crd-description-v{version}")
        properties = schema["properties"]["spec"]["properties"]
        properties[hostile("property")] = {"type": "string", "description": hostile("about")}
    if version == 2:
        spec["versions"][0]["deprecated"] = True
        spec["versions"][0]["deprecationWarning"] = hostile("deprecation-warning")


def _operator(deployment: dict[str, Any], version: int) -> None:
    """The Deployment, installed by the Helm release and, in state 2, privileged."""
    metadata = deployment["metadata"]
    metadata["name"] = OPERATOR
    metadata["namespace"] = NAMESPACE
    _tag(metadata["labels"], "operator-label")
    metadata["labels"]["app.kubernetes.io/version"] = f"0.{version}.0 {MARKUP}"
    metadata["labels"]["helm.sh/chart"] = f"{CHART}-1.{version}.0"
    metadata["annotations"] = {
        "meta.helm.sh/release-name": RELEASE,
        "meta.helm.sh/release-namespace": NAMESPACE,
    }
    _tag(metadata["annotations"], "operator-annotation")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["name"] = hostile("container")
    container["image"] = f"quay.io/evil/{MARKUP}:v0.{version}.0"
    container["env"] = [{"name": hostile("env"), "value": hostile("env-value")}]
    if version == 2:
        container["securityContext"] = {"privileged": True}


def _kinds(listing: dict[str, Any], version: int) -> None:
    """Namespace team-a renamed, with its quota and limit range; nodes tainted and labelled;
    the ConfigMap's data."""
    for item in listing["items"]:
        metadata = item["metadata"]
        _tag(metadata.setdefault("labels", {}), f"{item['kind'].lower()}-label")
        if item["kind"] == "Namespace" and metadata["name"] == "team-a":
            metadata["name"] = NAMESPACE
            metadata["labels"]["hostile.example/long"] = f"{LONG}-v{version}"
        elif metadata.get("namespace") == "team-a":
            metadata["namespace"] = NAMESPACE
        if item["kind"] == "Node":
            taint = {"key": hostile("taint"), "effect": f"NoSchedule {MARKUP}"}
            item["spec"].setdefault("taints", []).append(taint)
            item["status"]["nodeInfo"]["osImage"] = hostile(f"os-image-v{version}")
        elif item["kind"] == "ConfigMap":
            item["data"] = {hostile("configmap-key"): hostile(f"configmap-value-v{version}")}


def _helm_storage(secret: dict[str, Any], version: int) -> None:
    """The release Secrets of RELEASE in NAMESPACE; state 2's newest has a hostile status."""
    labels = secret["metadata"]["labels"]
    labels["name"] = RELEASE
    secret["metadata"]["namespace"] = NAMESPACE
    if version == 2 and labels["status"] == "deployed":
        labels["status"] = hostile("helm-status")
