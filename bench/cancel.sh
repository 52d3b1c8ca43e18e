#!/usr/bin/env bash
# Interrupts `finetune validate` (every gate, token counts for a model) on a generated corpus with SIGINT at random
# moments and records, for each, the time from the signal to the process's exit, its exit code (130 expected) and
# whether stderr holds a stack trace (it must not). Prints one row per run, then the p50 and the max.
#
# usage: [CANCEL_RUNS=20] [CANCEL_SEED=1] [FINETUNE=path/to/finetune] bench/cancel.sh [MB=100]
#   FINETUNE defaults to bench/out/cli/finetune: the tool as users run it, which bench/validate-vs-peer.sh packs and
#   installs from its nupkg (run that first, or point FINETUNE at an installed tool).
set -euo pipefail
set -m # job control: without it, bash starts background commands with SIGINT ignored, and the signal would not land
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" && pwd)
mb=${1:-100}
runs=${CANCEL_RUNS:-20}
out="$root/bench/out"
mkdir -p "$out"

corpus="$out/corpus-$mb.jsonl"
[ -s "$corpus" ] || python3 "$shared/bench/make-corpus.py" "$corpus" "$mb" >&2
finetune=${FINETUNE:-$out/cli/finetune}
if [ ! -x "$finetune" ]; then
  echo "cancel.sh: $finetune not found: run bench/validate-vs-peer.sh first (it installs the tool from its nupkg) or set FINETUNE" >&2
  exit 2
fi

now() { date +%s.%N; }

# One uninterrupted run sets the range the random moments are drawn from.
start=$(now)
"$finetune" validate "$corpus" --json --model gpt-4o-mini >/dev/null 2>&1 || true
full=$(echo "$(now) - $start" | bc)
echo "uninterrupted run: ${full} s; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

RANDOM=${CANCEL_SEED:-1}
echo "| run | SIGINT after s | exit after signal s | exit code | stack trace |"
echo "|-----|----------------|---------------------|-----------|-------------|"
times=()
for i in $(seq 1 "$runs"); do
  # A moment between 0.05 s and 95% of the uninterrupted run.
  at=$(echo "scale=3; 0.05 + ($full * 0.95 - 0.05) * $RANDOM / 32767" | bc)
  "$finetune" validate "$corpus" --json --model gpt-4o-mini >/dev/null 2>"$out/cancel-$i.err" &
  pid=$!
  sleep "$at"
  signalled=$(now)
  if ! kill -INT "$pid" 2>/dev/null; then
    wait "$pid" || true
    echo "| $i | $at | (finished first) | - | - |"
    continue
  fi
  code=0
  wait "$pid" 2>/dev/null || code=$? # (quiet: job control would report "Interrupt")
  took=$(echo "$(now) - $signalled" | bc)
  trace=$(grep -qE '^\s+at |Unhandled exception' "$out/cancel-$i.err" && echo yes || echo no)
  times+=("$took")
  printf '| %d | %s | %.3f | %d | %s |\n' "$i" "$at" "$took" "$code" "$trace"
done

printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END {
  if (NR == 0) { print "no run was interrupted"; exit }
  p50 = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "interrupted runs: %d; time to exit after SIGINT: p50 %.3f s, max %.3f s\n", NR, p50, v[NR] }'
