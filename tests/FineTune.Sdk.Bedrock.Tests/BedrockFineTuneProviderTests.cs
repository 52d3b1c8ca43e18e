using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Bedrock.Tests;

public sealed class BedrockFineTuneProviderTests
{
    private const string JobArn = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abcdef123456";

    private static string JobJson(string status, string? failure = null, string? token = null) => $$"""
        {"jobArn":"{{JobArn}}","jobName":"ft-x","outputModelName":"ft-x","roleArn":"arn:aws:iam::123456789012:role/BedrockFineTune",
         "clientRequestToken":"{{token ?? "t"}}","status":"{{status}}",{{(failure is null ? string.Empty : $"\"failureMessage\":\"{failure}\",")}}
         "creationTime":"2026-12-01T10:00:00.123Z","endTime":"2026-12-01T11:00:00Z",
         "baseModelArn":"arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k",
         "hyperParameters":{"epochCount":"2","learningRate":"0.00001"},
         "trainingDataConfig":{"s3Uri":"s3://finetune-bucket/data/train.jsonl"},"validationDataConfig":{"validators":[]},
         "outputDataConfig":{"s3Uri":"s3://finetune-bucket/output/"},
         "outputModelArn":"arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/zzzzzz123456",
         "trainingMetrics":{"trainingLoss":0.25},"validationMetrics":[{"validationLoss":0.5}]}
        """;

    [Fact]
    public async Task StartJobAsync_Request_SendsSignedCreateWithTokenFromKeyThenGetsJobByArn()
    {
        await using var server = new StubAwsServer(r => r.Method == "POST" ? StubResponse.Json(201, $"{{\"jobArn\":\"{JobArn}\"}}") : StubResponse.Json(200, JobJson("InProgress")));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());
        var request = new FineTuneJobRequest("amazon.nova-micro-v1:0:128k", "s3://finetune-bucket/data/train.jsonl")
        {
            IdempotencyKey = "order-42",
            Suffix = "support bot",
            Hyperparameters = { Epochs = 2 },
        };

        var job = await provider.StartJobAsync(request, new BedrockJobOptions { HyperParameters = { ["learningRate"] = "0.00001" } });

