#!/usr/bin/env python3
"""Generates the example inputs of `cascade profile` and `cascade inventory` (README, "From what you already have").

Nothing here is real: a seeded generator writes what a 50-node staging cluster's API server audit log and a
`kubectl get nodes,pods,services,endpointslices,configmaps,secrets -A -o json` dump look like.

  python3 examples/generate.py audit --out examples/staging-audit.log.gz     # 10 minutes of a 50-node cluster
  python3 examples/generate.py dump --out examples/staging-dump.json         # a 6-node cluster
  for i in $(seq 0 9); do                                                    # about 1 GB, for measuring
    python3 examples/generate.py audit --minutes 100 --after $((i*100)) --seed $i --append --out /tmp/big.log; done

The audit log (audit.k8s.io/v1 Events, one JSON line each, as kube-apiserver's log backend writes them):
- a telemetry DaemonSet (monitoring/telemetry-agent, hostNetwork): each node's pod LISTs the cluster's pods,
  filtered to its node (fieldSelector spec.nodeName), with resourceVersion "" (--rv) every 60 s; its Events
  are at level RequestResponse, so they carry the answer;
- the kubelets: a Lease renewal every 10 s, a node status PATCH every 5 min;
- cert-manager (a 2-replica Deployment): informers on secrets and certificates (a LIST, then WATCHes
  re-opened every 5-10 minutes) and leader election every 15 s;
- kube-controller-manager's writes, and a CI user reading deployments every 30 s.
Requests other than the kubelets' log RequestReceived before ResponseComplete; WATCHes log ResponseStarted.
"""
import argparse
import gzip
import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

START = datetime(2024, 12, 11, 14, 0, 0, tzinfo=timezone.utc)
OFFSET = 0  # seconds after START the log begins (--after)


