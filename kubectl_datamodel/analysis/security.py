"""The `security` view: what an operator's pods may do to their node, what they run, and what
its OLM ClusterServiceVersion lets it do to the cluster.

Operators run with broad rights by design, which makes each one a way in. The rules follow the
Pod Security Standards (privileged, host namespaces, capabilities, non-root) and the RBAC
privilege-escalation paths Kubernetes documents (bind, escalate, impersonate). docs/analysis.md
gives every rule's level and why it matters.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_datamodel import k8s, model
from kubectl_datamodel.analysis import base
from kubectl_datamodel.analysis.base import Finding, Level

VIEW = "security"
RULES = {
    "privileged": Level.CRITICAL,
    "host-namespace": Level.CRITICAL,
    "host-network": Level.WARNING,
    "dangerous-capability": Level.CRITICAL,
    "added-capability": Level.WARNING,
    "may-run-as-root": Level.WARNING,
    "mutable-image": Level.WARNING,
    "rbac-cluster-admin": Level.CRITICAL,
    "rbac-escalation": Level.CRITICAL,
    "rbac-secrets": Level.WARNING,
}

# Capabilities that hand over the node (or its kernel, devices or other pods' processes).
DANGEROUS_CAPABILITIES = frozenset(
    {
        "ALL",
        "SYS_ADMIN",
        "SYS_MODULE",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "NET_ADMIN",
        "DAC_READ_SEARCH",
        "BPF",
        "PERFMON",
    }
)
# The one capability the "restricted" Pod Security Standard lets a pod add.
HARMLESS_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
RBAC_GROUP = "rbac.authorization.k8s.io"


def analyze(stored: model.StoredSnapshot) -> tuple[list[Finding], list[model.Table]]:
    found: list[Finding] = []
    for operator in stored.operators:
        found += _pod_findings(base.workload_subject(operator), base.pod_spec(operator))
    deployed = {(o.namespace, o.name) for o in stored.operators if o.operator_type == "Deployment"}
    for csv in stored.csvs:
        found += _rbac_findings(csv)
        for name, pod in _csv_pods(csv):
            if (csv.namespace, name) not in deployed:  # not yet installed, or not captured
                csv_subject = base.subject("ClusterServiceVersion", csv.namespace, csv.name)
                subject = f"{csv_subject} (Deployment {name})"
                found += _pod_findings(subject, pod)
    return found, [_containers_table(stored.operators)]


def _install(csv: model.CsvRecord) -> base.JSON:
    """A CSV's ``spec.install.spec``: its deployments and permissions."""
    spec = base.mapping(csv.spec.get("spec"))
    return base.mapping(base.mapping(spec.get("install")).get("spec"))


def _csv_pods(csv: model.CsvRecord) -> Iterator[tuple[str, base.JSON]]:
    """The pod templates of the Deployments a CSV tells OLM to create: in a snapshot of
    manifests (a bundle), they are the only place the operator's pods are described."""
    for deployment in _install(csv).get("deployments") or ():
        template = base.mapping(base.mapping(base.mapping(deployment).get("spec")).get("template"))
        yield str(base.mapping(deployment).get("name") or "?"), base.mapping(template.get("spec"))


def _finding(rule: str, subject: str, message: str) -> Finding:
    return Finding(VIEW, rule, RULES[rule], subject, message)


# -- pods -------------------------------------------------------------------------------------


def _pod_findings(subject: str, pod: base.JSON) -> list[Finding]:
    flags = list(_pod_flags(pod))
    pod_non_root = base.mapping(pod.get("securityContext")).get("runAsNonRoot")
    for container in base.containers(pod):
        flags += _container_flags(container, pod_non_root)
    return [_finding(rule, subject, message) for rule, message in flags]


def _container_flags(container: base.JSON, pod_non_root: object) -> Iterator[tuple[str, str]]:
    name = container.get("name") or "?"
    context = base.mapping(container.get("securityContext"))
    if context.get("privileged") is True:
        yield "privileged", f"container {name} runs privileged: it is root on the node"
    for rule, what in _capabilities(context):
        yield rule, f"container {name} {what}"
    if not _runs_as_non_root(context, pod_non_root):
        yield (
            "may-run-as-root",
            f"container {name} may run as root: runAsNonRoot is not true for it or its pod",
        )
    image = str(container.get("image") or "")
    if _image_reference(image) == "mutable":
        yield (
            "mutable-image",
            f"container {name} runs {image or 'no image'}: a mutable tag, not a digest",
        )


def _runs_as_non_root(context: base.JSON, pod_non_root: object) -> bool:
    """The container's runAsNonRoot, else its pod's: the kubelet then refuses to start it as
    UID 0. Anything but true leaves that to the image."""
    value = context.get("runAsNonRoot")
    return (pod_non_root if value is None else value) is True


