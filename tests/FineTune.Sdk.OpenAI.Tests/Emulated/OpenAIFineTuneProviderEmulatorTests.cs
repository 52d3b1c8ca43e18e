using Microsoft.Extensions.Time.Testing;
using System.Text;
using FineTune.Sdk.Testing;
using FineTune.Sdk.Tests;
using FineTune.Tests;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace FineTune.Sdk.OpenAI.Tests;

/// <summary>End to end: our provider, through the real OpenAI 2.15 client, against the emulator over loopback HTTP.</summary>
public sealed class OpenAIFineTuneProviderEmulatorTests(ITestOutputHelper output)
{
    [Fact(Timeout = 60_000)]
    public async Task Lifecycle_UploadStartWatchToSuccess_EventsCheckpointsMetricsAndChat()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();

        var training = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var validation = await provider.UploadFileAsync(EmulatorScope.ValidationFile);
        var request = new FineTuneJobRequest("gpt-4o-mini-2024-07-18", training.Id)
        {
            ValidationFileId = validation.Id,
            Suffix = "clippy",
            Seed = 42,
            Hyperparameters = { Epochs = 2, LearningRateMultiplier = 1.8 },
            IdempotencyKey = "lifecycle-1",
        };
        request.Metadata["dataset"] = "azure-finetune-tutorial";
        var handle = await provider.StartJobAndTrackAsync(request, EmulatorScope.Polling, scope.Clock);

        var updates = new List<FineTuneJobUpdate>();
        await foreach (var update in handle.WatchAsync())
        {
            updates.Add(update);
        }

        var job = handle.Job!;
        updates.Where(u => u.Kind == FineTuneJobUpdateKind.StatusChanged).Select(u => u.Job.Status.Value)
            .Should().Equal("validating", "queued", "running", "succeeded");
        updates.Last().Job.Status.Should().Be(FineTuneJobStatus.Succeeded);
        var events = updates.Where(u => u.Kind == FineTuneJobUpdateKind.Event).Select(u => u.Event!).ToList();
        events.Select(e => e.Id).Should().OnlyHaveUniqueItems();
        events[0].Message.Should().StartWith("Created fine-tuning job");
        events[^1].Message.Should().Be("The job has successfully completed");
        var metrics = updates.Where(u => u.Kind == FineTuneJobUpdateKind.Metric).Select(u => u.Metric!).ToList();
        metrics.Select(m => m.Step).Should().Equal(Enumerable.Range(1, 20), "10 examples × 2 epochs at batch size 1 (docs/emulator.md)");

