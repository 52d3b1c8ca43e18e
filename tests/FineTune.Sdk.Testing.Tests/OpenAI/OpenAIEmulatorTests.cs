using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text.Json;
using FineTune.Sdk.Tests;

namespace FineTune.Sdk.Testing.Tests;

public sealed class OpenAIEmulatorTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly OpenAIEmulator _emulator;
    private readonly RawOpenAIClient _client;

    public OpenAIEmulatorTests()
    {
        _emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 7 }, _clock);
        _client = RawOpenAIClient.InProcess(_emulator);
    }

    public void Dispose()
    {
        _client.Dispose();
        _emulator.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_SteppedThroughTheClock_WalksEveryStateToSucceeded()
    {
        var file = await _client.UploadAsync(EmulatorTestData.ChatJsonl(12));
        var oracle = await TiktokenOracle.CountRowsAsync(EmulatorTestData.ChatJsonl(12));
        var fileId = file.GetProperty("id").GetString()!;
        fileId.Should().MatchRegex("^file-[1-9A-HJ-NP-Za-km-z]{22}$");

        var created = await _client.PostAsync("fine_tuning/jobs", new { model = "gpt-4o-mini", training_file = fileId, suffix = "tickets" });
        var jobId = created.GetProperty("id").GetString()!;
        jobId.Should().MatchRegex("^ftjob-[A-Za-z0-9]{24}$");
        created.GetProperty("status").GetString().Should().Be("validating_files");
        created.GetProperty("model").GetString().Should().Be("gpt-4o-mini-2024-07-18");
        created.GetProperty("hyperparameters").GetProperty("n_epochs").GetString().Should().Be("auto");
        created.GetProperty("error").EnumerateObject().Should().BeEmpty();
        created.GetProperty("result_files").GetArrayLength().Should().Be(0);
        created.GetProperty("seed").ValueKind.Should().Be(JsonValueKind.Number);

        _clock.Advance(TimeSpan.FromSeconds(10));
        var queued = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        queued.GetProperty("status").GetString().Should().Be("queued");
        queued.GetProperty("hyperparameters").GetProperty("n_epochs").GetInt32().Should().Be(8, "100 // 12 examples = 8 epochs (cookbook rule)");
        queued.GetProperty("hyperparameters").GetProperty("batch_size").GetInt32().Should().Be(1);

        _clock.Advance(TimeSpan.FromSeconds(10));
        var running = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        running.GetProperty("status").GetString().Should().Be("running");
        running.GetProperty("estimated_finish").GetInt64().Should().BeGreaterThan(_clock.GetUtcNow().ToUnixTimeSeconds());

        _clock.Advance(TimeSpan.FromSeconds(50));
        var events = await _client.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100");
        events.GetProperty("data").EnumerateArray().Should().Contain(e => e.GetProperty("type").GetString() == "metrics");

        _clock.Advance(TimeSpan.FromSeconds(46));
        var done = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        done.GetProperty("status").GetString().Should().Be("succeeded");
        done.GetProperty("fine_tuned_model").GetString().Should().MatchRegex("^ft:gpt-4o-mini-2024-07-18:emulator:tickets:[A-Za-z0-9]{8}$");
        done.GetProperty("finished_at").GetInt64().Should().Be(_clock.GetUtcNow().ToUnixTimeSeconds());
        done.GetProperty("trained_tokens").GetInt64().Should().Be(oracle.Sum() * 8, "npm tiktoken's count of the file × 8 epochs");
        done.GetProperty("estimated_finish").ValueKind.Should().Be(JsonValueKind.Null);
        done.GetProperty("result_files").GetArrayLength().Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task ReportEstimatedFinish_False_RunningJobHasNullEstimate()
    {
        _emulator.Options.ReportEstimatedFinish = false;
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromSeconds(25));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");

        job.GetProperty("status").GetString().Should().Be("running");
        job.GetProperty("estimated_finish").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact(Timeout = 60_000)]
    public async Task Events_AfterSuccess_FollowTheServiceSequenceNewestFirstAcrossPages()
    {
        var jobId = await CreateSucceededJobAsync();
        var all = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = await _client.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=30" + (after is null ? string.Empty : "&after=" + after));
            var data = page.GetProperty("data").EnumerateArray().ToList();
            all.AddRange(data);
            if (!page.GetProperty("has_more").GetBoolean())
            {
                break;
            }

            after = data[^1].GetProperty("id").GetString();
        }

        all.Should().HaveCount(6 + 96, "six message events and one metrics event per step (96 steps)");
        all.Select(e => e.GetProperty("id").GetString()).Should().OnlyHaveUniqueItems();
        var messages = all.Where(e => e.GetProperty("type").GetString() == "message").Select(e => e.GetProperty("message").GetString()!).Reverse().ToList();
        messages.Should().HaveCount(6);
        messages[0].Should().Be($"Created fine-tuning job: {jobId}");
        messages[1].Should().StartWith("Validating training file: file-");
        messages[2].Should().Be("Files validated, moving job to queued state");
        messages[3].Should().Be("Fine-tuning job started");
        messages[4].Should().StartWith("New fine-tuned model created: ft:");
        messages[5].Should().Be("The job has successfully completed");
    }

    [Fact(Timeout = 60_000)]
    public async Task Events_MetricsEvent_CarriesStepDataKeys()
    {
        var jobId = await CreateSucceededJobAsync();
        var events = await _client.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100");
        var metrics = events.GetProperty("data").EnumerateArray().First(e => e.GetProperty("type").GetString() == "metrics");
        metrics.GetProperty("id").GetString().Should().MatchRegex("^ftevent-[A-Za-z0-9]{24}$");
        metrics.GetProperty("message").GetString().Should().MatchRegex(@"^Step 96/96: training loss=\d+\.\d\d$");
        var data = metrics.GetProperty("data");
        data.GetProperty("step").GetInt32().Should().Be(96);
        data.GetProperty("total_steps").GetInt32().Should().Be(96);
        data.TryGetProperty("train_loss", out _).Should().BeTrue();
        data.TryGetProperty("train_mean_token_accuracy", out _).Should().BeTrue();
    }

    [Fact(Timeout = 60_000)]
    public async Task Checkpoints_AfterSuccess_KeepTheLastThreeEpochsHighestStepFirst()
    {
        var jobId = await CreateSucceededJobAsync();
        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        var checkpoints = await _client.GetAsync($"fine_tuning/jobs/{jobId}/checkpoints");
        var data = checkpoints.GetProperty("data").EnumerateArray().ToList();
        data.Select(c => c.GetProperty("step_number").GetInt32()).Should().Equal(96, 84, 72);
        data[0].GetProperty("fine_tuned_model_checkpoint").GetString().Should().Be(job.GetProperty("fine_tuned_model").GetString());
        data[1].GetProperty("fine_tuned_model_checkpoint").GetString().Should().MatchRegex(":ckpt-step-84$");
        data[0].GetProperty("id").GetString().Should().MatchRegex("^ftckpt_[A-Za-z0-9]{24}$");
        checkpoints.GetProperty("first_id").GetString().Should().Be(data[0].GetProperty("id").GetString());
        checkpoints.GetProperty("last_id").GetString().Should().Be(data[2].GetProperty("id").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task ResultFile_AfterSuccess_IsTheStepMetricsCsv()
    {
        var jobId = await CreateSucceededJobAsync();
        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        var resultId = job.GetProperty("result_files")[0].GetString()!;
        var file = await _client.GetAsync($"files/{resultId}");
        file.GetProperty("purpose").GetString().Should().Be("fine-tune-results");
        var csv = await _client.Http.GetStringAsync($"files/{resultId}/content");
        var lines = csv.TrimEnd('\n').Split('\n');
        lines[0].Should().Be("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy");
        lines.Should().HaveCount(97);
        lines[1].Should().MatchRegex(@"^1,[0-9.]+,[0-9.]+,,$");
    }

    [Fact(Timeout = 60_000)]
    public async Task ListJobs_WithLimitAndAfter_PagesNewestFirst()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await _client.CreateJobAsync(file));
        }

        var first = await _client.GetAsync("fine_tuning/jobs?limit=2");
        first.GetProperty("object").GetString().Should().Be("list");
        first.GetProperty("has_more").GetBoolean().Should().BeTrue();
        var page1 = first.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).ToList();
        page1.Should().Equal(ids[4], ids[3]);

        var second = await _client.GetAsync($"fine_tuning/jobs?limit=2&after={page1[^1]}");
        second.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).Should().Equal(ids[2], ids[1]);
        var third = await _client.GetAsync($"fine_tuning/jobs?limit=2&after={ids[1]}");
        third.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).Should().Equal(ids[0]);
        third.GetProperty("has_more").GetBoolean().Should().BeFalse();
    }

    [Fact(Timeout = 60_000)]
    public async Task ListJobs_WithMetadataFilter_ReturnsOnlyMatchingJobs()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var tagged = await _client.CreateJobAsync(file, new { metadata = new { idempotency_key = "abc" } });
        await _client.CreateJobAsync(file);

        var list = await _client.GetAsync("fine_tuning/jobs?metadata[idempotency_key]=abc");
        list.GetProperty("data").EnumerateArray().Select(j => j.GetProperty("id").GetString()).Should().Equal(tagged);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_WithSevenExamples_FailsWithInvalidNExamples()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(7))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromSeconds(10));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("failed");
        var error = job.GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("invalid_n_examples");
        error.GetProperty("param").GetString().Should().Be("training_file");
        error.GetProperty("message").GetString().Should().Be("Training file has 7 example(s), but must have at least 10 examples");
        job.GetProperty("finished_at").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_ChatFileWithDpoMethod_FailsWithInvalidTrainingFile()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file, new { method = new { type = "dpo", dpo = new { hyperparameters = new { beta = 0.1 } } } });
        _clock.Advance(TimeSpan.FromSeconds(10));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("failed");
        job.GetProperty("error").GetProperty("code").GetString().Should().Be("invalid_training_file");
        job.GetProperty("error").GetProperty("message").GetString().Should()
            .StartWith("The job failed due to an invalid training file. Invalid file format.").And.Contain("chat format").And.Contain("dpo");
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_PreferenceFileWithDpoMethod_Succeeds()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.PreferenceJsonl(10))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file, new { method = new { type = "dpo", dpo = new { hyperparameters = new { beta = 0.5, n_epochs = 1 } } } });
        _clock.Advance(TimeSpan.FromMinutes(5));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("succeeded");
        var hyper = job.GetProperty("method").GetProperty("dpo").GetProperty("hyperparameters");
        hyper.GetProperty("beta").GetDouble().Should().Be(0.5);
        hyper.GetProperty("n_epochs").GetInt32().Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_WithBadJsonLine_FailsWithInvalidTrainingFile()
    {
        var content = EmulatorTestData.ChatJsonl(12).Concat("{not json\n"u8.ToArray()).ToArray();
        var file = (await _client.UploadAsync(content)).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromSeconds(10));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("error").GetProperty("code").GetString().Should().Be("invalid_training_file");
        job.GetProperty("error").GetProperty("message").GetString().Should().Contain("Example 13");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"training_file\":\"file-missing\"}", "training_file", null)]
    [InlineData("{\"model\":\"gpt-9\",\"training_file\":\"FILE\"}", null, "model_not_available")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"training_file\":\"FILE\",\"nepochs\":3}", "nepochs", null)]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"training_file\":\"FILE\",\"method\":{\"type\":\"supervised\",\"supervised\":{\"hyperparameters\":{\"n_epochs\":51}}}}", "method.supervised.hyperparameters.n_epochs", "invalid_value")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"training_file\":\"FILE\",\"suffix\":\"\"}", "suffix", null)]
    public async Task CreateJob_InvalidRequest_Returns400Envelope(string body, string? param, string? code)
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var (status, json) = await _client.SendAsync(HttpMethod.Post, "fine_tuning/jobs", body.Replace("FILE", file, StringComparison.Ordinal));

        status.Should().Be(400);
        var error = json.GetProperty("error");
        error.GetProperty("type").GetString().Should().Be("invalid_request_error");
        error.GetProperty("param").GetString().Should().Be(param);
        error.GetProperty("code").GetString().Should().Be(code);
        error.GetProperty("message").GetString().Should().NotBeNullOrEmpty();
        _emulator.JobCount.Should().Be(0);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_ExamplesOverTheModelCap_AreTruncatedNotRejected()
    {
        var longText = string.Concat(Enumerable.Repeat(" x", 5_000)); // " x" is one token in cl100k: 5,000 tokens > 4,096
        var rows = string.Join("\n", Enumerable.Range(0, 10).Select(i => JsonSerializer.Serialize(new
        {
            messages = new object[] { new { role = "user", content = $"{i} {longText}" }, new { role = "assistant", content = "ok" } },
        })));
        var file = (await _client.UploadAsync(System.Text.Encoding.UTF8.GetBytes(rows))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file, new { method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 2 } } } }, model: "gpt-3.5-turbo-0613");
        _clock.Advance(TimeSpan.FromHours(1));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("succeeded");
        job.GetProperty("trained_tokens").GetInt64().Should().Be(10 * 4096 * 2, "10 examples capped at 4,096 tokens, 2 epochs");
        var events = await _client.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100");
        events.GetProperty("data").EnumerateArray().Should().Contain(e =>
            e.GetProperty("level").GetString() == "warn" && e.GetProperty("message").GetString()!.StartsWith("10 example(s) exceed the 4096-token limit", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_RowOverTheGpt4oMiniCap_IsTruncatedAndTrainedTokensAreTheOracleCountTimesEpochs()
    {
        var longRow = JsonSerializer.Serialize(new
        {
            messages = new object[] { new { role = "user", content = "Summarise:" + string.Concat(Enumerable.Repeat(" word", 70_000)) }, new { role = "assistant", content = "Words." } },
        });
        var rows = new[] { longRow }.Concat(System.Text.Encoding.UTF8.GetString(EmulatorTestData.ChatJsonl(11)).Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var counts = await TiktokenOracle.CountRowsAsync(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", rows)));
        counts[0].Should().BeGreaterThan(65_536, "the row has about 70,000 o200k tokens");
        counts.Skip(1).Should().OnlyContain(c => c > 0 && c < 65_536);

        var file = (await _client.UploadAsync(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", rows)))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file, new { method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 3 } } } }, model: "gpt-4o-mini");
        _clock.Advance(TimeSpan.FromHours(2));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("succeeded");
        job.GetProperty("trained_tokens").GetInt64().Should().Be(counts.Sum(c => Math.Min(c, 65_536)) * 3, "npm tiktoken's count, each row capped at 65,536, × 3 epochs");
        var events = await _client.GetAsync($"fine_tuning/jobs/{jobId}/events?limit=100");
        events.GetProperty("data").EnumerateArray().Should().Contain(e =>
            e.GetProperty("level").GetString() == "warn" && e.GetProperty("message").GetString()!.StartsWith("1 example(s) exceed the 65536-token limit of gpt-4o-mini-2024-07-18", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_DpoFile_TrainedTokensAreTheOracleCountTimesEpochs()
    {
        var content = EmulatorTestData.PreferenceJsonl(10);
        var perEpoch = (await TiktokenOracle.CountRowsAsync(content)).Sum();
        perEpoch.Should().BeGreaterThan(0);

        var file = (await _client.UploadAsync(content)).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file, new { method = new { type = "dpo", dpo = new { hyperparameters = new { n_epochs = 2 } } } });
        _clock.Advance(TimeSpan.FromHours(2));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("succeeded");
        job.GetProperty("trained_tokens").GetInt64().Should().Be(perEpoch * 2);
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_SpecialTokenInContent_FailsWithInvalidTrainingFile()
    {
        var rows = EmulatorTestData.ChatJsonl(12);
        var text = System.Text.Encoding.UTF8.GetString(rows).Replace("Ticket 4:", "Ticket <|endoftext|>:", StringComparison.Ordinal);
        var file = (await _client.UploadAsync(System.Text.Encoding.UTF8.GetBytes(text))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromSeconds(10));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("error").GetProperty("message").GetString().Should().EndWith("Example 5 message contains an invalid token: <|endoftext|>");
    }

    [Fact(Timeout = 60_000)]
    public async Task Faults_RateLimitRateOne_LimitsEveryRequest()
    {
        _emulator.Options.RateLimitRate = 1;
        for (var i = 0; i < 3; i++)
        {
            (await _client.SendAsync(HttpMethod.Get, "models")).Status.Should().Be(429);
        }

        _emulator.Options.RateLimitRate = 0;
        (await _client.SendAsync(HttpMethod.Get, "models")).Status.Should().Be(200);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancel_QueuedJob_ReturnsCancelledAndStopsTraining()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromSeconds(12));

        var cancelled = await _client.PostAsync($"fine_tuning/jobs/{jobId}/cancel");
        cancelled.GetProperty("status").GetString().Should().Be("cancelled");
        _clock.Advance(TimeSpan.FromHours(1));
        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("cancelled");
        job.GetProperty("fine_tuned_model").ValueKind.Should().Be(JsonValueKind.Null);

        var (status, again) = await _client.SendAsync(HttpMethod.Post, $"fine_tuning/jobs/{jobId}/cancel", "{}");
        status.Should().Be(400);
        again.GetProperty("error").GetProperty("message").GetString().Should().Contain("cancelled");
    }

    [Fact(Timeout = 60_000)]
    public async Task PauseResume_RunningJob_FreezesStepsThenContinues()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromSeconds(30));

        var paused = await _client.PostAsync($"fine_tuning/jobs/{jobId}/pause");
        paused.GetProperty("status").GetString().Should().Be("paused");
        _clock.Advance(TimeSpan.FromHours(1));
        (await _client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("status").GetString().Should().Be("paused");

        var resumed = await _client.PostAsync($"fine_tuning/jobs/{jobId}/resume");
        resumed.GetProperty("status").GetString().Should().Be("queued");
        _clock.Advance(TimeSpan.FromSeconds(10 + 85));
        (await _client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("status").GetString().Should().Be("running", "10 of 96 steps ran before the pause, 85 after");
        _clock.Advance(TimeSpan.FromSeconds(1));
        (await _client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("status").GetString().Should().Be("succeeded");
    }

    [Fact(Timeout = 60_000)]
    public async Task FailTrainingAtStep_JobFailsMidTrainingWithError()
    {
        _emulator.Options.FailTrainingAtStep = 5;
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromSeconds(20 + 5));

        var job = await _client.GetAsync($"fine_tuning/jobs/{jobId}");
        job.GetProperty("status").GetString().Should().Be("failed");
        job.GetProperty("error").GetProperty("code").GetString().Should().Be("server_error");
        job.GetProperty("finished_at").GetInt64().Should().Be(_clock.GetUtcNow().ToUnixTimeSeconds());
    }

    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_FineTunedModel_AnswersTrainedPromptsAndBaseModelIsImperfect()
    {
        var jobId = await CreateSucceededJobAsync(rows: 50);
        var model = (await _client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("fine_tuned_model").GetString()!;
        var fineTunedCorrect = 0;
        var baseCorrect = 0;
        for (var i = 0; i < 50; i++)
        {
            var expected = $"{{\"label\":\"{EmulatorTestData.Label(i)}\"}}";
            if (await ChatAsync(model, EmulatorTestData.Prompt(i)) == expected)
            {
                fineTunedCorrect++;
            }

            if (await ChatAsync("gpt-4o-mini", "  " + EmulatorTestData.Prompt(i).ToUpperInvariant()) == expected)
            {
                baseCorrect++;
            }
        }

        fineTunedCorrect.Should().Be(50);
        baseCorrect.Should().BeInRange(20, 40, "the base model answers a hash-chosen ~60% of known prompts correctly");
    }

    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_FunctionCallingDataset_AnswersWithTheTrainedCall()
    {
        var path = FineTune.Tests.RepoPaths.Dataset("openai-cookbook/drone_training.jsonl");
        var first = JsonDocument.Parse(File.ReadLines(path).First()).RootElement;
        var messages = first.GetProperty("messages");
        var user = messages.EnumerateArray().Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").GetString();
        var call = messages.EnumerateArray().Last(m => m.GetProperty("role").GetString() == "assistant").GetProperty("tool_calls")[0].GetProperty("function");
        var file = (await _client.UploadAsync(File.ReadAllBytes(path), "drone_training.jsonl")).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file, new { method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 1 } } } });
        _clock.Advance(TimeSpan.FromHours(1));
        var model = (await _client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("fine_tuned_model").GetString()!;

        var tools = first.GetProperty("tools");
        var modern = await _client.PostAsync("chat/completions", new { model, messages = new[] { new { role = "user", content = user } }, tools });
        var toolCall = modern.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0];
        modern.GetProperty("choices")[0].GetProperty("finish_reason").GetString().Should().Be("tool_calls");
        toolCall.GetProperty("id").GetString().Should().StartWith("call_");
        toolCall.GetProperty("function").GetProperty("name").GetString().Should().Be(call.GetProperty("name").GetString());
        toolCall.GetProperty("function").GetProperty("arguments").GetString().Should().Be(call.GetProperty("arguments").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_LegacyFunctionCallTraining_AnswersFunctionCallWhenAskedWithFunctions()
    {
        var rows = string.Join("\n", Enumerable.Range(0, 10).Select(i => JsonSerializer.Serialize(new
        {
            messages = new object[]
            {
                new { role = "user", content = $"weather in city {i}" },
                new { role = "assistant", content = (string?)null, function_call = new { name = "get_weather", arguments = $"{{\"city\":\"c{i}\"}}" } },
            },
        })));
        var file = (await _client.UploadAsync(System.Text.Encoding.UTF8.GetBytes(rows), "fc.jsonl")).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromHours(1));
        var model = (await _client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("fine_tuned_model").GetString()!;
        var functions = new[] { new { name = "get_weather", parameters = new { type = "object" } } };

        var answer = await _client.PostAsync("chat/completions", new { model, messages = new[] { new { role = "user", content = "Weather in city 3" } }, functions });

        var choice = answer.GetProperty("choices")[0];
        choice.GetProperty("finish_reason").GetString().Should().Be("function_call");
        choice.GetProperty("message").GetProperty("function_call").GetProperty("arguments").GetString().Should().Be("{\"city\":\"c3\"}");
    }

    [Fact(Timeout = 60_000)]
    public async Task CreateJob_FromAFineTunedModel_KeepsWhatItLearnedAndAddsTheNewFile()
    {
        var firstJob = await CreateSucceededJobAsync(rows: 12);
        var firstModel = (await _client.GetAsync($"fine_tuning/jobs/{firstJob}")).GetProperty("fine_tuned_model").GetString()!;
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12, start: 100))).GetProperty("id").GetString()!;
        var secondJob = await _client.CreateJobAsync(file, model: firstModel);
        _clock.Advance(TimeSpan.FromHours(2));

        var job = await _client.GetAsync($"fine_tuning/jobs/{secondJob}");
        job.GetProperty("model").GetString().Should().Be(firstModel);
        var secondModel = job.GetProperty("fine_tuned_model").GetString()!;
        secondModel.Should().StartWith("ft:gpt-4o-mini-2024-07-18:emulator::");
        (await ChatAsync(secondModel, EmulatorTestData.Prompt(3))).Should().Be($"{{\"label\":\"{EmulatorTestData.Label(3)}\"}}");
        (await ChatAsync(secondModel, EmulatorTestData.Prompt(103))).Should().Be($"{{\"label\":\"{EmulatorTestData.Label(103)}\"}}");
    }

    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_ReturnsUsageAndServiceShape()
    {
        var (status, body) = await _client.SendAsync(HttpMethod.Post, "chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hello there" } } });
        status.Should().Be(200);
        body.GetProperty("object").GetString().Should().Be("chat.completion");
        body.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString().Should().Be("assistant");
        var usage = body.GetProperty("usage");
        usage.GetProperty("prompt_tokens").GetInt32().Should().Be(3 + 1 + 2 + 3, "3 per message + role 'user' (1) + 'hello there' (2 o200k tokens) + 3 priming");
        usage.GetProperty("prompt_tokens").GetInt32().Should().Be(
            (int)(await TiktokenOracle.CountRowsAsync("""{"messages":[{"role":"user","content":"hello there"}]}"""u8.ToArray()))[0], "npm tiktoken's count");
        var content = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        usage.GetProperty("completion_tokens").GetInt32().Should().Be((await TiktokenOracle.EncodeAsync([content]))[0].O200k.Length, "npm tiktoken's count of the answer");
        usage.GetProperty("total_tokens").GetInt32().Should().Be(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_MaxTokensShorterThanTheAnswer_CutsItToThatManyTokens()
    {
        var prompt = new[] { new { role = "user", content = "hello there" } };
        var full = (await _client.PostAsync("chat/completions", new { model = "gpt-4o-mini", messages = prompt }))
            .GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var tokens = TiktokenTokenizer.O200kBase.Encode(full);
        tokens.Length.Should().BeGreaterThan(3);

        var body = await _client.PostAsync("chat/completions", new { model = "gpt-4o-mini", messages = prompt, max_tokens = 3 });

        var choice = body.GetProperty("choices")[0];
        choice.GetProperty("finish_reason").GetString().Should().Be("length");
        choice.GetProperty("message").GetProperty("content").GetString().Should().Be(TiktokenTokenizer.O200kBase.Decode(tokens.AsSpan(0, 3)));
        body.GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(3);
    }

    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_UnknownModel_Returns404ModelNotFound()
    {
        var (status, body) = await _client.SendAsync(HttpMethod.Post, "chat/completions", new { model = "ft:gpt-4o-mini-2024-07-18:x::nope", messages = new[] { new { role = "user", content = "hi" } } });
        status.Should().Be(404);
        body.GetProperty("error").GetProperty("code").GetString().Should().Be("model_not_found");
    }

    [Fact(Timeout = 60_000)]
    public async Task Files_ListRetrieveDelete_Work()
    {
        var a = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(10), "a.jsonl")).GetProperty("id").GetString();
        var b = (await _client.UploadAsync("x"u8.ToArray(), "b.txt", "assistants")).GetProperty("id").GetString();

        var all = await _client.GetAsync("files");
        all.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()).Should().Equal(b, a);
        var fineTune = await _client.GetAsync("files?purpose=fine-tune");
        fineTune.GetProperty("data").EnumerateArray().Select(f => f.GetProperty("id").GetString()).Should().Equal(a);
        var deleted = await _client.SendAsync(HttpMethod.Delete, $"files/{a}");
        deleted.Body.GetProperty("deleted").GetBoolean().Should().BeTrue();
        (await _client.SendAsync(HttpMethod.Get, $"files/{a}")).Status.Should().Be(404);
    }

    [Fact(Timeout = 60_000)]
    public async Task UploadFile_FineTuneWithoutJsonlExtension_Returns400()
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(EmulatorTestData.ChatJsonl(10)), "file", "train.txt");
        form.Add(new StringContent("fine-tune"), "purpose");
        using var response = await _client.Http.PostAsync("files", form);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Must be .jsonl");
    }

    [Fact(Timeout = 60_000)]
    public async Task Uploads_CreatePartsComplete_ProducesAFile()
    {
        var content = EmulatorTestData.ChatJsonl(12);
        var upload = await _client.PostAsync("uploads", new { filename = "big.jsonl", purpose = "fine-tune", bytes = content.Length, mime_type = "text/jsonl" });
        var uploadId = upload.GetProperty("id").GetString()!;
        upload.GetProperty("status").GetString().Should().Be("pending");
        var partIds = new List<string>();
        foreach (var chunk in content.Chunk(700))
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(chunk), "data", "blob" } };
            using var response = await _client.Http.PostAsync($"uploads/{uploadId}/parts", form);
            var part = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            part.GetProperty("object").GetString().Should().Be("upload.part");
            partIds.Add(part.GetProperty("id").GetString()!);
        }

        var completed = await _client.PostAsync($"uploads/{uploadId}/complete", new { part_ids = partIds });
        completed.GetProperty("status").GetString().Should().Be("completed");
        var fileId = completed.GetProperty("file").GetProperty("id").GetString()!;
        (await _client.Http.GetByteArrayAsync($"files/{fileId}/content")).Should().Equal(content);
    }

    [Fact(Timeout = 60_000)]
    public async Task Faults_RateLimitNextRequests_Answers429WithRetryAfterThenRecovers()
    {
        _emulator.Options.RateLimitNextRequests = 2;
        _emulator.Options.RetryAfter = TimeSpan.FromSeconds(3);
        using var first = await _client.Http.GetAsync("models");
        first.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        first.Headers.GetValues("Retry-After").Should().Equal("3");
        (await first.Content.ReadAsStringAsync()).Should().Contain("rate_limit_exceeded");
        (await _client.Http.GetAsync("models")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await _client.Http.GetAsync("models")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Faults_ServerErrorNextRequests_AnswersTheStatus(int statusCode)
    {
        _emulator.Options.ServerErrorNextRequests = 1;
        _emulator.Options.ServerErrorStatusCode = statusCode;
        var (status, body) = await _client.SendAsync(HttpMethod.Get, "models");
        status.Should().Be(statusCode);
        body.GetProperty("error").GetProperty("type").GetString().Should().Be("server_error");
        (await _client.SendAsync(HttpMethod.Get, "models")).Status.Should().Be(200);
    }

    [Fact(Timeout = 60_000)]
    public async Task Faults_DropConnection_InProcessThrowsHttpRequestException()
    {
        _emulator.Options.DropConnectionNextRequests = 1;
        var act = () => _client.Http.GetAsync("models");
        await act.Should().ThrowAsync<HttpRequestException>();
        (await _client.Http.GetAsync("models")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact(Timeout = 60_000)]
    public async Task Faults_FaultPathContains_LimitsFaultsToMatchingPaths()
    {
        _emulator.Options.FaultPathContains = "/chat/";
        _emulator.Options.RateLimitNextRequests = 1;
        (await _client.SendAsync(HttpMethod.Get, "models")).Status.Should().Be(200);
        (await _client.SendAsync(HttpMethod.Post, "chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "x" } } })).Status.Should().Be(429);
    }

    [Fact(Timeout = 60_000)]
    public async Task Faults_LoseJobCreateResponse_CreatesTheJobButDropsTheAnswer()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        _emulator.Options.LoseJobCreateResponses = 1;
        var act = () => _client.SendAsync(HttpMethod.Post, "fine_tuning/jobs", new { model = "gpt-4o-mini", training_file = file, metadata = new { key = "k1" } });
        await act.Should().ThrowAsync<HttpRequestException>();

        _emulator.JobCount.Should().Be(1);
        var list = await _client.GetAsync("fine_tuning/jobs?metadata[key]=k1");
        list.GetProperty("data").GetArrayLength().Should().Be(1);
    }

    [Fact(Timeout = 60_000)]
    public async Task Faults_RefuseJobCreation_AnswersTheWindDownError()
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(12))).GetProperty("id").GetString()!;
        _emulator.Options.RefuseJobCreation = true;
        var (status, body) = await _client.SendAsync(HttpMethod.Post, "fine_tuning/jobs", new { model = "gpt-4o-mini", training_file = file });
        status.Should().Be(403);
        body.GetProperty("error").GetProperty("code").GetString().Should().Be("fine_tuning_unavailable");
        body.GetProperty("error").GetProperty("message").GetString().Should().Contain("winding down");
        _emulator.JobCount.Should().Be(0);
    }

    [Fact(Timeout = 60_000)]
    public async Task GetRequestLog_RecordsMethodPathAndQueryInOrder()
    {
        await _client.SendAsync(HttpMethod.Get, "fine_tuning/jobs?limit=2&metadata[k]=v");
        await _client.SendAsync(HttpMethod.Get, "models");

        _emulator.GetRequestLog().Should().Equal("GET /v1/fine_tuning/jobs?limit=2&metadata[k]=v", "GET /v1/models");
    }

    [Fact(Timeout = 60_000)]
    public async Task ApiKey_WhenConfigured_RejectsOtherKeysWith401()
    {
        _emulator.Options.ApiKey = "sk-test";
        (await _client.SendAsync(HttpMethod.Get, "models")).Status.Should().Be(401);
        _client.Http.DefaultRequestHeaders.Authorization = new("Bearer", "sk-test");
        (await _client.SendAsync(HttpMethod.Get, "models")).Status.Should().Be(200);
    }

    [Fact(Timeout = 60_000)]
    public async Task UnknownRoute_Returns404InvalidUrl()
    {
        var (status, body) = await _client.SendAsync(HttpMethod.Get, "nothing/here");
        status.Should().Be(404);
        body.GetProperty("error").GetProperty("message").GetString().Should().Be("Invalid URL (GET /v1/nothing/here)");
    }

    [Fact]
    public void Constructor_InvalidOption_ThrowsNamingTheOption()
    {
        var act = () => new OpenAIEmulator(new OpenAIEmulatorOptions { Speed = 0 });
        act.Should().Throw<ArgumentException>().WithMessage("OpenAIEmulatorOptions.Speed must be a finite number > 0 (was 0).*");
    }

    private async Task<string> ChatAsync(string model, string prompt)
    {
        var body = await _client.PostAsync("chat/completions", new { model, messages = new[] { new { role = "user", content = prompt } } });
        return body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private async Task<string> CreateSucceededJobAsync(int rows = 12)
    {
        var file = (await _client.UploadAsync(EmulatorTestData.ChatJsonl(rows))).GetProperty("id").GetString()!;
        var jobId = await _client.CreateJobAsync(file);
        _clock.Advance(TimeSpan.FromHours(2));
        (await _client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("status").GetString().Should().Be("succeeded");
        return jobId;
    }
}