def ts(seconds):
    return (START + timedelta(seconds=seconds + OFFSET)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Audit:
    def __init__(self, rng):
        self.rng = rng
        self.events = []  # (time, sequence, line)

    def request(self, t, user, groups, verb, uri, obj, ip, ua, latency=0.005, extra=None, response=None, stages=True,
                watch_end=None):
        audit_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        base = {
            "kind": "Event", "apiVersion": "audit.k8s.io/v1",
            "level": "RequestResponse" if response is not None else "Metadata",
            "auditID": audit_id, "stage": None, "requestURI": uri, "verb": verb,
            "user": {"username": user, "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, user)), "groups": groups},
            "sourceIPs": [ip], "userAgent": ua, "objectRef": obj,
            "requestReceivedTimestamp": ts(t), "stageTimestamp": None,
        }
        if extra:
            base["user"]["extra"] = extra
        if stages:
            self.add(t, base, "RequestReceived", t)
        if verb == "watch":
            self.add(t + 0.001, dict(base, responseStatus={"metadata": {}, "code": 200}), "ResponseStarted", t + 0.001)
            if watch_end is not None:
                self.add(watch_end, dict(base, responseStatus={"metadata": {}, "code": 200}), "ResponseComplete", watch_end)
            return
        done = dict(base, responseStatus={"metadata": {}, "code": 200})
        if response is not None:
            done["responseObject"] = response
        done["annotations"] = {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "RBAC: allowed"}
        self.add(t + latency, done, "ResponseComplete", t + latency)

    def add(self, t, event, stage, stage_time):
        e = dict(event, stage=stage, stageTimestamp=ts(stage_time))
        self.events.append((t, len(self.events), json.dumps(e, separators=(",", ":"))))


def node_name(i):
    return f"staging-node-{i:02d}"


def node_ip(i):
    return f"10.0.{i // 250}.{i % 250 + 10}"


def pod_list(rng, node, pods):
    return {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": str(rng.randint(10**6, 10**7))},
            "items": [{"metadata": {"name": f"app-{node}-{k}", "namespace": "apps"},
                       "spec": {"nodeName": node, "containers": [{"name": "app", "image": "registry.example/app:1.4.2"}]},
                       "status": {"phase": "Running"}} for k in range(pods)]}


def audit(args):
    global OFFSET
    OFFSET = args.after * 60
    rng = random.Random(args.seed)
    a = Audit(rng)
    seconds = args.minutes * 60
    sa_groups = lambda ns: ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"]
    rv = "" if args.rv == "" else f"&resourceVersion={args.rv}"
    for i in range(args.nodes):
        node, ip = node_name(i), node_ip(i)
        kubelet = f"system:node:{node}"
        ua = "kubelet/v1.30.4 (linux/amd64) kubernetes/a5b1e4d"
        t = rng.uniform(0, 10)
        while t < seconds:
            a.request(t, kubelet, ["system:nodes", "system:authenticated"], "update",
                      f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}?timeout=10s",
                      {"resource": "leases", "namespace": "kube-node-lease", "name": node, "apiGroup": "coordination.k8s.io", "apiVersion": "v1"},
                      ip, ua, latency=0.004, stages=False)
            t += 10
        t = rng.uniform(0, 300)
        while t < seconds:
            a.request(t, kubelet, ["system:nodes", "system:authenticated"], "patch", f"/api/v1/nodes/{node}/status?timeout=10s",
                      {"resource": "nodes", "name": node, "apiVersion": "v1", "subresource": "status"}, ip, ua, stages=False)
            t += 300
        pod = f"telemetry-agent-{uuid.UUID(int=rng.getrandbits(128)).hex[:5]}"
        extra = {"authentication.kubernetes.io/node-name": [node], "authentication.kubernetes.io/pod-name": [pod],
                 "authentication.kubernetes.io/pod-uid": [str(uuid.UUID(int=rng.getrandbits(128), version=4))]}
        t = rng.uniform(0, 60)
        while t < seconds:
            a.request(t, "system:serviceaccount:monitoring:telemetry-agent", sa_groups("monitoring"), "list",
                      f"/api/v1/pods?fieldSelector=spec.nodeName%3D{node}{rv}", {"resource": "pods", "apiVersion": "v1"},
                      ip, "telemetry-agent/v0.4.2 (linux/amd64) kubernetes/$Format", latency=0.08, extra=extra,
                      response=pod_list(rng, node, args.pods_per_node))
            t += 60
    for r in range(2):
        pod = f"cert-manager-7d9f8b6c5-{'abcde'[r]}x{r}q"
        ip = f"10.244.{r + 3}.17"
        extra = {"authentication.kubernetes.io/pod-name": [pod], "authentication.kubernetes.io/node-name": [node_name(r)]}
        user, groups, ua = "system:serviceaccount:cert-manager:cert-manager", sa_groups("cert-manager"), "cert-manager/v1.16.2 (linux/amd64) kubernetes/a1b2c3d"
        for resource, group, path in (("secrets", "", "/api/v1/secrets"), ("certificates", "cert-manager.io", "/apis/cert-manager.io/v1/certificates")):
            obj = {"resource": resource, "apiVersion": "v1"} | ({"apiGroup": group} if group else {})
            a.request(rng.uniform(0, 2), user, groups, "list", f"{path}?limit=500&resourceVersion=0", obj, ip, ua, latency=0.03, extra=extra)
            t = rng.uniform(2, 4)
            while t < seconds:
                end = t + rng.uniform(300, 600)
                a.request(t, user, groups, "watch", f"{path}?allowWatchBookmarks=true&resourceVersion=81234&timeoutSeconds=540&watch=true",
                          obj, ip, ua, extra=extra, watch_end=end if end < seconds else None)
                t = end
        if r == 0:
            t = rng.uniform(0, 15)
            while t < seconds:
                a.request(t, user, groups, "update", "/apis/coordination.k8s.io/v1/namespaces/cert-manager/leases/cert-manager-controller",
                          {"resource": "leases", "namespace": "cert-manager", "name": "cert-manager-controller", "apiGroup": "coordination.k8s.io", "apiVersion": "v1"},
                          ip, ua, extra=extra)
                t += 15
    t = rng.uniform(0, 1)
    while t < seconds:
        a.request(t, "system:kube-controller-manager", ["system:authenticated"], "update",
                  f"/apis/apps/v1/namespaces/apps/replicasets/web-{rng.randint(1, 40)}/status",
                  {"resource": "replicasets", "namespace": "apps", "name": "web", "apiGroup": "apps", "apiVersion": "v1", "subresource": "status"},
                  "10.0.255.2", "kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/a5b1e4d/system:serviceaccount:kube-system:replicaset-controller")
        t += rng.expovariate(2)
    t = rng.uniform(0, 30)
    while t < seconds:
        a.request(t, "ci-deployer", ["ci", "system:authenticated"], "get", "/apis/apps/v1/namespaces/apps/deployments/web",
                  {"resource": "deployments", "namespace": "apps", "name": "web", "apiGroup": "apps", "apiVersion": "v1"},
                  "192.168.7.21", "kubectl/v1.30.4 (linux/amd64) kubernetes/a5b1e4d")
        t += 30
    a.events.sort()
    out = gzip.GzipFile(args.out, "wb", mtime=0) if args.out.endswith(".gz") else open(args.out, "ab" if args.append else "wb")
    with out:
        for _, _, line in a.events:
            out.write(line.encode() + b"\n")
    print(f"{args.out}: {len(a.events)} events", file=sys.stderr)


def dump(args):
    rng = random.Random(args.seed)
    items = []
    namespaces = ["default", "kube-system", "monitoring", "apps", "cert-manager"]
    for i in range(args.nodes):
        node = node_name(i)
        items.append({"apiVersion": "v1", "kind": "Node",
                      "metadata": {"name": node, "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "resourceVersion": str(rng.randint(10**5, 10**6)),
                                   "labels": {"kubernetes.io/hostname": node, "kubernetes.io/os": "linux", "topology.kubernetes.io/zone": f"zone-{'abc'[i % 3]}"},
                                   "creationTimestamp": "2024-11-02T09:13:44Z"},
                      "spec": {"podCIDR": f"10.244.{i}.0/24", "providerID": f"example://{node}"},
                      "status": {"addresses": [{"type": "InternalIP", "address": node_ip(i)}, {"type": "Hostname", "address": node}],
                                 "capacity": {"cpu": "16", "memory": "65851892Ki", "pods": "110"},
                                 "conditions": [{"type": t, "status": "False" if t != "Ready" else "True", "lastHeartbeatTime": "2024-12-11T13:59:51Z",
                                                 "lastTransitionTime": "2024-11-02T09:14:20Z", "reason": f"Kubelet{t}", "message": f"kubelet reports {t}"}
                                                for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")],
                                 "images": [{"names": [f"registry.example/image-{k}@sha256:{uuid.UUID(int=rng.getrandbits(128)).hex}"], "sizeBytes": rng.randint(10**7, 10**9)}
                                            for k in range(rng.randint(8, 20))],
                                 "nodeInfo": {"architecture": "amd64", "kubeletVersion": "v1.30.4", "kubeProxyVersion": "v1.30.4",
                                              "containerRuntimeVersion": "containerd://1.7.22", "osImage": "Ubuntu 22.04.5 LTS"}}})
        for k in range(rng.randint(args.pods_per_node - 3, args.pods_per_node + 3)):
            ns = rng.choice(namespaces)
            name = f"app-{node}-{k}"
            items.append({"apiVersion": "v1", "kind": "Pod",
                          "metadata": {"name": name, "namespace": ns, "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                       "labels": {"app": f"app-{k % 7}", "pod-template-hash": uuid.UUID(int=rng.getrandbits(128)).hex[:10]},
                                       "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"app-{k % 7}-5d8f", "uid": "x", "controller": True}]},
                          "spec": {"nodeName": node, "serviceAccountName": "default",
                                   "containers": [{"name": "app", "image": f"registry.example/app-{k % 7}:1.4.2",
                                                   "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                                   "env": [{"name": f"VAR_{e}", "value": "x" * rng.randint(5, 60)} for e in range(rng.randint(2, 12))]}]},
                          "status": {"phase": "Running", "podIP": f"10.244.{i}.{k + 2}", "hostIP": node_ip(i), "qosClass": "Burstable"}})
    for s in range(args.services):
        ns = rng.choice(namespaces)
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{s}", "namespace": ns},
                      "spec": {"clusterIP": f"10.96.{s // 250}.{s % 250 + 1}", "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}], "selector": {"app": f"app-{s % 7}"}}})
        items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                      "metadata": {"name": f"svc-{s}-{uuid.UUID(int=rng.getrandbits(128)).hex[:5]}", "namespace": ns, "labels": {"kubernetes.io/service-name": f"svc-{s}"}},
                      "addressType": "IPv4", "ports": [{"port": 8080, "protocol": "TCP"}],
                      "endpoints": [{"addresses": [f"10.244.{rng.randint(0, args.nodes - 1)}.{rng.randint(2, 40)}"], "conditions": {"ready": True},
                                     "nodeName": node_name(rng.randint(0, args.nodes - 1))} for _ in range(rng.randint(1, 8))]})
    for ns in namespaces:
        items.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt", "namespace": ns},
                      "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\n" + "MIIC" * 250 + "\n-----END CERTIFICATE-----\n"}})
    for c in range(args.configmaps):
        items.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"config-{c}", "namespace": rng.choice(namespaces)},
                      "data": {f"key{k}": "v" * rng.randint(10, 400) for k in range(rng.randint(1, 6))}})
    for c in range(args.secrets):
        items.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": f"secret-{c}", "namespace": rng.choice(namespaces)},
                      "data": {"token": "QUJD" * rng.randint(10, 200)}})
    doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=4, ensure_ascii=False)
        f.write("\n")
    print(f"{args.out}: {len(items)} objects", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    pa = sub.add_parser("audit", help="an audit log (gzipped when --out ends in .gz)")
    pa.add_argument("--out", required=True)
    pa.add_argument("--nodes", type=int, default=50)
    pa.add_argument("--minutes", type=float, default=10)
    pa.add_argument("--pods-per-node", type=int, default=30)
    pa.add_argument("--after", type=float, default=0, help="minutes after 2024-12-11T14:00Z the log begins")
    pa.add_argument("--append", action="store_true", help="append to --out (not gzipped): build a large log in parts")
    pa.add_argument("--rv", default="", help='the agent\'s resourceVersion: "" (a consistent read) or 0')
    pa.add_argument("--seed", type=int, default=1)
    pd = sub.add_parser("dump", help="a kubectl get -A -o json dump")
    pd.add_argument("--out", required=True)
    pd.add_argument("--nodes", type=int, default=6)
    pd.add_argument("--pods-per-node", type=int, default=12)
    pd.add_argument("--services", type=int, default=20)
    pd.add_argument("--configmaps", type=int, default=30)
    pd.add_argument("--secrets", type=int, default=25)
    pd.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    audit(args) if args.what == "audit" else dump(args)


if __name__ == "__main__":
    main()