        // Fields the typed 2.15 surface gets wrong or hides, read from the raw JSON.
        job.FineTunedModel.Should().Be("ft:gpt-4o-mini-2024-07-18:emulator:clippy:zInLimsu", "the emulator's ids come from RandomSeed 7");
        var oracle = await TiktokenOracle.CountRowsAsync(await File.ReadAllBytesAsync(EmulatorScope.TrainingFile));
        job.TrainedTokens.Should().Be(oracle.Sum() * 2, "npm tiktoken's count of the training file × 2 epochs; the typed BillableTrainedTokenCount is always 0 in 2.15");
        job.CreatedAt.Should().Be(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero), "the emulator clock's start");
        job.FinishedAt.Should().Be(job.CreatedAt!.Value.AddSeconds(40), "the emulator's schedule for 20 steps at the default speed");
        job.Error.Should().BeNull("a healthy job's error is {}");
        job.Hyperparameters.Epochs.Should().Be(2);
        job.Hyperparameters.LearningRateMultiplier.Should().Be(1.8);
        job.Seed.Should().Be(42);
        job.IdempotencyKey.Should().Be("lifecycle-1");
        job.Metadata["dataset"].Should().Be("azure-finetune-tutorial");
        job.ValidationFileId.Should().Be(validation.Id);
        job.RawRepresentation.Should().NotBeNull();

        var checkpoints = await ToListAsync(provider.GetCheckpointsAsync(job.Id));
        checkpoints.Select(c => c.StepNumber).Should().Equal([20, 10], "one per epoch end, highest step first");
        checkpoints[0].ModelId.Should().Be(job.FineTunedModel, "the last-step checkpoint is the final model (openai.md §1.9)");
        checkpoints[1].ModelId.Should().MatchRegex("^ft:gpt-4o-mini-2024-07-18:emulator:clippy:[A-Za-z0-9]{8}:ckpt-step-10$");
        checkpoints[0].Metrics!.TrainLoss.Should().Be(0.0788, "the emulator's seeded loss curve");

        var rows = await provider.GetTrainingMetricsAsync(job.Id);
        rows.Should().HaveCount(checkpoints[0].StepNumber, "one CSV row per training step");
        rows.Should().OnlyContain(r => r.TrainLoss > 0);
        rows.Where(r => r.ValidLoss is not null).Should().HaveCount(20, "a validation file was given: every step has a validation loss");

        var chat = provider.GetService<IChatClient>()!;
        var answer = await chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, "Clippy is a factual chatbot that is also sarcastic."), new ChatMessage(ChatRole.User, "Who discovered Antarctica?")],
            new ChatOptions { ModelId = job.FineTunedModel });
        answer.Text.Should().Be("Some chaps named Fabian Gottlieb von Bellingshausen and Mikhail Lazarev, as if they don't teach that in every school!");
        var tokens = await TiktokenOracle.EncodeAsync(["system", "Clippy is a factual chatbot that is also sarcastic.", "user", "Who discovered Antarctica?", answer.Text]);
        answer.Usage!.InputTokenCount.Should().Be(3 + (3 + tokens[0].O200k.Length + tokens[1].O200k.Length) + (3 + tokens[2].O200k.Length + tokens[3].O200k.Length), "npm tiktoken's count under the billing formula");
        answer.Usage.OutputTokenCount.Should().Be(tokens[4].O200k.Length);
        answer.AdditionalProperties![ChatPipelineProperties.LatencyMilliseconds].Should().BeOfType<double>();
        answer.ModelId.Should().Be(job.FineTunedModel);

        var rehydrated = await provider.TrackJob(job.Id).UpdateStatusAsync();
        rehydrated.Status.Should().Be(FineTuneJobStatus.Succeeded);
        rehydrated.FineTunedModel.Should().Be(job.FineTunedModel);
        output.WriteLine($"seeded run: model={job.FineTunedModel} created={job.CreatedAt} finished={job.FinishedAt} tokens={job.TrainedTokens} metrics={metrics.Count} steps=[{string.Join(",", metrics.Select(m => m.Step))}] ckpts=[{string.Join(",", checkpoints.Select(c => c.StepNumber + ":" + c.ModelId + ":" + c.Metrics!.TrainLoss))}] rows={rows.Count} valid={rows.Count(r => r.ValidLoss is not null)} in={answer.Usage.InputTokenCount} out={answer.Usage.OutputTokenCount} lat={answer.AdditionalProperties![ChatPipelineProperties.LatencyMilliseconds]} events={events.Count}");
        output.WriteLine($"measured: {scope.Emulator.RequestCount} HTTP requests for the lifecycle; {scope.Clock.ScheduledDelays.Count} poll delays totalling {TimeSpan.FromTicks(scope.Clock.ScheduledDelays.Sum(d => d.Ticks))} of emulated time; {updates.Count} updates ({events.Count} events, {metrics.Count} metrics); {rows.Count} CSV rows; {checkpoints.Count} checkpoints; trained tokens {job.TrainedTokens}");
    }

    [Fact(Timeout = 60_000)]
    public async Task UploadFileAsync_SameContentTwice_ReusesStoredFile()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();

        var first = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        using var again = new MemoryStream(await File.ReadAllBytesAsync(EmulatorScope.TrainingFile));
        var second = await provider.UploadFileAsync(again, "renamed.jsonl");

        first.Reused.Should().BeFalse();
        first.FileName.Should().Be($"training_set.sha256-{first.Sha256![..32]}.jsonl");
        first.Bytes.Should().Be(new FileInfo(EmulatorScope.TrainingFile).Length);
        second.Reused.Should().BeFalse("the stored name carries the caller's file name too");

        using var same = new MemoryStream(await File.ReadAllBytesAsync(EmulatorScope.TrainingFile));
        var third = await provider.UploadFileAsync(same, "training_set.jsonl");
        third.Reused.Should().BeTrue();
        third.Id.Should().Be(first.Id);
        third.Sha256.Should().Be(first.Sha256);
    }

    [Fact(Timeout = 60_000)]
    public async Task UploadFileAsync_AboveThreshold_GoesThroughUploadsApiInParts()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider(o =>
        {
            o.LargeFileThresholdBytes = 1024;
            o.UploadPartBytes = 1000;
        });
        var bytes = await File.ReadAllBytesAsync(EmulatorScope.TrainingFile);

        var file = await provider.UploadFileAsync(new NonSeekableStream(bytes), "big.jsonl");

        file.Bytes.Should().Be(bytes.Length);
        file.Id.Should().StartWith("file-");
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));
        var done = await provider.TrackJob(job.Id, EmulatorScope.Polling, scope.Clock).WaitForCompletionAsync();
        done.Status.Should().Be(FineTuneJobStatus.Succeeded, "the reassembled file is the same valid training file");
    }

    [Fact(Timeout = 60_000)]
    public async Task CancelJobAsync_RunningJob_IsCancelled()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));

        var cancelled = await provider.CancelJobAsync(job.Id);
        var final = await provider.TrackJob(job.Id, EmulatorScope.Polling, scope.Clock).WaitForCompletionAsync();

        cancelled.Status.Should().Be(FineTuneJobStatus.Cancelled);
        final.Status.Should().Be(FineTuneJobStatus.Cancelled);
        final.FineTunedModel.Should().BeNull();
    }

    [Fact(Timeout = 60_000)]
    public async Task PauseAndResume_RunningJob_PausedThenQueuedThenSucceeds()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));
        scope.EmulatorClock.Advance(TimeSpan.FromSeconds(25));
        (await provider.GetJobAsync(job.Id)).Status.Should().Be(FineTuneJobStatus.Running);

        var paused = await provider.PauseJobAsync(job.Id);
        scope.EmulatorClock.Advance(TimeSpan.FromHours(1));
        var stillPaused = await provider.GetJobAsync(job.Id);
        var resumed = await provider.ResumeJobAsync(job.Id);
        var final = await provider.TrackJob(job.Id, EmulatorScope.Polling, scope.Clock).WaitForCompletionAsync();

        paused.Status.Should().Be(FineTuneJobStatus.Paused);
        paused.RawStatus.Should().Be("paused");
        stillPaused.Status.Should().Be(FineTuneJobStatus.Paused, "a paused job does not train");
        resumed.Status.Should().Be(FineTuneJobStatus.Queued);
        final.Status.Should().Be(FineTuneJobStatus.Succeeded);
    }

    [Fact(Timeout = 60_000)]
    public async Task FailedJob_TooFewExamples_CarriesTypedError()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var sevenRows = string.Join('\n', File.ReadAllLines(EmulatorScope.TrainingFile).Take(7)) + "\n";
        var file = await provider.UploadFileAsync(new MemoryStream(Encoding.UTF8.GetBytes(sevenRows)), "seven.jsonl");
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));

        var final = await provider.TrackJob(job.Id, EmulatorScope.Polling, scope.Clock).WaitForCompletionAsync();

        final.Status.Should().Be(FineTuneJobStatus.Failed);
        final.Error.Should().NotBeNull();
        final.Error!.Code.Should().Be("invalid_n_examples");
        final.Error.Parameter.Should().Be("training_file");
        final.Error.Message.Should().Contain("7");
    }

    [Fact(Timeout = 60_000)]
    public async Task FailedJob_MidTraining_FailsWithErrorAfterRunning()
    {
        await using var scope = await EmulatorScope.StartAsync(o => o.FailTrainingAtStep = 3);
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var handle = await provider.StartJobAndTrackAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id), EmulatorScope.Polling, scope.Clock);

        var statuses = new List<string>();
        await foreach (var update in handle.WatchAsync())
        {
            if (update.Kind == FineTuneJobUpdateKind.StatusChanged)
            {
                statuses.Add(update.Job.Status.Value);
            }
        }

        statuses.Should().Contain("running").And.EndWith("failed");
        handle.Job!.Error.Should().NotBeNull();
    }

    [Fact(Timeout = 60_000)]
    public async Task StartJobAsync_CreateResponseLost_RetryFindsJobAndCreatesNoSecond()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        scope.Emulator.Options.LoseJobCreateResponses = 1;

        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id) { IdempotencyKey = "run-2026-11-21" });

        scope.Emulator.JobCount.Should().Be(1, "the retry found the job the lost response had created");
        var listed = await ToListAsync(provider.ListJobsAsync());
        listed.Should().ContainSingle().Which.Id.Should().Be(job.Id);
        job.IdempotencyKey.Should().Be("run-2026-11-21");
    }

    [Fact(Timeout = 60_000)]
    public async Task StartJobAsync_SameKeyTwice_ReturnsSameJob()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var request = new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id) { IdempotencyKey = "nightly-42" };

        var first = await provider.StartJobAsync(request);
        var second = await provider.StartJobAsync(request);
        var other = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));

        second.Id.Should().Be(first.Id);
        other.Id.Should().NotBe(first.Id);
        scope.Emulator.JobCount.Should().Be(2);
    }

    [Fact(Timeout = 60_000)]
    public async Task RateLimitStorm_WithinRetryBudget_SucceedsWithOneAttemptPerRequest()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider(o => o.Resilience.MaxRetryAttempts = 4);
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));
        scope.Emulator.Options.RetryAfter = TimeSpan.FromSeconds(3);
        scope.Emulator.Options.RateLimitNextRequests = 4;
        var before = scope.Emulator.RequestCount;
        var delaysBefore = scope.Clock.ScheduledDelays.Count;

        var fetched = await provider.GetJobAsync(job.Id);

        fetched.Id.Should().Be(job.Id);
        (scope.Emulator.RequestCount - before).Should().Be(5, "4 x 429 then success; the OpenAI package's own retries are off");
        scope.Clock.ScheduledDelays.Skip(delaysBefore).Should().Equal(Enumerable.Repeat(TimeSpan.FromSeconds(3), 4), "Retry-After is honoured");
    }

    [Fact(Timeout = 60_000)]
    public async Task RateLimitStorm_PastRetryBudget_FailsCleanlyWith429()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider(o => o.Resilience.MaxRetryAttempts = 2);
        scope.Emulator.Options.RateLimitNextRequests = 50;
        var before = scope.Emulator.RequestCount;

        var act = () => provider.GetJobAsync("ftjob-abc");

        var thrown = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        thrown.StatusCode.Should().Be(429);
        thrown.IsTransient.Should().BeTrue();
        thrown.Provider.Should().Be("openai");
        thrown.RetryAfter.Should().Be(TimeSpan.FromSeconds(1));
        thrown.Message.Should().NotContain("sk-emulator-test");
        (scope.Emulator.RequestCount - before).Should().Be(3, "2 retries = 3 attempts, not 3 x 4");
    }

    [Fact(Timeout = 60_000)]
    public async Task ServerErrorsAndDroppedConnection_OnReads_AreRetried()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));
        scope.Emulator.Options.ServerErrorStatusCode = 503;
        scope.Emulator.Options.ServerErrorNextRequests = 2;

        (await provider.GetJobAsync(job.Id)).Id.Should().Be(job.Id);

        scope.Emulator.Options.DropConnectionNextRequests = 1;
        (await provider.GetJobAsync(job.Id)).Id.Should().Be(job.Id);
    }

    [Fact(Timeout = 60_000)]
    public async Task CancelJobAsync_ServerError_IsNotRetried()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));
        scope.Emulator.Options.ServerErrorNextRequests = 1;
        var before = scope.Emulator.RequestCount;

        var act = () => provider.CancelJobAsync(job.Id);

        (await act.Should().ThrowAsync<FineTuneException>()).Which.StatusCode.Should().Be(500);
        (scope.Emulator.RequestCount - before).Should().Be(1, "a state change is not repeated after a 5xx");
    }

    [Fact(Timeout = 60_000)]
    public async Task StartJobAsync_WindDownRefusal_ThrowsTypedExceptionSayingSo()
    {
        await using var scope = await EmulatorScope.StartAsync(o => o.RefuseJobCreation = true);
        var provider = scope.CreateProvider();
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);

        var act = () => provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id));

        var refused = (await act.Should().ThrowAsync<FineTuneJobCreationRefusedException>()).Which;
        refused.StatusCode.Should().Be(403);
        refused.ProviderCode.Should().Be("fine_tuning_unavailable");
        refused.JobCreationEndsOn.Should().Be(new DateOnly(2027, 1, 6));
        refused.IsTransient.Should().BeFalse();
        refused.Message.Should().Contain("2027-01-06").And.Contain("winding down");
        scope.Emulator.JobCount.Should().Be(0);
        provider.GetCapabilities().JobCreationEndsOn.Should().Be(new DateOnly(2027, 1, 6));
    }

    [Fact(Timeout = 60_000)]
    public async Task GetJobAsync_UnknownJob_Throws404WithProviderCode()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();

        var act = () => provider.GetJobAsync("ftjob-doesnotexist000000000000");

        var thrown = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        thrown.StatusCode.Should().Be(404);
        thrown.IsTransient.Should().BeFalse();
    }

    [Fact(Timeout = 60_000)]
    public async Task StartJobAsync_InvalidHyperparameters_FailsBeforeAnyRequest()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider();
        var before = scope.Emulator.RequestCount;

        var act = () => provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", "file-x") { Hyperparameters = { Epochs = 51 } });

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*Epochs*51*");
        scope.Emulator.RequestCount.Should().Be(before);
    }

    [Fact(Timeout = 60_000)]
    public async Task ListJobsAsync_MorePagesThanOne_ReturnsAllNewestFirst()
    {
        await using var scope = await EmulatorScope.StartAsync();
        var provider = scope.CreateProvider(adapter: wire => wire.JobsPageSize = 2);
        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id))).Id);
            scope.EmulatorClock.Advance(TimeSpan.FromSeconds(1));
        }

        var listed = await ToListAsync(provider.ListJobsAsync());

        listed.Select(j => j.Id).Should().Equal(Enumerable.Reverse(ids));
    }

    [Fact(Timeout = 60_000)]
    public async Task InProcessHandler_WorksWithoutSockets()
    {
        var clock = new AutoAdvancingFakeTimeProvider();
        await using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 3 }, clock);
        using var http = new HttpClient(emulator.CreateHttpMessageHandler());
        var options = EmulatorScope.Options(OpenAIEmulator.InProcessEndpoint);
        var provider = EmulatorScope.Compose(options, clock, loggerFactory: null, http);

        var file = await provider.UploadFileAsync(EmulatorScope.TrainingFile);
        var job = await provider.StartJobAsync(new FineTuneJobRequest("gpt-4o-mini-2024-07-18", file.Id) { Method = FineTuneMethod.Supervised });
        var final = await provider.TrackJob(job.Id, EmulatorScope.Polling, clock).WaitForCompletionAsync();

        final.Status.Should().Be(FineTuneJobStatus.Succeeded);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var item in source)
        {
            list.Add(item);
        }

        return list;
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
