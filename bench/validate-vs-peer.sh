#!/usr/bin/env bash
# Validates the same generated corpus with our `finetune validate` and with the Node.js peer
# (../shared/bench/cookbook-check.mjs, the OpenAI cookbook's checks with gpt-tokenizer and with tiktoken),
# in one run, and prints wall-clock seconds, MB/s and peak RSS for each. Ours is the tool installed from its nupkg.
#
# usage: [BENCH_ROUNDS=3] [BENCH_NODELAY=1] bench/validate-vs-peer.sh [MB=100] [LARGE_MB=0]
#   LARGE_MB > 0 also validates a corpus of that size with ours and the gpt-tokenizer peer, to check that memory stays flat.
#   BENCH_ROUNDS repeats ours (all gates and --gates none) and gpt-tokenizer back to back, one ratio per round.
#   BENCH_BEFORE=COMMIT also packs and installs the tool as it was at COMMIT (from `git archive`) and runs it with all
#   gates in each round, right before ours: a same-run before/after.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" && pwd)
mb=${1:-100}
large_mb=${2:-0}
out="$root/bench/out"
mkdir -p "$out"

corpus() { # corpus SIZE -> path
  local f="$out/corpus-$1.jsonl"
  [ -s "$f" ] || python3 "$shared/bench/make-corpus.py" "$f" "$1" >&2
  echo "$f"
}

