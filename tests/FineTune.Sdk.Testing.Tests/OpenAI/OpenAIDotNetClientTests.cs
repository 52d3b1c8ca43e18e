using Microsoft.Extensions.Time.Testing;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using FineTune.Sdk.Tests;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Files;
using OpenAI.FineTuning;
using OpenAIFineTuningOptions = OpenAI.FineTuning.FineTuningOptions;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The real OpenAI 2.15 .NET client against the emulator, in-process and over loopback HTTP.</summary>
public sealed class OpenAIDotNetClientTests : IAsyncLifetime, IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private OpenAIEmulator _emulator = null!;
    private Uri _endpoint = null!;

    public async Task InitializeAsync()
    {
        _emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 11 }, _clock);
        _endpoint = await _emulator.StartAsync();
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    public void Dispose() => _emulator?.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Lifecycle_OverHttp_UploadFineTuneEventsCheckpointsAndChat()
    {
        var client = new OpenAIClient(new ApiKeyCredential("sk-emulator"), new OpenAIClientOptions { Endpoint = _endpoint });
        await RunLifecycleAsync(client);
    }

    [Fact(Timeout = 60_000)]
    public async Task Lifecycle_InProcessHandler_UploadFineTuneEventsCheckpointsAndChat()
    {
        using var http = new HttpClient(_emulator.CreateHttpMessageHandler());
        var client = new OpenAIClient(new ApiKeyCredential("sk-emulator"), new OpenAIClientOptions
        {
            Endpoint = OpenAIEmulator.InProcessEndpoint,
            Transport = new HttpClientPipelineTransport(http),
        });
        await RunLifecycleAsync(client);
    }

    [Fact]
    public void SyncMethods_InProcessHandler_Work()
    {
        using var http = new HttpClient(_emulator.CreateHttpMessageHandler());
        var files = new OpenAIFileClient(new ApiKeyCredential("sk"), new OpenAIClientOptions
        {
            Endpoint = OpenAIEmulator.InProcessEndpoint,
            Transport = new HttpClientPipelineTransport(http),
        });

        var uploaded = files.UploadFile(BinaryData.FromBytes(EmulatorTestData.ChatJsonl(10)), "sync.jsonl", FileUploadPurpose.FineTune).Value;

        files.GetFile(uploaded.Id).Value.Filename.Should().Be("sync.jsonl");
        files.GetFiles().Value.Should().ContainSingle();
    }

    [Fact(Timeout = 60_000)]
    public async Task RateLimitStorm_WithinRetryBudget_Succeeds()
    {
        _emulator.Options.RateLimitNextRequests = 3;
        _emulator.Options.RetryAfter = TimeSpan.Zero;
        var files = new OpenAIFileClient(new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = _endpoint });

        var result = await files.GetFilesAsync();

        result.Value.Should().BeEmpty();
        _emulator.RequestCount.Should().Be(4, "three 429s then one success: the client's 3 retries");
    }

    [Fact(Timeout = 60_000)]
    public async Task RateLimitStorm_PastRetryBudget_FailsWith429()
    {
        _emulator.Options.RateLimitNextRequests = 10;
        _emulator.Options.RetryAfter = TimeSpan.Zero;
        var files = new OpenAIFileClient(new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = _endpoint });

        var act = () => files.GetFilesAsync();

        (await act.Should().ThrowAsync<ClientResultException>()).Which.Status.Should().Be(429);
        _emulator.RequestCount.Should().Be(4);
    }

    [Fact(Timeout = 60_000)]
    public async Task DroppedConnection_OverHttp_IsRetriedByTheClient()
    {
        _emulator.Options.DropConnectionNextRequests = 1;
        var files = new OpenAIFileClient(new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = _endpoint });

        var result = await files.GetFilesAsync();

        result.Value.Should().BeEmpty();
        _emulator.RequestCount.Should().Be(2);
    }

    [Fact(Timeout = 60_000)]
    public async Task LostCreateResponse_DefaultRetryPolicy_ReSendsThePostAndCreatesASecondJob()
    {
        // Pins a hazard the SDK's idempotent start exists for: the OpenAI package retries a POST whose answer was lost.
        var client = new OpenAIClient(new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = _endpoint });
        var file = (await client.GetOpenAIFileClient().UploadFileAsync(BinaryData.FromBytes(EmulatorTestData.ChatJsonl(12)), "t.jsonl", FileUploadPurpose.FineTune)).Value;
        _emulator.Options.LoseJobCreateResponses = 1;

        var job = await client.GetFineTuningClient().FineTuneAsync("gpt-4o-mini", file.Id, waitUntilCompleted: false);

        job.JobId.Should().StartWith("ftjob-");
        _emulator.JobCount.Should().Be(2);
    }

    [Fact(Timeout = 60_000)]
    public async Task LostCreateResponse_RetriesDisabled_ThrowsIOExceptionAndOneJobExists()
    {
        var client = new OpenAIClient(new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = _endpoint, RetryPolicy = new ClientRetryPolicy(0) });
        var file = (await client.GetOpenAIFileClient().UploadFileAsync(BinaryData.FromBytes(EmulatorTestData.ChatJsonl(12)), "t.jsonl", FileUploadPurpose.FineTune)).Value;
        _emulator.Options.LoseJobCreateResponses = 1;

        var act = () => client.GetFineTuningClient().FineTuneAsync("gpt-4o-mini", file.Id, waitUntilCompleted: false);

        // The headers arrived, the body did not: the pipeline surfaces HttpIOException (an IOException), not ClientResultException.
        await act.Should().ThrowAsync<IOException>();
        _emulator.JobCount.Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task LostCreateResponse_InProcessWithRetriesDisabled_ThrowsAndOneJobExists()
    {
        using var http = new HttpClient(_emulator.CreateHttpMessageHandler());
        var client = new OpenAIClient(new ApiKeyCredential("sk"), new OpenAIClientOptions
        {
            Endpoint = OpenAIEmulator.InProcessEndpoint,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(0),
        });
        var file = (await client.GetOpenAIFileClient().UploadFileAsync(BinaryData.FromBytes(EmulatorTestData.ChatJsonl(12)), "t.jsonl", FileUploadPurpose.FineTune)).Value;
        _emulator.Options.LoseJobCreateResponses = 1;

        var act = () => client.GetFineTuningClient().FineTuneAsync("gpt-4o-mini", file.Id, waitUntilCompleted: false);

        (await act.Should().ThrowAsync<ClientResultException>()).Which.Status.Should().Be(0, "a transport failure has no HTTP status");
        _emulator.JobCount.Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task DroppedConnection_InProcess_IsRetriedByTheClient()
    {
        using var http = new HttpClient(_emulator.CreateHttpMessageHandler());
        var files = new OpenAIFileClient(new ApiKeyCredential("sk"), new OpenAIClientOptions
        {
            Endpoint = OpenAIEmulator.InProcessEndpoint,
            Transport = new HttpClientPipelineTransport(http),
        });
        _emulator.Options.DropConnectionNextRequests = 1;

        var result = await files.GetFilesAsync();

        result.Value.Should().BeEmpty();
        _emulator.RequestCount.Should().Be(2);
    }

    [Fact(Timeout = 60_000)]
    public async Task FailedJob_ErrorObjectIsInTheRawResponse()
    {
        var client = new OpenAIClient(new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = _endpoint });
        var file = (await client.GetOpenAIFileClient().UploadFileAsync(BinaryData.FromBytes(EmulatorTestData.ChatJsonl(7)), "seven.jsonl", FileUploadPurpose.FineTune)).Value;
        var job = await client.GetFineTuningClient().FineTuneAsync("gpt-4o-mini", file.Id, waitUntilCompleted: false);
        _clock.Advance(TimeSpan.FromSeconds(10));

        await job.UpdateStatusAsync();

        job.Status.Should().Be(FineTuningStatus.Failed);
        job.HasCompleted.Should().BeTrue();
        using var raw = JsonDocument.Parse(job.GetRawResponse().Content);
        raw.RootElement.GetProperty("error").GetProperty("code").GetString().Should().Be("invalid_n_examples");
    }

    [Fact(Timeout = 60_000)]
    public async Task PauseResume_ProtocolMethods_ReturnPausedThenQueued()
    {
        var client = new OpenAIClient(new ApiKeyCredential("sk"), new OpenAIClientOptions { Endpoint = _endpoint });
        var file = (await client.GetOpenAIFileClient().UploadFileAsync(BinaryData.FromBytes(EmulatorTestData.ChatJsonl(12)), "t.jsonl", FileUploadPurpose.FineTune)).Value;
        var fineTuning = client.GetFineTuningClient();
        var job = await fineTuning.FineTuneAsync("gpt-4o-mini", file.Id, waitUntilCompleted: false);
        _clock.Advance(TimeSpan.FromSeconds(25));

        var paused = await fineTuning.PauseFineTuningJobAsync(job.JobId, new RequestOptions());
        JsonDocument.Parse(paused.GetRawResponse().Content).RootElement.GetProperty("status").GetString().Should().Be("paused");
        var resumed = await fineTuning.ResumeFineTuningJobAsync(job.JobId, new RequestOptions());
        JsonDocument.Parse(resumed.GetRawResponse().Content).RootElement.GetProperty("status").GetString().Should().Be("queued");
        await job.CancelAndUpdateAsync();
        job.Status.Should().Be(FineTuningStatus.Cancelled);
    }

    private async Task RunLifecycleAsync(OpenAIClient client)
    {
        var files = client.GetOpenAIFileClient();
        var uploaded = (await files.UploadFileAsync(BinaryData.FromBytes(EmulatorTestData.ChatJsonl(20)), "tickets.jsonl", FileUploadPurpose.FineTune)).Value;
        uploaded.Purpose.Should().Be(FilePurpose.FineTune);
        uploaded.Filename.Should().Be("tickets.jsonl");

        var fineTuning = client.GetFineTuningClient();
        var options = new OpenAIFineTuningOptions { Suffix = "tickets", TrainingMethod = FineTuningTrainingMethod.CreateSupervised(epochCount: 2) };
        options.Metadata["purpose"] = "test";
        var job = await fineTuning.FineTuneAsync("gpt-4o-mini", uploaded.Id, waitUntilCompleted: false, options);
        job.Status.Should().Be(FineTuningStatus.ValidatingFiles);
        job.JobId.Should().StartWith("ftjob-");

        _clock.Advance(TimeSpan.FromMinutes(10));
        await job.UpdateStatusAsync();
        job.Status.Should().Be(FineTuningStatus.Succeeded);
        job.Value.Should().StartWith("ft:gpt-4o-mini-2024-07-18:emulator:tickets:");
        job.ResultFileIds.Should().HaveCount(1);
        job.Metadata["purpose"].Should().Be("test");
        job.MethodHyperparameters.Should().BeOfType<HyperparametersForSupervised>().Which.EpochCount.Should().Be(2);

        var events = new List<FineTuningEvent>();
        await foreach (var e in job.GetEventsAsync(new GetEventsOptions { PageSize = 7 }))
        {
            events.Add(e);
        }

        events.Should().HaveCount(6 + 40);
        events[0].Message.Should().Be("The job has successfully completed");
        events.Count(e => e.Kind == FineTuningJobEventKind.Metrics).Should().Be(40);

        var checkpoints = new List<FineTuningCheckpoint>();
        await foreach (var c in job.GetCheckpointsAsync())
        {
            checkpoints.Add(c);
        }

        checkpoints.Select(c => c.StepNumber).Should().Equal(40, 20);
        checkpoints[0].Metrics.TrainLoss.Should().Be(0.119f, "the emulator's seeded loss curve at step 40");

        var csv = (await files.DownloadFileAsync(job.ResultFileIds[0])).Value.ToString();
        csv.Should().StartWith("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n");

        var jobs = new List<FineTuningJob>();
        await foreach (var j in fineTuning.GetJobsAsync(new FineTuningJobCollectionOptions { PageSize = 1 }))
        {
            jobs.Add(j);
        }

        jobs.Select(j => j.JobId).Should().Equal(job.JobId);

        var chat = client.GetChatClient(job.Value);
        var completion = (await chat.CompleteChatAsync([new UserChatMessage(EmulatorTestData.Prompt(3))])).Value;
        completion.Content[0].Text.Should().Be($"{{\"label\":\"{EmulatorTestData.Label(3)}\"}}");
        var tokens = await TiktokenOracle.EncodeAsync(["user", EmulatorTestData.Prompt(3), completion.Content[0].Text]);
        completion.Usage.InputTokenCount.Should().Be(3 + 3 + tokens[0].O200k.Length + tokens[1].O200k.Length, "npm tiktoken's count under the billing formula");
        completion.Usage.OutputTokenCount.Should().Be(tokens[2].O200k.Length);

        var streamed = new System.Text.StringBuilder();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(EmulatorTestData.Prompt(4))]))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        streamed.ToString().Should().Be($"{{\"label\":\"{EmulatorTestData.Label(4)}\"}}");

        var rehydrated = await FineTuningJob.RehydrateAsync(fineTuning, job.JobId);
        rehydrated.Status.Should().Be(FineTuningStatus.Succeeded);
    }
}
