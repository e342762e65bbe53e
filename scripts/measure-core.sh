#!/usr/bin/env bash
# Whole-process figures of the core on the embedded store: seeding N
# customers, start-up time on the existing data folder (median of 5 runs of
# one request), and the resident memory of the process that answered finds
# over them. Usage: scripts/measure-core.sh [N] (default 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/crmbot" ./cmd/crmbot
go build -o "$work/crmseed" ./cmd/crmseed
export DATA_DIR="$work/data" HTTP_ADDR=127.0.0.1:0
"$work/crmseed" -n "$n" | tail -1

# Start-up: from exec to the answer of one request, on the seeded folder.
times=()
for i in 1 2 3 4 5; do
  start=$(date +%s.%N)
  echo "find Siti" | "$work/crmbot" >/dev/null 2>&1
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
done
printf 'start-up + one find over %d customers (s), 5 runs: %s\n' "$n" "${times[*]}"
printf 'median: %s s\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)"

# Memory: peak resident set of a process answering 200 finds.
for i in $(seq 200); do printf 'find 012%07d\nfind siti\nfind nurhalisa\n' $((i * 37 % n)); done > "$work/finds.txt"
/usr/bin/time -f 'peak resident memory: %M KiB, elapsed %e s' "$work/crmbot" < "$work/finds.txt" 2>&1 >/dev/null | grep -E 'peak resident'
