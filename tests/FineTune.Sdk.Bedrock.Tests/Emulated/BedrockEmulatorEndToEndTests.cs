using Microsoft.Extensions.Time.Testing;
using System.Text.Json;
using FineTune.Sdk.Testing;
using FineTune.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk.Bedrock.Tests;

/// <summary>
/// The real Bedrock client through DI (adapter under the standard decorators) against the Bedrock emulator of
/// FineTune.Sdk.Testing over loopback HTTP, every request SigV4-verified by the emulator.
/// </summary>
public sealed class BedrockEmulatorEndToEndTests : IAsyncLifetime, IDisposable
{
    private const string Bucket = "finetune-bucket";
    private const string BaseModel = "amazon.nova-micro-v1:0:128k";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrock-e2e-").FullName;
    private BedrockEmulator _emulator = null!;
    private Uri _endpoint = null!;

    public async Task InitializeAsync()
    {
        var options = new BedrockEmulatorOptions { RandomSeed = 11 };
        options.Buckets.Add(Bucket);
        _emulator = new BedrockEmulator(options, _clock);
        _endpoint = await _emulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    public void Dispose() => _emulator.Dispose();

    [Fact]
    public async Task Lifecycle_ConvertValidateUploadTrainProvisionConverse_AnswersTrainedPrompts()
    {
        await using var sp = Services();
        var provider = sp.GetRequiredService<IFineTuneProvider>();
        var converted = Path.Combine(_dir, "train.nova.jsonl");
        var conversion = await new BedrockDatasetConverter(BedrockModelFamily.Find(BaseModel)!).ConvertAsync(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"), converted, skipInvalidRows: true);
        (await new BedrockDatasetValidator(BedrockModelFamily.Find(BaseModel)!).ValidateAsync(converted)).IsValid.Should().BeTrue();

        UploadedFile file;
        await using (var stream = File.OpenRead(converted))
        {
            file = await provider.UploadFileAsync(stream, "train.jsonl");
        }

        var job = await provider.StartJobAsync(new FineTuneJobRequest(BaseModel, file.Id) { IdempotencyKey = "lifecycle-1", Suffix = "tickets", Hyperparameters = { Epochs = 1 } });
        job.Status.Should().Be(FineTuneJobStatus.Running);
        _clock.Advance(TimeSpan.FromSeconds(10 + conversion.RowsWritten + 1));
        var done = await provider.GetJobAsync(job.Id);
        done.Status.Should().Be(FineTuneJobStatus.Succeeded, done.Error?.Message);
        done.FineTunedModel.Should().Contain(":custom-model/");
        (await provider.GetTrainingMetricsAsync(job.Id)).Should().NotBeEmpty().And.OnlyContain(m => m.TrainLoss > 0);

        var models = provider.GetService<BedrockModelManagement>()!;
        (await models.GetCustomModelAsync(done.FineTunedModel!)).Status.Should().Be("Active");
        var pt = await models.CreateProvisionedThroughputAsync("tickets-pt", done.FineTunedModel!, idempotencyKey: "pt-1");
        pt.IsReady.Should().BeFalse();
        _clock.Advance(TimeSpan.FromSeconds(30));
        (await models.GetProvisionedThroughputAsync(pt.Arn)).IsReady.Should().BeTrue();

        var (prompt, answer) = FirstTextExample(converted);
        var chat = sp.GetRequiredService<IChatClient>();
        var reply = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { ModelId = pt.Arn });
        reply.Text.Should().Be(answer);
        reply.Usage!.TotalTokenCount.Should().BePositive();
        var streamed = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { ModelId = pt.Arn }))
        {
            streamed.Add(update);
        }

        streamed.ToChatResponse().Text.Should().Be(answer);
        streamed.ToChatResponse().FinishReason.Should().Be(ChatFinishReason.Stop);

