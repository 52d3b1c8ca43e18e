using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>
/// Runs a <see cref="FineTunePipelineDefinition"/> end to end — validate, redact, split, estimate, upload, start, watch,
/// diagnose, compare, register, report — and resumes a run that did not finish: the state file in the output folder
/// (<c>run-state.json</c>, written whole after every step) says which steps are done, a rerun continues at the first
/// unfinished one, re-attaches to the job already started and never uploads or trains twice.
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
                var request = new DatasetValidationRequest { FileName = Path.GetFileName(path), Model = definition.BaseModel, CountTokens = true };
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

            return null;
        }

        private async Task<string?> EstimateAsync(CancellationToken cancellationToken)
        {
            var counter = new DatasetValidator(PipelineGates.ToOptions(["none"]), null, owner._time);
            var train = await ValidateFileAsync(counter, TrainPath, cancellationToken).ConfigureAwait(false);
            var validation = _state.Split!.ValidationRows > 0 ? await ValidateFileAsync(counter, ValidationPath, cancellationToken).ConfigureAwait(false) : null;
            if (train.Tokens is null)
            {
                return $"no token counts for {definition.BaseModel}; the cost cannot be estimated.";
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

        private async Task<string?> UploadAsync(CancellationToken cancellationToken)
        {
            var train = await target.Provider.UploadFileAsync(TrainPath, cancellationToken).ConfigureAwait(false);
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Upload, $"train.jsonl -> {train.Id}{(train.Reused ? " (reused)" : string.Empty)}");
            string? validationId = null;
            if (_state.Split!.ValidationRows > 0)
            {
                var validation = await target.Provider.UploadFileAsync(ValidationPath, cancellationToken).ConfigureAwait(false);
                validationId = validation.Id;
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Upload, $"validation.jsonl -> {validation.Id}{(validation.Reused ? " (reused)" : string.Empty)}");
            }

            _state.Upload = new PipelineRunState.UploadSection { TrainingFileId = train.Id, ValidationFileId = validationId, TrainingReused = train.Reused };
            return null;
        }

        private async Task<string?> StartAsync(CancellationToken cancellationToken)
        {
            var key = "ftpipe-" + _state.RunId;
            var request = new FineTuneJobRequest(definition.BaseModel, _state.Upload!.TrainingFileId)
            {
                ValidationFileId = _state.Upload.ValidationFileId,
                Suffix = definition.Suffix ?? (definition.Name.Length <= 18 ? definition.Name : definition.Name[..18]),
                Seed = definition.Split.Seed >= 0 ? definition.Split.Seed : null,
                IdempotencyKey = key,
                Hyperparameters =
                {
                    Epochs = definition.Hyperparameters.Epochs,
                    BatchSize = definition.Hyperparameters.BatchSize,
                    LearningRateMultiplier = definition.Hyperparameters.LearningRateMultiplier,
                },
            };
            request.Metadata["ft_pipeline_run"] = _state.RunId.Length <= 64 ? _state.RunId : _state.RunId[..64];
            _job = await target.Provider.StartJobAsync(request, cancellationToken).ConfigureAwait(false);
            _state.Job = new PipelineRunState.JobSection { Id = _job.Id, IdempotencyKey = key, Status = _job.Status.ToString() };
            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Start, $"job {_job.Id} ({_job.Status}), key {key}");
            return null;
        }

        private async Task<string?> WatchAsync(CancellationToken cancellationToken)
        {
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
            _state.Job.Status = job.Status.ToString();
            _state.Job.FineTunedModel = job.FineTunedModel;
            _state.Job.TrainedTokens = job.TrainedTokens;
            _state.Job.Epochs = job.Hyperparameters.Epochs;
            _state.Job.BatchSize = job.Hyperparameters.BatchSize;
            _state.Job.LearningRateMultiplier = job.Hyperparameters.LearningRateMultiplier;
            _state.Job.ErrorCode = job.Error?.Code;
            _state.Job.ErrorMessage = SecretScrubber.Scrub(job.Error?.Message);
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
            var metrics = await target.Provider.GetTrainingMetricsAsync(_state.Job!.Id, cancellationToken).ConfigureAwait(false);
            _state.Metrics = metrics.Select(m => new PipelineRunState.MetricPoint
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
                Epochs = _state.Job.Epochs,
                BatchSize = _state.Job.BatchSize,
                LearningRateMultiplier = _state.Job.LearningRateMultiplier,
                BaseModel = definition.BaseModel,
            };
            var diagnosis = new TrainingDiagnostician().Diagnose(metrics, context);
            _state.Diagnosis = diagnosis.Findings.Select(f => new PipelineRunState.DiagnosisFinding
            {
                Code = f.Code,
                Kind = f.Kind.ToString(),
                Severity = f.Severity.ToString().ToLowerInvariant(),
                Message = f.Message,
                Advice = f.Advice,
                Figures = f.Figures.Count == 0 ? null : new SortedDictionary<string, double>(f.Figures.ToDictionary(), StringComparer.Ordinal),
            }).ToList();
            foreach (var finding in _state.Diagnosis)
            {
                Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Diagnose, $"{finding.Severity} {finding.Code}: {finding.Message}");
            }

            Emit(FineTunePipelineEventKind.Info, FineTunePipelineStep.Diagnose, string.Create(CultureInfo.InvariantCulture, $"{metrics.Count} metric rows, {_state.Diagnosis.Count} finding(s)"));
            return null;
        }

        private async Task<string?> CompareAsync(CancellationToken cancellationToken)
        {
            var golden = definition.GoldenSet is { } g ? definition.ResolvePath(g) : HoldoutPath;
            if (definition.GoldenSet is null && _state.Split!.HoldoutRows == 0)
            {
                return "there is no golden set: the holdout split is empty (raise split.holdout or name a goldenSet).";
            }

            var options = new EvalRunOptions { RunFile = Path.Combine(_output, "eval-run.jsonl"), MaxConcurrency = 4, Seed = definition.Split.Seed };
            foreach (var scorer in EvalScorers.FromNames(definition.Scorers))
            {
                options.Scorers.Add(scorer);
            }

            var model = _state.Job!.FineTunedModel!;
            var request = new GoldenSetRunRequest(
                golden,
                [GoldenSetEvaluation.CreateVariant("base", definition.BaseModel, target.ChatClient), GoldenSetEvaluation.CreateVariant("candidate", model, target.ChatClient)],
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
                        TrainingFileSha256 = _state.Split?.TrainSha256,
                        Evaluation = _state.Comparison is { } c ? new RegistryEvaluation
                        {
                            ReportPath = Path.GetRelativePath(registryDirectory, comparePath),
                            ReportSha256 = c.ReportSha256,
                            Passed = c.Passed,
                            CandidateModelId = model,
                            GoldenSetSha256 = await ModelRegistryHashes.FileSha256Async(definition.GoldenSet is { } g ? definition.ResolvePath(g) : HoldoutPath, cancellationToken).ConfigureAwait(false),
                            GeneratedAt = owner._time.GetUtcNow(),
                        } : null,
                        Tags = ["pipeline", "run:" + _state.RunId],
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

        private async Task<string?> ReportAsync(CancellationToken cancellationToken)
        {
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
