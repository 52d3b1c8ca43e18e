#!/usr/bin/env bash
# Validates the same generated corpus with our `finetune validate` and with the Node.js peer
# (../shared/bench/cookbook-check.mjs, the OpenAI cookbook's checks with gpt-tokenizer and with tiktoken),
# in one run, and prints wall-clock seconds, MB/s and peak RSS for each.
#
# usage: bench/validate-vs-peer.sh [MB=100] [LARGE_MB=0]
#   LARGE_MB > 0 also validates a corpus of that size with ours only, to check that memory stays flat.
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
# ReadyToRun: the run JITs far less (less CPU at start-up and about 10 MB less peak RSS); hot loops are still
# rejitted at tier 1. See docs/benchmarks.md.
dotnet publish "$root/src/FineTune.Cli" -c Release -f net10.0 -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o "$out/cli" -v quiet -nologo >/dev/null

measure() { # measure LABEL FILE CMD... -> one table row; the command's stdout goes to $out/LABEL.json
  local label=$1 file=$2; shift 2
  local bytes; bytes=$(stat -L -c %s "$file")
  /usr/bin/time -f '%e %M' -o "$out/$label.time" "$@" >"$out/$label.json" 2>"$out/$label.err" || true
  read -r secs rss_kb <"$out/$label.time"
  awk -v l="$label" -v s="$secs" -v r="$rss_kb" -v b="$bytes" \
    'BEGIN { printf "| %-28s | %8.1f | %7.2f | %8.1f | %7.1f |\n", l, b/1048576, s, (b/1048576)/s, r/1024 }'
}

small=$(corpus "$mb")
echo "| run                          | size MB  | wall s  |   MB/s   | RSS MB  |"
echo "|------------------------------|----------|---------|----------|---------|"
measure "finetune-validate-${mb}MB" "$small" "$out/cli/finetune" validate "$small" --json --model gpt-4o-mini
# The peer's work and no more: format checks, token counts and cost, without the quality gates (duplicates, PII...).
measure "finetune-validate-gates-none-${mb}MB" "$small" "$out/cli/finetune" validate "$small" --json --model gpt-4o-mini --gates none
# The same with tier-1 compilation starting at once instead of after the runtime's 100 ms call-counting delay (a
# process-wide runtime setting, not the tool's default: it slows `finetune eval run`, docs/benchmarks.md).
measure "finetune-validate-nodelay-${mb}MB" "$small" env DOTNET_TC_CallCountingDelayMs=0 "$out/cli/finetune" validate "$small" --json --model gpt-4o-mini
measure "peer-gpt-tokenizer-${mb}MB" "$small" node "$out/peer/cookbook-check.mjs" "$small" gpt-tokenizer
measure "peer-tiktoken-${mb}MB" "$small" node "$out/peer/cookbook-check.mjs" "$small" tiktoken
if [ "$large_mb" -gt 0 ]; then
  large=$(corpus "$large_mb")
  measure "finetune-validate-${large_mb}MB" "$large" "$out/cli/finetune" validate "$large" --json --model gpt-4o-mini
fi
echo
echo "same-run ratios (peer wall-clock / ours):"
python3 - "$out" "$mb" <<'PY'
import sys, pathlib
out, mb = pathlib.Path(sys.argv[1]), sys.argv[2]
def secs(name):
    try:
        return float((out / f"{name}-{mb}MB.time").read_text().split()[0])
    except Exception:
        return None
peer = secs("peer-gpt-tokenizer")
for name in ("finetune-validate", "finetune-validate-gates-none", "finetune-validate-nodelay"):
    ours = secs(name)
    if peer and ours:
        print(f"  gpt-tokenizer / {name}: {peer / ours:.2f}x")
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