        await models.DeleteProvisionedThroughputAsync(pt.Arn);
        _emulator.JobCount.Should().Be(1);
    }

    [Fact]
    public async Task StopAndFailure_StoppedJobIsCancelledAndBadDataFailsWithItsMessage()
    {
        await using var sp = Services();
        var provider = sp.GetRequiredService<IFineTuneProvider>();
        var good = await UploadAsync(provider, "good.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        var bad = await UploadAsync(provider, "bad.jsonl", Enumerable.Range(0, 10).Select(i => $"{{\"prompt\":\"q{i}\",\"completion\":\"a\"}}"));

        var stopped = await provider.StartJobAsync(new FineTuneJobRequest(BaseModel, good.Id));
        var failed = await provider.StartJobAsync(new FineTuneJobRequest(BaseModel, bad.Id));
        _clock.Advance(TimeSpan.FromSeconds(12));
        (await provider.CancelJobAsync(stopped.Id)).Status.Value.Should().Be("stopping");
        _clock.Advance(TimeSpan.FromSeconds(10));

        (await provider.GetJobAsync(stopped.Id)).Status.Should().Be(FineTuneJobStatus.Cancelled);
        var failure = await provider.GetJobAsync(failed.Id);
        failure.Status.Should().Be(FineTuneJobStatus.Failed);
        failure.Error!.Message.Should().NotBeNullOrWhiteSpace();
        var listed = new List<FineTuneJob>();
        await foreach (var job in provider.ListJobsAsync())
        {
            listed.Add(job);
        }

        listed.Select(j => j.Id).Should().BeEquivalentTo([stopped.Id, failed.Id]);
    }

    [Fact]
    public async Task LostCreateResponseAndThrottling_RetriedIntoExactlyOneJob()
    {
        await using var sp = Services();
        var provider = sp.GetRequiredService<IFineTuneProvider>();
        var file = await UploadAsync(provider, "train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        _emulator.Options.LoseJobCreateResponses = 1;

        var first = await provider.StartJobAsync(new FineTuneJobRequest(BaseModel, file.Id) { IdempotencyKey = "lost-1" });
        _emulator.Options.ThrottleNextRequests = 1;
        var second = await provider.StartJobAsync(new FineTuneJobRequest(BaseModel, file.Id) { IdempotencyKey = "lost-1" });

        second.Id.Should().Be(first.Id);
        _emulator.JobCount.Should().Be(1, "the clientRequestToken derived from the key makes every retried create the same job");
    }

    [Fact]
    public async Task WrongSecret_IsRefusedAsInvalidSignature()
    {
        await using var sp = Services(secret: "not-the-secret");
        var provider = sp.GetRequiredService<IFineTuneProvider>().GetService<BedrockFineTuneProvider>()!;

        var act = () => provider.GetJobAsync("ft-none");

        var ex = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        ex.StatusCode.Should().Be(403);
        ex.ProviderCode.Should().Be("InvalidSignatureException");
        ex.Message.Should().NotContain("not-the-secret");
    }

    internal static string NovaRow(int i) => JsonSerializer.Serialize(new
    {
        schemaVersion = "bedrock-conversation-2024",
        messages = new object[]
        {
            new { role = "user", content = new[] { new { text = $"Ticket {i}: my parcel {i} is late" } } },
            new { role = "assistant", content = new[] { new { text = $"label-{i % 4}" } } },
        },
    });

    private static (string Prompt, string Answer) FirstTextExample(string novaFile)
    {
        using var doc = JsonDocument.Parse(File.ReadLines(novaFile).First());
        var messages = doc.RootElement.GetProperty("messages");
        return (messages[0].GetProperty("content")[0].GetProperty("text").GetString()!, messages[1].GetProperty("content")[0].GetProperty("text").GetString()!);
    }

    private static async Task<UploadedFile> UploadAsync(IFineTuneProvider provider, string name, IEnumerable<string> rows)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', rows) + "\n"));
        return await provider.UploadFileAsync(stream, name);
    }

    private ServiceProvider Services(string secret = StubAwsServer.SecretKey)
    {
        var services = new ServiceCollection();
        services.AddSingleton(StubAwsServer.AwsOptions(secret));
        services.AddFineTuning().AddBedrock(o =>
        {
            o.ServiceUrl = _endpoint.ToString();
            o.Region = "us-east-1";
            o.RoleArn = "arn:aws:iam::123456789012:role/BedrockFineTune";
            o.OutputS3Uri = $"s3://{Bucket}/output/";
            o.UploadS3Uri = $"s3://{Bucket}/data/";
            o.Resilience.BaseDelay = TimeSpan.FromMilliseconds(20);
            o.Resilience.UseJitter = false;
        });
        return services.BuildServiceProvider();
    }
}
