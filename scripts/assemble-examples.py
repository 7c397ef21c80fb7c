#!/usr/bin/env python3
"""Assemble examples/cluster-v1 and examples/cluster-v2 from the shared corpus.

The examples are two states of one fictional cluster, built only from upstream files (copied
byte for byte) so that `kubectl datamodel` is shown on real data. The one derived file per
cluster, instances/alm-examples.yaml, is a `kind: List` (the shape of `kubectl get -o yaml`)
holding the example custom resources that upstream OLM bundles publish in their CSV's
`alm-examples` annotation, so that instance counts have something to count.

Run from the repository root:  python scripts/assemble-examples.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from ruamel.yaml import YAML

CLUSTERS = {
    "cluster-v1": {
        "crds": {
            "cert-manager": "v1.12.2",
            "prometheus-operator": "v0.63.0",
            "argo-cd": "v2.10.0",
            "external-secrets": "v0.15.1",
            "strimzi": "0.45.0",
            "gateway-api": "v0.8.1",
        },
        "operators": {
            "cert-manager": "v1.12.2",
            "prometheus-operator": "v0.63.0",
            "argo-cd": "v2.10.0",
            "external-secrets": "v0.15.1",
            "strimzi": "0.45.0",
            "gateway-api": "v0.8.1",
            "olm": "v0.17.0",
        },
        "olm-crds": "v0.25.0",
        "csvs": {
            "grafana-operator": "5.20.0",
            "argocd-operator": "0.10.0",
            "packageserver": "v0.17.0",
        },
        "alm-examples": ["cert-manager/1.12.2"],
    },
    "cluster-v2": {
        "crds": {
            "cert-manager": "v1.16.1",
            "prometheus-operator": "v0.75.0",
            "argo-cd": "v3.0.0",
            "external-secrets": "v0.17.0",
            "strimzi": "1.0.0",
            "gateway-api": "v1.0.0",
        },
        "operators": {
            "cert-manager": "v1.16.1",
            "prometheus-operator": "v0.75.0",
            "argo-cd": "v3.0.0",
            "external-secrets": "v0.17.0",
            "strimzi": "1.0.0",
            "gateway-api": "v1.0.0",
            "olm": "v0.18.3",
        },
        "olm-crds": "v0.28.0",
        "csvs": {
            "grafana-operator": "5.22.2",
            "argocd-operator": "0.13.0",
            "packageserver": "v0.18.3",
        },
        "alm-examples": ["cert-manager/1.16.1", "argocd-operator/0.13.0"],
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--out", type=Path, default=Path("examples"))
    args = parser.parse_args()
    provenance = _provenance_rows(args.corpus / "README.md")
    copied: dict[str, list[str]] = {}
    for name, plan in CLUSTERS.items():
        target = args.out / name
        shutil.rmtree(target, ignore_errors=True)
        for project, version in plan["crds"].items():
            _copy(args.corpus / "crds" / project / version, target / "crds" / project)
        for project, version in plan["operators"].items():
            _copy(args.corpus / "operators" / project / version, target / "operators" / project)
        _copy(args.corpus / "olm" / "crds" / plan["olm-crds"], target / "olm" / "crds")
        for package, version in plan["csvs"].items():
            bundle = args.corpus / "olm" / "bundles" / package / version
            for csv in sorted(bundle.rglob("*clusterserviceversion.yaml")):
                _copy_file(csv, target / "olm" / "csvs" / csv.name)
        copied[name] = _sources(args.corpus, plan)
        _write_instances(
            args.corpus, plan["alm-examples"], target / "instances" / "alm-examples.yaml"
        )
        print(f"{target}: {sum(1 for p in target.rglob('*') if p.is_file())} files")
    _write_readme(args.out / "README.md", copied, provenance)


def _sources(corpus: Path, plan: dict) -> list[str]:
    """Corpus-relative paths of every upstream file a cluster copies."""
    roots = [corpus / "crds" / p / v for p, v in plan["crds"].items()]
    roots += [corpus / "operators" / p / v for p, v in plan["operators"].items()]
    roots += [corpus / "olm" / "crds" / plan["olm-crds"]]
    paths = [p for root in roots for p in root.rglob("*.yaml")]
    for package, version in plan["csvs"].items():
        paths += (corpus / "olm" / "bundles" / package / version).rglob(
            "*clusterserviceversion.yaml"
        )
    return sorted(str(p.relative_to(corpus)) for p in paths)


def _provenance_rows(corpus_readme: Path) -> dict[str, str]:
    """The corpus README's file table: one Markdown row per upstream file."""
    rows = {}
    for line in corpus_readme.read_text().splitlines():
        if line.startswith("| `") and line.count("|") > 5:
            rows[line.split("`")[1]] = line
    return rows


