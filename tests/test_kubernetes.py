"""The Kubernetes manifests of every framework: `make manifests` (render with kubectl, validate
against the Kubernetes schema, scan with checkov) passes, and what is rendered runs the service
the way the image and the contract expect: unprivileged, probed on the health endpoints,
drained before it stops, migrated before it rolls out, with no secret value in git.

There is no cluster here: the manifests are rendered and checked offline.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from fledge.variants import DECLARED, Variant

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed"),
]

# The manifests differ by framework only (the migration command).
FRAMEWORK_VARIANTS = tuple({v.framework: v for v in DECLARED}.values())
OVERLAY = "deploy/kubernetes/overlays/production"
MIGRATE_COMMANDS = {"drf": ["django-admin", "migrate", "--no-input"]}
ALEMBIC_UPGRADE = ["alembic", "upgrade", "head"]
# fledge's own virtualenv and Python version, which the project's tools must not inherit.
FOREIGN_ENVIRONMENT = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYENV_VERSION", "PYENV_DIR")
SECRET_SETTINGS = ("JWT_SECRET", "DATABASE_URL", "REDIS_URL")


def by_id(variant: Variant) -> str:
    return variant.framework


MONITORING = "deploy/kubernetes/monitoring"
ALERTS = {
    "TargetDown",
    "HighErrorRatio",
    "HighLatencyP95",
    "HighLatencyP99",
    "RateLimitRejectionsSurge",
    "DatabasePoolNearSaturation",
}
# Labels of every series Prometheus scrapes from a pod (`up` is Prometheus's own).
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service"}
METRIC = re.compile(r'\b(Counter|Gauge|Histogram)\(\s*"(\w+)",\s*"[^"]*",\s*(?:\[([^\]]*)\])?')


def render(project: Path, path: str | Path = OVERLAY) -> dict[str, dict[str, Any]]:
    """The rendered objects by `Kind/name`."""
    result = subprocess.run(
        ["kubectl", "kustomize", path],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    documents = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc for doc in documents}


def only(objects: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [obj for key, obj in objects.items() if key.startswith(f"{kind}/")]
    assert len(found) == 1, f"{kind}: {sorted(objects)}"
    return found[0]


def gunicorn_graceful_timeout(project: Path) -> int:
    config = (project / "gunicorn.conf.py").read_text()
    match = re.search(r"^graceful_timeout = (\d+)$", config, re.MULTILINE)
    assert match, "gunicorn.conf.py sets no graceful_timeout"
    return int(match[1])


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_make_manifests_renders_validates_and_scans_clean(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    project = rendered_variant(variant)
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENVIRONMENT}
    result = subprocess.run(
        ["make", "manifests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed checks: 0" in result.stdout
    assert re.search(r"Passed checks: [1-9]\d*", result.stdout)


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_pods_run_unprivileged_and_are_probed_on_the_health_endpoints(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    project = rendered_variant(variant)
    pod = only(render(project), "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    security = container["securityContext"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    tmp = {mount["name"] for mount in container["volumeMounts"] if mount["mountPath"] == "/tmp"}
    assert {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume} >= tmp != set()
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_a_stopping_pod_gets_time_to_finish_its_requests(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    """The pause before SIGTERM lets the Service stop sending; gunicorn's graceful timeout lets
    requests in flight finish; the grace period covers both."""
    project = rendered_variant(variant)
    pod = only(render(project), "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pause = int(command[1])

    assert pause >= 5
    assert pod["terminationGracePeriodSeconds"] > pause + gunicorn_graceful_timeout(project)


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_migrations_run_as_a_job_with_the_image_command(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    objects = render(rendered_variant(variant))
    job = only(objects, "Job")
    deployment = only(objects, "Deployment")
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    (api,) = deployment["spec"]["template"]["spec"]["containers"]

    assert migrate["command"] == MIGRATE_COMMANDS.get(variant.framework, ALEMBIC_UPGRADE)
    assert migrate["image"] == api["image"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_secrets_are_referenced_never_committed(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    objects = render(rendered_variant(variant))
    settings = only(objects, "ConfigMap")["data"]
    (api,) = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    from_secrets = {
        item["name"]: item["valueFrom"]["secretKeyRef"]["name"]
        for item in api["env"]
        if "secretKeyRef" in item.get("valueFrom", {})
    }

    assert not [key for key in objects if key.startswith("Secret/")]
    assert not set(SECRET_SETTINGS) & set(settings)
    assert set(from_secrets) == set(SECRET_SETTINGS)
    assert len(set(from_secrets.values())) == 1
    assert settings["APP_ENV"] == "production"


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_the_service_scales_and_survives_disruptions_behind_a_network_policy(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    objects = render(rendered_variant(variant))
    deployment = only(objects, "Deployment")
    pods = deployment["spec"]["selector"]["matchLabels"]
    autoscaler = only(objects, "HorizontalPodAutoscaler")
    budget = only(objects, "PodDisruptionBudget")
    policy = only(objects, "NetworkPolicy")
    service = only(objects, "Service")

    assert autoscaler["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert autoscaler["spec"]["minReplicas"] >= 2
    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert budget["spec"]["selector"]["matchLabels"] == pods
    assert service["spec"]["selector"] == pods
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    selected = policy["spec"]["podSelector"]["matchLabels"]
    assert selected.items() <= pods.items()
    assert [port["port"] for rule in policy["spec"]["ingress"] for port in rule["ports"]] == [8000]
    assert all(obj["metadata"].get("namespace") for obj in objects.values())


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_changed_settings_roll_the_pods(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    """The ConfigMap's name carries a hash of its content, and the pods refer to that name."""
    objects = render(rendered_variant(variant))
    settings = only(objects, "ConfigMap")["metadata"]["name"]
    (api,) = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"]

    assert re.fullmatch(r".+-settings-[a-z0-9]{10}", settings)
    assert {source["configMapRef"]["name"] for source in api["envFrom"]} == {settings}


