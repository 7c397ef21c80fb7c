"""Credentials a cluster holds where no rule names them: found by their value, and never in
the database, an export, a query, or any format of a drift report (the pull-request comment
among them). A redacted value keeps a digest salted by the database, so drift still says when
it changed, and only then.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from ruamel.yaml import YAML

from kubectl_datamodel import redaction

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx8Bt4rq2c3XyQ\n"
    "-----END RSA PRIVATE KEY-----\n"
)
SLACK = "https://hooks.slack.com/services/T0B1C2D3E/B0F1G2H3I/abcdefghijklmnopqrstuvwx"


def credentials(password: str) -> dict[str, str]:
    """The eleven kinds of credential that reached the database by value, each under a name
    that says nothing, with ``password`` where a password goes."""
    return {
        "dsn": f"postgres://admin:{password}@db.shop.svc:5432/orders",
        "db_pass": password,
        "aws_key": "AKIAIOSFODNN7EXAMPLE",
        "jwt": JWT,
        "pem": PEM,
        "slack": SLACK,
        "arg": password,
        "configmap": password,
        "kapp": password,
        "csv_dsn": f"mysql://app:{password}@mysql:3306/app",
        "annotation": password,
    }


def manifests(password: str) -> list[dict]:
    found = credentials(password)
    env = [
        {"name": "DATABASE_URL", "value": found["dsn"]},
        {"name": "DB_PASS", "value": found["db_pass"]},
        {"name": "AWS_ACCESS_KEY_ID", "value": found["aws_key"]},
        {"name": "AUTHORIZATION", "value": f"Bearer {found['jwt']}"},
        {"name": "CLIENT_KEY", "value": found["pem"]},
        {"name": "NOTIFY", "value": found["slack"]},
        {"name": "LOG_LEVEL", "value": "debug"},
    ]
    container = {
        "name": "manager",
        "image": "example.com/shop-operator:v1",
        "args": [f"--db-password={found['arg']}", "--leader-elect=true"],
        "env": env,
    }
    pod = {"metadata": {"labels": {"app": "shop-operator"}}, "spec": {"containers": [container]}}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "shop-operator",
            "namespace": "shop",
            "annotations": {"example.com/notes": f"password: {found['annotation']}"},
        },
        "spec": {"selector": {"matchLabels": {"app": "shop-operator"}}, "template": pod},
    }
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "shop-config", "namespace": "shop"},
        "data": {"app.properties": f"mode=prod\nspring.datasource.password={found['configmap']}\n"},
    }
    original = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                "data": {"password": found["kapp"]}}  # fmt: skip
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db",
            "namespace": "shop",
            "annotations": {"kapp.k14s.io/original": json.dumps(original)},
        },
        "data": {"password": found["kapp"]},
    }
    csv_deployment = {"name": "shop-operator", "spec": {"template": {"spec": {"containers": [
        {"name": "manager", "image": "example.com/shop-operator:v1",
         "env": [{"name": "STORE", "value": found["csv_dsn"]}]}]}}}}  # fmt: skip
    csv = {
        "apiVersion": "operators.coreos.com/v1alpha1",
        "kind": "ClusterServiceVersion",
        "metadata": {"name": "shop-operator.v1.0.0", "namespace": "shop"},
        "spec": {
            "version": "1.0.0",
            "install": {"strategy": "deployment", "spec": {"deployments": [csv_deployment]}},
        },
    }
    return [deployment, config_map, secret, csv]


def planted(password: str) -> list[str]:
    """Every secret string that must not appear anywhere, and its bare sha256 (what capture
    holds in memory before the database salts it)."""
    values = [v for v in credentials(password).values() if v != PEM] + [PEM.splitlines()[1]]
    return [*values, *(hashlib.sha256(v.encode()).hexdigest() for v in values)]


@pytest.fixture
def cluster(tmp_path):
    """Two states of the cluster: the second with every password changed."""
    dirs = []
    for state, password in (("one", "hunter2xyz"), ("two", "swordfish9")):
        folder = tmp_path / state
        folder.mkdir()
        yaml = YAML()
        with (folder / "all.yaml").open("w") as stream:
            yaml.dump_all(manifests(password), stream)
        dirs.append(folder)
    return dirs


INCLUDE = ("--include", "v1/ConfigMap,v1/Secret")


def assert_nowhere(text: str, *passwords: str) -> None:
    for password in passwords:
        for secret in planted(password):
            assert secret not in text, secret[:20]


def test_no_credential_reaches_the_database_or_any_output(run, cluster, db_path, tmp_path):
    for folder in cluster:
        result = run("snapshot", "--from-dir", folder, "--context", "shop", *INCLUDE,
                     "--db-path", db_path)  # fmt: skip
        assert result.exit_code == 0, result.stderr
    stored = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    assert_nowhere(stored.decode("utf-8", "replace"), "hunter2xyz", "swordfish9")

    outputs = [
        run("database", "export", "2", "--include-specs", "--db-path", db_path).stdout,
        run("database", "show", "2", "-o", "yaml", "--db-path", db_path).stdout,
        run("query", "SELECT body FROM specs", "-o", "json", "--db-path", db_path).stdout,
        *(run("diff", "1", "2", "-o", fmt, "--db-path", db_path).stdout
          for fmt in ("table", "json", "yaml", "markdown")),
        run("diff", "1", "--against-dir", cluster[1], "-o", "json", "--db-path", db_path).stdout,
        run("operators", "list", "--from-dir", cluster[0], "-o", "json").stdout,
        run("olm", "list", "--from-dir", cluster[0], "-o", "json").stdout,
    ]  # fmt: skip
    page = tmp_path / "report.html"
    assert run("report", "--html", page, "--db-path", db_path).exit_code == 0
    for output in [*outputs, page.read_text()]:
        assert output
        assert_nowhere(output, "hunter2xyz", "swordfish9")


def test_a_changed_secret_is_drift_and_an_unchanged_one_is_not(run, cluster, db_path):
    for folder in (cluster[0], cluster[0], cluster[1]):
        run("snapshot", "--from-dir", folder, "--context", "shop", *INCLUDE, "--db-path", db_path)
    same = json.loads(run("diff", "1", "2", "-o", "json", "--db-path", db_path).stdout)
    assert same["changes"] == []
    changed = json.loads(run("diff", "2", "3", "-o", "json", "--db-path", db_path).stdout)
    paths = {(c["name"], c["path"]) for c in changed["changes"]}
    assert ("shop-operator", ".spec.template.spec.containers[manager].env[DB_PASS].value") in paths
    assert ("shop-operator", ".spec.template.spec.containers[manager].args[0]") in paths
    for change in changed["changes"]:
        for value in (change["old"], change["new"]):
            if isinstance(value, str) and redaction.MARK in value:
                assert len(value.split(redaction.MARK)[1].split(">")[0]) == 12  # salted


def test_what_is_not_a_credential_is_kept(run, cluster, db_path):
    run("snapshot", "--from-dir", cluster[0], "--context", "shop", *INCLUDE, "--db-path", db_path)
    document = json.loads(
        run("database", "export", "1", "--include-specs", "--db-path", db_path).stdout
    )
    (operator,) = document["operators"]
    container = operator["spec"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["LOG_LEVEL"] == "debug"
    assert env["DATABASE_URL"].startswith("postgres://admin:<redacted:")
    assert env["DATABASE_URL"].endswith(">@db.shop.svc:5432/orders")
    assert container["args"][1] == "--leader-elect=true"
