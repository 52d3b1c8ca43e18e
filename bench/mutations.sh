#!/usr/bin/env bash
# Mutation check: applies one deliberate bug at a time to src/, runs the test subset that should catch it, expects at
# least one test to FAIL (a build error does not count as caught), and restores the file. Prints one line per mutation
# and a summary; docs/testing.md lists the results. usage: bench/mutations.sh [NAME...]   (no NAME: all test mutations;
# the regressions that CI gates must catch run when named, or all of them with MUTATIONS_GATES=1)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
restore() { [ -f "$work/backup" ] && cp "$work/backup" "$work/target" 2>/dev/null; }

# name | file | exact text to replace | replacement | test project | test filter
# or:   name | file | exact text to replace | replacement | ci:STEP (a .ci/extra.d step) | a line the failing step must print
mutations=(
  "mcnemar-flip|src/FineTune.Sdk/Comparison/PairedStatistics.cs|var k = Math.Min(b, c);|var k = Math.Max(b, c);|tests/FineTune.Sdk.Tests|FullyQualifiedName~PairedStatistics|FullyQualifiedName~EvalComparer"
  "gate-drops-finding|src/FineTune.Sdk/Datasets/Gates/DuplicateGate.cs|                findings.Add(ExactCode, FindingSeverity.Warning, row.Line, \"\$\", string.Create(CultureInfo.InvariantCulture,\n                    \$\"Row is an exact duplicate of line {first} (after case, whitespace and Unicode NFKC normalization).\"));|                _ = first;|tests/FineTune.Sdk.Tests|FullyQualifiedName~Duplicate"
  "pii-prefilter-lets-emails-through|src/FineTune.Sdk/Datasets/Pii/PiiDetector.cs|if (utf8.IndexOf((byte)'@') >= 0 \|\| utf8.IndexOf(|if (utf8.IndexOf(|tests/FineTune.Sdk.Tests|FullyQualifiedName~Pii"
  "splitter-off-by-one|src/FineTune.Sdk/Datasets/Tools/DatasetSplitter.cs|j < holdoutCount ? Holdout|j <= holdoutCount ? Holdout|tests/FineTune.Sdk.Tests|FullyQualifiedName~DatasetSplitter"
  "retry-after-ignored|src/FineTune.Sdk/Evaluation/Pipeline/RetryingChatClient.cs|DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? GetRetryAfter(e) : null),|DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(null),|tests/FineTune.Sdk.Tests|FullyQualifiedName~ChatPipelineTests|FullyQualifiedName~EvalRunnerTests"
  "job-retry-after-ignored|src/FineTune.Sdk/Jobs/FineTuneResiliencePipeline.cs|RetryAfter: { } retryAfter } && retryAfter >= TimeSpan.Zero)|RetryAfter: { } retryAfter } && retryAfter < TimeSpan.Zero)|tests/FineTune.Sdk.Tests|FullyQualifiedName~FineTuneResiliencePipelineTests|FullyQualifiedName~ResilientFineTuneProviderTests"
  "eval-runner-sequential|src/FineTune.Sdk/Evaluation/EvalRunner.cs|Enumerable.Range(0, Math.Min(options.MaxConcurrency, pending.Count))|Enumerable.Range(0, Math.Min(1, pending.Count))|tests/FineTune.Sdk.Tests|FullyQualifiedName~EvalRunnerTests"
  "emulator-job-without-seed|src/FineTune.Sdk.Testing/OpenAI/OpenAIEmulator.JobWire.cs|        w.WriteNumber(\"seed\", job.Seed);\n||tests/FineTune.Sdk.Testing.Tests|FullyQualifiedName~OpenAIEmulatorTests.CreateJob_SteppedThroughTheClock"
  "validate-output-changed|src/FineTune.Sdk/Datasets/Gates/DuplicateGate.cs|exact duplicate of line {first} (after case|exact duplicate of row {first} (after case|ci:validate-gates|output FAILED"
  "validate-retains-lines|src/FineTune.Sdk/Datasets/Reading/JsonlReader.cs|                        yield return line;|                        AppContext.SetData(\"ft-retained-\" + lineNumber, line.Bytes.ToArray()); yield return line;|ci:validate-gates|memory FAILED"
  "eval-runner-half-concurrency|src/FineTune.Sdk/Evaluation/EvalRunner.cs|Enumerable.Range(0, Math.Min(options.MaxConcurrency, pending.Count))|Enumerable.Range(0, Math.Min(Math.Max(1, options.MaxConcurrency / 2), pending.Count))|ci:eval-peer|the runner took"
  "reply-priming-off-by-one|src/FineTune.Sdk/Tokens/ChatTokenAccounting.cs|public const int ReplyPrimingTokens = 3;|public const int ReplyPrimingTokens = 4;|tests/FineTune.Sdk.Tests|FullyQualifiedName~TokenCountGateTests"
)

