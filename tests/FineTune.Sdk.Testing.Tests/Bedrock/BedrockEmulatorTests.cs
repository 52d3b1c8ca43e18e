using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The emulator in-process on a <see cref="FakeTimeProvider"/>: routes, status codes, errors, the job state machine, faults.</summary>
public sealed class BedrockEmulatorTests : IDisposable
{
    private const string Bucket = "training-bucket";
    private const string Role = "arn:aws:iam::123456789012:role/BedrockFineTuning";
    private const string NovaMicro = "amazon.nova-micro-v1:0:128k";
    private readonly AutoAdvancingFakeTimeProvider _clock = new() { AutoAdvance = false };
    private readonly BedrockEmulator _emulator;
    private readonly SigningHandler _signer;
    private readonly HttpClient _http;

    public BedrockEmulatorTests()
    {
        var options = new BedrockEmulatorOptions { RandomSeed = 7 };
        options.Buckets.Add(Bucket);
        _emulator = new BedrockEmulator(options, _clock);
        _signer = new SigningHandler(_emulator.CreateHttpMessageHandler());
        _http = new HttpClient(_signer) { BaseAddress = BedrockEmulator.InProcessEndpoint };
    }

    public void Dispose()
    {
        _http.Dispose();
        _emulator.Dispose();
    }

    internal static string NovaRow(int i) => JsonSerializer.Serialize(new
    {
        schemaVersion = "bedrock-conversation-2024",
        system = new[] { new { text = "Classify the ticket." } },
        messages = new object[]
        {
            new { role = "user", content = new[] { new { text = $"Ticket {i}: my parcel {i} is late" } } },
            new { role = "assistant", content = new[] { new { text = $"label-{i % 4}" } } },
        },
    });

    [Fact]
    public async Task CreateJob_ThroughTheClock_RunsInProgressToCompletedWithModelMetricsAndCsv()
    {
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        Upload("data/valid.jsonl", Enumerable.Range(0, 2).Select(NovaRow));

        var create = await SendAsync(HttpMethod.Post, "/model-customization-jobs", JobBody("job-1", validation: "data/valid.jsonl"));
        create.Status.Should().Be(HttpStatusCode.Created);
        var arn = create.Json!["jobArn"]!.GetValue<string>();
        arn.Should().MatchRegex("^arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon\\.nova-micro-v1:0:128k/[a-z0-9]{12}$");

        (await GetJobAsync(arn))["status"]!.GetValue<string>().Should().Be("InProgress");
        _clock.Advance(TimeSpan.FromSeconds(10));
        (await GetJobAsync(arn))["status"]!.GetValue<string>().Should().Be("InProgress");
        _clock.Advance(TimeSpan.FromSeconds(19));
        (await GetJobAsync(arn))["status"]!.GetValue<string>().Should().Be("InProgress", "10 records × 2 epochs = 20 steps of 1 s");
        _clock.Advance(TimeSpan.FromSeconds(1));

        var job = await GetJobAsync(Uri.EscapeDataString(arn));
        job["status"]!.GetValue<string>().Should().Be("Completed");
        job["endTime"]!.GetValue<string>().Should().Be("2026-01-01T00:00:30.000Z");
        job["trainingMetrics"]!["trainingLoss"]!.GetValue<double>().Should().BePositive();
        job["validationMetrics"]![0]!["validationLoss"]!.GetValue<double>().Should().BePositive();
        job["hyperParameters"]!["epochCount"]!.GetValue<string>().Should().Be("2");
        var modelArn = job["outputModelArn"]!.GetValue<string>();
        modelArn.Should().MatchRegex("^arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon\\.nova-micro-v1:0:128k/[a-z0-9]{12}$");

        var id = arn[(arn.LastIndexOf('/') + 1)..];
        var csv = Encoding.UTF8.GetString(_emulator.GetObjectContent(Bucket, $"out/model-customization-job-{id}/training_artifacts/step_wise_training_metrics.csv")!).Trim().Split('\n');
        csv[0].Should().Be("step_number,epoch_number,training_loss,perplexity");
        csv.Should().HaveCount(21);
        csv[1].Should().StartWith("0,0,");
        csv[^1].Should().StartWith("19,1,");
        _emulator.GetObjectContent(Bucket, $"out/model-customization-job-{id}/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv").Should().NotBeNull();

        var model = await SendAsync(HttpMethod.Get, "/custom-models/" + Uri.EscapeDataString(modelArn));
        model.Status.Should().Be(HttpStatusCode.OK);
        model.Json!["modelStatus"]!.GetValue<string>().Should().Be("Active");
        model.Json["jobArn"]!.GetValue<string>().Should().Be(arn);
    }

