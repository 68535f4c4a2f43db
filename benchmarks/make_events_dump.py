"""Write a `kubectl get events -A` dump of a busy cluster, for timing `kubelint diagnose` on it.

    python benchmarks/make_events_dump.py 5 > /tmp/events.txt   # about 5 MB
    time kubelint diagnose /tmp/events.txt > /dev/null

Mostly the normal churn of a cluster (scheduling, pulls, starts, scaling), with a few per cent of
warnings of every kind diagnose knows: failed pulls, mounts, probes, back-offs, quota refusals.
Deterministic: the same size gives the same text.
"""

from __future__ import annotations

import random
import sys

NORMAL = [
    ("Scheduled", "pod/{pod}", "Successfully assigned {ns}/{pod} to {node}"),
    ("Pulling", "pod/{pod}", 'Pulling image "ghcr.io/acme/{app}:{tag}"'),
    ("Pulled", "pod/{pod}", 'Successfully pulled image "ghcr.io/acme/{app}:{tag}" in 2.431s (2.431s including waiting)'),
    ("Created", "pod/{pod}", "Created container {app}"),
    ("Started", "pod/{pod}", "Started container {app}"),
    ("Killing", "pod/{pod}", "Stopping container {app}"),
    ("SuccessfulCreate", "replicaset/{rs}", "Created pod: {pod}"),
    ("ScalingReplicaSet", "deployment/{app}", "Scaled up replica set {rs} to 3"),
]
WARNING = [
    ("Failed", "pod/{pod}", 'Failed to pull image "ghcr.io/acme/{app}:{tag}9": rpc error: code = NotFound desc = failed to pull and unpack image "ghcr.io/acme/{app}:{tag}9": failed to resolve reference "ghcr.io/acme/{app}:{tag}9": ghcr.io/acme/{app}:{tag}9: not found'),
    ("BackOff", "pod/{pod}", "Back-off restarting failed container {app} in pod {pod}_{ns}(0b9e)"),
    ("Unhealthy", "pod/{pod}", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
    ("FailedMount", "pod/{pod}", 'MountVolume.SetUp failed for volume "config" : configmap "{app}-config" not found'),
    ("FailedScheduling", "pod/{pod}", "0/12 nodes are available: 3 node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}, 9 Insufficient memory. preemption: 0/12 nodes are available: 3 Preemption is not helpful for scheduling, 9 No preemption victims found for incoming pod."),
    ("FailedCreate", "replicaset/{rs}", 'Error creating: pods "{pod}" is forbidden: exceeded quota: compute, requested: limits.memory=2Gi, used: limits.memory=15Gi, limited: limits.memory=16Gi'),
]


def main(megabytes: float) -> None:
    rng = random.Random(7)
    namespaces = [f"team-{i:02d}" for i in range(40)]
    apps = [f"svc{i:03d}" for i in range(300)]
    out = sys.stdout
    out.write(f"{'NAMESPACE':<12} {'LAST SEEN':<11} {'TYPE':<9} {'REASON':<20} {'OBJECT':<44} MESSAGE\n")
    written, limit = 0, int(megabytes * 1024 * 1024)
    while written < limit:
        ns, app = rng.choice(namespaces), rng.choice(apps)
        rs = f"{app}-{rng.randrange(16**9):09x}"
        pod = f"{rs}-{rng.randrange(36**5):05x}"
        kind, table = ("Warning", WARNING) if rng.random() < 0.05 else ("Normal", NORMAL)
        reason, obj, message = rng.choice(table)
        values = dict(ns=ns, app=app, rs=rs, pod=pod, node=f"node-{rng.randrange(12)}", tag=f"1.{rng.randrange(30)}")
        line = (f"{ns:<12} {rng.randrange(1, 59)}m{'':<8} {kind:<9} {reason:<20} {obj.format(**values):<44} "
                f"{message.format(**values)}\n")
        out.write(line)
        written += len(line)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 5)
