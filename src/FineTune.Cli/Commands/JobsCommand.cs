using System.CommandLine;
using System.Globalization;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary>
/// <c>finetune jobs start|status|watch|list|events|checkpoints|metrics|cancel|pause|resume|diagnose
/// --provider emulator|openai|bedrock [--json]</c>: thin commands over <see cref="IFineTuneProvider"/> and
/// <see cref="TrainingDiagnostician"/>. Exit codes: 0 done (watch: succeeded), 1 the provider refused or the job failed,
/// 2 usage (bad options, an operation the provider does not support, a missing file).
/// </summary>
internal static class JobsCommand
{
    public static Command Create(CliContext context)
    {
        var shared = new SharedOptions();
        var jobId = () => new Argument<string>("JOB") { Description = "The job id (OpenAI ftjob-…, Bedrock job ARN or name)." };
        var command = new Command("jobs", "Start, watch and inspect fine-tuning jobs on the emulator, OpenAI or Amazon Bedrock, and diagnose their training curves.");

        var training = new Option<FileInfo>("--training-file") { Description = "The training JSONL (uploaded first; an identical file already stored is reused).", Required = true };
        var validation = new Option<FileInfo?>("--validation-file") { Description = "The validation JSONL." };
        var model = new Option<string>("--model") { Description = "The base model (for example gpt-4o-mini-2024-07-18 or amazon.nova-micro-v1:0:128k).", Required = true };
        var suffix = new Option<string?>("--suffix") { Description = "The model-name suffix (OpenAI) or custom-model name part." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default: the provider's automatic choice)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Batch size (default: automatic)." };
        var multiplier = new Option<double?>("--learning-rate-multiplier") { Description = "Learning-rate multiplier (default: automatic)." };
        var seed = new Option<int?>("--seed") { Description = "The training seed." };
        var key = new Option<string?>("--idempotency-key") { Description = "A retry-safe start key: the same key never starts a second job." };
        var start = new Command("start", "Upload the files and start a fine-tuning job; prints the job.") { training, validation, model, suffix, epochs, batchSize, multiplier, seed, key };
        shared.AddTo(start);
        start.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            var trainingFile = await scope.Provider.UploadFileAsync(parse.GetValue(training)!.FullName, ct).ConfigureAwait(false);
            var request = new FineTuneJobRequest(parse.GetValue(model)!, trainingFile.Id)
            {
                Suffix = parse.GetValue(suffix),
                Seed = parse.GetValue(seed),
                IdempotencyKey = parse.GetValue(key),
                Hyperparameters = new FineTuneHyperparameters { Epochs = parse.GetValue(epochs), BatchSize = parse.GetValue(batchSize), LearningRateMultiplier = parse.GetValue(multiplier) },
            };
            if (parse.GetValue(validation) is { } validationFile)
            {
                request.ValidationFileId = (await scope.Provider.UploadFileAsync(validationFile.FullName, ct).ConfigureAwait(false)).Id;
            }

            var job = await scope.Provider.StartJobAsync(request, ct).ConfigureAwait(false);
            await PrintJobAsync(context, settings, job).ConfigureAwait(false);
            return CliApp.Success;
        }, token));
        command.Subcommands.Add(start);

        command.Subcommands.Add(JobVerb(context, shared, jobId(), "status", "Print a job's status.", (p, id, ct) => p.GetJobAsync(id, ct)));
        command.Subcommands.Add(JobVerb(context, shared, jobId(), "cancel", "Cancel a job.", (p, id, ct) => p.CancelJobAsync(id, ct)));
        command.Subcommands.Add(JobVerb(context, shared, jobId(), "pause", "Pause a running job (OpenAI only).", (p, id, ct) => p.PauseJobAsync(id, ct)));
        command.Subcommands.Add(JobVerb(context, shared, jobId(), "resume", "Resume a paused job (OpenAI only).", (p, id, ct) => p.ResumeJobAsync(id, ct)));

        var limit = new Option<int>("--limit") { Description = "How many jobs, newest first.", DefaultValueFactory = _ => 20 };
        var list = new Command("list", "List jobs, newest first; --json prints one job per line.") { limit };
        shared.AddTo(list);
        list.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            var count = 0;
            await foreach (var job in scope.Provider.ListJobsAsync(ct).ConfigureAwait(false))
            {
                if (count++ >= parse.GetValue(limit))
                {
                    break;
                }

                await context.Output.WriteLineAsync(settings.Json ? JobsOutput.Json(w => JobsOutput.WriteJob(w, job)) : JobsOutput.JobLine(job)).ConfigureAwait(false);
            }

            return CliApp.Success;
        }, token));
        command.Subcommands.Add(list);

        var eventsJob = jobId();
        var events = new Command("events", "Print a job's events, oldest first; --json prints one event per line.") { eventsJob };
        shared.AddTo(events);
        events.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            foreach (var e in await scope.Provider.GetEventsOldestFirstAsync(parse.GetValue(eventsJob)!, ct).ConfigureAwait(false))
            {
                await context.Output.WriteLineAsync(settings.Json ? JobsOutput.Json(w => JobsOutput.WriteEvent(w, e)) : JobsOutput.EventLine(e)).ConfigureAwait(false);
            }

            return CliApp.Success;
        }, token));
        command.Subcommands.Add(events);

        var checkpointsJob = jobId();
        var checkpoints = new Command("checkpoints", "Print a job's checkpoints (highest step first).") { checkpointsJob };
        shared.AddTo(checkpoints);
        checkpoints.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            var all = new List<FineTuneCheckpoint>();
            await foreach (var checkpoint in scope.Provider.GetCheckpointsAsync(parse.GetValue(checkpointsJob)!, ct).ConfigureAwait(false))
            {
                all.Add(checkpoint);
            }

            if (settings.Json)
            {
                await context.Output.WriteLineAsync(JobsOutput.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("jobId", parse.GetValue(checkpointsJob));
                    w.WriteStartArray("checkpoints");
                    all.ForEach(c => JobsOutput.WriteCheckpoint(w, c));
                    w.WriteEndArray();
                    w.WriteEndObject();
                })).ConfigureAwait(false);
            }
            else
            {
                foreach (var c in all)
                {
                    await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"step {c.StepNumber}  {c.ModelId}")).ConfigureAwait(false);
                }
            }

            return CliApp.Success;
        }, token));
        command.Subcommands.Add(checkpoints);

        var metricsJob = jobId();
        var metrics = new Command("metrics", "Print a job's training metrics per step (results CSV, Bedrock's metrics files).") { metricsJob };
        shared.AddTo(metrics);
        metrics.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            var rows = await scope.Provider.GetTrainingMetricsAsync(parse.GetValue(metricsJob)!, ct).ConfigureAwait(false);
            if (settings.Json)
            {
                await context.Output.WriteLineAsync(JobsOutput.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("jobId", parse.GetValue(metricsJob));
                    w.WriteStartArray("metrics");
                    foreach (var row in rows)
                    {
                        JobsOutput.WriteMetric(w, row);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                })).ConfigureAwait(false);
            }
            else
            {
                foreach (var row in rows)
                {
                    await context.Output.WriteLineAsync(JobsOutput.MetricLine(row)).ConfigureAwait(false);
                }
            }

            return CliApp.Success;
        }, token));
        command.Subcommands.Add(metrics);

        var watchJob = jobId();
        var poll = new Option<double>("--poll-interval") { Description = "Seconds between polls.", DefaultValueFactory = _ => 2 };
        var timeout = new Option<double>("--timeout") { Description = "Give up after this many seconds (exit 1).", DefaultValueFactory = _ => 24 * 3600 };
        var watch = new Command("watch", "Follow a job until it finishes: status changes and events as they arrive (--json: one per line). Exit 0 when it succeeded, 1 otherwise.") { watchJob, poll, timeout };
        shared.AddTo(watch);
        watch.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            if (!(parse.GetValue(poll) > 0) || !(parse.GetValue(timeout) > 0))
            {
                throw new ArgumentException("--poll-interval and --timeout must be > 0 seconds.");
            }

            var interval = TimeSpan.FromSeconds(parse.GetValue(poll));
            var handle = scope.Provider.TrackJob(parse.GetValue(watchJob)!, new FineTunePollingOptions
            {
                InitialInterval = interval,
                MaxInterval = interval,
                JitterFactor = 0,
                Timeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                IncludeMetrics = false,
            });
            FineTuneJob? last = null;
            await foreach (var update in handle.WatchAsync(ct).ConfigureAwait(false))
            {
                last = update.Job;
                var line = (update.Kind, settings.Json) switch
                {
                    (FineTuneJobUpdateKind.Event, true) => JobsOutput.Json(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("type", "event");
                        w.WritePropertyName("event");
                        JobsOutput.WriteEvent(w, update.Event!);
                        w.WriteEndObject();
                    }),
                    (FineTuneJobUpdateKind.Event, false) => JobsOutput.EventLine(update.Event!),
                    (_, true) => JobsOutput.Json(w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("type", "status");
                        w.WritePropertyName("job");
                        JobsOutput.WriteJob(w, update.Job);
                        w.WriteEndObject();
                    }),
                    _ => "status: " + JobsOutput.JobLine(update.Job),
                };
                await context.Output.WriteLineAsync(line).ConfigureAwait(false);
            }

            return last?.Status == FineTuneJobStatus.Succeeded ? CliApp.Success : CliApp.Failed;
        }, token));
        command.Subcommands.Add(watch);

        var diagnoseJob = jobId();
        var trainingExamples = new Option<int?>("--training-examples") { Description = "The number of training examples (for advice on validation size)." };
        var validationExamples = new Option<int?>("--validation-examples") { Description = "The number of validation examples (0 for none)." };
        var diagnose = new Command("diagnose", "Diagnose a job's training curves: overfitting, underfitting, instability, a missing or small validation set, each with figures and advice (docs/jobs.md).") { diagnoseJob, trainingExamples, validationExamples };
        shared.AddTo(diagnose);
        diagnose.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            var id = parse.GetValue(diagnoseJob)!;
            var job = await scope.Provider.GetJobAsync(id, ct).ConfigureAwait(false);
            var rows = await scope.Provider.GetTrainingMetricsAsync(id, ct).ConfigureAwait(false);
            var diagnosis = new TrainingDiagnostician().Diagnose(rows, TrainingDiagnosticsContext.FromJob(job, parse.GetValue(trainingExamples), parse.GetValue(validationExamples)));
            if (settings.Json)
            {
                await context.Output.WriteLineAsync(JobsOutput.Json(w => JobsOutput.WriteDiagnosis(w, job.Id, diagnosis))).ConfigureAwait(false);
                return CliApp.Success;
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{job.Id}: {diagnosis.Steps} steps, {(diagnosis.IsHealthy ? "no findings" : diagnosis.Findings.Count + " finding(s)")}")).ConfigureAwait(false);
            foreach (var finding in diagnosis.Findings)
            {
                await context.Output.WriteLineAsync($"{finding.Code} {JobsOutput.KindName(finding.Kind)}: {finding.Message}").ConfigureAwait(false);
                await context.Output.WriteLineAsync($"  advice: {finding.Advice}").ConfigureAwait(false);
            }

            return CliApp.Success;
        }, token));
        command.Subcommands.Add(diagnose);
        return command;
    }

    private static Command JobVerb(CliContext context, SharedOptions shared, Argument<string> job, string name, string description, Func<IFineTuneProvider, string, CancellationToken, Task<FineTuneJob>> call)
    {
        var command = new Command(name, description) { job };
        shared.AddTo(command);
        command.SetAction((parse, token) => shared.RunAsync(context, parse, async (scope, settings, ct) =>
        {
            if (name is "pause" or "resume" && !scope.Provider.GetCapabilities().SupportsPauseResume)
            {
                throw new NotSupportedException($"--provider {scope.Name} cannot {name} jobs: {scope.Provider.GetCapabilities().ProviderName} has no pause or resume (only OpenAI does). Use 'finetune jobs cancel' to stop a job.");
            }

            await PrintJobAsync(context, settings, await call(scope.Provider, parse.GetValue(job)!, ct).ConfigureAwait(false)).ConfigureAwait(false);
            return CliApp.Success;
        }, token));
        return command;
    }

    private static Task PrintJobAsync(CliContext context, JobsSettings settings, FineTuneJob job) =>
        context.Output.WriteLineAsync(settings.Json ? JobsOutput.Json(w => JobsOutput.WriteJob(w, job)) : JobsOutput.JobLine(job));

    /// <summary>The options every subcommand takes, and the error handling every subcommand shares.</summary>
    private sealed class SharedOptions
    {
        private readonly Option<string> _provider = new("--provider") { Description = "emulator (in-process, kept in --state), openai or bedrock.", DefaultValueFactory = _ => "emulator" };
        private readonly Option<bool> _json = new("--json") { Description = "Print JSON: one object, or one per line for list, events and watch." };
        private readonly Option<FileInfo?> _state = new("--state") { Description = $"The emulator's state file (default {JobsProviderScope.DefaultStatePath} under the current folder)." };
        private readonly Option<double> _speed = new("--speed") { Description = "How many times faster than the service's pace the emulator trains (keep it the same for one state file).", DefaultValueFactory = _ => 20 };
        private readonly Option<string?> _endpoint = new("--endpoint") { Description = "The provider's base URL, e.g. a loopback `finetune emulate openai` (http://127.0.0.1:PORT/v1) or `finetune emulate bedrock` (http://127.0.0.1:PORT)." };
        private readonly Option<string?> _region = new("--region") { Description = "Bedrock: the AWS region (default: the AWS configuration chain)." };
        private readonly Option<string?> _role = new("--role-arn") { Description = "Bedrock: the IAM role the customization job runs as." };
        private readonly Option<string?> _output = new("--output-uri") { Description = "Bedrock: the s3:// prefix the job writes its output to." };
        private readonly Option<string?> _upload = new("--upload-uri") { Description = "Bedrock: the s3:// prefix training files are uploaded to." };

        public SharedOptions()
        {
            _provider.AcceptOnlyFromAmong("emulator", "openai", "bedrock");
        }

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _provider, _json, _state, _speed, _endpoint, _region, _role, _output, _upload })
            {
                command.Options.Add(option);
            }
        }

        public async Task<int> RunAsync(CliContext context, ParseResult parse, Func<JobsProviderScope, JobsSettings, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
        {
            var settings = new JobsSettings(
                parse.GetValue(_provider)!,
                parse.GetValue(_json),
                parse.GetValue(_state)?.FullName,
                parse.GetValue(_speed),
                parse.GetValue(_endpoint),
                parse.GetValue(_region),
                parse.GetValue(_role),
                parse.GetValue(_output),
                parse.GetValue(_upload));
            try
            {
                if (!(settings.Speed > 0) || double.IsInfinity(settings.Speed))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--speed must be a number > 0 (was {settings.Speed})."));
                }

                var scope = JobsProviderScope.Create(settings);
                await using (scope.ConfigureAwait(false))
                {
                    return await body(scope, settings, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidDataException or InvalidOperationException or FileNotFoundException or DirectoryNotFoundException)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.UsageError;
            }
            catch (FineTuneException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.Failed;
            }
            catch (TimeoutException ex)
            {
                await context.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return CliApp.Failed;
            }
        }
    }
}