    [Fact]
    public async Task CreateJob_RepeatedClientRequestToken_ReturnsTheSameJob()
    {
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        var body = JobBody("job-1");
        body["clientRequestToken"] = "retry-token-1";

        var first = await SendAsync(HttpMethod.Post, "/model-customization-jobs", body);
        var second = await SendAsync(HttpMethod.Post, "/model-customization-jobs", body);

        second.Status.Should().Be(HttpStatusCode.Created);
        second.Json!["jobArn"]!.GetValue<string>().Should().Be(first.Json!["jobArn"]!.GetValue<string>());
        _emulator.JobCount.Should().Be(1);
    }

    [Fact]
    public async Task CreateJob_LostResponse_JobExistsAndRetryWithTokenFindsIt()
    {
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        var body = JobBody("job-1");
        body["clientRequestToken"] = "lost-token";
        _emulator.Options.LoseJobCreateResponses = 1;

        var lost = async () => await SendAsync(HttpMethod.Post, "/model-customization-jobs", body);
        await lost.Should().ThrowAsync<HttpRequestException>();
        var retry = await SendAsync(HttpMethod.Post, "/model-customization-jobs", body);

        retry.Status.Should().Be(HttpStatusCode.Created);
        _emulator.JobCount.Should().Be(1);
    }

    [Theory]
    [InlineData("jobName", "bad name", "1 validation error detected: Value 'bad name' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern")]
    [InlineData("roleArn", "arn:aws:iam::123:user/x", "at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern")]
    [InlineData("trainingUri", "s3://Bad_Bucket/x.jsonl", "at 'trainingDataConfig.s3Uri' failed to satisfy constraint")]
    [InlineData("trainingUri", "s3://missing-bucket/x.jsonl", "The S3 bucket missing-bucket of trainingDataConfig.s3Uri does not exist")]
    [InlineData("epochCount", "9", "The value 9 of hyperparameter epochCount is invalid for amazon.nova-micro-v1:0:128k: it must be an integer between 1 and 5.")]
    [InlineData("batchSize", "8", "The hyperparameter batchSize is not supported for amazon.nova-micro-v1:0:128k")]
    [InlineData("baseModelIdentifier", "amazon.unknown-v1", "is not a model that supports customization")]
    public async Task CreateJob_InvalidRequest_Answers400ValidationExceptionInTheServiceStyle(string field, string value, string message)
    {
        var body = JobBody("job-1");
        switch (field)
        {
            case "trainingUri":
                body["trainingDataConfig"] = new JsonObject { ["s3Uri"] = value };
                break;
            case "epochCount" or "batchSize":
                body["hyperParameters"] = new JsonObject { [field] = value };
                break;
            default:
                body[field] = value;
                break;
        }

        var response = await SendAsync(HttpMethod.Post, "/model-customization-jobs", body);

        response.Status.Should().Be(HttpStatusCode.BadRequest);
        response.ErrorType.Should().Be("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/");
        response.Json!["__type"]!.GetValue<string>().Should().Be("com.amazon.bedrock#ValidationException");
        response.Json["message"]!.GetValue<string>().Should().Contain(message);
        _emulator.JobCount.Should().Be(0);
    }