if [ ! -d "$out/peer/node_modules" ]; then
  rm -rf "$out/peer" && cp -r "$shared/bench" "$out/peer" && chmod -R u+w "$out/peer"
  (cd "$out/peer" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
# The tool as users run it: packed, then installed from the nupkg with `dotnet tool install` (its own runtimeconfig,
# no ReadyToRun publish). A fresh version each run, so the install never reuses an older package.
version="0.0.0-bench.$(date +%s)"
rm -rf "$out/feed" "$out/cli"
dotnet pack "$root/src/FineTune.Cli" -c Release -o "$out/feed" -p:Version="$version" -v quiet -nologo >/dev/null
dotnet tool install FineTune.Cli --tool-path "$out/cli" --version "$version" --add-source "$out/feed" >/dev/null
before=${BENCH_BEFORE:-}
if [ -n "$before" ]; then
  rm -rf "$out/before-src" "$out/before-feed" "$out/before-cli" && mkdir -p "$out/before-src"
  git -C "$root" archive "$before" | tar -x -C "$out/before-src"
  dotnet pack "$out/before-src/src/FineTune.Cli" -c Release -o "$out/before-feed" -p:Version="$version" -v quiet -nologo >/dev/null
  dotnet tool install FineTune.Cli --tool-path "$out/before-cli" --version "$version" --add-source "$out/before-feed" >/dev/null
  echo "before: the tool at $(git -C "$root" rev-parse --short "$before"), installed from its nupkg"
fi

measure() { # measure LABEL FILE CMD... -> one table row; the command's stdout goes to $out/LABEL.json
  local label=$1 file=$2; shift 2
  local bytes; bytes=$(stat -L -c %s "$file")
  /usr/bin/time -f '%e %M' -o "$out/$label.time" "$@" >"$out/$label.json" 2>"$out/$label.err" || true
  read -r secs rss_kb <"$out/$label.time"
  awk -v l="$label" -v s="$secs" -v r="$rss_kb" -v b="$bytes" \
    'BEGIN { printf "| %-28s | %8.1f | %7.2f | %8.1f | %7.1f |\n", l, b/1048576, s, (b/1048576)/s, r/1024 }'
}

small=$(corpus "$mb")
rounds=${BENCH_ROUNDS:-1}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| run                          | size MB  | wall s  |   MB/s   | RSS MB  |"
echo "|------------------------------|----------|---------|----------|---------|"
# Each round runs ours and gpt-tokenizer back to back, so a ratio compares the two at the same moment: this
# machine's speed drifts by 20% within minutes (BENCH_ROUNDS=3 gives three ratios and their median).
for round in $(seq 1 "$rounds"); do
  suffix=$([ "$rounds" -gt 1 ] && echo "-r$round" || true)
  if [ -n "$before" ]; then
    measure "before-validate-${mb}MB$suffix" "$small" "$out/before-cli/finetune" validate "$small" --json --model gpt-4o-mini
  fi
  measure "finetune-validate-${mb}MB$suffix" "$small" "$out/cli/finetune" validate "$small" --json --model gpt-4o-mini
  # The peer's work and no more: format checks, token counts and cost, without the quality gates (duplicates, PII...).
  measure "finetune-validate-gates-none-${mb}MB$suffix" "$small" "$out/cli/finetune" validate "$small" --json --model gpt-4o-mini --gates none
  measure "peer-gpt-tokenizer-${mb}MB$suffix" "$small" node "$out/peer/cookbook-check.mjs" "$small" gpt-tokenizer
done
if [ "$rounds" -gt 1 ]; then # the totals check below reads the unsuffixed outputs
  for name in finetune-validate finetune-validate-gates-none peer-gpt-tokenizer; do
    cp "$out/$name-${mb}MB-r1.json" "$out/$name-${mb}MB.json"
  done
fi
# The same with tier-1 compilation starting at once instead of after the runtime's 100 ms call-counting delay (a
# process-wide runtime setting, not the tool's default: it slows `finetune eval run`, docs/benchmarks.md).
if [ "${BENCH_NODELAY:-0}" = 1 ]; then
  measure "finetune-validate-nodelay-${mb}MB" "$small" env DOTNET_TC_CallCountingDelayMs=0 "$out/cli/finetune" validate "$small" --json --model gpt-4o-mini
fi
measure "peer-tiktoken-${mb}MB" "$small" node "$out/peer/cookbook-check.mjs" "$small" tiktoken
if [ "$large_mb" -gt 0 ]; then
  large=$(corpus "$large_mb")
  measure "finetune-validate-${large_mb}MB" "$large" "$out/cli/finetune" validate "$large" --json --model gpt-4o-mini
  measure "peer-gpt-tokenizer-${large_mb}MB" "$large" node "$out/peer/cookbook-check.mjs" "$large" gpt-tokenizer
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "same-round ratios (gpt-tokenizer wall-clock / ours):"
python3 - "$out" "$mb" "$rounds" <<'PY'
import statistics, sys, pathlib
out, mb, rounds = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def secs(name, r):
    suffix = f"-r{r}" if rounds > 1 else ""
    try:
        return float((out / f"{name}-{mb}MB{suffix}.time").read_text().split()[0])
    except Exception:
        return None
for name, label in (("before-validate", "before, all gates"), ("finetune-validate", "all gates (default)"), ("finetune-validate-gates-none", "--gates none (the peer's work)")):
    ratios = [secs("peer-gpt-tokenizer", r) / secs(name, r) for r in range(1, rounds + 1) if secs("peer-gpt-tokenizer", r) and secs(name, r)]
    if ratios:
        print(f"  {label}: " + ", ".join(f"{x:.2f}x" for x in ratios) + f" (median {statistics.median(ratios):.2f}x, min {min(ratios):.2f}x)")
PY
echo
echo "token totals (ours vs peers):"
python3 - "$out" "$mb" <<'PY'
import json, sys, pathlib
out, mb = pathlib.Path(sys.argv[1]), sys.argv[2]
def load(name):
    try:
        return json.loads((out / f"{name}-{mb}MB.json").read_text())
    except Exception as e:
        return {"error": str(e)}
ours, gt, tk = load("finetune-validate"), load("peer-gpt-tokenizer"), load("peer-tiktoken")
tokens = ours.get("tokens") or {}
print(f"  ours: rows={ours.get('rows')} total={tokens.get('total')} billed={tokens.get('billed')} peer-formula={tokens.get('cookbookTotal', tokens.get('cookbook_total'))}")
for name, p in (("gpt-tokenizer", gt), ("tiktoken", tk)):
    print(f"  {name}: rows={p.get('rows')} total={p.get('total_tokens')} billed={p.get('billed_tokens')} epochs={p.get('epochs')} errors={p.get('errors')}")
PY
if [ -n "$before" ]; then
  echo
  r1=$([ "$rounds" -gt 1 ] && echo "-r1" || true)
  if cmp -s "$out/before-validate-${mb}MB$r1.json" "$out/finetune-validate-${mb}MB.json"; then
    echo "before/after: validate --json output identical"
  else
    echo "before/after: validate --json output DIFFERS"
  fi
fi
