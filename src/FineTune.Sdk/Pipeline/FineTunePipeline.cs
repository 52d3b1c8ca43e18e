using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>
/// Runs a <see cref="FineTunePipelineDefinition"/> end to end — validate, redact, split, estimate, upload, start, watch,
/// diagnose, compare, register, report — and resumes a run that did not finish: the state file in the output folder
/// (<c>run-state.json</c>, written whole after every step) says which steps are done, a rerun continues at the first
/// unfinished one, re-attaches to the job already started and never uploads or trains twice. A target with
/// <see cref="FineTunePipelineTarget.ProviderSteps"/> (Amazon Bedrock) also converts the splits to the provider's format
/// before upload, prices the hosting the comparison needs, hosts the candidate for the comparison and releases the
/// hosting at the end (unless the file keeps it); the hosting's id is in the state, so a rerun re-attaches to it.
/// </summary>
/// <remarks>
/// Thread-safe: one instance can run several pipelines at once, each in its own output folder (a lock file refuses a
/// second run in the same folder). The candidate is registered, never promoted: promotion is a gate's or a person's
/// decision (<c>finetune registry promote</c>).
/// </remarks>
public sealed class FineTunePipeline
{
    /// <summary>The state file's name in the output folder.</summary>
    public const string StateFileName = "run-state.json";

    private readonly ICostEstimator _costEstimator;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggerFactory;

    /// <summary>Initializes a new instance of the <see cref="FineTunePipeline"/> class.</summary>
    /// <param name="costEstimator">Prices the training; a <see cref="CostEstimator"/> with the built-in catalog when null.</param>
    /// <param name="timeProvider">The clock (run ids, evaluation, polling); <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="loggerFactory">Loggers for the engines the pipeline drives.</param>
    public FineTunePipeline(ICostEstimator? costEstimator = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _costEstimator = costEstimator ?? new CostEstimator();
        _time = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory;
    }

