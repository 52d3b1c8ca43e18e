using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;
using FineTune.Sdk.OpenAI;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace FineTune.Cli;

/// <summary>
/// <c>finetune run PIPELINE.yaml [--json] [--speed X]</c>: the whole lifecycle from one file through
/// <see cref="FineTunePipeline"/>; rerunning resumes an unfinished run. Exit 0 = completed and passed, 1 = stopped or
/// blocked, 2 = bad file or arguments, 130 = interrupted (rerun to resume).
/// </summary>
internal static class RunCommand
{
    /// <summary>Exit code when Ctrl+C stopped the run (a rerun resumes it).</summary>
    public const int Interrupted = 130;

    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("PIPELINE") { Description = "The pipeline file (YAML, or JSON when it ends with .json); see docs/pipeline.md." };
        var json = new Option<bool>("--json") { Description = "Print one JSON event per line instead of text." };
        var speed = new Option<double>("--speed") { Description = "For provider emulator: how many times faster than the emulator's default pace training runs.", DefaultValueFactory = _ => 200 };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Override the pipeline file's output folder." };
        var command = new Command("run", "Run a fine-tuning pipeline file: validate, redact, split, estimate (budget cap), upload, start, watch, diagnose, compare, register (never promote) and report. Rerun the same command to resume an unfinished run.")
        {
            file, json, speed, output,
        };
        command.SetAction((parseResult, cancellationToken) => ExecuteAsync(context, parseResult.GetValue(file)!, parseResult.GetValue(json), parseResult.GetValue(speed), parseResult.GetValue(output), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CliContext context, FileInfo file, bool json, double speed, DirectoryInfo? output, CancellationToken cancellationToken)
    {
        FineTunePipelineDefinition definition;
        try
        {
            definition = await FineTunePipelineDefinition.LoadAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FineTunePipelineDefinitionException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return CliApp.UsageError;
        }

        if (output is not null)
        {
            definition.Output = output.FullName;
        }

        if (!(speed > 0) || double.IsInfinity(speed))
        {
            await context.Error.WriteLineAsync($"error: --speed must be a number > 0 (was {speed.ToString(CultureInfo.InvariantCulture)}).").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        var backend = RunBackend.Create(definition, speed);
        await using var disposeBackend = backend.ConfigureAwait(false);
        if (backend.Error is { } backendError)
        {
            await context.Error.WriteLineAsync("error: " + backendError).ConfigureAwait(false);
            return CliApp.UsageError;
        }

        var resume = $"finetune run {file.FullName}";
        var pipeline = new FineTunePipeline();
        var sink = RunProgress.Create(context, json);

        // Ctrl+C and SIGTERM stop the run after the current call (the state file already holds every finished step).
        using var stop = new StopSignals(cancellationToken);

        try
        {
            var result = sink is SpectreRunProgress spectre
                ? await spectre.RunAsync(progress => pipeline.RunAsync(definition, backend.Target!, progress, stop.Token)).ConfigureAwait(false)
                : await pipeline.RunAsync(definition, backend.Target!, sink, stop.Token).ConfigureAwait(false);
            await sink.FinishAsync(result).ConfigureAwait(false);
            return result.Outcome == FineTunePipelineOutcome.Completed && result.Passed != false ? CliApp.Success : CliApp.Failed;
        }
        catch (OperationCanceledException) when (stop.IsStopRequested)
        {
            await context.Error.WriteLineAsync($"Stopped. The run state is saved; resume with: {resume}").ConfigureAwait(false);
            return Interrupted;
        }
        catch (FineTunePipelineDefinitionException ex)
        {
            await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return CliApp.UsageError;
        }
        catch (Exception ex) when (ex is FineTuneException or IOException or HttpRequestException)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            await context.Error.WriteLineAsync($"The run state is saved; fix the cause and resume with: {resume}").ConfigureAwait(false);
            return CliApp.Failed;
        }
    }

    /// <summary>The provider, chat client and (for <c>emulator</c>) the embedded emulator one run uses.</summary>
    private sealed class RunBackend : IAsyncDisposable
    {
        private OpenAIEmulator? _emulator;
        private HttpClient? _http;
        private IChatClient? _chat;
        private ServiceProvider? _services;

        public FineTunePipelineTarget? Target { get; private set; }

        public string? Error { get; private set; }

        public static RunBackend Create(FineTunePipelineDefinition definition, double speed)
        {
            var backend = new RunBackend();
            switch (definition.Provider)
            {
                case "emulator":
                    // The embedded OpenAI emulator: no key, no network; its state is kept in the output folder so a rerun re-attaches.
                    var output = definition.ResolvePath(definition.Output);
                    Directory.CreateDirectory(output);
                    try
                    {
                        backend._emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { Speed = speed, RandomSeed = definition.Split.Seed, StatePath = Path.Combine(output, "emulator-state.json") });
                    }
                    catch (InvalidDataException ex)
                    {
                        backend.Error = ex.Message;
                        break;
                    }

                    backend._http = new HttpClient(backend._emulator.CreateHttpMessageHandler());
                    backend.Use(new OpenAIFineTuneProviderOptions { Endpoint = OpenAIEmulator.InProcessEndpoint.ToString(), ApiKey = "emulator" }, backend._http, fast: true);
                    break;
                case "openai":
                    var hasKey = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable));
                    if (!hasKey && definition.Endpoint is null)
                    {
                        backend.Error = $"provider openai needs {OpenAIFineTuneProviderOptions.ApiKeyEnvironmentVariable} (or an endpoint in the pipeline file).";
                        break;
                    }

                    backend.Use(new OpenAIFineTuneProviderOptions { Endpoint = definition.Endpoint, ApiKey = hasKey ? null : "local-endpoint" }, null, fast: definition.Endpoint is not null && new Uri(definition.Endpoint).IsLoopback);
                    backend.Target!.RegistryEndpoint = definition.Endpoint;
                    break;
                case "bedrock":
                    backend.UseBedrock(definition);
                    break;
                default:
                    backend.Error = $"provider {definition.Provider} is not supported by 'finetune run'; use emulator, openai or bedrock.";
                    break;
            }