def _pod_flags(pod: base.JSON) -> Iterator[tuple[str, str]]:
    for flag in ("hostPID", "hostIPC"):
        if pod.get(flag) is True:
            yield "host-namespace", f"{flag}: its pods share the node's process or IPC namespace"
    if pod.get("hostNetwork") is True:
        yield "host-network", "hostNetwork: its pods share the node's network namespace"


def _capabilities(context: base.JSON) -> Iterator[tuple[str, str]]:
    added = base.mapping(context.get("capabilities")).get("add") or ()
    for capability in added:
        name = str(capability).upper().removeprefix("CAP_")
        if name in DANGEROUS_CAPABILITIES:
            yield "dangerous-capability", f"adds capability {name}"
        elif name not in HARMLESS_CAPABILITIES:
            yield "added-capability", f"adds capability {name}"


def _image_reference(image: str) -> str:
    """``digest`` (pinned), ``tag`` (a release tag) or ``mutable`` (``:latest`` or no tag):
    a mutable reference runs whatever was pushed last, on each node as it pulls."""
    if "@" in image:
        return "digest"
    tag = k8s.image_tag(image)
    return "tag" if tag and tag != "latest" else "mutable"


def _containers_table(operators: tuple[model.OperatorRecord, ...]) -> model.Table:
    rows = []
    for operator in operators:
        pod = base.pod_spec(operator)
        pod_non_root = base.mapping(pod.get("securityContext")).get("runAsNonRoot")
        for container in base.containers(pod):
            context = base.mapping(container.get("securityContext"))
            image = str(container.get("image") or "")
            rows.append(
                (
                    operator.namespace,
                    operator.name,
                    container.get("name"),
                    image,
                    _image_reference(image),
                    _runs_as_non_root(context, pod_non_root),
                )
            )
    return model.Table.of(
        ("namespace", "workload", "container", "image", "image_reference", "run_as_non_root"),
        tuple(rows),
        title="Operator containers",
        name="containers",
    )


# -- RBAC of ClusterServiceVersions --------------------------------------------------------------


def _rbac_findings(csv: model.CsvRecord) -> list[Finding]:
    """One finding per CSV, rule and service account (of its clusterPermissions), naming each
    grant that matched."""
    install = _install(csv)
    grants: dict[tuple[str, str], list[str]] = {}
    for permission in map(base.mapping, install.get("clusterPermissions") or ()):
        account = str(permission.get("serviceAccountName") or "?")
        for rule in map(base.mapping, permission.get("rules") or ()):
            for name, grant in _rbac_matches(rule):
                grants.setdefault((name, account), []).append(grant)
    subject = base.subject("ClusterServiceVersion", csv.namespace, csv.name)
    return [
        _finding(
            name, subject, f"service account {account} {_RBAC_RISK[name]}: " + "; ".join(found)
        )
        for (name, account), found in grants.items()
    ]


# How a finding's message says what the service account may do, before the grants.
_RBAC_RISK = {
    "rbac-cluster-admin": "is cluster-admin",
    "rbac-escalation": "can grant itself any permission",
    "rbac-secrets": "can do anything to every Secret",
}
# rule -> (API groups, resources, verbs) of a PolicyRule that breaks it; "*" matches all.
_PATTERNS = (
    (
        "rbac-escalation",
        {"*", RBAC_GROUP},
        {"*", "roles", "clusterroles"},
        {"*", "bind", "escalate"},
    ),
    (
        "rbac-escalation",
        {"*", ""},
        {"*", "users", "groups", "serviceaccounts"},
        {"*", "impersonate"},
    ),
    ("rbac-secrets", {"*", ""}, {"*", "secrets"}, {"*"}),
)


def _rbac_matches(rule: base.JSON) -> list[tuple[str, str]]:
    """The rules one PolicyRule breaks, each with the part of it that does; cluster-admin
    (every verb on every resource of every group) says all the others would."""
    everything = _grant(rule, {"*"}, {"*"}, {"*"})
    if everything is not None:
        return [("rbac-cluster-admin", everything)]
    found = []
    for name, groups, resources, verbs in _PATTERNS:
        grant = _grant(rule, groups, resources, verbs)
        if grant is not None:
            found.append((name, grant))
    return found


def _grant(rule: base.JSON, groups: set[str], resources: set[str], verbs: set[str]) -> str | None:
    """``* on rbac.authorization.k8s.io/clusterroles``: the verbs, groups and resources of
    ``rule`` that are among those given, or None when one of the three has none."""
    verb_list, group_list, resource_list = (
        [str(value) for value in rule.get(field) or () if str(value) in wanted]
        for field, wanted in (("verbs", verbs), ("apiGroups", groups), ("resources", resources))
    )
    if not (verb_list and group_list and resource_list):
        return None
    shown_groups = ",".join(group or "core" for group in group_list)
    return f"{','.join(verb_list)} on {shown_groups}/{','.join(resource_list)}"
