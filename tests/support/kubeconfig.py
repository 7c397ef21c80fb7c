"""Write real kubeconfig files for the fake API server, the way users have them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def user_entry(
    *,
    token: str | None = None,
    client_certificate: str | None = None,
    client_key: str | None = None,
    exec_command: list[str] | None = None,
) -> dict[str, Any]:
    user: dict[str, Any] = {}
    if token is not None:
        user["token"] = token
    if client_certificate is not None:
        user["client-certificate"] = client_certificate
        user["client-key"] = client_key
    if exec_command is not None:
        user["exec"] = {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": exec_command[0],
            "args": exec_command[1:],
            "interactiveMode": "Never",
        }
    return user


def write_kubeconfig(
    path: Path,
    server: str,
    *,
    context: str = "fake",
    current_context: str | None = "",
    certificate_authority: str | None = None,
    insecure: bool = False,
    **user: Any,
) -> Path:
    """One cluster, one user, one context, current unless ``current_context`` says otherwise
    (None: no current-context). JSON is YAML, so the file is written as JSON."""
    cluster: dict[str, Any] = {"server": server}
    if certificate_authority is not None:
        cluster["certificate-authority"] = certificate_authority
    if insecure:
        cluster["insecure-skip-tls-verify"] = True
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": f"{context}-cluster", "cluster": cluster}],
        "users": [{"name": f"{context}-user", "user": user_entry(**user)}],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": f"{context}-cluster", "user": f"{context}-user"},
            }
        ],
    }
    if current_context is not None:
        config["current-context"] = current_context or context
    path.write_text(json.dumps(config, indent=2))
    return path


def write_fleet_kubeconfig(
    path: Path, servers: dict[str, str], *, current_context: str | None = None, **user: Any
) -> Path:
    """One context per entry of ``servers`` (context name -> server URL), each with a cluster
    of its own name and one shared user, as a kubeconfig of a fleet reads."""
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url}} for name, url in servers.items()],
        "users": [{"name": "fleet-user", "user": user_entry(**user)}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": "fleet-user"}} for name in servers
        ],
    }
    if current_context is not None:
        config["current-context"] = current_context
    path.write_text(json.dumps(config, indent=2))
    return path