selected=("$@")
caught=0 missed=0
for entry in "${mutations[@]}"; do
  IFS='|' read -r name file old new project filter <<<"${entry//\\|/$'\x1f'}"
  old=${old//$'\x1f'/|}
  if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " == *" $name "* ]]; then continue; fi
  # the CI-gate regressions take minutes each: only when named or with MUTATIONS_GATES=1
  if [[ "$project" == ci:* ]] && [ ${#selected[@]} -eq 0 ] && [ "${MUTATIONS_GATES:-0}" != 1 ]; then continue; fi
  cp "$file" "$work/backup"; ln -sf "$root/$file" "$work/target"
  trap 'restore' EXIT INT TERM
  if ! OLD="$old" NEW="$new" python3 - "$file" <<'PY'
import os, sys
path = sys.argv[1]
old = os.environ["OLD"].replace("\\n", "\n"); new = os.environ["NEW"].replace("\\n", "\n")
text = open(path, encoding="utf-8").read()
if text.count(old) != 1:
    sys.exit(f"mutation text found {text.count(old)} times in {path}")
open(path, "w", encoding="utf-8").write(text.replace(old, new))
PY
  then echo "mutation $name: NOT APPLIED (source changed?)"; missed=$((missed + 1)); restore; continue; fi
  start=$(date +%s)
  if [[ "$project" == ci:* ]]; then
    # a CI gate, not a test subset: the step must exit non-zero and print the expected failure line
    bash ".ci/extra.d/${project#ci:}" >"$work/$name.log" 2>&1; code=$?
    secs=$(( $(date +%s) - start ))
    restore; rm -f "$work/backup"
    if [ "$code" -ne 0 ] && grep -q -- "$filter" "$work/$name.log"; then
      echo "mutation $name: CAUGHT in ${secs} s by the CI step ${project#ci:}: $(grep -m1 -- "$filter" "$work/$name.log")"; caught=$((caught + 1))
    else
      echo "mutation $name: MISSED (the CI step ${project#ci:} exited $code)"; tail -5 "$work/$name.log"; missed=$((missed + 1))
    fi
    continue
  fi
  dotnet test "$project" --filter "$filter" >"$work/$name.log" 2>&1
  secs=$(( $(date +%s) - start ))
  restore; rm -f "$work/backup"
  if grep -q "error CS" "$work/$name.log"; then
    echo "mutation $name: BUILD ERROR (not a test result)"; grep -m3 "error CS" "$work/$name.log"; missed=$((missed + 1))
  elif grep -q "No test matches the given testcase filter" "$work/$name.log"; then
    echo "mutation $name: NO TESTS RAN (filter matched nothing)"; missed=$((missed + 1))
  elif grep -Eq "Failed! +- Failed: +[1-9]" "$work/$name.log"; then
    tests=$(grep -E '^\s+Failed [A-Za-z]' "$work/$name.log" | sed -E 's/^\s+Failed ([^ ]+).*/\1/' | sed -E 's/.*\.([A-Za-z0-9_]+\.[A-Za-z0-9_]+)$/\1/' | sort -u | tr '\n' ' ')
    echo "mutation $name: CAUGHT in ${secs} s by: $tests"; caught=$((caught + 1))
  else
    echo "mutation $name: MISSED (the subset passed)"; missed=$((missed + 1))
  fi
done
trap - EXIT INT TERM
rm -rf "$work"
echo "mutations: $caught caught, $missed not caught"
[ "$missed" -eq 0 ]