    /// <summary>Runs the pipeline, or resumes it when its output folder holds an unfinished run.</summary>
    /// <param name="definition">The pipeline.</param>
    /// <param name="target">The provider, chat client and registry to use.</param>
    /// <param name="progress">Receives one event per step and per job status, metric and evaluation progress; called synchronously.</param>
    /// <param name="cancellationToken">Stops the run after the current call; a rerun resumes it.</param>
    /// <returns>How the run ended, where the report is, what was registered.</returns>
    /// <exception cref="FineTunePipelineDefinitionException">The definition names a missing file, or the output folder holds a run of another dataset.</exception>
    /// <exception cref="IOException">Another run holds the output folder.</exception>
    /// <exception cref="FineTuneException">The provider failed after its retries; a rerun resumes at the failed step.</exception>
    public async Task<FineTunePipelineResult> RunAsync(FineTunePipelineDefinition definition, FineTunePipelineTarget target, IProgress<FineTunePipelineEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(target);
        var run = new PipelineRun(this, definition, target, progress);
        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a file whole or not at all, through the one atomic-write helper (<see cref="AtomicFile"/>).</summary>
    internal static Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        AtomicFile.WriteAsync(path, (stream, token) => stream.WriteAsync(content, token).AsTask(), cancellationToken);

    /// <summary>One invocation: the state, the paths and the steps.</summary>
    private sealed class PipelineRun(FineTunePipeline owner, FineTunePipelineDefinition definition, FineTunePipelineTarget target, IProgress<FineTunePipelineEvent>? progress)
    {
        private readonly string _output = definition.ResolvePath(definition.Output);
        private PipelineRunState _state = new();
        private FineTuneJob? _job;

        private string StatePath => Path.Combine(_output, StateFileName);

        private string SplitDirectory => Path.Combine(_output, "split");

        private string TrainPath => Path.Combine(SplitDirectory, "train.jsonl");

        private string ValidationPath => Path.Combine(SplitDirectory, "validation.jsonl");

        private string HoldoutPath => Path.Combine(SplitDirectory, "holdout.jsonl");

        private string RedactedPath => Path.Combine(_output, "redacted.jsonl");

        /// <summary>The train split in the provider's format (what is uploaded when the target has provider steps).</summary>
        private string ProviderTrainPath => Path.Combine(SplitDirectory, "train." + definition.Provider + ".jsonl");

        private string ProviderValidationPath => Path.Combine(SplitDirectory, "validation." + definition.Provider + ".jsonl");

        private string DatasetPath => definition.ResolvePath(definition.Dataset);

        public async Task<FineTunePipelineResult> ExecuteAsync(CancellationToken cancellationToken)
        {
            if (!File.Exists(DatasetPath))
            {
                throw new FineTunePipelineDefinitionException($"{SourceName}: dataset '{definition.Dataset}' not found ({DatasetPath}).") { FilePath = definition.SourcePath, Field = "dataset" };
            }

            if (definition.GoldenSet is { } golden && !File.Exists(definition.ResolvePath(golden)))
            {
                throw new FineTunePipelineDefinitionException($"{SourceName}: goldenSet '{golden}' not found ({definition.ResolvePath(golden)}).") { FilePath = definition.SourcePath, Field = "goldenSet" };
            }

            Directory.CreateDirectory(_output);
            using var runLock = AcquireLock();
            var datasetSha = await ModelRegistryHashes.FileSha256Async(DatasetPath, cancellationToken).ConfigureAwait(false);
            await LoadOrCreateStateAsync(datasetSha, cancellationToken).ConfigureAwait(false);

            var resumed = new List<FineTunePipelineStep>();
            foreach (var step in PipelineSteps.All)
            {
                if (_state.IsDone(step))
                {
                    resumed.Add(step);
                    Emit(FineTunePipelineEventKind.StepSkipped, step, $"{PipelineSteps.Name(step)}: done by an earlier run");
                    continue;
                }

                Emit(FineTunePipelineEventKind.StepStarted, step, PipelineSteps.Name(step));
                var stop = SecretScrubber.Scrub(await RunStepAsync(step, cancellationToken).ConfigureAwait(false)); // reaches the state, the reports and the events
                if (stop is not null)
                {
                    _state.StoppedAt = PipelineSteps.Name(step);
                    _state.StopReason = stop;
                    await SaveStateAsync(cancellationToken).ConfigureAwait(false);
                    await ReleaseHostingAsync(step, cancellationToken).ConfigureAwait(false);
                    await PipelineReportWriter.WriteAllAsync(_state, definition, _output, cancellationToken).ConfigureAwait(false);
                    Emit(FineTunePipelineEventKind.Stopped, step, stop);
                    return Result(FineTunePipelineOutcome.Stopped, step, stop, resumed);
                }

                _state.CompletedSteps.Add(PipelineSteps.Name(step));
                await SaveStateAsync(cancellationToken).ConfigureAwait(false);
                Emit(FineTunePipelineEventKind.StepCompleted, step, PipelineSteps.Name(step));
            }

            Emit(FineTunePipelineEventKind.Completed, FineTunePipelineStep.Report, $"report: {Path.Combine(_output, "report.html")}");
            return Result(FineTunePipelineOutcome.Completed, null, null, resumed);
        }

        private string SourceName => Path.GetFileName(definition.SourcePath ?? "pipeline");

        private FileStream AcquireLock()
        {
            try
            {
                return new FileStream(Path.Combine(_output, "run.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException ex)
            {
                throw new IOException($"Another run is using the output folder {_output}; wait for it to finish.", ex);
            }
        }

        private async Task LoadOrCreateStateAsync(string datasetSha, CancellationToken cancellationToken)
        {
            if (File.Exists(StatePath))
            {
                PipelineRunState? loaded;
                try
                {
                    var bytes = await File.ReadAllBytesAsync(StatePath, cancellationToken).ConfigureAwait(false);
                    loaded = JsonSerializer.Deserialize(bytes, PipelineJsonContext.Default.PipelineRunState);
                }
                catch (JsonException ex)
                {
                    throw new FineTunePipelineDefinitionException($"The run state {StatePath} is not readable ({ex.Message}); delete the output folder to start a new run.", ex) { FilePath = StatePath };
                }

                if (loaded is null || loaded.SchemaVersion != PipelineRunState.CurrentSchemaVersion)
                {
                    throw new FineTunePipelineDefinitionException($"The run state {StatePath} has an unknown schema; delete the output folder to start a new run.") { FilePath = StatePath };
                }

                if (!string.Equals(loaded.DatasetSha256, datasetSha, StringComparison.Ordinal))
                {
                    throw new FineTunePipelineDefinitionException($"The output folder {_output} holds run {loaded.RunId} of another version of the dataset (SHA-256 {loaded.DatasetSha256[..12]}…, now {datasetSha[..12]}…); choose another output folder or delete it to start a new run.") { FilePath = definition.SourcePath, Field = "output" };
                }

                _state = loaded;

                // A stopped run is retried from the step that stopped it (the data or the budget may have changed).
                _state.StoppedAt = null;
                _state.StopReason = null;
                return;
            }

            var now = owner._time.GetUtcNow();
            _state = new PipelineRunState
            {
                RunId = string.Create(CultureInfo.InvariantCulture, $"{definition.Name}-{now:yyyyMMdd-HHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}"),
                Pipeline = definition.Name,
                Provider = definition.Provider,
                BaseModel = definition.BaseModel,
                DatasetSha256 = datasetSha,
            };
            await SaveStateAsync(cancellationToken).ConfigureAwait(false);
        }

        private Task SaveStateAsync(CancellationToken cancellationToken) =>
            WriteAtomicAsync(StatePath, JsonSerializer.SerializeToUtf8Bytes(_state, PipelineJsonContext.Default.PipelineRunState), cancellationToken);

        private Task<string?> RunStepAsync(FineTunePipelineStep step, CancellationToken cancellationToken) => step switch
        {
            FineTunePipelineStep.Validate => ValidateAsync(cancellationToken),
            FineTunePipelineStep.Redact => RedactAsync(cancellationToken),
            FineTunePipelineStep.Split => SplitAsync(cancellationToken),
            FineTunePipelineStep.Estimate => EstimateAsync(cancellationToken),
            FineTunePipelineStep.Upload => UploadAsync(cancellationToken),
            FineTunePipelineStep.Start => StartAsync(cancellationToken),
            FineTunePipelineStep.Watch => WatchAsync(cancellationToken),
            FineTunePipelineStep.Diagnose => DiagnoseAsync(cancellationToken),
            FineTunePipelineStep.Compare => CompareAsync(cancellationToken),
            FineTunePipelineStep.Register => RegisterAsync(cancellationToken),
            _ => ReportAsync(cancellationToken),
        };

        private async Task<string?> ValidateAsync(CancellationToken cancellationToken)
        {
            var options = PipelineGates.ToOptions(definition.Gates);
            var validator = new DatasetValidator(options, owner._loggerFactory?.CreateLogger<DatasetValidator>(), owner._time);
            var report = await ValidateFileAsync(validator, DatasetPath, cancellationToken).ConfigureAwait(false);
            _state.Dataset = new PipelineRunState.DatasetSection
            {
                Name = Path.GetFileName(DatasetPath),
                Rows = report.Rows,
                Format = report.Format.ToString(),
                Errors = report.ErrorCount,
                Warnings = report.WarningCount,
                FindingCodes = new Dictionary<string, int>(report.Summary),
                Tokens = report.Tokens?.Total,
                BilledTokens = report.Tokens?.Billed,
            };
            if (report.ErrorCount > 0)
            {
                var first = report.Findings.Where(f => f.Severity == FindingSeverity.Error).Take(5)
                    .Select(f => f.Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{f.Code} line {f.Line}: {f.Message}") : $"{f.Code}: {f.Message}");
                return string.Create(CultureInfo.InvariantCulture, $"the dataset has {report.ErrorCount} error(s) (run 'finetune validate {definition.Dataset}' for all): {string.Join("; ", first)}");
            }

            if (report.Rows < definition.MinimumExamples)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the dataset has {report.Rows} rows; at least {definition.MinimumExamples} are needed (minimumExamples).");
            }

            if (report.Rows < definition.RecommendedExamples)
            {
                Warn(FineTunePipelineStep.Validate, string.Create(CultureInfo.InvariantCulture, $"the dataset has {report.Rows} rows; {definition.RecommendedExamples} or more are recommended (recommendedExamples)."));
            }

            if (report.WarningCount > 0)
            {
                Warn(FineTunePipelineStep.Validate, string.Create(CultureInfo.InvariantCulture, $"the dataset has {report.WarningCount} warning(s): {string.Join(", ", report.Summary.Keys.Order(StringComparer.Ordinal))}."));
            }

            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Validate, string.Create(CultureInfo.InvariantCulture, $"{report.Rows} rows, {report.Format}, {report.ErrorCount} errors, {report.WarningCount} warnings"));
            return null;
        }

        private async Task<DatasetValidationReport> ValidateFileAsync(DatasetValidator validator, string path, CancellationToken cancellationToken)
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                // With provider steps (Bedrock) the base model has no OpenAI tokenizer: the provider counts the converted files.
                var openAITokens = target.ProviderSteps is null;
                var request = new DatasetValidationRequest { FileName = Path.GetFileName(path), Model = openAITokens ? definition.BaseModel : null, CountTokens = openAITokens };
                return await validator.ValidateAsync(stream, request, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<string?> RedactAsync(CancellationToken cancellationToken)
        {
            if (!definition.Redact)
            {
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Redact, "not asked for (redact: false)");
                return null;
            }

            var redactor = new DatasetRedactor(null, owner._loggerFactory?.CreateLogger<DatasetRedactor>());
            var report = await redactor.RedactFileAsync(DatasetPath, RedactedPath, overwrite: true, cancellationToken).ConfigureAwait(false);
            _state.Redaction = new PipelineRunState.RedactionSection { RedactedRows = report.RedactedRows, Replacements = new Dictionary<string, long>(report.Replacements) };
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Redact, string.Create(CultureInfo.InvariantCulture, $"{report.RedactedRows} rows redacted"));
            return null;
        }

        private async Task<string?> SplitAsync(CancellationToken cancellationToken)
        {
            var source = definition.Redact ? RedactedPath : DatasetPath;
            var splitter = new DatasetSplitter(null, owner._loggerFactory?.CreateLogger<DatasetSplitter>());
            var split = new DatasetSplitOptions { Seed = definition.Split.Seed, ValidationShare = definition.Split.Validation, HoldoutShare = definition.Split.Holdout };
            var report = await splitter.SplitFileAsync(source, SplitDirectory, split, cancellationToken).ConfigureAwait(false);
            _state.Split = new PipelineRunState.SplitSection
            {
                TrainRows = report.TrainRows,
                ValidationRows = report.ValidationRows,
                HoldoutRows = report.HoldoutRows,
                MovedRows = report.MovedRows,
                Seed = report.Seed,
                TrainSha256 = await ModelRegistryHashes.FileSha256Async(TrainPath, cancellationToken).ConfigureAwait(false),
            };
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Split, string.Create(CultureInfo.InvariantCulture, $"train {report.TrainRows}, validation {report.ValidationRows}, holdout {report.HoldoutRows}"));
            if (report.TrainRows < definition.MinimumExamples)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the train split has {report.TrainRows} rows; at least {definition.MinimumExamples} are needed (lower split.validation or split.holdout, or add data).");
            }

            return target.ProviderSteps is { } steps ? await ConvertSplitsAsync(steps, cancellationToken).ConfigureAwait(false) : null;
        }

        /// <summary>
        /// Converts the train and validation splits to the provider's format with the provider's checks. A row the format
        /// cannot carry is an error naming the file, line and JSON path, and errors stop the run before any upload.
        /// </summary>
        private async Task<string?> ConvertSplitsAsync(IFineTunePipelineProviderSteps steps, CancellationToken cancellationToken)
        {
            var train = await steps.ConvertAsync(TrainPath, ProviderTrainPath, cancellationToken).ConfigureAwait(false);
            var validation = _state.Split!.ValidationRows > 0 ? await steps.ConvertAsync(ValidationPath, ProviderValidationPath, cancellationToken).ConfigureAwait(false) : null;
            var findings = train.Findings.Select(f => (File: "train.jsonl", Finding: f))
                .Concat((validation?.Findings ?? []).Select(f => (File: "validation.jsonl", Finding: f)))
                .ToList();
            var errors = findings.Where(f => f.Finding.Severity == FindingSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                var first = errors.Take(5).Select(e => Describe(e.File, e.Finding));
                return string.Create(CultureInfo.InvariantCulture, $"the split files cannot be trained on {definition.BaseModel} as {train.Format}: {errors.Count} error(s): {string.Join("; ", first)}. Fix the dataset (or drop those rows) and rerun; nothing was uploaded.");
            }

            foreach (var warning in findings.Where(f => f.Finding.Severity == FindingSeverity.Warning).Take(10))
            {
                Warn(FineTunePipelineStep.Split, Describe(warning.File, warning.Finding));
            }

            _state.Conversion = new PipelineRunState.ConversionSection
            {
                Format = train.Format,
                TrainRows = train.RowsWritten,
                ValidationRows = validation?.RowsWritten ?? 0,
                TrainTokens = train.Tokens,
                ValidationTokens = validation?.Tokens ?? 0,
                TokensAreEstimates = train.TokensAreEstimates,
                TokenCountMethod = train.TokenCountMethod,
                TrainSha256 = await ModelRegistryHashes.FileSha256Async(ProviderTrainPath, cancellationToken).ConfigureAwait(false),
                ValidationSha256 = validation is null ? null : await ModelRegistryHashes.FileSha256Async(ProviderValidationPath, cancellationToken).ConfigureAwait(false),
            };
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Split, string.Create(CultureInfo.InvariantCulture, $"converted to {train.Format}: train {train.RowsWritten} rows, {train.Tokens:N0} tokens{(validation is null ? string.Empty : $"; validation {validation.RowsWritten} rows")} ({train.TokenCountMethod})"));
            return null;

            static string Describe(string file, ValidationFinding f) => string.Create(
                CultureInfo.InvariantCulture,
                $"{file}{(f.Line > 0 ? " line " + f.Line.ToString(CultureInfo.InvariantCulture) : string.Empty)}{(f.Path is { Length: > 0 } path ? " " + path : string.Empty)}: {f.Code} {f.Message}");
        }