def _write_readme(target: Path, copied: dict[str, list[str]], provenance: dict[str, str]) -> None:
    lines = [
        "# Example clusters",
        "",
        "Two states of one fictional cluster, for trying `kubectl datamodel` without a cluster:",
        "`cluster-v1` (older releases) and `cluster-v2` (newer releases of the same projects).",
        "Every file is an upstream project's own manifest, copied byte for byte from the",
        "project's shared test corpus by `scripts/assemble-examples.py`; the one derived file",
        "per cluster, `instances/alm-examples.yaml`, wraps the example custom resources that",
        "upstream OLM bundles publish (their CSV's `alm-examples` annotation) in a `kind: List`.",
        "",
        "All upstream projects are Apache-2.0 licensed; the table below names each file's",
        "repository, path and commit. Quirks kept on purpose: external-secrets Deployments carry",
        "the Helm test placeholders `RELEASE-NAME`/`NAMESPACE`; the argocd-operator and",
        "grafana-operator CSVs use the namespace `placeholder`; the OLM bundles' `metadata/`",
        "files are left out (they are not Kubernetes objects).",
        "",
        "| cluster | project | version |",
        "| --- | --- | --- |",
    ]
    for name, plan in CLUSTERS.items():
        for kind in ("crds", "operators", "csvs"):
            for project, version in plan[kind].items():
                lines.append(f"| {name} | {project} ({kind}) | {version} |")
        lines.append(f"| {name} | OLM CRDs | {plan['olm-crds']} |")
    lines += ["", "## Provenance of every file", ""]
    lines += [
        "| corpus file | upstream repo | upstream path | ref | commit | license | note |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    every = sorted({path for paths in copied.values() for path in paths})
    lines += [
        provenance.get(path, f"| `{path}` | see ../shared/corpus/README.md |") for path in every
    ]
    target.write_text("\n".join(lines) + "\n")


def _copy(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*.yaml")):
        _copy_file(path, target / path.relative_to(source))


def _copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _write_instances(corpus: Path, bundles: list[str], target: Path) -> None:
    items: dict[tuple[str, str], dict] = {}
    for bundle in bundles:
        for csv_path in sorted(
            (corpus / "olm" / "bundles" / bundle).rglob("*clusterserviceversion.yaml")
        ):
            csv = YAML(typ="safe").load(csv_path.read_text())
            for example in json.loads(csv["metadata"]["annotations"]["alm-examples"]):
                items[(example["kind"], example["metadata"]["name"])] = example
    target.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Derived file: the custom resources published in the `alm-examples` annotation of the\n"
        f"# upstream OLM bundle CSV(s) {', '.join(bundles)} (community-operators-prod,\n"
        "# Apache-2.0), wrapped in a `kind: List` as `kubectl get -o yaml` prints one.\n"
    )
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": list(items.values()),
    }
    with target.open("w") as stream:
        stream.write(header)
        dumper = YAML(typ="safe", pure=True)
        dumper.default_flow_style = False
        dumper.dump(document, stream)


if __name__ == "__main__":
    main()