CI_VARIANTS = tuple(v for v in DECLARED if v.ci != "none")
TOOL_PIN = re.compile(r"(?:kubernetes-validate|checkov)==[\w.]+")


@pytest.mark.parametrize("variant", CI_VARIANTS, ids=lambda variant: variant.id)
def test_ci_checks_the_manifests_as_make_manifests_does(
    variant: Variant, rendered_variant: Callable[[Variant], Path]
) -> None:
    project = rendered_variant(variant)
    if variant.ci == "github":
        jobs = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())["jobs"]
        runs = [step["run"] for step in jobs["manifests"]["steps"] if "run" in step]
        assert runs == ["make manifests"]
        assert "manifests" in jobs["docker"]["needs"]
    else:
        config = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
        rendering = config["manifests-render"]["script"]
        checks = "\n".join(config["manifests"]["script"])
        makefile = (project / "Makefile").read_text()
        assert rendering == [f"kubectl kustomize {OVERLAY} > production.yaml"]
        assert sorted(TOOL_PIN.findall(checks)) == sorted(TOOL_PIN.findall(makefile))
        assert len(TOOL_PIN.findall(checks)) == 2


def exported_series(project: Path) -> dict[str, set[str]]:
    """The series names core/metrics.py exports, with their labels."""
    (metrics,) = project.glob("src/*/core/metrics.py")
    source = metrics.read_text()
    series: dict[str, set[str]] = {"up": set()}
    for kind, name, labels in METRIC.findall(source):
        names = set(re.findall(r'"(\w+)"', labels))
        if kind == "Histogram":
            series |= {f"{name}_{part}": names for part in ("sum", "count")}
            series[f"{name}_bucket"] = names | {"le"}
        else:
            series[name] = names
    return series


def promql_names(expression: str) -> tuple[set[str], set[str]]:
    """The metric names an expression selects, and the label names it matches or groups by."""
    tree = promql_parser.parse(expression)
    metrics: set[str] = set()
    labels: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            assert node.name, f"select metrics by name: {expression}"
            metrics.add(node.name)
            labels.update(matcher.name for matcher in node.matchers.matchers)
        elif isinstance(node, promql_parser.AggregateExpr) and node.modifier is not None:
            labels.update(node.modifier.labels)

    promql_parser.walk(tree, visit)
    return metrics, labels


def monitored(project: Path, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The production overlay with the monitoring component added, as a cluster running the
    Prometheus Operator deploys it."""
    shutil.copytree(project / "deploy", tmp_path / "deploy")
    with (tmp_path / OVERLAY / "kustomization.yaml").open("a") as kustomization:
        kustomization.write("\ncomponents:\n  - ../../monitoring\n")
    return render(tmp_path)


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_prometheus_scrapes_the_service_port_which_the_network_policy_opens(
    variant: Variant, rendered_variant: Callable[[Variant], Path], tmp_path: Path
) -> None:
    project = rendered_variant(variant)
    objects = monitored(project, tmp_path)
    service = only(objects, "Service")
    monitor = only(objects, "ServiceMonitor")
    policy = only(objects, "NetworkPolicy")
    pod = only(objects, "Deployment")["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    settings = only(objects, "ConfigMap")["data"]
    (endpoint,) = monitor["spec"]["endpoints"]
    port = next(port for port in service["spec"]["ports"] if port["name"] == endpoint["port"])

    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"]
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert endpoint["path"] == pod["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    assert port["targetPort"] == "http"
    assert [p["containerPort"] for p in container["ports"] if p["name"] == "http"] == [8000]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == "8000"
    # Any peer in the cluster reaches port 8000 (Prometheus included), and traces can leave.
    assert all("from" not in rule for rule in policy["spec"]["ingress"])
    egress = {port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]}
    assert {4317, 4318} <= egress
    # Pod addresses are private: Prometheus may read /metrics.
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} <= set(
        settings["METRICS_ALLOW"].split(",")
    )
    assert settings["METRICS_ENABLED"] == "true"


@pytest.mark.parametrize("variant", FRAMEWORK_VARIANTS, ids=by_id)
def test_the_alerting_rules_are_valid_promql_on_the_metrics_the_service_exports(
    variant: Variant, rendered_variant: Callable[[Variant], Path], tmp_path: Path
) -> None:
    project = rendered_variant(variant)
    rules = only(monitored(project, tmp_path), "PrometheusRule")
    series = exported_series(project)
    (group,) = rules["spec"]["groups"]

    assert {"http_requests_total", "db_pool_connections_in_use"} <= series.keys()
    assert {rule["alert"] for rule in group["rules"]} == ALERTS
    assert len(group["rules"]) == len(ALERTS)
    for rule in group["rules"]:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert re.fullmatch(r"\d+m", rule["for"])
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        metrics, labels = promql_names(rule["expr"])
        assert metrics, rule["alert"]
        assert metrics <= series.keys(), rule["alert"]
        known = TARGET_LABELS.union(*(series[name] for name in metrics))
        assert labels <= known, (rule["alert"], labels - known)


def test_a_syntax_error_in_promql_is_caught() -> None:
    with pytest.raises(ValueError, match="parenthesis"):
        promql_names("sum(rate(http_requests_total[5m])")
