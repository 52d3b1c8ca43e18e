using System.CommandLine;
using System.Globalization;
using FineTune.Sdk;
using FineTune.Sdk.OpenAI;
using Microsoft.Extensions.AI;

namespace FineTune.Cli;

/// <summary>
/// <c>finetune eval run</c> (run a golden set against models into a resumable run file) and
/// <c>finetune eval compare</c> (baseline vs candidate, reports, exit 0 pass / 1 block / 2 usage). Parsing and printing
/// only: the work is <see cref="GoldenSetEvaluation"/> over a chat client from <see cref="OpenAIChatClients"/> or, with
/// <c>--provider bedrock</c>, the Converse client <c>AddBedrock(...)</c> registers (<see cref="BedrockCommandLine"/>).
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context) => new("eval", "Evaluate models on a golden set and gate a deployment on the comparison.")
    {
        CreateRun(context),
        CreateCompare(context),
    };

    private static Command CreateRun(CliContext context)
    {
        var shared = new SharedOptions();
        var models = new Option<string[]>("--model") { Description = "A model to run, as ID or LABEL=ID; repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true };
        var runFile = new Option<FileInfo>("--run-file") { Description = "The JSONL run file results are appended to; an existing one is resumed.", Required = true };
        var command = new Command("run", "Run a golden set against one or more models (any OpenAI-compatible endpoint, or Bedrock with --provider bedrock) into a resumable JSONL run file.") { models, runFile };
        shared.AddTo(command);
        command.SetAction((parseResult, cancellationToken) => shared.ExecuteAsync(context, parseResult, async (build, token) =>
        {
            var specs = (parseResult.GetValue(models) ?? []).Select(spec => spec.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq ? (spec[..eq], spec[(eq + 1)..]) : (spec, spec)).ToList();
            if (specs.Select(v => v.Item1).Distinct(StringComparer.Ordinal).Count() != specs.Count)
            {
                throw new ArgumentException("--model labels must be unique.");
            }

            var run = await GoldenSetEvaluation.RunAsync(build(specs, parseResult.GetValue(runFile)!.FullName), token).ConfigureAwait(false);
            if (!await SharedOptions.PrintFindingsAsync(context, run.Golden).ConfigureAwait(false))
            {
                return CliApp.UsageError;
            }

            if (await SharedOptions.ReportFailedVariantAsync(context, run, null).ConfigureAwait(false))
            {
                return CliApp.UsageError;
            }

            // The runner's own time (what grows with the cases), then what came before it (docs/eval.md, "Benchmark").
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{run.Summary.Count} results in {run.RunnerTime.TotalSeconds:0.000} s (setup before the first case {run.SetupTime.TotalSeconds:0.000} s)")).ConfigureAwait(false);
            foreach (var tally in run.Summary.Variants)
            {
                var parts = new List<string> { $"{tally.Label} ({tally.ModelId}): {tally.Cases} cases, {tally.Errors} errors" };
                parts.AddRange(tally.Scorers.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.PassRate * 100:0.0}%")));
                await context.Output.WriteLineAsync(string.Join("; ", parts)).ConfigureAwait(false);
            }

            return CliApp.Success;
        }, cancellationToken));
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
        command.SetAction((parseResult, cancellationToken) => shared.ExecuteAsync(context, parseResult, async (build, token) =>
        {
            var outDir = parseResult.GetValue(output)!.FullName;
            var file = parseResult.GetValue(runFile)?.FullName ?? Path.Combine(outDir, "run.jsonl");
            var request = build([("base", parseResult.GetValue(baseModel)!), ("candidate", parseResult.GetValue(candidate)!)], file);
            var comparison = new ComparisonOptions
            {
                GoldenSetName = Path.GetFileName(request.GoldenSetPath),
                GoldenSetSha256 = File.Exists(request.GoldenSetPath) ? await ModelRegistryHashes.FileSha256Async(request.GoldenSetPath, token).ConfigureAwait(false) : null,
                PrimaryScorer = parseResult.GetValue(primary),
            };
            var (run, report) = await GoldenSetEvaluation.CompareAsync(request, comparison, outDir, token).ConfigureAwait(false);
            if (!await SharedOptions.PrintFindingsAsync(context, run.Golden).ConfigureAwait(false) || report is null)
            {
                return CliApp.UsageError;
            }

            if (await SharedOptions.ReportFailedVariantAsync(context, run, run.Results).ConfigureAwait(false))
            {
                return CliApp.UsageError;
            }

            await context.Output.WriteLineAsync(report.Decision.Passed ? "PASS" : "BLOCK").ConfigureAwait(false);
            foreach (var rule in report.Decision.Rules.Where(r => r.Applicable))
            {
                var result = rule.Passed ? "pass" : rule.Blocking ? "BLOCK" : "warn";
                await context.Output.WriteLineAsync($"  {result,-5} {rule.Rule}: {rule.Figure}").ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync($"Reports: {Path.Combine(outDir, "compare.md")}, compare.json, compare.html").ConfigureAwait(false);
            return report.Decision.Passed ? CliApp.Success : CliApp.Failed;
        }, cancellationToken));
        return command;
    }

    /// <summary>Options both subcommands share, parsed into a <see cref="GoldenSetRunRequest"/>.</summary>
    private sealed class SharedOptions
    {
        public Option<FileInfo> Golden { get; } = new("--golden") { Description = "The golden set: JSONL {id, input, expected, tags} rows or held-out chat rows.", Required = true };

        public Option<string> Provider { get; } = new("--provider") { Description = "openai (any OpenAI-compatible endpoint, the default) or bedrock (Converse; model ids are base model ids or provisioned-throughput / deployment ARNs, credentials from the AWS chain).", DefaultValueFactory = _ => "openai" };

        public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "openai: an OpenAI-compatible base URL (for example the emulator's http://127.0.0.1:PORT/v1), key from OPENAI_API_KEY. bedrock: one URL for the control plane and Runtime (for example 'finetune emulate bedrock')." };

        public Option<string?> Region { get; } = new("--region") { Description = "The AWS region for --provider bedrock (default: the AWS configuration chain)." };

        public Option<string[]> Scorers { get; } = new("--scorer") { Description = "Scorers: " + string.Join("|", EvalScorers.BuiltInNames) + "|judge; repeat for several (default exact).", AllowMultipleArgumentsPerToken = true };

        public Option<string?> JudgeModel { get; } = new("--judge-model") { Description = "The judge model for --scorer judge (same endpoint and chat pipeline)." };

        public Option<int> Concurrency { get; } = new("--concurrency") { Description = "Calls at once across models.", DefaultValueFactory = _ => 8 };

        public Option<int?> RequestsPerMinute { get; } = new("--rpm") { Description = "Requests-per-minute limit (retries and judge calls included)." };

        public Option<int?> TokensPerMinute { get; } = new("--tpm") { Description = "Tokens-per-minute limit." };

        public Option<int> Retries { get; } = new("--retries") { Description = "Retries of a transient failure (429, 5xx, transport) per call, honouring Retry-After; one call makes at most this + 1 requests.", DefaultValueFactory = _ => 3 };

        public Option<int?> MaxTokens { get; } = new("--max-tokens") { Description = "Output-token limit sent to every model." };

        public Option<double> TimeoutSeconds { get; } = new("--timeout") { Description = "Seconds one case may take, retries included.", DefaultValueFactory = _ => 120 };

        public Option<DirectoryInfo?> Cache { get; } = new("--cache") { Description = "A response-cache folder; a rerun with the same requests is free." };

        public Option<FileInfo?> Training { get; } = new("--training") { Description = "The training file, to flag golden cases that leaked into it." };

        public Option<string[]> ExactNormalization { get; } = new("--exact-normalize")
        {
            Description = "How --scorer exact normalizes both answers before comparing: " + string.Join(", ", ExactMatchOptions.NormalizationNames) + " (comma list or repeated; default: trim only).",
            AllowMultipleArgumentsPerToken = true,
        };

        public Option<string[]> Prices { get; } = new("--price")
        {
            Description = "Inference prices for per-case cost, as MODEL=INPUT,OUTPUT in USD per 1M tokens; repeat for several. Fine-tuned (ft:) models default to the price catalog's fine-tuned inference prices.",
            AllowMultipleArgumentsPerToken = true,
        };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Golden, Provider, Endpoint, Region, Scorers, JudgeModel, Concurrency, RequestsPerMinute, TokensPerMinute, Retries, MaxTokens, TimeoutSeconds, Cache, Training, ExactNormalization, Prices })
            {
                command.Options.Add(option);
            }
        }

        /// <summary>
        /// Parses the shared options into a request builder (variant specs and run file in, request out), runs
        /// <paramref name="body"/> with it and turns bad input into exit code 2.
        /// </summary>
        public async Task<int> ExecuteAsync(
            CliContext context,
            ParseResult parseResult,
            Func<Func<IReadOnlyList<(string Label, string Model)>, string, GoldenSetRunRequest>, CancellationToken, Task<int>> body,
            CancellationToken cancellationToken)
        {
            IChatClient? client = null;
            try
            {
                var endpoint = parseResult.GetValue(Endpoint);
                var pipeline = new ChatPipelineOptions
                {
                    MaxRetries = parseResult.GetValue(Retries),
                    RequestsPerMinute = parseResult.GetValue(RequestsPerMinute),
                    TokensPerMinute = parseResult.GetValue(TokensPerMinute),
                    ResponseCacheDirectory = parseResult.GetValue(Cache)?.FullName,
                };

                // Without a key and an endpoint there is no client; the runner then refuses only if some case is not in
                // the run file yet (a finished run is compared without calling anything).
                var hasKey = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable));
                client = parseResult.GetValue(Provider) switch
                {
                    "openai" => endpoint is null && !hasKey ? null : CreateClient(endpoint, hasKey, pipeline),
                    "bedrock" => BedrockCommandLine.CreateChatClient(endpoint, parseResult.GetValue(Region), pipeline),
                    var other => throw new ArgumentException($"--provider must be openai or bedrock (was '{other}')."),
                };
                var options = new EvalRunOptions
                {
                    MaxConcurrency = parseResult.GetValue(Concurrency),
                    MaxOutputTokens = parseResult.GetValue(MaxTokens),
                    CaseTimeout = TimeSpan.FromSeconds(parseResult.GetValue(TimeoutSeconds)),
                };
                var judgeModel = parseResult.GetValue(JudgeModel);
                var judgeClient = client;
                foreach (var scorer in EvalScorers.FromNames(
                    parseResult.GetValue(Scorers),
                    ParseExactNormalization(parseResult.GetValue(ExactNormalization)),
                    () => EvalScorers.LlmJudge(
                        judgeClient ?? throw new ArgumentException($"--scorer judge needs {OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable} or --endpoint."),
                        new LlmJudgeOptions { ModelId = judgeModel ?? throw new ArgumentException("--scorer judge needs --judge-model.") })))
                {
                    options.Scorers.Add(scorer);
                }

                var prices = ParsePrices(parseResult.GetValue(Prices));
                var golden = parseResult.GetValue(Golden)!.FullName;
                var training = parseResult.GetValue(Training)?.FullName;
                return await body(
                    (specs, runFile) => new GoldenSetRunRequest(golden, specs.Select(v => GoldenSetEvaluation.CreateVariant(v.Label, v.Model, judgeClient, prices)).ToList(), WithRunFile(options, runFile)) { TrainingFile = training },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (FileNotFoundException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }
            catch (ArgumentException ex)
            {
                var message = client is null && ex.ParamName == "variants"
                    ? $"{OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable} is not set (needed without --endpoint when cases are not in the run file yet)."
                    : ex.Message;
                await context.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
                return CliApp.UsageError;
            }
            finally
            {
                client?.Dispose();
            }
        }

        /// <summary>
        /// When every call to some model failed (endpoint down, too slow, not answering JSON, closing mid-body), nothing
        /// was evaluated: says so with the first error and returns true (exit 2), instead of reporting a comparison.
        /// </summary>
        public static async Task<bool> ReportFailedVariantAsync(CliContext context, GoldenSetRunResult run, IReadOnlyList<EvalCaseResult>? results)
        {
            var failed = run.Summary.Variants.FirstOrDefault(v => v.Cases > 0 && v.Errors == v.Cases);
            if (failed is null)
            {
                return false;
            }

            var first = results?.FirstOrDefault(r => r.Variant == failed.Label && r.Error is not null)?.Error;
            await context.Error.WriteLineAsync($"error: every call to '{failed.Label}' ({failed.ModelId}) failed ({failed.Errors} of {failed.Cases} cases), so nothing was evaluated{(first is null ? "; see the error of each case in the run file" : ". First error: " + first)}").ConfigureAwait(false);
            return true;
        }

        /// <summary>Prints the golden set's findings; false (after saying so) when it has no usable case.</summary>
        public static async Task<bool> PrintFindingsAsync(CliContext context, GoldenSet golden)
        {
            foreach (var finding in golden.Findings)
            {
                await context.Error.WriteLineAsync($"{finding.Severity.ToString().ToUpperInvariant()} {finding.Code} line {finding.Line}: {finding.Message}").ConfigureAwait(false);
            }

            if (golden.Cases.Count == 0)
            {
                await context.Error.WriteLineAsync("error: the golden set has no usable case.").ConfigureAwait(false);
                return false;
            }

            return true;
        }

        private static EvalRunOptions WithRunFile(EvalRunOptions options, string runFile)
        {
            options.RunFile = runFile;
            return options;
        }

        private static ExactMatchOptions ParseExactNormalization(string[]? values)
        {
            try
            {
                return ExactMatchOptions.Parse(values);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException("--exact-normalize: " + ex.Message.Split(" (Parameter", 2)[0], ex);
            }
        }

        /// <summary>Parses <c>--price MODEL=INPUT,OUTPUT</c> values.</summary>
        private static Dictionary<string, ModelPrice> ParsePrices(string[]? specs)
        {
            var prices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
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

                prices[spec[..eq]] = new ModelPrice { Model = spec[..eq], InputPerMillionTokens = input, OutputPerMillionTokens = output };
            }

            return prices;
        }

        private static IChatClient CreateClient(string? endpoint, bool hasKey, ChatPipelineOptions pipeline)
        {
            if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
            {
                throw new ArgumentException($"--endpoint is not an absolute URL: {endpoint}");
            }

            return OpenAIChatClients.Create(new OpenAIFineTuneProviderOptions { Endpoint = endpoint, ApiKey = hasKey ? null : "local-endpoint" }, pipeline);
        }
    }
}