        job.Id.Should().Be(JobArn);
        job.Status.Should().Be(FineTuneJobStatus.Running);
        job.IdempotencyKey.Should().Be("order-42");
        var requests = server.Requests.ToArray();
        requests.Should().HaveCount(2);
        requests[0].Method.Should().Be("POST");
        requests[0].RawPath.Should().Be("/model-customization-jobs");
        using var body = JsonDocument.Parse(requests[0].Body);
        var root = body.RootElement;
        root.GetProperty("clientRequestToken").GetString().Should().Be(BedrockMapping.ClientRequestToken("order-42")).And.MatchRegex("^[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?$");
        root.GetProperty("jobName").GetString().Should().MatchRegex(@"^[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*$").And.StartWith("ft-support-bot-");
        root.GetProperty("customModelName").GetString().Should().MatchRegex("^([0-9a-zA-Z][_-]?){1,63}$");
        root.GetProperty("roleArn").GetString().Should().Be("arn:aws:iam::123456789012:role/BedrockFineTune");
        root.GetProperty("baseModelIdentifier").GetString().Should().Be("amazon.nova-micro-v1:0:128k");
        root.GetProperty("trainingDataConfig").GetProperty("s3Uri").GetString().Should().Be("s3://finetune-bucket/data/train.jsonl");
        root.GetProperty("outputDataConfig").GetProperty("s3Uri").GetString().Should().Be("s3://finetune-bucket/output/");
        root.GetProperty("hyperParameters").GetProperty("epochCount").GetString().Should().Be("2");
        root.GetProperty("hyperParameters").GetProperty("learningRate").GetString().Should().Be("0.00001");
        requests[1].RawPath.Should().Be("/model-customization-jobs/" + Uri.EscapeDataString(JobArn), "the ARN travels as one percent-encoded segment (and the stub checked its doubly-encoded signature)");
    }

    [Fact]
    public async Task StartJobAsync_SameKeyTwice_SendsTheSameTokenAndNames()
    {
        await using var server = new StubAwsServer(r => r.Method == "POST" ? StubResponse.Json(201, $"{{\"jobArn\":\"{JobArn}\"}}") : StubResponse.Json(200, JobJson("InProgress")));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());
        var request = new FineTuneJobRequest("amazon.nova-micro-v1:0:128k", "s3://finetune-bucket/data/train.jsonl") { IdempotencyKey = "k1" };

        await provider.StartJobAsync(request);
        await provider.StartJobAsync(request);

        var creates = server.Requests.Where(r => r.Method == "POST").Select(r => r.Text).ToArray();
        creates.Should().HaveCount(2);
        creates[1].Should().Be(creates[0]);
        provider.GetService<FineTuneProviderCapabilities>()!.SupportsIdempotentStart.Should().BeTrue();
    }

    [Theory]
    [InlineData("s3://Bad_Bucket/x.jsonl")]
    [InlineData("s3://finetune-bucket/with space.jsonl")]
    [InlineData("https://finetune-bucket/x.jsonl")]
    public async Task StartJobAsync_TrainingFileNotAnS3Uri_ThrowsBeforeSending(string uri)
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(500, "{}"));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var act = () => provider.StartJobAsync(new FineTuneJobRequest("amazon.nova-micro-v1:0:128k", uri));

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("TrainingFileId").And.Contain("S3Uri pattern");
        server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task StartJobAsync_HyperparameterOutOfFamilyRange_ThrowsNamingIt()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(500, "{}"));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());
        var request = new FineTuneJobRequest("amazon.nova-micro-v1:0:128k", "s3://finetune-bucket/data/train.jsonl") { Hyperparameters = { Epochs = 9, BatchSize = 8 } };

        var act = () => provider.StartJobAsync(request);

        var message = (await act.Should().ThrowAsync<ArgumentException>()).Which.Message;
        message.Should().Contain("'epochCount' must be between 1 and 5; it was 9").And.Contain("'batchSize' is not a Amazon Nova");
        server.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("InProgress", "running", false)]
    [InlineData("Completed", "succeeded", true)]
    [InlineData("Failed", "failed", true)]
    [InlineData("Stopping", "stopping", false)]
    [InlineData("Stopped", "cancelled", true)]
    public async Task GetJobAsync_Status_MapsToNeutralStatus(string bedrockStatus, string neutral, bool terminal)
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, JobJson(bedrockStatus)));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var job = await provider.GetJobAsync(JobArn);

        job.Status.Value.Should().Be(neutral);
        job.Status.IsTerminal.Should().Be(terminal);
        job.RawStatus.Should().Be(bedrockStatus);
    }

    [Fact]
    public async Task GetJobAsync_FailedJob_CarriesFailureMessageLossesAndModel()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, JobJson("Failed", failure: "Input data at line 3 must follow the format")));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var job = await provider.GetJobAsync("ft-x");

        job.Error!.Message.Should().Be("Input data at line 3 must follow the format");
        job.FineTunedModel.Should().EndWith("custom-model/amazon.nova-micro-v1:0:128k/zzzzzz123456");
        job.Hyperparameters.Epochs.Should().Be(2);
        job.CreatedAt.Should().Be(new DateTimeOffset(2026, 12, 1, 10, 0, 0, 123, TimeSpan.Zero));
        job.AdditionalProperties!["trainingLoss"].Should().Be(0.25);
        job.AdditionalProperties!["validationLoss"].Should().Be(0.5);
        server.Requests.Single().RawPath.Should().Be("/model-customization-jobs/ft-x");
    }

    [Fact]
    public async Task ListJobsAsync_SeveralPages_FollowsNextTokenAndSendsFilters()
    {
        await using var server = new StubAwsServer(r =>
        {
            var token = r.Query("nextToken");
            var arn = token is null ? JobArn : JobArn.Replace("abcdef123456", "bbbbbb222222", StringComparison.Ordinal);
            var next = token is null ? ",\"nextToken\":\"opaque+/=token\"" : string.Empty;
            return StubResponse.Json(200, $$"""{"modelCustomizationJobSummaries":[{"jobArn":"{{arn}}","baseModelArn":"b","jobName":"n","status":"Completed","creationTime":"2026-12-01T10:00:00Z"}]{{next}}}""");
        });
        var options = server.ProviderOptions();
        options.ListPageSize = 1;
        using var provider = new BedrockFineTuneProvider(options, StubAwsServer.AwsOptions());

        var jobs = new List<FineTuneJob>();
        await foreach (var job in provider.ListJobsAsync(new BedrockJobFilter { Status = "Completed", NameContains = "ft", CreatedAfter = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero) }))
        {
            jobs.Add(job);
        }

        jobs.Select(j => j.Id[^12..]).Should().Equal("abcdef123456", "bbbbbb222222");
        var requests = server.Requests.ToArray();
        requests[0].Query("statusEquals").Should().Be("Completed");
        requests[0].Query("creationTimeAfter").Should().Be("2024-01-01T00:00:00Z");
        requests[0].Query("maxResults").Should().Be("1");
        requests[1].Query("nextToken").Should().Be("opaque+/=token");
    }

    [Fact]
    public async Task CancelJobAsync_Job_PostsStopThenReportsStopping()
    {
        await using var server = new StubAwsServer(r => r.Method == "POST" ? StubResponse.Json(200, "{}") : StubResponse.Json(200, JobJson("Stopping")));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var job = await provider.CancelJobAsync(JobArn);

        job.Status.Value.Should().Be("stopping");
        server.Requests.First().RawPath.Should().Be("/model-customization-jobs/" + Uri.EscapeDataString(JobArn) + "/stop");
    }

    [Fact]
    public async Task GetJobAsync_Throttled_ThrowsTransientWithRetryAfterAndRequestId()
    {
        await using var server = new StubAwsServer(_ =>
        {
            var response = StubResponse.Error(429, "ThrottlingException", "Rate exceeded", "req-throttle");
            response.Headers.Add(new("Retry-After", "7"));
            return response;
        });
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var act = () => provider.GetJobAsync(JobArn);

        var ex = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        ex.IsTransient.Should().BeTrue();
        ex.StatusCode.Should().Be(429);
        ex.ProviderCode.Should().Be("ThrottlingException");
        ex.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        ex.RequestId.Should().Be("req-throttle");
        ex.Provider.Should().Be("bedrock");
        server.Requests.Should().HaveCount(1, "the adapter does not retry; decorators do");
    }

    [Fact]
    public async Task GetJobAsync_ValidationErrorWithTypeOnlyInBody_ThrowsNonTransient()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(400, "{\"__type\":\"com.amazon.bedrock#ValidationException\",\"message\":\"1 validation error detected\"}"));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var act = () => provider.GetJobAsync(JobArn);

        var ex = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        ex.IsTransient.Should().BeFalse();
        ex.ProviderCode.Should().Be("ValidationException");
        ex.Message.Should().Contain("1 validation error detected");
    }

    [Fact]
    public async Task GetJobAsync_WrongSecret_RefusedAndMessageHoldsNoSecretOrSignature()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, JobJson("InProgress")));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions("wrongSecretKeyValue123"));

        var act = () => provider.GetJobAsync(JobArn);

        var ex = (await act.Should().ThrowAsync<FineTuneException>()).Which;
        ex.StatusCode.Should().Be(403);
        ex.ProviderCode.Should().Be("InvalidSignatureException");
        ex.IsTransient.Should().BeFalse();
        var signature = server.Requests.Single().Headers["Authorization"].Split("Signature=")[1];
        ex.ToString().Should().NotContain("wrongSecretKeyValue123").And.NotContain(signature);
    }

    [Fact]
    public async Task Unsupported_PauseEventsCheckpoints_ThrowNotSupported()
    {
        await using var server = new StubAwsServer(_ => StubResponse.Json(200, "{}"));
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        await provider.Invoking(p => p.PauseJobAsync(JobArn)).Should().ThrowAsync<NotSupportedException>();
        provider.Invoking(p => p.GetEventsAsync(JobArn)).Should().Throw<NotSupportedException>().WithMessage("*SupportsEvents*");
        provider.Invoking(p => p.GetCheckpointsAsync(JobArn)).Should().Throw<NotSupportedException>();
    }

    [Fact]
    public async Task GetTrainingMetricsAsync_CsvsUnderOutputPrefix_JoinsTrainingAndValidationBySteps()
    {
        const string training = "step_number,epoch_number,training_loss,perplexity\n0,0,2.5,12.1\n1,0,1.5,4.4\n2,1,0.9,2.4\n";
        const string validation = "step_number,epoch_number,validation_loss,perplexity\n2,1,1.1,3.0\n";
        await using var server = new StubAwsServer(r =>
        {
            if (!r.IsS3)
            {
                return StubResponse.Json(200, JobJson("Completed"));
            }

            var path = Uri.UnescapeDataString(r.RawPath);
            return path switch
            {
                "/finetune-bucket/output/model-customization-job-abcdef123456/training_artifacts/step_wise_training_metrics.csv" => new StubResponse(200, "text/csv", Encoding.UTF8.GetBytes(training)),
                "/finetune-bucket/output/model-customization-job-abcdef123456/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv" => new StubResponse(200, "text/csv", Encoding.UTF8.GetBytes(validation)),
                _ => new StubResponse(404, "application/xml", Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")),
            };
        });
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());

        var metrics = await provider.GetTrainingMetricsAsync(JobArn);

        metrics.Select(m => (m.Step, m.Epoch, m.TrainLoss, m.ValidLoss)).Should().Equal((0, 0, 2.5, (double?)null), (1, 0, 1.5, null), (2, 1, 0.9, 1.1));
    }

    [Fact]
    public async Task UploadFileAsync_SmallFile_PutsToPrefixWithSha256ChecksumAndMetadata()
    {
        byte[]? stored = null;
        StubRequest? put = null;
        await using var server = new StubAwsServer(r =>
        {
            put = r;
            stored = r.Body;
            var response = new StubResponse(200, "application/xml", []);
            response.Headers.Add(new("ETag", "\"abc\""));
            return response;
        });
        using var provider = new BedrockFineTuneProvider(server.ProviderOptions(), StubAwsServer.AwsOptions());
        var content = Encoding.UTF8.GetBytes("{\"prompt\":\"a\",\"completion\":\"b\"}\n");
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content)).ToLowerInvariant();

        var file = await provider.UploadFileAsync(new MemoryStream(content), "train set.jsonl");

        file.Id.Should().Be($"s3://finetune-bucket/data/{sha[..16]}-train-set.jsonl");
        file.Sha256.Should().Be(sha);
        file.Bytes.Should().Be(content.Length);
        put!.Method.Should().Be("PUT");
        Uri.UnescapeDataString(put.RawPath).Should().Be($"/finetune-bucket/data/{sha[..16]}-train-set.jsonl");
        put.Headers["x-amz-meta-sha256"].Should().Be(sha);
        put.Headers["x-amz-checksum-sha256"].Should().Be(Convert.ToBase64String(Convert.FromHexString(sha)));
        stored.Should().Equal(content);
    }

    [Fact]
    public void Constructor_InvalidOptions_NamesEveryField()
    {
        var options = new BedrockFineTuneProviderOptions { Region = "us-east-1", RoleArn = "role", OutputS3Uri = "s3://B/x", ListPageSize = 0 };

        var act = () => new BedrockFineTuneProvider(options);

        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("Bedrock.RoleArn").And.Contain("Bedrock.OutputS3Uri").And.Contain("Bedrock.ListPageSize must be between 1 and 1000; it was 0");
    }
}
