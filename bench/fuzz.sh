#!/usr/bin/env bash
# Long fuzz runs of the property-based suite (tests/FineTune.Sdk.Tests/Fuzzing): every property runs for
# SECONDS seconds on every core with random seeds and CsCheck's shrinking, and prints iterations per second.
# CI runs the same properties with a fixed seed and a bounded number of iterations (no variable needed).
#   bench/fuzz.sh [SECONDS]     default 60 per property
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
report="$(mktemp)"
FINETUNE_FUZZ_SECONDS="$seconds" FINETUNE_FUZZ_REPORT="$report" \
  dotnet test tests/FineTune.Sdk.Tests -c Release --filter "FullyQualifiedName~FuzzTests" -- xUnit.MaxParallelThreads=1
echo "---- iterations per property (${seconds} s each)"
cat "$report"
rm -f "$report"
