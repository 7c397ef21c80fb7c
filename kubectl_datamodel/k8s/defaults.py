"""The values the API server fills in when a workload leaves them out.

A live Deployment compared with the manifest it came from would otherwise report
``dnsPolicy: ClusterFirst`` and a dozen like it as drift. Each entry is a place in the object
(a ``paths`` glob) and the values the server writes there.
"""

from __future__ import annotations

from typing import Any

from kubectl_datamodel.k8s import paths

POD = ".spec.template.spec"
CONTAINER_LISTS = ("containers", "initContainers")


def per_container(*tails: str) -> list[str]:
    """The glob of each tail in every container of the pod template, init containers too."""
    return [f"{POD}.{field}[*]{tail}" for field in CONTAINER_LISTS for tail in tails]


_PROBE_DEFAULTS = {
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
_ROLLING = {"maxSurge": "25%", "maxUnavailable": "25%"}

DEFAULTS: tuple[tuple[paths.Glob, tuple[Any, ...]], ...] = tuple(
    (paths.Glob.parse(path), values)
    for path, values in [
        (".spec.replicas", (1,)),
        (".spec.revisionHistoryLimit", (10,)),
        (".spec.progressDeadlineSeconds", (600,)),
        (".spec.strategy", ({"type": "RollingUpdate", "rollingUpdate": _ROLLING},)),
        (".spec.strategy.rollingUpdate", (_ROLLING,)),
        (".spec.podManagementPolicy", ("OrderedReady",)),
        (
            ".spec.updateStrategy",
            (
                {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
            ),
        ),
        (f"{POD}.dnsPolicy", ("ClusterFirst",)),
        (f"{POD}.restartPolicy", ("Always",)),
        (f"{POD}.schedulerName", ("default-scheduler",)),
        (f"{POD}.securityContext", ({},)),
        (f"{POD}.terminationGracePeriodSeconds", (30,)),
        (f"{POD}.volumes[*].configMap.defaultMode", (420,)),
        (f"{POD}.volumes[*].secret.defaultMode", (420,)),
        *((p, ("/dev/termination-log",)) for p in per_container(".terminationMessagePath")),
        *((p, ("File",)) for p in per_container(".terminationMessagePolicy")),
        *((p, ("IfNotPresent", "Always")) for p in per_container(".imagePullPolicy")),
        *((p, ({},)) for p in per_container(".resources")),
        *((p, ("TCP",)) for p in per_container(".ports[*].protocol")),
        *((p, ("v1",)) for p in per_container(".env[*].valueFrom.fieldRef.apiVersion")),
        *(
            (p, (value,))
            for probe in ("livenessProbe", "readinessProbe", "startupProbe")
            for field, value in _PROBE_DEFAULTS.items()
            for p in per_container(f".{probe}.{field}")
        ),
        *(
            (p, ("HTTP",))
            for probe in ("livenessProbe", "readinessProbe", "startupProbe")
            for p in per_container(f".{probe}.httpGet.scheme")
        ),
    ]
)
