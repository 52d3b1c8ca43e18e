using System.CommandLine;
using System.Globalization;
using FineTune.Sdk;
using FineTune.Sdk.OpenAI;
using Microsoft.Extensions.AI;

namespace FineTune.Cli;

/// <summary>
/// <c>finetune eval run</c> (run a golden set against models into a resumable run file) and
/// <c>finetune eval compare</c> (baseline vs candidate, reports, exit 0 pass / 1 block / 2 usage).
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        return new Command("eval", "Evaluate models on a golden set and gate a deployment on the comparison.")
        {
            CreateRun(context),
            CreateCompare(context),
        };
    }

    private static Command CreateRun(CliContext context)
    {
        var shared = new SharedOptions();
        var models = new Option<string[]>("--model") { Description = "A model to run, as ID or LABEL=ID; repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true };
        var runFile = new Option<FileInfo>("--run-file") { Description = "The JSONL run file results are appended to; an existing one is resumed.", Required = true };
        var command = new Command("run", "Run a golden set against one or more models (any OpenAI-compatible endpoint) into a resumable JSONL run file.") { models, runFile };
        shared.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var variants = new List<(string Label, string Model)>();
            foreach (var spec in parseResult.GetValue(models) ?? [])
            {
                var eq = spec.IndexOf('=', StringComparison.Ordinal);
                variants.Add(eq > 0 ? (spec[..eq], spec[(eq + 1)..]) : (spec, spec));
            }

            if (variants.Select(v => v.Label).Distinct(StringComparer.Ordinal).Count() != variants.Count)
            {
                await context.Error.WriteLineAsync("error: --model labels must be unique.").ConfigureAwait(false);
                return CliApp.UsageError;
            }

            var started = TimeProvider.System.GetTimestamp();
            var summary = new RunSummary();
            var run = await shared.RunAsync(context, parseResult, variants, parseResult.GetValue(runFile)!.FullName, summary, cancellationToken).ConfigureAwait(false);
            if (run.ExitCode is { } exit)
            {
                return exit;
            }

            // The runner's own time (what grows with the cases), then what came before it: reading the golden set and
            // compiling the call path, which overlap (docs/eval.md, "Benchmark").
            var ended = TimeProvider.System.GetTimestamp();
            var runnerTime = TimeProvider.System.GetElapsedTime(run.RunnerStarted, ended);
            var setupTime = TimeProvider.System.GetElapsedTime(started, run.RunnerStarted);
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{summary.Count} results in {runnerTime.TotalSeconds:0.000} s (setup before the first case {setupTime.TotalSeconds:0.000} s)")).ConfigureAwait(false);
            foreach (var line in summary.Lines())
            {
                await context.Output.WriteLineAsync(line).ConfigureAwait(false);
            }

            return CliApp.Success;
        });
        return command;
    }

    private static Command CreateCompare(CliContext context)
    {
        var shared = new SharedOptions();
        var baseModel = new Option<string>("--base") { Description = "The baseline model id.", Required = true };
        var candidate = new Option<string>("--candidate") { Description = "The candidate (fine-tuned) model id.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "The folder compare.json, compare.md and compare.html (and run.jsonl) are written to.", Required = true };
        var runFile = new Option<FileInfo?>("--run-file") { Description = "The run file (default OUT/run.jsonl); rerunning resumes it." };
        var primary = new Option<string?>("--primary") { Description = "The scorer regressions and buckets are decided on (default: the first --scorer)." };
        var command = new Command("compare", "Run a golden set through a baseline and a candidate with identical settings, compare them with statistics and apply the acceptance policy. Exit 0 = pass, 1 = block, 2 = usage error.")
        {
            baseModel, candidate, output, runFile, primary,
        };
        shared.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var outDir = parseResult.GetValue(output)!.FullName;
            var file = parseResult.GetValue(runFile)?.FullName ?? Path.Combine(outDir, "run.jsonl");
            var variants = new List<(string, string)> { ("base", parseResult.GetValue(baseModel)!), ("candidate", parseResult.GetValue(candidate)!) };
            var run = await shared.RunAsync(context, parseResult, variants, file, summary: null, cancellationToken).ConfigureAwait(false);
            if (run.ExitCode is { } exit)
            {
                return exit;
            }

            var options = new ComparisonOptions { GoldenSetName = Path.GetFileName(parseResult.GetValue(shared.Golden)!.FullName), PrimaryScorer = parseResult.GetValue(primary) };
            ComparisonReport report;
            try
            {
                report = EvalComparer.Compare(run.Results, options, run.Cases);
            }
            catch (ArgumentException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }

            await ComparisonReportWriter.WriteAllAsync(report, outDir, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync(report.Decision.Passed ? "PASS" : "BLOCK").ConfigureAwait(false);
            foreach (var rule in report.Decision.Rules.Where(r => r.Applicable))
            {
                var result = rule.Passed ? "pass" : rule.Blocking ? "BLOCK" : "warn";
                await context.Output.WriteLineAsync($"  {result,-5} {rule.Rule}: {rule.Figure}").ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync($"Reports: {Path.Combine(outDir, "compare.md")}, compare.json, compare.html").ConfigureAwait(false);
            return report.Decision.Passed ? CliApp.Success : CliApp.Failed;
        });
        return command;
    }

    /// <summary>Options both subcommands share, and the run they drive.</summary>
    private sealed class SharedOptions
    {
        public Option<FileInfo> Golden { get; } = new("--golden") { Description = "The golden set: JSONL {id, input, expected, tags} rows or held-out chat rows.", Required = true };

        public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "An OpenAI-compatible base URL (for example the emulator's http://127.0.0.1:PORT/v1). The key comes from OPENAI_API_KEY." };

        public Option<string[]> Scorers { get; } = new("--scorer") { Description = "Scorers: " + string.Join("|", EvalScorers.BuiltInNames) + "|judge; repeat for several (default exact).", AllowMultipleArgumentsPerToken = true };

        public Option<string?> JudgeModel { get; } = new("--judge-model") { Description = "The judge model for --scorer judge (same endpoint)." };

        public Option<int> Concurrency { get; } = new("--concurrency") { Description = "Calls at once across models.", DefaultValueFactory = _ => 8 };

        public Option<int?> RequestsPerMinute { get; } = new("--rpm") { Description = "Requests-per-minute limit." };

        public Option<int?> TokensPerMinute { get; } = new("--tpm") { Description = "Tokens-per-minute limit." };

        public Option<int> Retries { get; } = new("--retries") { Description = "Retries of a transient failure (429, 5xx, transport) per call, honouring Retry-After; one call makes at most this + 1 requests.", DefaultValueFactory = _ => 3 };

        public Option<int?> MaxTokens { get; } = new("--max-tokens") { Description = "Output-token limit sent to every model." };

        public Option<double> TimeoutSeconds { get; } = new("--timeout") { Description = "Seconds one case may take, retries included.", DefaultValueFactory = _ => 120 };

        public Option<DirectoryInfo?> Cache { get; } = new("--cache") { Description = "A response-cache folder; a rerun with the same requests is free." };

        public Option<FileInfo?> Training { get; } = new("--training") { Description = "The training file, to flag golden cases that leaked into it." };

        public Option<string[]> ExactNormalization { get; } = new("--exact-normalize")
        {
            Description = "How --scorer exact normalizes both answers before comparing: ignore-case, collapse-whitespace, ignore-punctuation, no-trim (comma list or repeated; default: trim only).",
            AllowMultipleArgumentsPerToken = true,
        };

        public Option<string[]> Prices { get; } = new("--price")
        {
            Description = "Inference prices for per-case cost, as MODEL=INPUT,OUTPUT in USD per 1M tokens; repeat for several. Fine-tuned (ft:) models default to the price catalog's fine-tuned inference prices.",
            AllowMultipleArgumentsPerToken = true,
        };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Golden, Endpoint, Scorers, JudgeModel, Concurrency, RequestsPerMinute, TokensPerMinute, Retries, MaxTokens, TimeoutSeconds, Cache, Training, ExactNormalization, Prices })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>Runs the golden set; results are kept for a comparison, or only tallied into <paramref name="summary"/> (memory stays flat).</summary>
        public async Task<RunOutcome> RunAsync(CliContext context, ParseResult parseResult, List<(string Label, string Model)> variantSpecs, string runFile, RunSummary? summary, CancellationToken cancellationToken)
        {
            var goldenFile = parseResult.GetValue(Golden)!;
            if (!goldenFile.Exists)
            {
                await context.Error.WriteLineAsync($"error: golden set not found: {goldenFile.FullName}").ConfigureAwait(false);
                return RunOutcome.Exit(CliApp.UsageError);
            }

            var training = parseResult.GetValue(Training);
            if (training is { Exists: false })
            {
                await context.Error.WriteLineAsync($"error: training file not found: {training.FullName}").ConfigureAwait(false);
                return RunOutcome.Exit(CliApp.UsageError);
            }

            var endpoint = parseResult.GetValue(Endpoint);
            IChatClient? client = null;
            try
            {
                var options = new EvalRunOptions
                {
                    MaxConcurrency = parseResult.GetValue(Concurrency),
                    MaxOutputTokens = parseResult.GetValue(MaxTokens),
                    CaseTimeout = TimeSpan.FromSeconds(parseResult.GetValue(TimeoutSeconds)),
                    RunFile = runFile,
                };
                var pipeline = new ChatPipelineOptions
                {
                    MaxRetries = parseResult.GetValue(Retries),
                    RequestsPerMinute = parseResult.GetValue(RequestsPerMinute),
                    TokensPerMinute = parseResult.GetValue(TokensPerMinute),
                    ResponseCacheDirectory = parseResult.GetValue(Cache)?.FullName,
                };

                var scorerNames = parseResult.GetValue(Scorers) is { Length: > 0 } names ? names : ["exact"];
                foreach (var name in scorerNames.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
                {
                    if (string.Equals(name, "judge", StringComparison.OrdinalIgnoreCase))
                    {
                        client ??= CreateClient(endpoint, pipeline);
                        options.Scorers.Add(EvalScorers.LlmJudge(client, new LlmJudgeOptions { ModelId = parseResult.GetValue(JudgeModel) ?? throw new ArgumentException("--scorer judge needs --judge-model.") }));
                    }
                    else
                    {
                        var scorer = string.Equals(name, "exact", StringComparison.OrdinalIgnoreCase)
                            ? EvalScorers.ExactMatch(ParseExactNormalization(parseResult.GetValue(ExactNormalization)))
                            : EvalScorers.Create(name);
                        options.Scorers.Add(scorer);
                    }
                }

                var golden = await GoldenSetReader.ReadAsync(goldenFile.FullName, new GoldenSetReadOptions { TrainingFile = training?.FullName }, cancellationToken).ConfigureAwait(false);
                foreach (var finding in golden.Findings)
                {
                    await context.Error.WriteLineAsync($"{finding.Severity.ToString().ToUpperInvariant()} {finding.Code} line {finding.Line}: {finding.Message}").ConfigureAwait(false);
                }

                if (golden.Cases.Count == 0)
                {
                    await context.Error.WriteLineAsync("error: the golden set has no usable case.").ConfigureAwait(false);
                    return RunOutcome.Exit(CliApp.UsageError);
                }

                // Without a key and an endpoint there is no client; the runner then refuses only if some case is not in
                // the run file yet (a finished run is compared without calling anything).
                var noKey = endpoint is null && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable));
                if (!noKey)
                {
                    client ??= CreateClient(endpoint, pipeline);
                }

                var prices = ParsePrices(parseResult.GetValue(Prices));
                var variants = variantSpecs.Select(v => CreateVariant(v.Label, v.Model, client, prices)).ToList();
                var results = new List<EvalCaseResult>();
                var runner = new EvalRunner();
                var runnerStarted = TimeProvider.System.GetTimestamp();
                await foreach (var result in runner.RunAsync(golden.Cases, variants, options, null, cancellationToken).ConfigureAwait(false))
                {
                    if (summary is null)
                    {
                        results.Add(result);
                    }
                    else
                    {
                        summary.Add(result);
                    }
                }

                return new RunOutcome(null, golden.Cases, results) { RunnerStarted = runnerStarted };
            }
            catch (ArgumentException ex)
            {
                var message = client is null && ex.ParamName == "variants"
                    ? $"{OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable} is not set (needed without --endpoint when cases are not in the run file yet)."
                    : ex.Message;
                await context.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
                return RunOutcome.Exit(CliApp.UsageError);
            }
            finally
            {
                client?.Dispose();
            }
        }

        /// <summary>Parses <c>--exact-normalize</c> values into the exact-match scorer's options.</summary>
        /// <exception cref="ArgumentException">A value is not one of the known normalizations.</exception>
        private static ExactMatchOptions ParseExactNormalization(string[]? values)
        {
            var options = new ExactMatchOptions();
            foreach (var value in (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                switch (value.ToLowerInvariant())
                {
                    case "ignore-case":
                        options.IgnoreCase = true;
                        break;
                    case "collapse-whitespace":
                        options.CollapseWhitespace = true;
                        break;
                    case "ignore-punctuation":
                        options.IgnorePunctuation = true;
                        break;
                    case "no-trim":
                        options.Trim = false;
                        break;
                    default:
                        throw new ArgumentException($"--exact-normalize takes ignore-case, collapse-whitespace, ignore-punctuation or no-trim; it was '{value}'.");
                }
            }

            return options;
        }

        /// <summary>Parses <c>--price MODEL=INPUT,OUTPUT</c> values.</summary>
        /// <exception cref="ArgumentException">A value is not in that form.</exception>
        private static Dictionary<string, (decimal Input, decimal Output)> ParsePrices(string[]? specs)
        {
            var prices = new Dictionary<string, (decimal, decimal)>(StringComparer.Ordinal);
            foreach (var spec in specs ?? [])
            {
                var eq = spec.LastIndexOf('=');
                var pair = eq > 0 ? spec[(eq + 1)..].Split(',') : [];
                if (pair.Length != 2
                    || !decimal.TryParse(pair[0], NumberStyles.Number, CultureInfo.InvariantCulture, out var input) || input < 0
                    || !decimal.TryParse(pair[1], NumberStyles.Number, CultureInfo.InvariantCulture, out var output) || output < 0)
                {
                    throw new ArgumentException($"--price must be MODEL=INPUT,OUTPUT (USD per 1M tokens, for example gpt-4o-mini=0.15,0.60); it was '{spec}'.");
                }

                prices[spec[..eq]] = (input, output);
            }

            return prices;
        }

        /// <summary>A variant priced from <c>--price</c>, or for an <c>ft:</c> model from the catalog's fine-tuned inference prices; unpriced otherwise.</summary>
        private static ModelVariant CreateVariant(string label, string modelId, IChatClient? client, Dictionary<string, (decimal Input, decimal Output)> prices)
        {
            (decimal Input, decimal Output)? price = prices.TryGetValue(modelId, out var given) ? given
                : modelId.StartsWith("ft:", StringComparison.Ordinal) && new CostEstimator().FindPrice(modelId) is { InputPerMillionTokens: { } input, OutputPerMillionTokens: { } output } ? (input, output)
                : null;
            return new ModelVariant(label, modelId, client) { InputPricePerMillionTokens = price?.Input, OutputPricePerMillionTokens = price?.Output };
        }

        private static IChatClient CreateClient(string? endpoint, ChatPipelineOptions pipeline)
        {
            if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
            {
                throw new ArgumentException($"--endpoint is not an absolute URL: {endpoint}");
            }

            var options = new OpenAIFineTuneProviderOptions { Endpoint = endpoint };
            if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable)))
            {
                if (endpoint is null)
                {
                    throw new ArgumentException($"{OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable} is not set (needed without --endpoint).");
                }

                options.ApiKey = "local-endpoint";
            }

            return OpenAIChatClients.Create(options, pipeline);
        }
    }

    private sealed record RunOutcome(int? ExitCode, IReadOnlyList<GoldenCase> Cases, List<EvalCaseResult> Results)
    {
        /// <summary>The timestamp at which the runner started: the golden set is read and the call path compiled.</summary>
        public long RunnerStarted { get; init; }

        public static RunOutcome Exit(int code) => new(code, [], []);
    }

    /// <summary>What <c>eval run</c> prints per model, tallied as results stream by instead of keeping them.</summary>
    private sealed class RunSummary
    {
        private readonly List<VariantTally> _variants = [];

        public int Count { get; private set; }

        public void Add(EvalCaseResult result)
        {
            Count++;
            var tally = _variants.Find(v => string.Equals(v.Label, result.Variant, StringComparison.Ordinal));
            if (tally is null)
            {
                tally = new VariantTally(result.Variant, result.ModelId);
                _variants.Add(tally);
            }

            tally.Cases++;
            tally.Errors += result.Error is null ? 0 : 1;
            foreach (var score in result.Scores)
            {
                var scorer = tally.Scorers.Find(s => string.Equals(s.Name, score.Scorer, StringComparison.OrdinalIgnoreCase));
                if (scorer is null)
                {
                    scorer = new ScorerTally(score.Scorer);
                    tally.Scorers.Add(scorer);
                }

                if (score.ScorerError is null)
                {
                    scorer.Scored++;
                    scorer.Passed += score.Passed ? 1 : 0;
                }
            }
        }

        /// <summary>One line per model: cases, errors and each scorer's pass rate.</summary>
        public IEnumerable<string> Lines()
        {
            foreach (var tally in _variants)
            {
                var parts = new List<string> { $"{tally.Label} ({tally.ModelId}): {tally.Cases} cases, {tally.Errors} errors" };
                parts.AddRange(tally.Scorers.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {(s.Scored == 0 ? 0 : s.Passed * 100.0 / s.Scored):0.0}%")));
                yield return string.Join("; ", parts);
            }
        }

        private sealed class VariantTally(string label, string modelId)
        {
            public string Label { get; } = label;

            public string ModelId { get; } = modelId;

            public int Cases { get; set; }

            public int Errors { get; set; }

            public List<ScorerTally> Scorers { get; } = [];
        }

        private sealed class ScorerTally(string name)
        {
            public string Name { get; } = name;

            public int Scored { get; set; }

            public int Passed { get; set; }
        }
    }
}
