using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// Runs a golden-set file through model variants and, for a comparison, compares two of them and writes the reports:
/// what <c>finetune eval run</c> and <c>finetune eval compare</c> do, as one call each.
/// </summary>
public static class GoldenSetEvaluation
{
    /// <summary>Reads the golden set and runs it through the variants.</summary>
    /// <param name="request">What to run.</param>
    /// <param name="cancellationToken">Cancels the run; finished results stay in the run file.</param>
    /// <returns>The golden set read, the results (or only their summary) and the time taken.</returns>
    /// <exception cref="FileNotFoundException">The golden set or the training file does not exist.</exception>
    /// <exception cref="ArgumentException">The golden set has no usable case, or the variants or options are invalid.</exception>
    public static async Task<GoldenSetRunResult> RunAsync(GoldenSetRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var time = request.TimeProvider ?? TimeProvider.System;
        var started = time.GetTimestamp();
        if (!File.Exists(request.GoldenSetPath))
        {
            throw new FileNotFoundException($"Golden set not found: {Path.GetFullPath(request.GoldenSetPath)}", request.GoldenSetPath);
        }

        if (request.TrainingFile is { } training && !File.Exists(training))
        {
            throw new FileNotFoundException($"Training file not found: {Path.GetFullPath(training)}", training);
        }

        var golden = await GoldenSetReader.ReadAsync(request.GoldenSetPath, new GoldenSetReadOptions { TrainingFile = request.TrainingFile }, cancellationToken).ConfigureAwait(false);
        if (golden.Cases.Count == 0)
        {
            return new GoldenSetRunResult(golden, [], new EvalRunSummary(), time.GetElapsedTime(started), TimeSpan.Zero);
        }

        await EnsureRunFileMatchesAsync(request.Options.RunFile, golden, request.GoldenSetPath, cancellationToken).ConfigureAwait(false);

        var runner = request.Runner ?? new EvalRunner(time);
        var summary = new EvalRunSummary();
        var results = new List<EvalCaseResult>();
        var runnerStarted = time.GetTimestamp();
        await foreach (var result in runner.RunAsync(golden.Cases, request.Variants, request.Options, request.Progress, cancellationToken).ConfigureAwait(false))
        {
            summary.Add(result);
            if (request.KeepResults)
            {
                results.Add(result);
            }
        }

        return new GoldenSetRunResult(golden, results, summary, time.GetElapsedTime(started, runnerStarted), time.GetElapsedTime(runnerStarted));
    }

    /// <summary>
    /// Runs the golden set through a baseline and a candidate with identical settings, compares them and writes
    /// <c>compare.json</c>, <c>compare.md</c> and <c>compare.html</c> to <paramref name="outputDirectory"/>.
    /// </summary>
    /// <param name="request">What to run; its variants must be labelled <c>base</c> and <c>candidate</c>. Results are kept whatever <see cref="GoldenSetRunRequest.KeepResults"/> says.</param>
    /// <param name="comparison">Comparison options (primary scorer, acceptance policy).</param>
    /// <param name="outputDirectory">Where the reports are written.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The run and the report; the report is <see langword="null"/> when the golden set had no usable case.</returns>
    /// <exception cref="FileNotFoundException">The golden set or the training file does not exist.</exception>
    /// <exception cref="ArgumentException">The variants, options or results cannot be compared.</exception>
    public static async Task<(GoldenSetRunResult Run, ComparisonReport? Report)> CompareAsync(GoldenSetRunRequest request, ComparisonOptions comparison, string outputDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var run = await RunAsync(request with { KeepResults = true }, cancellationToken).ConfigureAwait(false);
        if (run.Golden.Cases.Count == 0)
        {
            return (run, null);
        }

        var report = EvalComparer.Compare(run.Results, comparison, run.Golden.Cases);
        await ComparisonReportWriter.WriteAllAsync(report, outputDirectory, cancellationToken).ConfigureAwait(false);
        return (run, report);
    }

