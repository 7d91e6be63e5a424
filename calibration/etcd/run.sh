#!/usr/bin/env bash
# Measures etcd's ranges: starts Debian's etcd (apt-get install etcd-server) on 127.0.0.1 in a temporary
# data dir, runs the harness (calibration/etcd), stops etcd and removes the data dir. Installs nothing.
# Bounded: each harness call is killed after CAL_TIMEOUT seconds (default 1200).
#   calibration/etcd/run.sh            the full grid -> calibration/etcd/etcd-ranges.csv and machine.txt;
#                                      each dataset on a fresh etcd: load, restart etcd, measure
#   calibration/etcd/run.sh --quick    10,000 x 2 KB, c = 1 and 4, five repetitions (the CI check, < 30 s)
#   calibration/etcd/run.sh ARGS...    one etcd, the harness's "run" with ARGS (see Program.cs)
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v etcd >/dev/null || { echo "etcd not found (Debian: apt-get install etcd-server)"; exit 2; }
client_port=${ETCD_CLIENT_PORT:-23790}
peer_port=${ETCD_PEER_PORT:-23800}
timeout_s=${CAL_TIMEOUT:-1200}
csv=calibration/etcd/etcd-ranges.csv

data=$(mktemp -d "${TMPDIR:-/tmp}/cascade-etcd.XXXXXX")
etcd_pid=
stop_etcd() {
  if [ -n "$etcd_pid" ] && kill -0 "$etcd_pid" 2>/dev/null; then
    kill "$etcd_pid"; wait "$etcd_pid" 2>/dev/null || true
  fi
  etcd_pid=
}
trap 'stop_etcd; rm -rf "$data"' EXIT

# One member, loopback only; 8 GiB quota so 150k x 2 KB and 50k x 20 KB fit; requests up to 10 MB for
# the load's transactions; a snapshot every 1,000 entries so the raft log in memory stays small.
start_etcd() {
  etcd --name calibration --data-dir "$data/member" \
    --listen-client-urls "http://127.0.0.1:$client_port" --advertise-client-urls "http://127.0.0.1:$client_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "calibration=http://127.0.0.1:$peer_port" --initial-cluster-state new \
    --quota-backend-bytes 8589934592 --max-request-bytes 10485760 --max-txn-ops 1000 \
    --snapshot-count 1000 --logger zap --log-level warn >>"$data/etcd.log" 2>&1 &
  etcd_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$client_port") 2>/dev/null && return 0
    kill -0 "$etcd_pid" 2>/dev/null || { echo "etcd exited:"; cat "$data/etcd.log"; exit 1; }
    sleep 0.1
  done
  echo "etcd did not listen on 127.0.0.1:$client_port"; exit 1
}

harness() {
  timeout "$timeout_s" dotnet calibration/etcd/bin/Release/net10.0/EtcdCalibration.dll run \
    --endpoint "http://127.0.0.1:$client_port" --etcd-pid "$etcd_pid" "$@"
}

dotnet build calibration/etcd -c Release -v q --nologo >/dev/null || { echo "harness build failed"; exit 1; }

if [ $# -gt 0 ]; then
  start_etcd
  harness "$@"
  exit
fi

# CAL_DATASETS="objects:value ..." measures only those and appends to the CSV.
[ -z "${CAL_DATASETS:-}" ] && rm -f "$csv"
for dataset in ${CAL_DATASETS:-10000:2048 50000:2048 150000:2048 10000:20480 50000:20480 150000:20480}; do
  objects=${dataset%:*} value=${dataset#*:}
  rm -rf "$data/member"
  start_etcd
  harness --objects "$objects" --values "$value" --load-only --out "$csv"
  stop_etcd
  start_etcd   # a fresh process over the loaded db: base memory without the load's heap
  harness --objects "$objects" --values "$value" --measure-only --append --out "$csv" --retries "${CAL_RETRIES:-1}"
  stop_etcd
done
dotnet calibration/etcd/bin/Release/net10.0/EtcdCalibration.dll fit --csv "$csv"