            return backend;
        }

        public async ValueTask DisposeAsync()
        {
            _chat?.Dispose();
            _http?.Dispose();
            if (_services is not null)
            {
                await _services.DisposeAsync().ConfigureAwait(false);
            }

            if (_emulator is not null)
            {
                await _emulator.DisposeAsync().ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Provider bedrock: <c>AddBedrock(...)</c> as <c>finetune jobs --provider bedrock</c> registers it (credentials from the
        /// AWS chain; the documentation example keys only for a loopback endpoint when the environment has none), the file's
        /// region, role, S3 locations and endpoints, options validated here before anything runs, the Converse client under
        /// the chat pipeline, and the Bedrock steps (conversion, hosting) from the provider's model management.
        /// </summary>
        private void UseBedrock(FineTunePipelineDefinition definition)
        {
            var bedrock = definition.Bedrock!;
            var endpoints = bedrock.Endpoints;
            var services = new ServiceCollection();
            BedrockCommandLine.AddBedrock(services.AddFineTuning(), endpoints.Bedrock, bedrock.Region, o =>
            {
                o.RuntimeServiceUrl = endpoints.BedrockRuntime;
                o.S3ServiceUrl = endpoints.S3;
                o.RoleArn = bedrock.RoleArn;
                o.UploadS3Uri = bedrock.ResolveDataS3Uri();
                o.OutputS3Uri = bedrock.ResolveOutputS3Uri();
            });
            _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            IFineTuneProvider provider;
            try
            {
                provider = _services.GetRequiredService<IFineTuneProvider>();
                _chat = new ChatClientBuilder(_services.GetRequiredService<IChatClient>()).UseFineTunePipeline(new ChatPipelineOptions()).Build(_services);
            }
            catch (OptionsValidationException ex)
            {
                Error = "the bedrock settings are invalid: " + string.Join(" ", ex.Failures);
                return;
            }
            catch (ArgumentException ex)
            {
                Error = "the bedrock settings are invalid: " + ex.Message;
                return;
            }

            var hyper = BedrockMapping.HyperParameters(definition.Hyperparameters.Epochs, definition.Hyperparameters.BatchSize, definition.Hyperparameters.LearningRateMultiplier);

            BedrockPipelineSteps steps;
            try
            {
                steps = new BedrockPipelineSteps(provider.GetService<BedrockModelManagement>()!, definition.BaseModel, bedrock.Hosting, hyper);
            }
            catch (ArgumentException ex)
            {
                Error = ex.Message;
                return;
            }

            var fast = endpoints.Bedrock is { } endpoint && BedrockCommandLine.IsLoopback(endpoint);
            Target = new FineTunePipelineTarget(provider, _chat)
            {
                Polling = fast ? new FineTunePollingOptions { InitialInterval = TimeSpan.FromMilliseconds(100), MaxInterval = TimeSpan.FromMilliseconds(500) } : null,
                RegistryProvider = RegistryProviders.Bedrock,
                RegistryEndpoint = endpoints.BedrockRuntime,
                ProviderSteps = steps,
            };
        }

        private void Use(OpenAIFineTuneProviderOptions options, HttpClient? http, bool fast)
        {
            var provider = new OpenAIFineTuneProvider(options, http).AsBuilder().UseStandardPolicies(options.Resilience).Build();
            _chat = OpenAIChatClients.Create(options, new ChatPipelineOptions(), http);
            Target = new FineTunePipelineTarget(provider, _chat)
            {
                Polling = fast ? new FineTunePollingOptions { InitialInterval = TimeSpan.FromMilliseconds(100), MaxInterval = TimeSpan.FromMilliseconds(500) } : null,
            };
        }
    }

    /// <summary>Where progress goes: Spectre.Console live status on a terminal, plain lines otherwise, JSON lines with --json.</summary>
    private abstract class RunProgress(CliContext context) : IProgress<FineTunePipelineEvent>
    {
        protected CliContext Context { get; } = context;

        public static RunProgress Create(CliContext context, bool json) =>
            json ? new JsonRunProgress(context) : context.IsInteractive ? new SpectreRunProgress(context) : new PlainRunProgress(context);

        public abstract void Report(FineTunePipelineEvent value);

        public virtual async Task FinishAsync(FineTunePipelineResult result)
        {
            var o = Context.Output;
            if (result.Outcome == FineTunePipelineOutcome.Stopped)
            {
                await o.WriteLineAsync($"STOPPED at {result.StoppedAt?.ToString().ToLowerInvariant()}: {result.StopReason}").ConfigureAwait(false);
            }
            else
            {
                await o.WriteLineAsync($"{(result.Passed == false ? "BLOCK" : "PASS")}: {result.FineTunedModel} registered as {result.RegisteredVariant} (not promoted)").ConfigureAwait(false);
            }

            await o.WriteLineAsync($"Report: {result.ReportPath}").ConfigureAwait(false);
        }
    }

    private sealed class PlainRunProgress(CliContext context) : RunProgress(context)
    {
        private int _lastMetricPercent = -1;

        public override void Report(FineTunePipelineEvent value)
        {
            var step = value.Step.ToString().ToLowerInvariant();
            var line = value.Kind switch
            {
                FineTunePipelineEventKind.StepStarted => $"[{step}] started",
                FineTunePipelineEventKind.StepCompleted => $"[{step}] done",
                FineTunePipelineEventKind.StepSkipped => $"[{step}] done earlier, skipped",
                FineTunePipelineEventKind.Warning => $"[{step}] warning: {value.Message}",
                FineTunePipelineEventKind.Metric => MetricLine(value),
                FineTunePipelineEventKind.EvalProgress when value.Eval is { } p && (p.Completed == p.Total || p.Completed % 10 == 0) => $"[{step}] {value.Message}",
                FineTunePipelineEventKind.EvalProgress => null,
                FineTunePipelineEventKind.Completed or FineTunePipelineEventKind.Stopped => null,
                _ => $"[{step}] {value.Message}",
            };
            if (line is not null)
            {
                Context.Output.WriteLine(line);
                Context.Output.Flush();
            }
        }

        private string? MetricLine(FineTunePipelineEvent value)
        {
            // Plain output keeps logs short: one metric line per 10% of the job.
            var total = value.Metric?.TotalSteps ?? 0;
            var percent = total > 0 ? value.Metric!.Step * 10 / total : 0;
            if (percent == _lastMetricPercent)
            {
                return null;
            }

            _lastMetricPercent = percent;
            return "[watch] " + value.Message;
        }
    }

    private sealed class JsonRunProgress(CliContext context) : RunProgress(context)
    {
        private readonly object _gate = new();

        public override void Report(FineTunePipelineEvent value)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("event", Kebab(value.Kind.ToString()));
                writer.WriteString("step", value.Step.ToString().ToLowerInvariant());
                writer.WriteString("message", value.Message);
                if (value.JobStatus is { } status)
                {
                    writer.WriteString("jobStatus", status);
                }

                if (value.Metric is { } m)
                {
                    writer.WriteNumber("metricStep", m.Step);
                    if (m.TotalSteps is { } total)
                    {
                        writer.WriteNumber("totalSteps", total);
                    }

                    if (m.TrainLoss is { } loss && double.IsFinite(loss))
                    {
                        writer.WriteNumber("trainLoss", loss);
                    }

                    if (m.ValidLoss is { } valid && double.IsFinite(valid))
                    {
                        writer.WriteNumber("validLoss", valid);
                    }
                }

                if (value.Eval is { } e)
                {
                    writer.WriteNumber("casesDone", e.Completed);
                    writer.WriteNumber("cases", e.Total);
                }

                writer.WriteEndObject();
            }

            lock (_gate)
            {
                Context.Output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
                Context.Output.Flush();
            }
        }

        public override async Task FinishAsync(FineTunePipelineResult result)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("event", "result");
                writer.WriteString("runId", result.RunId);
                writer.WriteString("outcome", result.Outcome.ToString().ToLowerInvariant());
                writer.WriteString("stoppedAt", result.StoppedAt?.ToString().ToLowerInvariant());
                writer.WriteString("stopReason", result.StopReason);
                writer.WriteString("jobId", result.JobId);
                writer.WriteString("fineTunedModel", result.FineTunedModel);
                if (result.Passed is { } passed)
                {
                    writer.WriteBoolean("passed", passed);
                }

                writer.WriteString("registered", result.RegisteredVariant);
                writer.WriteString("report", result.ReportPath);
                writer.WriteEndObject();
            }

            await Context.Output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan)).ConfigureAwait(false);
        }

        private static string Kebab(string name) => string.Concat(name.Select((ch, i) => char.IsUpper(ch) && i > 0 ? "-" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));
    }

    /// <summary>A Spectre.Console live status line per step: job status, step and loss as they arrive, evaluation cases done.</summary>
    private sealed class SpectreRunProgress(CliContext context) : RunProgress(context)
    {
        private StatusContext? _status;

        public async Task<FineTunePipelineResult> RunAsync(Func<IProgress<FineTunePipelineEvent>, Task<FineTunePipelineResult>> run) =>
            await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync("starting", async status =>
            {
                _status = status;
                return await run(this).ConfigureAwait(false);
            }).ConfigureAwait(false);

        public override void Report(FineTunePipelineEvent value)
        {
            var step = value.Step.ToString().ToLowerInvariant();
            switch (value.Kind)
            {
                case FineTunePipelineEventKind.StepStarted:
                    _status?.Status($"[bold]{step}[/]");
                    break;
                case FineTunePipelineEventKind.StepCompleted:
                    AnsiConsole.MarkupLine($"[green]✓[/] {step}");
                    break;
                case FineTunePipelineEventKind.StepSkipped:
                    AnsiConsole.MarkupLine($"[grey]✓ {step} (done earlier)[/]");
                    break;
                case FineTunePipelineEventKind.Warning:
                    AnsiConsole.MarkupLine($"[yellow]![/] {Markup.Escape(value.Message)}");
                    break;
                case FineTunePipelineEventKind.JobStatus or FineTunePipelineEventKind.Metric or FineTunePipelineEventKind.EvalProgress:
                    _status?.Status($"[bold]{step}[/] {Markup.Escape(value.Message)}");
                    break;
                case FineTunePipelineEventKind.Info:
                    AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(value.Message)}[/]");
                    break;
            }
        }
    }
}