    /// <summary>Refuses to resume a run file that holds case ids the golden set does not have (it was made from another golden set).</summary>
    private static async Task EnsureRunFileMatchesAsync(string? runFile, GoldenSet golden, string goldenPath, CancellationToken cancellationToken)
    {
        if (runFile is null || !File.Exists(runFile))
        {
            return;
        }

        var ids = new HashSet<string>(golden.Cases.Select(c => c.Id), StringComparer.Ordinal);
        var foreign = new SortedSet<string>(StringComparer.Ordinal);
        var stream = new FileStream(runFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            try
            {
                using var record = System.Text.Json.JsonDocument.Parse(line);
                if (record.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                    && record.RootElement.TryGetProperty("caseId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String
                    && !ids.Contains(id.GetString()!))
                {
                    foreign.Add(id.GetString()!);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A torn last line of an interrupted run: the runner re-runs that case.
            }
        }

        if (foreign.Count > 0)
        {
            throw new ArgumentException(
                $"The run file {Path.GetFileName(runFile)} holds results for {foreign.Count} case id(s) that are not in the golden set {Path.GetFileName(goldenPath)} ({string.Join(", ", foreign.Take(3))}{(foreign.Count > 3 ? ", …" : string.Empty)}): it was made from another golden set. Use a new run file, or the golden set it was made from.",
                nameof(runFile));
        }
    }

    /// <summary>
    /// Creates a variant priced from <paramref name="prices"/> (keyed by model id), or, for a fine-tuned <c>ft:</c> model
    /// without a given price, from the price catalog's fine-tuned inference prices; unpriced otherwise.
    /// </summary>
    /// <param name="label">The label.</param>
    /// <param name="modelId">The model id.</param>
    /// <param name="client">The chat client; null when every case is already in the run file.</param>
    /// <param name="prices">Inference prices by model id (only the input and output prices are used).</param>
    /// <returns>The variant.</returns>
    public static ModelVariant CreateVariant(string label, string modelId, IChatClient? client, IReadOnlyDictionary<string, ModelPrice>? prices = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        var price = prices is not null && prices.TryGetValue(modelId, out var given) ? given
            : modelId.StartsWith("ft:", StringComparison.Ordinal) ? new CostEstimator().FindPrice(modelId)
            : null;
        return price is { InputPerMillionTokens: { } input, OutputPerMillionTokens: { } output }
            ? new ModelVariant(label, modelId, client) { InputPricePerMillionTokens = input, OutputPricePerMillionTokens = output }
            : new ModelVariant(label, modelId, client);
    }
}

/// <summary>What <see cref="GoldenSetEvaluation.RunAsync"/> runs.</summary>
/// <param name="GoldenSetPath">The golden set: JSONL <c>{id, input, expected, tags}</c> rows or held-out chat rows.</param>
/// <param name="Variants">The models to run; each with the chat client that reaches it.</param>
/// <param name="Options">Run options (scorers, concurrency, run file).</param>
public sealed record GoldenSetRunRequest(string GoldenSetPath, IReadOnlyList<ModelVariant> Variants, EvalRunOptions Options)
{
    /// <summary>Gets the training file, to flag golden cases that leaked into it.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? TrainingFile { get; init; }

    /// <summary>Gets a value indicating whether results are kept in <see cref="GoldenSetRunResult.Results"/>; otherwise only summarised.</summary>
    /// <value>Defaults to <see langword="false"/>: memory stays flat however many cases run.</value>
    public bool KeepResults { get; init; }

    /// <summary>Gets the runner; an <see cref="EvalRunner"/> on <see cref="TimeProvider"/> when null.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public IEvalRunner? Runner { get; init; }

    /// <summary>Gets the progress sink.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public IProgress<EvalProgress>? Progress { get; init; }

    /// <summary>Gets the clock that times the run.</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="TimeProvider.System"/>.</value>
    public TimeProvider? TimeProvider { get; init; }
}

/// <summary>What <see cref="GoldenSetEvaluation.RunAsync"/> returns.</summary>
/// <param name="Golden">The golden set read, with its findings; no run happened when it has no case.</param>
/// <param name="Results">The results when kept; empty otherwise.</param>
/// <param name="Summary">The per-variant tally of every result.</param>
/// <param name="SetupTime">The time before the runner started (reading the golden set).</param>
/// <param name="RunnerTime">The runner's own time (what grows with the cases).</param>
public sealed record GoldenSetRunResult(GoldenSet Golden, IReadOnlyList<EvalCaseResult> Results, EvalRunSummary Summary, TimeSpan SetupTime, TimeSpan RunnerTime);
