"""The judgement calls of the set-wide rules: what counts as missing, and what may select pods kubelint
cannot see."""

from __future__ import annotations

import textwrap

from kubelint_py import catalog, engine
from kubelint_py.config import Config, policy
from kubelint_py.lint.rules import CATEGORIES
from kubelint_py.schemas import resolve_version

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: nginx:1.27.2
"""


def _write(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def _findings(root, *rules):
    only = {rule: True for rule in rules} | {"schema/missing-schema": False}
    chosen = policy(Config(rules=only, categories={c: False for c in CATEGORIES}), catalog.stage_rules())
    report = engine.check([str(root)], engine.Options(resolve_version(None), policy=chosen))
    return [(f.file.removeprefix(str(root) + "/"), f.line, f.rule) for f in report.findings if f.rule in rules]


def test_a_missing_object_is_reported_only_where_its_bundle_manages_that_kind(tmp_path):
    _write(tmp_path, {
        "web/deployment.yaml": DEPLOYMENT,
        "auth/accounts.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: auth\n",
    })
    assert _findings(tmp_path, "service-account-missing") == []  # another application's accounts prove nothing
    _write(tmp_path, {"web/accounts.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: webapp\n"})
    assert _findings(tmp_path, "service-account-missing") == [("web/deployment.yaml", 12, "service-account-missing")]


def test_selectors_on_labels_controllers_add_match_their_pods(tmp_path):
    _write(tmp_path, {"redis.yaml": """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: redis
        spec:
          serviceName: redis
          selector:
            matchLabels: {app: redis}
          template:
            metadata:
              labels: {app: redis}
            spec:
              containers:
                - name: redis
                  image: redis:7.4.1
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: redis-announce-0
        spec:
          selector:
            app: redis
            statefulset.kubernetes.io/pod-name: redis-0
          ports:
            - port: 6379
        """})
    assert _findings(tmp_path, "service-selects-no-pods") == []


def test_custom_resources_next_to_a_selector_may_own_its_pods(tmp_path):
    policy_for_prometheus = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: prometheus
          namespace: monitoring
        spec:
          podSelector:
            matchLabels: {app.kubernetes.io/name: prometheus}
          policyTypes: [Ingress]
        """
    exporter = DEPLOYMENT.replace("name: web\n", "name: web\n  namespace: monitoring\n", 1)
    _write(tmp_path, {"monitoring/networkpolicy.yaml": policy_for_prometheus, "monitoring/exporter.yaml": exporter})
    assert _findings(tmp_path, "networkpolicy-selects-nothing") == [
        ("monitoring/networkpolicy.yaml", 7, "networkpolicy-selects-nothing")]
    _write(tmp_path, {"monitoring/prometheus.yaml": """
        apiVersion: monitoring.coreos.com/v1
        kind: Prometheus
        metadata:
          name: k8s
          namespace: monitoring
        spec:
          replicas: 2
        """})
    assert _findings(tmp_path, "networkpolicy-selects-nothing") == []  # the operator makes pods from it


def test_a_statefulset_volume_named_like_a_claim_template_is_not_a_missing_claim(tmp_path):
    _write(tmp_path, {"db.yaml": """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: backups
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 1Gi}}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          serviceName: db
          selector:
            matchLabels: {app: db}
          template:
            metadata:
              labels: {app: db}
            spec:
              containers:
                - name: postgres
                  image: postgres:16.4
              volumes:
                - name: data
                  persistentVolumeClaim: {claimName: data}
                - name: archive
                  persistentVolumeClaim: {claimName: archive}
          volumeClaimTemplates:
            - metadata: {name: data}
              spec:
                accessModes: [ReadWriteOnce]
                resources: {requests: {storage: 10Gi}}
        """})
    assert _findings(tmp_path, "pvc-missing") == [("db.yaml", 28, "pvc-missing")]


def test_bindings_to_kubernetes_own_roles_are_not_dangling(tmp_path):
    _write(tmp_path, {"rbac.yaml": """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: config-reader
          namespace: kube-system
        rules: []
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: metrics-server-auth-reader
          namespace: kube-system
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: extension-apiserver-authentication-reader
        subjects:
          - kind: ServiceAccount
            name: metrics-server
            namespace: kube-system
        """})
    assert _findings(tmp_path, "role-ref-missing") == []
