#!/bin/sh
# bench/count-run.sh [cascade run arguments]: what one `cascade run` executes, counted rather than timed.
#
# Wall time on a shared machine varies by a third from one minute to the next, so a change worth a few per cent cannot
# be seen in it. This counts instead, under valgrind's cachegrind: instructions, and the misses of a 48 KiB L1 data
# cache and of a 1 MiB L2 (this machine's per-core caches). The counts repeat exactly for the same build and input,
# whatever else the machine is doing. Tiered compilation is off so that every method is compiled once, fully
# optimized and without profile-guided choices (which depend on timing): the code differs a little from a timed run's,
# the same way for both sides of a comparison. Startup and the cluster's build are counted too (about 3.7 billion
# instructions for the list storm); compare two builds on the same arguments. About 4 minutes for the list-storm hour.
#
#   bench/count-run.sh                                   # scenarios/list-storm.yaml, one hour, 5,000 nodes
#   bench/count-run.sh scenarios/list-storm.yaml --set duration=10m
set -eu
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "count-run: valgrind is not installed (apt install valgrind)" >&2; exit 2; }
[ $# -gt 0 ] || set -- scenarios/list-storm.yaml
dotnet build src/Cascade.Cli -c Release -v quiet -nologo >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
DOTNET_TieredCompilation=0 DOTNET_EnableWriteXorExecute=0 valgrind --tool=cachegrind --cache-sim=yes \
  --D1=49152,12,64 --LL=1048576,16,64 --cachegrind-out-file=/dev/null \
  dotnet src/Cascade.Cli/bin/Release/net10.0/cascade.dll run "$@" --out "$out/run" -q 2>"$out/log" >/dev/null || { tail -5 "$out/log" >&2; exit 1; }
grep -E "I +refs|D1 +misses|LLd +misses" "$out/log" | sed 's/^==[0-9]*== //; s/LLd misses/L2 misses /'