        private async Task<string?> EstimateAsync(CancellationToken cancellationToken)
        {
            if (target.ProviderSteps is { } steps)
            {
                return EstimateWithProviderSteps(steps);
            }

            var counter = new DatasetValidator(PipelineGates.ToOptions(["none"]), null, owner._time);
            var train = await ValidateFileAsync(counter, TrainPath, cancellationToken).ConfigureAwait(false);
            var validation = _state.Split!.ValidationRows > 0 ? await ValidateFileAsync(counter, ValidationPath, cancellationToken).ConfigureAwait(false) : null;
            if (train.Tokens is null)
            {
                return $"no token counts for {definition.BaseModel}; the cost cannot be estimated.";
            }

            if (definition.Sweep is { } sweep)
            {
                return EstimateSweep(sweep, train.Tokens, validation?.Tokens);
            }

            CostEstimate estimate;
            try
            {
                estimate = owner._costEstimator.Estimate(train.Tokens, definition.BaseModel, definition.Hyperparameters.Epochs, validation?.Tokens);
            }
            catch (ArgumentException ex)
            {
                return $"the cost of {definition.BaseModel} cannot be estimated: {ex.Message}";
            }

            _state.Estimate = new PipelineRunState.EstimateSection
            {
                Model = estimate.Model,
                TrainingExamples = estimate.TrainingExamples,
                TrainingTokensPerEpoch = estimate.TrainingTokensPerEpoch,
                Epochs = estimate.Epochs,
                EpochsAreAutomatic = estimate.EpochsAreAutomatic,
                BilledTokens = estimate.BilledTokens,
                TotalUsd = estimate.Total,
                BudgetUsd = definition.BudgetUsd,
                TrainingPricePerMillionTokens = estimate.Price.TrainingPerMillionTokens,
            };
            var figures = string.Create(CultureInfo.InvariantCulture, $"{estimate.TrainingTokensPerEpoch:N0} tokens per epoch × {estimate.Epochs} epochs = {estimate.BilledTokens:N0} billed tokens at ${estimate.Price.TrainingPerMillionTokens:0.####} per 1M = ${estimate.Total:0.####} (retry buffer included)");
            if (definition.BudgetUsd is { } cap && estimate.Total > cap)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the estimate ${estimate.Total:0.####} exceeds the budget cap ${cap:0.####} (budgetUsd): {figures}. Nothing was uploaded.");
            }

            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Estimate, figures + (definition.BudgetUsd is { } c ? string.Create(CultureInfo.InvariantCulture, $", within the ${c:0.##} cap") : string.Empty));
            return null;
        }

        /// <summary>
        /// The estimate from the converted files (the provider's own token count, an estimate for non-OpenAI families) plus
        /// the hosting the comparison needs; the budget cap applies to the sum (and a sweep's whole grid).
        /// </summary>
        private string? EstimateWithProviderSteps(IFineTunePipelineProviderSteps steps)
        {
            var conversion = _state.Conversion!;
            var grid = definition.Sweep?.Grid(definition.Hyperparameters) ?? [(definition.Hyperparameters.Epochs, definition.Hyperparameters.LearningRateMultiplier)];
            var estimates = new List<CostEstimate>(grid.Count);
            try
            {
                foreach (var point in grid)
                {
                    estimates.Add(owner._costEstimator.Estimate(new CostEstimateRequest
                    {
                        Model = definition.BaseModel,
                        Provider = definition.Provider,
                        TrainingExamples = conversion.TrainRows,
                        TrainingTokens = conversion.TrainTokens,
                        ValidationTokens = conversion.ValidationTokens,
                        Epochs = point.Epochs ?? steps.DefaultEpochs(definition.BaseModel),
                    }));
                }
            }
            catch (ArgumentException ex)
            {
                return $"the cost of {definition.BaseModel} cannot be estimated: {ex.Message}";
            }

            var hosting = steps.EstimateHosting(definition.BaseModel);
            var first = estimates[0];
            var training = estimates.Sum(e => e.Total);
            var total = training + (hosting.Usd ?? 0m);
            _state.Estimate = new PipelineRunState.EstimateSection
            {
                Model = first.Model,
                TrainingExamples = first.TrainingExamples,
                TrainingTokensPerEpoch = first.TrainingTokensPerEpoch,
                Epochs = estimates.Sum(e => e.Epochs),
                EpochsAreAutomatic = estimates.Any(e => e.EpochsAreAutomatic),
                BilledTokens = estimates.Sum(e => e.BilledTokens),
                TotalUsd = total,
                BudgetUsd = definition.BudgetUsd,
                TrainingPricePerMillionTokens = first.Price.TrainingPerMillionTokens,
                TrainingUsd = training,
                HostingUsd = hosting.Usd,
                Hosting = hosting.Description,
                TokensAreEstimates = conversion.TokensAreEstimates,
            };
            if (definition.Sweep is { } sweep)
            {
                _state.Sweep = SweepSection(sweep, grid, estimates);
            }

            var e = _state.Estimate;
            var figures = string.Create(CultureInfo.InvariantCulture, $"training: {first.TrainingTokensPerEpoch:N0} tokens per epoch{(conversion.TokensAreEstimates ? " (" + conversion.TokenCountMethod + ")" : string.Empty)} × {e.Epochs} epochs{(grid.Count > 1 ? $" over {grid.Count} grid jobs" : string.Empty)} = {e.BilledTokens:N0} billed tokens at ${first.Price.TrainingPerMillionTokens:0.####} per 1M = ${training:0.####} (retry buffer included); hosting for the comparison: {hosting.Description}; total ${total:0.####}");
            if (definition.BudgetUsd is { } cap && total > cap)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the estimate ${total:0.####} exceeds the budget cap ${cap:0.####} (budgetUsd): {figures}. Nothing was uploaded.");
            }

            if (hosting.Usd is null)
            {
                Warn(FineTunePipelineStep.Estimate, $"no hosting price is known for {definition.BaseModel}: the estimate counts the training only.");
            }

            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Estimate, figures + (definition.BudgetUsd is { } c ? string.Create(CultureInfo.InvariantCulture, $", within the ${c:0.##} cap") : string.Empty));
            return null;
        }

        /// <summary>The sweep's state: one job per grid point with its estimate and its retry-safe key, and the concurrency limit.</summary>
        private PipelineRunState.SweepSection SweepSection(FineTunePipelineSweep sweep, IReadOnlyList<(int? Epochs, double? LearningRateMultiplier)> grid, List<CostEstimate> estimates) => new()
        {
            MaxConcurrentJobs = sweep.MaxConcurrentJobs ?? FineTunePipelineSweep.DefaultMaxConcurrentJobs(target.Provider.GetCapabilities().ProviderName),
            Jobs = [.. grid.Select((point, i) => new PipelineRunState.SweepJob
            {
                Point = i,
                Epochs = point.Epochs,
                LearningRateMultiplier = point.LearningRateMultiplier,
                BilledTokens = estimates[i].BilledTokens,
                EstimateUsd = estimates[i].Total,
                IdempotencyKey = RunKey(string.Create(CultureInfo.InvariantCulture, $"-g{i}")),
            })],
        };

        /// <summary>The whole grid's estimate: every job's billed tokens × the price, summed; the budget cap applies to the sum.</summary>
        private string? EstimateSweep(FineTunePipelineSweep sweep, DatasetTokenReport trainTokens, DatasetTokenReport? validationTokens)
        {
            var grid = sweep.Grid(definition.Hyperparameters);
            var estimates = new List<CostEstimate>(grid.Count);
            try
            {
                foreach (var point in grid)
                {
                    estimates.Add(owner._costEstimator.Estimate(trainTokens, definition.BaseModel, point.Epochs, validationTokens));
                }
            }
            catch (ArgumentException ex)
            {
                return $"the cost of {definition.BaseModel} cannot be estimated: {ex.Message}";
            }

            var first = estimates[0];
            var total = estimates.Sum(e => e.Total);
            var billed = estimates.Sum(e => e.BilledTokens);
            var epochs = estimates.Sum(e => e.Epochs);
            _state.Estimate = new PipelineRunState.EstimateSection
            {
                Model = first.Model,
                TrainingExamples = first.TrainingExamples,
                TrainingTokensPerEpoch = first.TrainingTokensPerEpoch,
                Epochs = epochs,
                EpochsAreAutomatic = estimates.Any(e => e.EpochsAreAutomatic),
                BilledTokens = billed,
                TotalUsd = total,
                BudgetUsd = definition.BudgetUsd,
                TrainingPricePerMillionTokens = first.Price.TrainingPerMillionTokens,
            };
            _state.Sweep = SweepSection(sweep, grid, estimates);
            var perJob = string.Join(", ", _state.Sweep.Jobs.Select((j, i) => string.Create(CultureInfo.InvariantCulture, $"{PointLabel(j)} ${estimates[i].Total:0.####}")));
            var figures = string.Create(CultureInfo.InvariantCulture, $"grid of {grid.Count} jobs ({perJob}): {first.TrainingTokensPerEpoch:N0} tokens per epoch × {epochs} epochs = {billed:N0} billed tokens at ${first.Price.TrainingPerMillionTokens:0.####} per 1M = ${total:0.####} (retry buffer included)");
            if (definition.BudgetUsd is { } cap && total > cap)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the estimate ${total:0.####} for the whole sweep exceeds the budget cap ${cap:0.####} (budgetUsd): {figures}. Nothing was uploaded.");
            }

            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Estimate, figures + (definition.BudgetUsd is { } c ? string.Create(CultureInfo.InvariantCulture, $", within the ${c:0.##} cap") : string.Empty) + string.Create(CultureInfo.InvariantCulture, $"; at most {_state.Sweep.MaxConcurrentJobs} jobs at once"));
            return null;
        }

        private static string PointLabel(PipelineRunState.SweepJob job) => string.Create(
            CultureInfo.InvariantCulture,
            $"#{job.Point} epochs {(job.Epochs is { } e ? e.ToString(CultureInfo.InvariantCulture) : "auto")} lr× {(job.LearningRateMultiplier is { } m ? m.ToString(CultureInfo.InvariantCulture) : "auto")}");

        /// <summary>A retry-safe start key derived from the run (and the grid point): at most 64 characters, the run id hashed when it is too long.</summary>
        private string RunKey(string suffix)
        {
            var key = "ftpipe-" + _state.RunId + suffix;
            return key.Length <= 64 ? key : "ftpipe-" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_state.RunId)))[..32].ToLowerInvariant() + suffix;
        }

        /// <summary>
        /// Uploads the train file, records it, then the validation file: a rerun after a kill between the two uploads only the
        /// one not recorded. With provider steps the converted files are uploaded (for Bedrock to S3 at a key carrying the SHA-256).
        /// </summary>
        private async Task<string?> UploadAsync(CancellationToken cancellationToken)
        {
            var converted = target.ProviderSteps is not null;
            var trainPath = converted ? ProviderTrainPath : TrainPath;
            var validationPath = converted ? ProviderValidationPath : ValidationPath;
            var hasValidation = _state.Split!.ValidationRows > 0;
            if (_state.Upload is not { TrainingFileId.Length: > 0 })
            {
                var train = await target.Provider.UploadFileAsync(trainPath, cancellationToken).ConfigureAwait(false);
                _state.Upload = new PipelineRunState.UploadSection { TrainingFileId = train.Id, TrainingReused = train.Reused, TrainingSha256 = train.Sha256, Complete = !hasValidation };
                await SaveStateAsync(cancellationToken).ConfigureAwait(false);
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Upload, $"{Path.GetFileName(trainPath)} -> {train.Id}{(train.Reused ? " (reused)" : string.Empty)}");
            }
            else
            {
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Upload, $"{Path.GetFileName(trainPath)} -> {_state.Upload.TrainingFileId} (uploaded by an earlier run)");
            }

            if (hasValidation && !_state.Upload.Complete)
            {
                var validation = await target.Provider.UploadFileAsync(validationPath, cancellationToken).ConfigureAwait(false);
                _state.Upload.ValidationFileId = validation.Id;
                _state.Upload.ValidationSha256 = validation.Sha256;
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Upload, $"{Path.GetFileName(validationPath)} -> {validation.Id}{(validation.Reused ? " (reused)" : string.Empty)}");
            }

            _state.Upload.Complete = true;
            return null;
        }

        private async Task<string?> StartAsync(CancellationToken cancellationToken)
        {
            if (_state.Sweep is { } sweep)
            {
                // The first jobs of the grid, up to the concurrency limit; watch starts the others as slots free up.
                await FillSweepSlotsAsync(sweep, FineTunePipelineStep.Start, cancellationToken).ConfigureAwait(false);
                return null;
            }

            var key = RunKey(string.Empty);
            var request = JobRequest(key, definition.Hyperparameters.Epochs, definition.Hyperparameters.LearningRateMultiplier);
            try
            {
                _job = await target.Provider.StartJobAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                // The provider refused the request before sending it (a hyperparameter its family does not take, a bad URI).
                return $"the provider refused the job before starting it: {ex.Message}";
            }

            _state.Job = new PipelineRunState.JobSection { Id = _job.Id, IdempotencyKey = key, Status = _job.Status.ToString() };
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Start, $"job {_job.Id} ({_job.Status}), key {key}");
            return null;
        }

        private FineTuneJobRequest JobRequest(string key, int? epochs, double? learningRateMultiplier)
        {
            var request = new FineTuneJobRequest(definition.BaseModel, _state.Upload!.TrainingFileId)
            {
                ValidationFileId = _state.Upload.ValidationFileId,
                Suffix = definition.Suffix ?? (definition.Name.Length <= 18 ? definition.Name : definition.Name[..18]),
                Seed = definition.Split.Seed >= 0 ? definition.Split.Seed : null,
                IdempotencyKey = key,
                Hyperparameters =
                {
                    Epochs = epochs,
                    BatchSize = definition.Hyperparameters.BatchSize,
                    LearningRateMultiplier = learningRateMultiplier,
                },
            };
            request.Metadata["ft_pipeline_run"] = _state.RunId.Length <= 64 ? _state.RunId : _state.RunId[..64];
            return request;
        }

        private static bool IsActive(PipelineRunState.SweepJob job) =>
            job.StartRequested && (job.Job?.Status is not { } status || !new FineTuneJobStatus(status).IsTerminal);

        /// <summary>
        /// Starts grid jobs while fewer than the limit are active. A job whose start was requested but whose id was never saved
        /// (the process died in between) counts as active and is started again with the same key first: the retry-safe start
        /// finds the job the earlier process created, so no job is ever started twice and the limit holds.
        /// </summary>
        private async Task FillSweepSlotsAsync(PipelineRunState.SweepSection sweep, FineTunePipelineStep step, CancellationToken cancellationToken)
        {
            foreach (var job in sweep.Jobs.Where(j => j.StartRequested && j.Job is null))
            {
                await StartSweepJobAsync(job, step, cancellationToken).ConfigureAwait(false);
            }

            foreach (var job in sweep.Jobs.Where(j => !j.StartRequested))
            {
                if (sweep.Jobs.Count(IsActive) >= sweep.MaxConcurrentJobs)
                {
                    return;
                }

                job.StartRequested = true;
                await SaveStateAsync(cancellationToken).ConfigureAwait(false);
                await StartSweepJobAsync(job, step, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task StartSweepJobAsync(PipelineRunState.SweepJob job, FineTunePipelineStep step, CancellationToken cancellationToken)
        {
            var started = await target.Provider.StartJobAsync(JobRequest(job.IdempotencyKey, job.Epochs, job.LearningRateMultiplier), cancellationToken).ConfigureAwait(false);
            // Record every field: a start retried after a crash finds the job the earlier process created, which may have
            // ended meanwhile; it is then never polled again, so its model and figures must come from this answer.
            job.Job = new PipelineRunState.JobSection { Id = started.Id, IdempotencyKey = job.IdempotencyKey };
            Record(job.Job, started);
            await SaveStateAsync(cancellationToken).ConfigureAwait(false);
            Emit(FineTunePipelineEventKind.Info, step, $"grid job {PointLabel(job)}: job {started.Id} ({started.Status}), key {job.IdempotencyKey}");
        }

        /// <summary>Polls the active grid jobs, starting the next ones as slots free up, until every job of the grid ended.</summary>
        private async Task<string?> WatchSweepAsync(PipelineRunState.SweepSection sweep, CancellationToken cancellationToken)
        {
            var polling = target.Polling ?? new FineTunePollingOptions();
            var interval = polling.InitialInterval;
            while (true)
            {
                await FillSweepSlotsAsync(sweep, FineTunePipelineStep.Watch, cancellationToken).ConfigureAwait(false);
                var active = sweep.Jobs.Where(IsActive).ToList();
                if (active.Count == 0)
                {
                    break;
                }

                var changed = false;
                foreach (var entry in active)
                {
                    var job = await target.Provider.GetJobAsync(entry.Job!.Id, cancellationToken).ConfigureAwait(false);
                    if (string.Equals(job.Status.ToString(), entry.Job.Status, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    changed = true;
                    Record(entry.Job, job);
                    Emit(new FineTunePipelineEvent(FineTunePipelineEventKind.JobStatus, FineTunePipelineStep.Watch, $"grid job {PointLabel(entry)}: job {job.Id} {job.Status}") { JobStatus = job.Status.ToString() });
                }

                if (changed)
                {
                    await SaveStateAsync(cancellationToken).ConfigureAwait(false);
                    interval = polling.InitialInterval;
                }
                else
                {
                    interval = TimeSpan.FromTicks(Math.Min(polling.MaxInterval.Ticks, interval.Ticks * 2));
                }

                if (sweep.Jobs.Any(IsActive))
                {
                    await Task.Delay(interval, owner._time, cancellationToken).ConfigureAwait(false);
                }
            }

            var succeeded = sweep.Jobs.Count(j => j.Job?.FineTunedModel is not null && j.Job.Status == FineTuneJobStatus.Succeeded.ToString());
            foreach (var failed in sweep.Jobs.Where(j => j.Job?.FineTunedModel is null))
            {
                Warn(FineTunePipelineStep.Watch, $"grid job {PointLabel(failed)} (job {failed.Job?.Id}) ended {failed.Job?.Status}{(failed.Job?.ErrorCode is { } code ? $": {code} {failed.Job.ErrorMessage}" : string.Empty)}.");
            }

            return succeeded == 0 ? $"no job of the sweep's grid succeeded ({sweep.Jobs.Count} jobs)." : null;
        }

        private static void Record(PipelineRunState.JobSection section, FineTuneJob job)
        {
            section.Status = job.Status.ToString();
            section.FineTunedModel = job.FineTunedModel;
            section.TrainedTokens = job.TrainedTokens;
            section.Epochs = job.Hyperparameters.Epochs;
            section.BatchSize = job.Hyperparameters.BatchSize;
            section.LearningRateMultiplier = job.Hyperparameters.LearningRateMultiplier;
            section.ErrorCode = job.Error?.Code;
            section.ErrorMessage = SecretScrubber.Scrub(job.Error?.Message);
        }

        private async Task<string?> WatchAsync(CancellationToken cancellationToken)
        {
            if (_state.Sweep is { } sweep)
            {
                return await WatchSweepAsync(sweep, cancellationToken).ConfigureAwait(false);
            }

            var handle = target.Provider.TrackJob(_state.Job!.Id, target.Polling, owner._time);
            string? lastStatus = null;
            await foreach (var update in handle.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (update.Kind)
                {
                    case FineTuneJobUpdateKind.StatusChanged:
                        lastStatus = update.Job.Status.ToString();
                        Emit(FineTunePipelineEventKind.JobStatus, FineTunePipelineStep.Watch, $"job {update.Job.Id}: {lastStatus}") ;
                        break;
                    case FineTuneJobUpdateKind.Metric when update.Metric is { } metric:
                        Emit(new FineTunePipelineEvent(FineTunePipelineEventKind.Metric, FineTunePipelineStep.Watch, MetricText(metric)) { Metric = metric });
                        break;
                }
            }

            var job = handle.Job ?? await target.Provider.GetJobAsync(_state.Job.Id, cancellationToken).ConfigureAwait(false);
            Record(_state.Job, job);
            if (job.Status != FineTuneJobStatus.Succeeded || job.FineTunedModel is null)
            {
                // The failed job stays recorded: a rerun re-attaches to it and stops again; start a new run (new output folder) to train again.
                return $"job {job.Id} ended {job.Status}{(job.Error is { } e ? $": {e.Code} {e.Message}" : string.Empty)}.";
            }

            return null;
        }

        private static string MetricText(TrainingMetric metric) => string.Create(
            CultureInfo.InvariantCulture,
            $"step {metric.Step}{(metric.TotalSteps is { } total ? "/" + total.ToString(CultureInfo.InvariantCulture) : string.Empty)} train loss {metric.TrainLoss:0.####}{(metric.ValidLoss is { } v ? $", validation loss {v:0.####}" : string.Empty)}");

        private async Task<string?> DiagnoseAsync(CancellationToken cancellationToken)
        {
            if (_state.Sweep is { } sweep)
            {
                return await DiagnoseSweepAsync(sweep, cancellationToken).ConfigureAwait(false);
            }

            var (metrics, findings, raw) = await DiagnoseJobAsync(_state.Job!, cancellationToken).ConfigureAwait(false);
            _state.Metrics = metrics;
            _state.Diagnosis = findings;
            foreach (var finding in _state.Diagnosis)
            {
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Diagnose, $"{finding.Severity} {finding.Code}: {finding.Message}");
            }

            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Diagnose, string.Create(CultureInfo.InvariantCulture, $"{raw.Count} metric rows, {_state.Diagnosis.Count} finding(s)"));
            return null;
        }

        /// <summary>One job's metrics (validation loss: the full-validation figure where there is one) and its diagnosis.</summary>
        private async Task<(List<PipelineRunState.MetricPoint> Metrics, List<PipelineRunState.DiagnosisFinding> Findings, IReadOnlyList<TrainingMetric> Raw)> DiagnoseJobAsync(PipelineRunState.JobSection job, CancellationToken cancellationToken)
        {
            var metrics = await target.Provider.GetTrainingMetricsAsync(job.Id, cancellationToken).ConfigureAwait(false);
            var points = metrics.Select(m => new PipelineRunState.MetricPoint
            {
                Step = m.Step,
                TrainLoss = m.TrainLoss,
                ValidLoss = m.FullValidLoss ?? m.ValidLoss,
                TrainAccuracy = m.TrainAccuracy,
                ValidAccuracy = m.FullValidAccuracy ?? m.ValidAccuracy,
            }).ToList();
            var context = new TrainingDiagnosticsContext
            {
                TrainingExamples = (int?)_state.Split?.TrainRows,
                ValidationExamples = (int?)_state.Split?.ValidationRows,
                Epochs = job.Epochs,
                BatchSize = job.BatchSize,
                LearningRateMultiplier = job.LearningRateMultiplier,
                BaseModel = definition.BaseModel,
            };
            var diagnosis = new TrainingDiagnostician().Diagnose(metrics, context);
            var findings = diagnosis.Findings.Select(f => new PipelineRunState.DiagnosisFinding
            {
                Code = f.Code,
                Kind = f.Kind.ToString(),
                Severity = f.Severity.ToString().ToLowerInvariant(),
                Message = f.Message,
                Advice = f.Advice,
                Figures = f.Figures.Count == 0 ? null : new SortedDictionary<string, double>(f.Figures.ToDictionary(), StringComparer.Ordinal),
            }).ToList();
            return (points, findings, metrics);
        }

        /// <summary>
        /// Diagnoses every succeeded grid job and picks the winner by the lowest final validation loss (the training loss when
        /// the run has no validation split). Jobs within <see cref="FineTunePipelineSweep.NearTieShare"/> of the lowest are a
        /// near-tie, broken at <c>compare</c>; meanwhile the lowest (then the first in grid order) stands in.
        /// </summary>
        private async Task<string?> DiagnoseSweepAsync(PipelineRunState.SweepSection sweep, CancellationToken cancellationToken)
        {
            var byPoint = new Dictionary<int, (List<PipelineRunState.MetricPoint> Metrics, List<PipelineRunState.DiagnosisFinding> Findings)>();
            foreach (var entry in sweep.Jobs.Where(Succeeded))
            {
                var (metrics, findings, raw) = await DiagnoseJobAsync(entry.Job!, cancellationToken).ConfigureAwait(false);
                entry.FinalValidLoss = FinalLoss(raw, m => m.FullValidLoss, m => m.ValidLoss);
                entry.FinalTrainLoss = FinalLoss(raw, _ => null, m => m.TrainLoss);
                entry.Diagnosis = findings;
                byPoint[entry.Point] = (metrics, findings);
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Diagnose, string.Create(CultureInfo.InvariantCulture, $"grid job {PointLabel(entry)}: final validation loss {entry.FinalValidLoss?.ToString("0.#####", CultureInfo.InvariantCulture) ?? "n/a"}, {findings.Count} finding(s){(findings.Count == 0 ? string.Empty : ": " + string.Join(", ", findings.Select(f => f.Code)))}"));
            }

            var tied = NearTies(sweep);
            var best = tied[0];
            sweep.TieBroken = false;
            sweep.Winner = tied.Count == 1 ? best.Point : null;
            sweep.WinnerRule = tied.Count == 1
                ? string.Create(CultureInfo.InvariantCulture, $"the lowest final {LossName(best)} ({SelectionLoss(best):0.#####}); no other job within {FineTunePipelineSweep.NearTieShare * 100:0.#}% of it")
                : string.Create(CultureInfo.InvariantCulture, $"near-tie on final {LossName(best)} (within {FineTunePipelineSweep.NearTieShare * 100:0.#}% of {SelectionLoss(best):0.#####}) between grid jobs {string.Join(", ", tied.Select(t => "#" + t.Point.ToString(CultureInfo.InvariantCulture)))}: broken at compare");
            UseAsCandidate(best, byPoint[best.Point].Metrics, byPoint[best.Point].Findings);
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Diagnose, $"sweep: {(tied.Count == 1 ? "winner " + PointLabel(best) + ", " : string.Empty)}{sweep.WinnerRule}");
            return null;
        }

        /// <summary>
        /// A job's final loss for the sweep: the last full-validation figure when it is reported at the last step that has a
        /// validation figure; otherwise the mean of the readings over the last 10% of the steps (at least the last 3), which
        /// smooths the noise of per-step mini-batch figures. Rounded to 5 decimals.
        /// </summary>
        internal static double? FinalLoss(IReadOnlyList<TrainingMetric> metrics, Func<TrainingMetric, double?> full, Func<TrainingMetric, double?> reading)
        {
            var withFigures = metrics.Where(m => (full(m) ?? reading(m)) is { } v && double.IsFinite(v)).ToList();
            if (withFigures.Count == 0)
            {
                return null;
            }

            if (full(withFigures[^1]) is { } last && double.IsFinite(last))
            {
                return Math.Round(last, 5);
            }

            var readings = withFigures.Where(m => reading(m) is { } v && double.IsFinite(v)).ToList();
            var lastStep = metrics.Max(m => m.Step);
            var window = readings.Where(m => m.Step > lastStep * 0.9).ToList();
            if (window.Count < 3)
            {
                window = readings.TakeLast(3).ToList();
            }

            return window.Count == 0 ? null : Math.Round(window.Average(m => reading(m)!.Value), 5);
        }

        private static bool Succeeded(PipelineRunState.SweepJob job) =>
            job.Job?.FineTunedModel is not null && string.Equals(job.Job.Status, FineTuneJobStatus.Succeeded.ToString(), StringComparison.OrdinalIgnoreCase);

        private static double SelectionLoss(PipelineRunState.SweepJob job) => job.FinalValidLoss ?? job.FinalTrainLoss ?? double.PositiveInfinity;

        private static string LossName(PipelineRunState.SweepJob job) => job.FinalValidLoss is null ? "training loss (no validation split)" : "validation loss";

        /// <summary>The succeeded jobs within <see cref="FineTunePipelineSweep.NearTieShare"/> of the lowest loss, lowest first (grid order among equals).</summary>
        private static List<PipelineRunState.SweepJob> NearTies(PipelineRunState.SweepSection sweep)
        {
            var ranked = sweep.Jobs.Where(Succeeded).OrderBy(SelectionLoss).ThenBy(j => j.Point).ToList();
            var lowest = SelectionLoss(ranked[0]);
            return ranked.Where(j => SelectionLoss(j) <= lowest + (Math.Abs(lowest) * FineTunePipelineSweep.NearTieShare)).ToList();
        }

        /// <summary>Makes a grid job the run's job: the one compared in full, registered and shown as the run's training.</summary>
        private void UseAsCandidate(PipelineRunState.SweepJob job, List<PipelineRunState.MetricPoint> metrics, List<PipelineRunState.DiagnosisFinding> findings)
        {
            _state.Job = job.Job;
            _state.Metrics = metrics;
            _state.Diagnosis = findings;
        }

        /// <summary>
        /// Breaks a near-tie by the comparison against the base: every tied candidate answers the golden set; the base is the
        /// same for all of them, so the highest pass rate of the primary scorer is the largest lift over the base. Still
        /// equal: fewer billed tokens (the cheaper job), then grid order.
        /// </summary>
        private async Task BreakSweepTieAsync(PipelineRunState.SweepSection sweep, string golden, CancellationToken cancellationToken)
        {
            var tied = NearTies(sweep);
            var scorers = EvalScorers.FromNames(definition.Scorers);
            var options = new EvalRunOptions { RunFile = Path.Combine(_output, "sweep-tiebreak.jsonl"), MaxConcurrency = 4, Seed = definition.Split.Seed };
            foreach (var scorer in scorers)
            {
                options.Scorers.Add(scorer);
            }

            var variants = tied.Select(t => GoldenSetEvaluation.CreateVariant("grid-" + t.Point.ToString(CultureInfo.InvariantCulture), t.Job!.FineTunedModel!, target.ChatClient)).ToList();
            var run = await GoldenSetEvaluation.RunAsync(new GoldenSetRunRequest(golden, variants, options) { TrainingFile = TrainPath, TimeProvider = owner._time }, cancellationToken).ConfigureAwait(false);
            var primary = scorers[0].Name;
            foreach (var entry in tied)
            {
                var tally = run.Summary.Variants.FirstOrDefault(v => v.Label == "grid-" + entry.Point.ToString(CultureInfo.InvariantCulture));
                entry.TieBreakPassRate = tally?.Scorers.FirstOrDefault(s => string.Equals(s.Name, primary, StringComparison.OrdinalIgnoreCase))?.PassRate ?? 0;
            }

            var winner = tied.OrderByDescending(t => t.TieBreakPassRate).ThenBy(t => t.BilledTokens).ThenBy(t => t.Point).First();
            var rates = string.Join(", ", tied.Select(t => string.Create(CultureInfo.InvariantCulture, $"#{t.Point} {t.TieBreakPassRate * 100:0.0}%")));
            var stillTied = tied.Count(t => t.TieBreakPassRate == winner.TieBreakPassRate) > 1;
            sweep.Winner = winner.Point;
            sweep.TieBroken = true;
            sweep.WinnerRule = string.Create(CultureInfo.InvariantCulture, $"near-tie on final {LossName(winner)} (within {FineTunePipelineSweep.NearTieShare * 100:0.#}% of {SelectionLoss(tied[0]):0.#####}) between grid jobs {string.Join(", ", tied.Select(t => "#" + t.Point.ToString(CultureInfo.InvariantCulture)))}, broken by the comparison against the base on {Path.GetFileName(golden)}: {primary} pass rate {rates}{(stillTied ? "; still equal, so the fewest billed tokens, then grid order" : string.Empty)}");
            if (!string.Equals(_state.Job?.Id, winner.Job!.Id, StringComparison.Ordinal))
            {
                var (metrics, findings, _) = await DiagnoseJobAsync(winner.Job!, cancellationToken).ConfigureAwait(false);
                UseAsCandidate(winner, metrics, findings);
            }

            await SaveStateAsync(cancellationToken).ConfigureAwait(false);
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Compare, $"sweep: winner {PointLabel(winner)}, {sweep.WinnerRule}");
        }

        private async Task<string?> CompareAsync(CancellationToken cancellationToken)
        {
            var golden = definition.GoldenSet is { } g ? definition.ResolvePath(g) : HoldoutPath;
            if (definition.GoldenSet is null && _state.Split!.HoldoutRows == 0)
            {
                return "there is no golden set: the holdout split is empty (raise split.holdout or name a goldenSet).";
            }

            if (_state.Sweep is { Winner: null } sweep)
            {
                if (target.ProviderSteps is null)
                {
                    await BreakSweepTieAsync(sweep, golden, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // Hosting every tied candidate to break the tie would multiply the hosting bill: the lowest loss stands.
                    var best = NearTies(sweep)[0];
                    sweep.Winner = best.Point;
                    sweep.WinnerRule += "; not broken by a comparison (each tied candidate would need its own hosting): the lowest loss, then grid order";
                    await SaveStateAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            var model = _state.Job!.FineTunedModel!;
            var baseModel = definition.BaseModel;
            if (target.ProviderSteps is { } steps)
            {
                if (await HostAsync(steps, model, cancellationToken).ConfigureAwait(false) is { } hostingStop)
                {
                    return hostingStop;
                }

                model = _state.Hosting!.InvocationModelId!;
                baseModel = steps.BaseInferenceModel(definition.BaseModel);
            }

            var options = new EvalRunOptions { RunFile = Path.Combine(_output, "eval-run.jsonl"), MaxConcurrency = 4, Seed = definition.Split.Seed };
            foreach (var scorer in EvalScorers.FromNames(definition.Scorers))
            {
                options.Scorers.Add(scorer);
            }

            var request = new GoldenSetRunRequest(
                golden,
                [GoldenSetEvaluation.CreateVariant("base", baseModel, target.ChatClient), GoldenSetEvaluation.CreateVariant("candidate", model, target.ChatClient)],
                options)
            {
                TrainingFile = TrainPath,
                TimeProvider = owner._time,
                Progress = new SyncProgress<EvalProgress>(p => Emit(new FineTunePipelineEvent(FineTunePipelineEventKind.EvalProgress, FineTunePipelineStep.Compare, string.Create(CultureInfo.InvariantCulture, $"{p.Completed}/{p.Total} cases")) { Eval = p })),
            };
            var comparison = new ComparisonOptions
            {
                GoldenSetName = Path.GetFileName(golden),
                GoldenSetSha256 = await ModelRegistryHashes.FileSha256Async(golden, cancellationToken).ConfigureAwait(false),
                Seed = definition.Split.Seed,
            };
            definition.Acceptance.ApplyTo(comparison.Policy);
            var (run, report) = await GoldenSetEvaluation.CompareAsync(request, comparison, _output, cancellationToken).ConfigureAwait(false);
            foreach (var finding in run.Golden.Findings)
            {
                Warn(FineTunePipelineStep.Compare, $"golden set {finding.Code}: {finding.Message}");
            }

            if (report is null)
            {
                return $"the golden set {Path.GetFileName(golden)} has no usable case.";
            }

            var primary = report.Scorers.FirstOrDefault(s => s.Scorer == report.PrimaryScorer);
            _state.Comparison = new PipelineRunState.ComparisonSection
            {
                Passed = report.Decision.Passed,
                GoldenSet = Path.GetFileName(golden),
                Cases = report.PairedCases,
                PrimaryScorer = report.PrimaryScorer,
                BaselinePassRate = primary?.BaselinePassRate ?? 0,
                CandidatePassRate = primary?.CandidatePassRate ?? 0,
                ReportSha256 = await ModelRegistryHashes.FileSha256Async(Path.Combine(_output, "compare.json"), cancellationToken).ConfigureAwait(false),
                Rules = report.Decision.Rules.Where(r => r.Applicable).Select(r => new PipelineRunState.RuleLine { Rule = r.Rule, Passed = r.Passed, Blocking = r.Blocking, Figure = r.Figure }).ToList(),
            };
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Compare, string.Create(CultureInfo.InvariantCulture, $"{(report.Decision.Passed ? "PASS" : "BLOCK")}: {report.PrimaryScorer} {_state.Comparison.BaselinePassRate:P1} -> {_state.Comparison.CandidatePassRate:P1} on {report.PairedCases} cases"));
            return null;
        }

        private async Task<string?> RegisterAsync(CancellationToken cancellationToken)
        {
            var feature = definition.Registry.Feature ?? definition.Name;
            var storePath = Path.GetFullPath(Path.Combine(_output, definition.Registry.Store["file:".Length..]));
            ModelRegistry? owned = null;
            var registry = target.Registry;
            if (registry is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(storePath)!);
                owned = await ModelRegistry.OpenAsync(new FileModelRegistryStore(storePath, timeProvider: owner._time), new ModelRegistryOptions(), owner._time, cancellationToken: cancellationToken).ConfigureAwait(false);
                registry = owned;
            }

            try
            {
                var change = new RegistryChange { Actor = "finetune-pipeline", Reason = $"run {_state.RunId}" };
                var model = _state.Job!.FineTunedModel!;
                var variantName = "ft-" + _state.RunId;
                var current = registry.Snapshot.Document.FindFeature(feature);
                if (current?.FindVariant(variantName) is { } existing)
                {
                    if (!string.Equals(existing.ModelId, model, StringComparison.Ordinal))
                    {
                        return $"the registry already has a variant '{variantName}' of '{feature}' with another model ({existing.ModelId}).";
                    }
                }
                else
                {
                    if (current is null)
                    {
                        // The first variant of a new feature becomes its default: that is the base model, never the candidate.
                        await registry.RegisterAsync(feature, new RegistryVariant
                        {
                            Name = "base",
                            ModelId = definition.BaseModel,
                            Provider = target.RegistryProvider,
                            BaseModel = definition.BaseModel,
                            Endpoint = target.RegistryEndpoint,
                            Tags = ["base"],
                        }, change, cancellationToken).ConfigureAwait(false);
                    }

                    var comparePath = Path.Combine(_output, "compare.json");
                    var registryDirectory = Path.GetDirectoryName(storePath)!;
                    await registry.RegisterAsync(feature, new RegistryVariant
                    {
                        Name = variantName,
                        ModelId = model,
                        Provider = target.RegistryProvider,
                        BaseModel = definition.BaseModel,
                        Endpoint = target.RegistryEndpoint,
                        Dataset = new RegistryDataset { Name = _state.Dataset?.Name, Version = "1.0.0", Sha256 = _state.DatasetSha256 },
                        TrainingJobId = _state.Job.Id,
                        TrainingFileSha256 = _state.Conversion?.TrainSha256 ?? _state.Split?.TrainSha256,
                        Evaluation = _state.Comparison is { } c ? new RegistryEvaluation
                        {
                            ReportPath = Path.GetRelativePath(registryDirectory, comparePath),
                            ReportSha256 = c.ReportSha256,
                            Passed = c.Passed,
                            CandidateModelId = model,
                            GoldenSetSha256 = await ModelRegistryHashes.FileSha256Async(definition.GoldenSet is { } g ? definition.ResolvePath(g) : HoldoutPath, cancellationToken).ConfigureAwait(false),
                            GeneratedAt = owner._time.GetUtcNow(),
                        } : null,
                        Tags = LineageTags(),
                    }, change, cancellationToken).ConfigureAwait(false);
                }

                _state.Registration = new PipelineRunState.RegistrationSection
                {
                    Feature = feature,
                    Variant = variantName,
                    Store = target.Registry is null ? "file:" + storePath : "(caller's registry)",
                    Status = nameof(RegistryVariantStatus.Registered),
                };
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Register, $"registered {feature}/{variantName} (not promoted)");
                return null;
            }
            finally
            {
                if (owned is not null)
                {
                    await owned.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        /// <summary>The variant's tags: the run, and for a converted (Bedrock) run the lineage the registry has no field for — the uploaded data, the hosting.</summary>
        private List<string> LineageTags()
        {
            var tags = new List<string> { "pipeline", "run:" + _state.RunId };
            if (target.ProviderSteps is not null && _state.Upload is { } upload)
            {
                tags.Add("training-data:" + upload.TrainingFileId);
                if (upload.ValidationFileId is { } validation)
                {
                    tags.Add("validation-data:" + validation);
                }
            }

            if (_state.Hosting is { Id: { } hostingId } hosting)
            {
                tags.Add($"hosting:{hosting.Kind}:{hostingId}{(hosting.Kept ? string.Empty : " (released at the end of the run)")}");
            }

            return tags;
        }

        private async Task<string?> ReportAsync(CancellationToken cancellationToken)
        {
            await ReleaseHostingAsync(FineTunePipelineStep.Report, cancellationToken).ConfigureAwait(false);

            // The report is written with this step already counted as done, so report.json lists every step.
            _state.CompletedSteps.Add(PipelineSteps.Name(FineTunePipelineStep.Report));
            try
            {
                await PipelineReportWriter.WriteAllAsync(_state, definition, _output, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _state.CompletedSteps.RemoveAt(_state.CompletedSteps.Count - 1);
            }

            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Report, $"report: {Path.Combine(_output, "report.html")}");
            return null;
        }

        /// <summary>
        /// Makes the candidate callable: creates the hosting once (its name and key derived from the run, saved before the
        /// create so a retried create finds the resource an earlier process made), records its id, then waits until it is
        /// ready. A rerun re-attaches to the recorded hosting and never provisions twice.
        /// </summary>
        private async Task<string?> HostAsync(IFineTunePipelineProviderSteps steps, string fineTunedModel, CancellationToken cancellationToken)
        {
            var hosting = _state.Hosting;
            if (hosting is null)
            {
                hosting = _state.Hosting = new PipelineRunState.HostingSection { Name = HostingName(), IdempotencyKey = RunKey("-host"), Kept = definition.Bedrock?.Hosting.Keep ?? false };
                await SaveStateAsync(cancellationToken).ConfigureAwait(false);
            }

            if (hosting.Released)
            {
                return $"the hosting {hosting.Id} of this run was already released; start a new run (new output folder) to compare again.";
            }

            FineTunePipelineHosting current;
            if (hosting.Id is null)
            {
                current = await steps.CreateHostingAsync(fineTunedModel, hosting.Name, hosting.IdempotencyKey, cancellationToken).ConfigureAwait(false);
                Record(hosting, current);
                await SaveStateAsync(cancellationToken).ConfigureAwait(false);
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Compare, $"hosting: created {current.Kind} {current.Id} ({current.Status}){(current.Kind == "provisioned-throughput" ? ", billed by the hour until deleted" : string.Empty)}");
            }
            else
            {
                current = await steps.GetHostingAsync(hosting.Id, cancellationToken).ConfigureAwait(false);
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Compare, $"hosting: re-attached to {current.Kind} {current.Id} ({current.Status})");
            }

            var polling = target.Polling ?? new FineTunePollingOptions();
            var interval = polling.InitialInterval;
            var lastStatus = current.Status;
            while (!current.IsReady)
            {
                if (current.IsFailed)
                {
                    Record(hosting, current);
                    return $"the {current.Kind} {current.Id} failed: {current.FailureMessage ?? current.Status}.";
                }

                await Task.Delay(interval, owner._time, cancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromTicks(Math.Min(polling.MaxInterval.Ticks, interval.Ticks * 2));
                current = await steps.GetHostingAsync(hosting.Id!, cancellationToken).ConfigureAwait(false);
                if (!string.Equals(current.Status, lastStatus, StringComparison.Ordinal))
                {
                    lastStatus = current.Status;
                    Emit(new FineTunePipelineEvent(FineTunePipelineEventKind.JobStatus, FineTunePipelineStep.Compare, $"hosting {current.Id}: {current.Status}") { JobStatus = current.Status });
                }
            }

            Record(hosting, current);
            await SaveStateAsync(cancellationToken).ConfigureAwait(false);
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Compare, $"hosting: {current.Kind} {current.Id} is {current.Status}; the candidate answers through it");
            return null;

            static void Record(PipelineRunState.HostingSection section, FineTunePipelineHosting h)
            {
                section.Id = h.Id;
                section.Kind = h.Kind;
                section.Status = h.Status;
                section.InvocationModelId = h.InvocationModelId;
            }
        }

        /// <summary>A hosting name from the run id: 1-63 letters, digits and single '-' (the run id hashed when too long).</summary>
        private string HostingName()
        {
            var name = "ftpipe-" + string.Join('-', _state.RunId.Split(['_', '-', '.'], StringSplitOptions.RemoveEmptyEntries));
            return name.Length <= 63 ? name : "ftpipe-" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_state.RunId)))[..32].ToLowerInvariant();
        }

        /// <summary>Deletes the run's hosting unless the file keeps it; says what was deleted or kept (it bills until deleted).</summary>
        private async Task ReleaseHostingAsync(FineTunePipelineStep step, CancellationToken cancellationToken)
        {
            if (target.ProviderSteps is not { } steps || _state.Hosting is not { Id: { } id } hosting || hosting.Released)
            {
                return;
            }

            if (hosting.Kept)
            {
                Warn(step, $"hosting: kept {hosting.Kind} {id} as the file asks (bedrock.hosting.keep); it bills until you delete it.");
                return;
            }

            await steps.DeleteHostingAsync(id, cancellationToken).ConfigureAwait(false);
            hosting.Released = true;
            hosting.Status = "Deleted";
            await SaveStateAsync(cancellationToken).ConfigureAwait(false);
            Emit(FineTunePipelineEventKind.Info, step, $"hosting: deleted {hosting.Kind} {id}");
        }

        private void Warn(FineTunePipelineStep step, string message)
        {
            message = SecretScrubber.Scrub(message);
            if (!_state.Warnings.Contains(message, StringComparer.Ordinal))
            {
                _state.Warnings.Add(message);
            }

            Emit(FineTunePipelineEventKind.Warning, step, message);
        }

        private void Emit(FineTunePipelineEventKind kind, FineTunePipelineStep step, string message) => Emit(new FineTunePipelineEvent(kind, step, message));

        private void Emit(FineTunePipelineEvent e) => progress?.Report(e);

        private FineTunePipelineResult Result(FineTunePipelineOutcome outcome, FineTunePipelineStep? stoppedAt, string? reason, List<FineTunePipelineStep> resumed) => new()
        {
            RunId = _state.RunId,
            Outcome = outcome,
            StoppedAt = stoppedAt,
            StopReason = reason,
            OutputDirectory = _output,
            ReportPath = Path.Combine(_output, "report.html"),
            JobId = _state.Job?.Id,
            FineTunedModel = _state.Job?.FineTunedModel,
            Passed = _state.Comparison?.Passed,
            RegisteredVariant = _state.Registration is { } r ? r.Feature + "/" + r.Variant : null,
            ResumedSteps = resumed,
        };
    }

    /// <summary>An <see cref="IProgress{T}"/> that calls back on the reporting thread (unlike <see cref="Progress{T}"/>).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