    [Fact]
    public async Task CreateJob_RoleNotAssumable_AnswersCouldNotAssumeRole()
    {
        _emulator.Options.AssumableRoleArns = ["arn:aws:iam::123456789012:role/Other"];
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));

        var response = await SendAsync(HttpMethod.Post, "/model-customization-jobs", JobBody("job-1"));

        response.Status.Should().Be(HttpStatusCode.BadRequest);
        response.Json!["message"]!.GetValue<string>().Should().StartWith("Could not assume provided IAM role.");
    }

    [Theory]
    [InlineData("{\"prompt\":\"old\",\"completion\":\"format\"}", "line 1: unexpected key 'prompt'.")]
    [InlineData("{\"schemaVersion\":\"bedrock-conversation-2024\",\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"a\"}]}]}", "line 1: 'messages' must be an array of at least 2 messages.")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"User: hi\"}]},{\"role\":\"assistant\",\"content\":[{\"text\":\"x\"}]}]}", "line 1: messages[0] contains the reserved string 'User:'.")]
    [InlineData("not json", "line 1: not valid JSON.")]
    public async Task Job_BadTrainingData_FailsAsynchronouslyWithAMessageNamingFileAndLine(string firstLine, string detail)
    {
        Upload("data/train.jsonl", new[] { firstLine }.Concat(Enumerable.Range(0, 10).Select(NovaRow)));
        var arn = (await SendAsync(HttpMethod.Post, "/model-customization-jobs", JobBody("job-1"))).Json!["jobArn"]!.GetValue<string>();
        (await GetJobAsync(arn))["status"]!.GetValue<string>().Should().Be("InProgress");

        _clock.Advance(TimeSpan.FromSeconds(10));

        var job = await GetJobAsync(arn);
        job["status"]!.GetValue<string>().Should().Be("Failed");
        job["failureMessage"]!.GetValue<string>().Should().StartWith($"Input data at s3://{Bucket}/data/train.jsonl must follow the bedrock-conversation-2024").And.EndWith(detail);
        job["endTime"]!.GetValue<string>().Should().Be("2026-01-01T00:00:10.000Z");
        job.ContainsKey("outputModelArn").Should().BeFalse();
    }

    [Fact]
    public async Task Job_TooFewRecords_FailsWithTheFamilysMinimum()
    {
        Upload("data/train.jsonl", Enumerable.Range(0, 3).Select(NovaRow));
        var arn = (await SendAsync(HttpMethod.Post, "/model-customization-jobs", JobBody("job-1"))).Json!["jobArn"]!.GetValue<string>();
        _clock.Advance(TimeSpan.FromSeconds(10));

        (await GetJobAsync(arn))["failureMessage"]!.GetValue<string>().Should().Be($"The training data at s3://{Bucket}/data/train.jsonl has 3 records; Nova Micro needs at least 8.");
    }

    [Theory]
    [InlineData("amazon.titan-text-lite-v1:0:4k", "{\"prompt\":\"Ticket {0}: my parcel {0} is late\",\"completion\":\"label-{1}\"}", 1)]
    [InlineData("anthropic.claude-3-haiku-20240307-v1:0:200k", "{\"system\":\"Classify.\",\"messages\":[{\"role\":\"user\",\"content\":\"Ticket {0}: my parcel {0} is late\"},{\"role\":\"assistant\",\"content\":\"label-{1}\"}]}", 32)]
    public async Task Job_OtherFamilyFormats_TrainAndAnswerThroughProvisionedThroughput(string baseModel, string rowFormat, int rows)
    {
        Upload("data/train.jsonl", Enumerable.Range(0, rows).Select(i => rowFormat.Replace("{0}", $"{i}", StringComparison.Ordinal).Replace("{1}", $"{i % 4}", StringComparison.Ordinal)));
        var body = JobBody("job-1");
        body["baseModelIdentifier"] = baseModel;
        body["hyperParameters"] = new JsonObject { ["epochCount"] = "1" };
        var arn = (await SendAsync(HttpMethod.Post, "/model-customization-jobs", body)).Json!["jobArn"]!.GetValue<string>();
        _clock.Advance(TimeSpan.FromMinutes(5));
        var job = await GetJobAsync(arn);
        job["status"]!.GetValue<string>().Should().Be("Completed", job["failureMessage"]?.GetValue<string>());
        var ptArn = (await SendAsync(HttpMethod.Post, "/provisioned-model-throughput", new JsonObject { ["modelUnits"] = 1, ["provisionedModelName"] = "pt-1", ["modelId"] = job["outputModelArn"]!.GetValue<string>() })).Json!["provisionedModelArn"]!.GetValue<string>();
        _clock.Advance(TimeSpan.FromSeconds(30));

        var reply = await ConverseAsync(ptArn, "Ticket 0: my parcel 0 is late");

        reply.Json!["output"]!["message"]!["content"]![0]!["text"]!.GetValue<string>().Should().Be("label-0");
    }

    [Fact]
    public async Task StopJob_InProgress_GoesStoppingThenStoppedAndCannotBeStoppedAgain()
    {
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        await SendAsync(HttpMethod.Post, "/model-customization-jobs", JobBody("job-1"));
        _clock.Advance(TimeSpan.FromSeconds(12));

        var stop = await SendAsync(HttpMethod.Post, "/model-customization-jobs/job-1/stop");
        stop.Status.Should().Be(HttpStatusCode.OK);
        (await GetJobAsync("job-1"))["status"]!.GetValue<string>().Should().Be("Stopping");
        _clock.Advance(TimeSpan.FromSeconds(5));
        var job = await GetJobAsync("job-1");

        job["status"]!.GetValue<string>().Should().Be("Stopped");
        job["endTime"]!.GetValue<string>().Should().Be("2026-01-01T00:00:17.000Z");
        var again = await SendAsync(HttpMethod.Post, "/model-customization-jobs/job-1/stop");
        again.Status.Should().Be(HttpStatusCode.BadRequest);
        again.Json!["message"]!.GetValue<string>().Should().Contain("its status is Stopped");
    }

    [Fact]
    public async Task ListJobs_MaxResults_PagesWithOpaqueTokensAndFilters()
    {
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(HttpMethod.Post, "/model-customization-jobs", JobBody($"job-{i}"));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await SendAsync(HttpMethod.Get, "/model-customization-jobs?maxResults=2&sortOrder=Ascending" + (token is null ? string.Empty : "&nextToken=" + Uri.EscapeDataString(token)));
            pages++;
            names.AddRange(page.Json!["modelCustomizationJobSummaries"]!.AsArray().Select(j => j!["jobName"]!.GetValue<string>()));
            token = page.Json["nextToken"]?.GetValue<string>();
            token?.Should().NotContain("job-");
        }
        while (token is not null);

        pages.Should().Be(3);
        names.Should().Equal("job-0", "job-1", "job-2", "job-3", "job-4");
        var filtered = await SendAsync(HttpMethod.Get, "/model-customization-jobs?nameContains=job-3&statusEquals=InProgress");
        filtered.Json!["modelCustomizationJobSummaries"]!.AsArray().Should().ContainSingle();
        var descending = await SendAsync(HttpMethod.Get, "/model-customization-jobs");
        descending.Json!["modelCustomizationJobSummaries"]![0]!["jobName"]!.GetValue<string>().Should().Be("job-4");
        (await SendAsync(HttpMethod.Get, "/model-customization-jobs?nextToken=bm9wZQ%3D%3D")).Status.Should().Be(HttpStatusCode.BadRequest);
        (await SendAsync(HttpMethod.Get, "/model-customization-jobs?statusEquals=Running")).Json!["message"]!.GetValue<string>()
            .Should().Be("1 validation error detected: Value 'Running' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [InProgress, Completed, Failed, Stopping, Stopped]");
    }

    [Fact]
    public async Task Converse_ProvisionedThroughputAndDeployment_AnswerTrainedPromptsExactly()
    {
        var modelArn = await TrainAsync();
        var pt = await SendAsync(HttpMethod.Post, "/provisioned-model-throughput", new JsonObject { ["modelUnits"] = 1, ["provisionedModelName"] = "pt-1", ["modelId"] = modelArn });
        pt.Status.Should().Be(HttpStatusCode.Created);
        var ptArn = pt.Json!["provisionedModelArn"]!.GetValue<string>();
        var deployment = await SendAsync(HttpMethod.Post, "/model-customization/custom-model-deployments", new JsonObject { ["modelDeploymentName"] = "dep-1", ["modelArn"] = modelArn });
        deployment.Status.Should().Be(HttpStatusCode.Accepted);
        var deploymentArn = deployment.Json!["customModelDeploymentArn"]!.GetValue<string>();

        var early = await ConverseAsync(ptArn, "Ticket 3: my parcel 3 is late");
        early.Status.Should().Be((HttpStatusCode)429);
        early.ErrorType.Should().StartWith("ModelNotReadyException:");
        _clock.Advance(TimeSpan.FromSeconds(30));
        (await SendAsync(HttpMethod.Get, "/provisioned-model-throughput/pt-1")).Json!["status"]!.GetValue<string>().Should().Be("InService");

        foreach (var id in new[] { ptArn, deploymentArn })
        {
            var reply = await ConverseAsync(id, "  ticket 3: MY parcel 3 is late ");
            reply.Status.Should().Be(HttpStatusCode.OK);
            reply.Json!["output"]!["message"]!["content"]![0]!["text"]!.GetValue<string>().Should().Be("label-3");
            reply.Json["stopReason"]!.GetValue<string>().Should().Be("end_turn");
            var usage = reply.Json["usage"]!;
            (usage["inputTokens"]!.GetValue<int>() + usage["outputTokens"]!.GetValue<int>()).Should().Be(usage["totalTokens"]!.GetValue<int>());
        }

        var inUse = await SendAsync(HttpMethod.Delete, "/custom-models/" + Uri.EscapeDataString(modelArn));
        inUse.Status.Should().Be(HttpStatusCode.BadRequest);
        inUse.ErrorType.Should().StartWith("ConflictException:");
    }

    [Theory]
    [InlineData(1.0, 10)]
    [InlineData(0.0, 0)]
    public async Task Converse_BaseModel_FollowsTheSharedAccuracyRule(double accuracy, int expectedCorrect)
    {
        _emulator.Options.BaseModelAccuracy = accuracy;
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));

        var correct = 0;
        for (var i = 0; i < 10; i++)
        {
            var reply = await ConverseAsync("amazon.nova-micro-v1:0", $"Ticket {i}: my parcel {i} is late");
            correct += reply.Json!["output"]!["message"]!["content"]![0]!["text"]!.GetValue<string>() == $"label-{i % 4}" ? 1 : 0;
        }

        correct.Should().Be(expectedCorrect);
    }

    [Fact]
    public async Task ConverseStream_TrainedPrompt_SendsValidEventStreamFrames()
    {
        var modelArn = await TrainAsync();
        var ptArn = (await SendAsync(HttpMethod.Post, "/provisioned-model-throughput", new JsonObject { ["modelUnits"] = 1, ["provisionedModelName"] = "pt-1", ["modelId"] = modelArn })).Json!["provisionedModelArn"]!.GetValue<string>();
        _clock.Advance(TimeSpan.FromSeconds(30));

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/model/{Uri.EscapeDataString(ptArn)}/converse-stream") { Content = Body(ConverseBody("Ticket 2: my parcel 2 is late")) };
        using var response = await _http.SendAsync(request);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/vnd.amazon.eventstream");
        var messages = EventStream.Parse(await response.Content.ReadAsByteArrayAsync());

        messages.Select(m => m.Headers[":event-type"]).Should().Equal("messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata");
        messages.Should().OnlyContain(m => m.Headers[":message-type"] == "event" && m.Headers[":content-type"] == "application/json");
        JsonNode.Parse(messages[1].Payload)!["delta"]!["text"]!.GetValue<string>().Should().Be("label-2");
        JsonNode.Parse(messages[3].Payload)!["stopReason"]!.GetValue<string>().Should().Be("end_turn");
    }

    [Fact]
    public async Task Request_WrongSecretOrTamperedBody_Answers403InvalidSignature()
    {
        using var wrong = new HttpClient(new SigningHandler(_emulator.CreateHttpMessageHandler(), secretKey: "not-the-secret")) { BaseAddress = BedrockEmulator.InProcessEndpoint };
        using var refused = await wrong.GetAsync("/model-customization-jobs");
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Headers.GetValues("x-amzn-ErrorType").Single().Should().StartWith("InvalidSignatureException:");
        (await refused.Content.ReadAsStringAsync()).Should().Contain("The request signature we calculated does not match the signature you provided.");

        _signer.AfterSigning = r => r.RequestUri = new Uri(r.RequestUri!, "?maxResults=1");
        (await SendAsync(HttpMethod.Get, "/model-customization-jobs")).Status.Should().Be(HttpStatusCode.Forbidden);
        _signer.AfterSigning = null;

        using var unsigned = new HttpClient(_emulator.CreateHttpMessageHandler()) { BaseAddress = BedrockEmulator.InProcessEndpoint };
        using var missing = await unsigned.GetAsync("/custom-models");
        missing.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        missing.Headers.GetValues("x-amzn-ErrorType").Single().Should().StartWith("MissingAuthenticationTokenException:");
    }

    [Fact]
    public async Task Faults_ThrottlingAndServerErrors_AnswerWithTheServiceErrorShapes()
    {
        _emulator.Options.ThrottleNextRequests = 1;
        var throttled = await SendAsync(HttpMethod.Get, "/custom-models");
        throttled.Status.Should().Be((HttpStatusCode)429);
        throttled.ErrorType.Should().StartWith("ThrottlingException:");

        _emulator.Options.ServerErrorNextRequests = 1;
        _emulator.Options.ServerErrorStatusCode = 503;
        var unavailable = await SendAsync(HttpMethod.Get, "/custom-models");
        unavailable.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        unavailable.Json!["__type"]!.GetValue<string>().Should().Be("com.amazon.bedrock#ServiceUnavailableException");

        (await SendAsync(HttpMethod.Get, "/custom-models")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Faults_ResponseDelay_WaitsOnTheEmulatorsClock()
    {
        _emulator.Options.ResponseDelay = TimeSpan.FromSeconds(30);

        var pending = SendAsync(HttpMethod.Get, "/custom-models");
        await WaitUntilAsync(() => _clock.ScheduledDelays.Count > 0);
        pending.IsCompleted.Should().BeFalse();
        _clock.Advance(TimeSpan.FromSeconds(30));

        (await pending.WaitAsync(TimeSpan.FromSeconds(10))).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task UnknownRoute_Answers404UnknownOperation()
    {
        var response = await SendAsync(HttpMethod.Get, "/model-customization-jobs/a/b/c");
        response.Status.Should().Be(HttpStatusCode.NotFound);
        response.ErrorType.Should().StartWith("UnknownOperationException:");
    }

    private async Task<string> TrainAsync()
    {
        Upload("data/train.jsonl", Enumerable.Range(0, 10).Select(NovaRow));
        var arn = (await SendAsync(HttpMethod.Post, "/model-customization-jobs", JobBody("job-1"))).Json!["jobArn"]!.GetValue<string>();
        _clock.Advance(TimeSpan.FromMinutes(5));
        var job = await GetJobAsync(arn);
        job["status"]!.GetValue<string>().Should().Be("Completed");
        return job["outputModelArn"]!.GetValue<string>();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private void Upload(string key, IEnumerable<string> lines)
    {
        _emulator.PutObject(Bucket, key, Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
    }

    private static JsonObject JobBody(string name, string? validation = null)
    {
        var body = new JsonObject
        {
            ["jobName"] = name,
            ["customModelName"] = name + "-model",
            ["roleArn"] = Role,
            ["baseModelIdentifier"] = NovaMicro,
            ["trainingDataConfig"] = new JsonObject { ["s3Uri"] = $"s3://{Bucket}/data/train.jsonl" },
            ["outputDataConfig"] = new JsonObject { ["s3Uri"] = $"s3://{Bucket}/out/" },
            ["hyperParameters"] = new JsonObject { ["epochCount"] = "2" },
        };
        if (validation is not null)
        {
            body["validationDataConfig"] = new JsonObject { ["validators"] = new JsonArray(new JsonObject { ["s3Uri"] = $"s3://{Bucket}/{validation}" }) };
        }

        return body;
    }

    private static JsonObject ConverseBody(string prompt) => new()
    {
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["text"] = prompt }) }),
        ["inferenceConfig"] = new JsonObject { ["maxTokens"] = 100 },
    };

    private Task<Reply> ConverseAsync(string modelId, string prompt) => SendAsync(HttpMethod.Post, $"/model/{Uri.EscapeDataString(modelId)}/converse", ConverseBody(prompt));

    private async Task<JsonObject> GetJobAsync(string identifier) =>
        (await SendAsync(HttpMethod.Get, "/model-customization-jobs/" + (identifier.StartsWith("arn:", StringComparison.Ordinal) ? Uri.EscapeDataString(identifier) : identifier))).Json!;

    private static StringContent Body(JsonObject json) => new(json.ToJsonString(), Encoding.UTF8, "application/json");

    private async Task<Reply> SendAsync(HttpMethod method, string path, JsonObject? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Body(body) };
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(
            response.StatusCode,
            text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject,
            response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.Single() : null);
    }

    private sealed record Reply(HttpStatusCode Status, JsonObject? Json, string? ErrorType);
}
