using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

public sealed class EvalRunnerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-eval-" + Guid.NewGuid().ToString("N"));

    public EvalRunnerTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<GoldenCase> Cases(int n) => Enumerable.Range(1, n)
        .Select(i => new GoldenCase("case-" + i, [new ChatMessage(ChatRole.User, "q" + i)], "a" + i) { Tags = [i % 2 == 0 ? "even" : "odd"] })
        .ToList();

    private static async Task<List<EvalCaseResult>> RunAsync(IEvalRunner runner, IReadOnlyList<GoldenCase> cases, IReadOnlyList<ModelVariant> variants, EvalRunOptions options, IProgress<EvalProgress>? progress = null)
    {
        var results = new List<EvalCaseResult>();
        await foreach (var r in runner.RunAsync(cases, variants, options, progress))
        {
            results.Add(r);
        }

        return results;
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_TwoVariants_ScoresEveryCaseWithIdenticalOptions()
    {
        var good = FakeChatClient.Answering(q => "a" + q[1..]);
        var bad = FakeChatClient.Answering(_ => "wrong");
        var options = new EvalRunOptions { Temperature = 0.2f, MaxOutputTokens = 64, ResponseFormat = ChatResponseFormat.Text, MaxConcurrency = 3 };
        options.Scorers.Add(EvalScorers.ExactMatch());
        var variants = new[]
        {
            new ModelVariant("base", "m-base", bad) { InputPricePerMillionTokens = 1m, OutputPricePerMillionTokens = 2m },
            new ModelVariant("candidate", "m-cand", good),
        };

        var results = await RunAsync(new EvalRunner(), Cases(10), variants, options);

        results.Should().HaveCount(20);
        results.Where(r => r.Variant == "candidate").Should().OnlyContain(r => r.GetScore("exact")!.Passed && r.InputTokens == 10 && r.OutputTokens == 5 && r.Cost == null);
        results.Where(r => r.Variant == "base").Should().OnlyContain(r => !r.GetScore("exact")!.Passed && r.Cost == (10 * 1m + 5 * 2m) / 1_000_000m);
        foreach (var seen in good.SeenOptions.Concat(bad.SeenOptions))
        {
            seen!.Temperature.Should().Be(0.2f);
            seen.MaxOutputTokens.Should().Be(64);
            seen.ResponseFormat.Should().BeOfType<ChatResponseFormatText>();
        }

        good.SeenOptions.Should().OnlyContain(o => o!.ModelId == "m-cand");
        bad.SeenOptions.Should().OnlyContain(o => o!.ModelId == "m-base");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_BoundedConcurrency_NeverExceedsLimit()
    {
        var client = new FakeChatClient
        {
            OnGetResponse = async (_, _, ct) =>
            {
                await Task.Delay(15, ct);
                return FakeChatClient.Response("x");
            },
        };
        var results = await RunAsync(new EvalRunner(), Cases(40), [new ModelVariant("base", "m", client)], new EvalRunOptions { MaxConcurrency = 4 });
        results.Should().HaveCount(40);
        client.MaxInFlight.Should().BeLessThanOrEqualTo(4);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_MaxConcurrencyFour_HasFourCallsInFlightAtOnce()
    {
        // Each call waits until four are in flight together. A sequential runner never has a second call in flight, so
        // its first call's wait ends in a TimeoutException after 5 s and the case fails (or the test's timeout fires).
        var fourInFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var client = new FakeChatClient
        {
            OnGetResponse = async (_, _, ct) =>
            {
                if (Interlocked.Increment(ref inFlight) == 4)
                {
                    fourInFlight.TrySetResult();
                }

                await fourInFlight.Task.WaitAsync(TimeSpan.FromSeconds(5), ct);
                return FakeChatClient.Response("x");
            },
        };

        var results = await RunAsync(new EvalRunner(), Cases(8), [new ModelVariant("base", "m", client)], new EvalRunOptions { MaxConcurrency = 4 });

        results.Should().HaveCount(8).And.OnlyContain(r => r.Error == null);
        client.MaxInFlight.Should().Be(4, "four calls were in flight at once, never more");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_FailedCall_IsScoredFailureNotCrash()
    {
        var client = new FakeChatClient
        {
            OnGetResponse = (m, _, _) => m[^1].Text == "q2"
                ? throw new InvalidOperationException("model exploded")
                : Task.FromResult(FakeChatClient.Response("a" + m[^1].Text[1..])),
        };
        var options = new EvalRunOptions();
        options.Scorers.Add(EvalScorers.ExactMatch());
        var progress = new List<EvalProgress>();
        var results = await RunAsync(new EvalRunner(), Cases(3), [new ModelVariant("base", "m", client)], options, new SyncProgress(progress));

        var failed = results.Single(r => r.CaseId == "case-2");
        failed.Error.Should().Be("InvalidOperationException: model exploded");
        failed.Output.Should().BeNull();
        failed.GetScore("exact")!.Passed.Should().BeFalse();
        failed.GetScore("exact")!.Value.Should().Be(0);
        client.Calls.Should().Be(3, "a non-transient error is not retried");
        progress.Should().HaveCount(3);
        progress[^1].Should().Be(new EvalProgress(3, 3, 1, 0));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_Transient429_RetriesHonouringRetryAfter()
    {
        var calls = 0;
        var client = new FakeChatClient
        {
            OnGetResponse = (_, _, _) =>
            {
                if (Interlocked.Increment(ref calls) <= 2)
                {
                    var ex = new HttpRequestException("rate limited", null, HttpStatusCode.TooManyRequests);
                    ex.Data["Retry-After"] = TimeSpan.FromMilliseconds(5);
                    throw ex;
                }

                return Task.FromResult(FakeChatClient.Response("ok"));
            },
        };
        var chat = client.AsBuilder().UseFineTunePipeline(new ChatPipelineOptions { MaxRetries = 3, RetryBaseDelay = TimeSpan.FromHours(1) }).Build();
        var results = await RunAsync(new EvalRunner(), Cases(1), [new ModelVariant("base", "m", chat)], new EvalRunOptions());
        results.Single().Error.Should().BeNull("Retry-After (5 ms) was used instead of the one-hour base delay");
        results.Single().Attempts.Should().Be(3);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_RetriesExhausted_ReportsStatus()
    {
        var client = new FakeChatClient { OnGetResponse = (_, _, _) => throw new HttpRequestException("down", null, HttpStatusCode.ServiceUnavailable) };
        var chat = client.AsBuilder().UseFineTunePipeline(new ChatPipelineOptions { MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }).Build();
        var results = await RunAsync(new EvalRunner(), Cases(1), [new ModelVariant("base", "m", chat)], new EvalRunOptions());
        results.Single().Error.Should().Be("HttpRequestException: HTTP 503.");
        results.Single().Attempts.Should().Be(3);
        client.Calls.Should().Be(3);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_CaseTimeout_IsFailure()
    {
        var client = new FakeChatClient
        {
            OnGetResponse = async (_, _, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return FakeChatClient.Response("never");
            },
        };
        var results = await RunAsync(new EvalRunner(), Cases(2), [new ModelVariant("base", "m", client)], new EvalRunOptions { CaseTimeout = TimeSpan.FromMilliseconds(50) });
        results.Should().OnlyContain(r => r.Error == "Timed out (case timeout).");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_Cancelled_ThrowsAndKeepsFinishedResults()
    {
        var runFile = Path.Combine(_dir, "run.jsonl");
        using var cts = new CancellationTokenSource();
        var client = new FakeChatClient
        {
            OnGetResponse = async (m, _, ct) =>
            {
                if (m[^1].Text != "q1")
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return FakeChatClient.Response("x");
            },
        };
        var seen = new List<EvalCaseResult>();
        var act = async () =>
        {
            await foreach (var r in new EvalRunner().RunAsync(Cases(5), [new ModelVariant("base", "m", client)], new EvalRunOptions { RunFile = runFile, MaxConcurrency = 5 }, null, cts.Token))
            {
                seen.Add(r);
                await cts.CancelAsync();
            }
        };
        await act.Should().ThrowAsync<OperationCanceledException>();
        seen.Should().ContainSingle(r => r.CaseId == "case-1");
        File.ReadAllLines(runFile).Should().ContainSingle();
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_SameRunFileTwice_ResumesAndSkipsFinishedCases()
    {
        var runFile = Path.Combine(_dir, "run.jsonl");
        var client = FakeChatClient.Answering(q => "a" + q[1..]);
        var options = new EvalRunOptions { RunFile = runFile, MaxConcurrency = 1 };
        options.Scorers.Add(EvalScorers.ExactMatch());
        var variants = new[] { new ModelVariant("base", "m", client) };

        // First run stops after 3 results (as if the process died).
        var first = 0;
        await foreach (var _ in new EvalRunner().RunAsync(Cases(8), variants, options))
        {
            if (++first == 3)
            {
                break;
            }
        }

        var callsAfterFirst = client.Calls;
        File.AppendAllText(runFile, "{\"caseId\":\"case-8\",\"vari"); // a line cut short by a crash
        var second = await RunAsync(new EvalRunner(), Cases(8), variants, options);

        second.Select(r => r.CaseId).Should().BeEquivalentTo(Cases(8).Select(c => c.Id));
        (client.Calls - callsAfterFirst).Should().Be(8 - callsAfterFirst, "finished cases are not called again");
        second.Should().OnlyContain(r => r.GetScore("exact")!.Passed);

        var third = await RunAsync(new EvalRunner(), Cases(8), [new ModelVariant("base", "m", null)], options);
        third.Should().HaveCount(8, "a complete run file needs no client");

        var callsBefore = client.Calls;
        var otherModel = await RunAsync(new EvalRunner(), Cases(8), [new ModelVariant("base", "m2", client)], options);
        otherModel.Should().OnlyContain(r => r.ModelId == "m2");
        (client.Calls - callsBefore).Should().Be(8, "results of another model under the same label are not reused");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_ResponseCache_SecondRunIsFreeAndMarkedCached()
    {
        var options = new EvalRunOptions();
        var client = FakeChatClient.Answering(q => "a" + q[1..]);
        var chat = client.AsBuilder().UseFineTunePipeline(new ChatPipelineOptions { ResponseCacheDirectory = Path.Combine(_dir, "cache") }).Build();
        var first = await RunAsync(new EvalRunner(), Cases(4), [new ModelVariant("base", "m", chat)], options);
        var second = await RunAsync(new EvalRunner(), Cases(4), [new ModelVariant("base", "m", chat)], options);
        client.Calls.Should().Be(4);
        first.Should().OnlyContain(r => !r.Cached);
        second.Should().OnlyContain(r => r.Cached && r.Output == r.CaseId.Replace("case-", "a", StringComparison.Ordinal) && r.InputTokens == 10);

        second.Should().OnlyContain(r => r.Attempts == 0);
        var otherModel = await RunAsync(new EvalRunner(), Cases(4), [new ModelVariant("base", "m2", chat)], options);
        otherModel.Should().OnlyContain(r => !r.Cached, "the cache key includes the model id");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_InvalidOptions_ThrowsNamingField()
    {
        var act = async () => await RunAsync(new EvalRunner(), Cases(1), [new ModelVariant("base", "m", new FakeChatClient())], new EvalRunOptions { MaxConcurrency = 0 });
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*MaxConcurrency must be between 1 and 1024; it was 0*");
        var dup = async () => await RunAsync(new EvalRunner(), Cases(1), [new ModelVariant("a", "m", new FakeChatClient()), new ModelVariant("a", "n", new FakeChatClient())], new EvalRunOptions());
        await dup.Should().ThrowAsync<ArgumentException>().WithMessage("*unique*");
    }

    [Fact]
    public void RequestHash_DependsOnModelMessagesAndOptions()
    {
        var messages = new List<ChatMessage> { new(ChatRole.User, "hi") };
        var h = ResponseCachingChatClient.RequestHash("m", messages, new ChatOptions { Temperature = 0 });
        h.Should().Be(ResponseCachingChatClient.RequestHash("m", [new ChatMessage(ChatRole.User, "hi")], new ChatOptions { Temperature = 0 }));
        h.Should().NotBe(ResponseCachingChatClient.RequestHash("m2", messages, new ChatOptions { Temperature = 0 }));
        h.Should().NotBe(ResponseCachingChatClient.RequestHash("m", messages, new ChatOptions { Temperature = 1 }));
        h.Should().NotBe(ResponseCachingChatClient.RequestHash("m", [new ChatMessage(ChatRole.System, "hi")], new ChatOptions { Temperature = 0 }));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_RunFileEndingInACutLine_AppendsOnAFreshLineAndIgnoresDamagedLines()
    {
        var runFile = Path.Combine(_dir, "damaged.jsonl");
        var client = FakeChatClient.Answering(q => "a" + q[1..]);
        var options = new EvalRunOptions { RunFile = runFile, MaxConcurrency = 1 };
        var variants = new[] { new ModelVariant("base", "m", client) };
        File.WriteAllBytes(runFile, [0x7B, 0x22, 0x63, 0x61, 0x73, 0x65, 0x49, 0x64, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D, 0x0A]); // {"caseId":"<not UTF-8>"}
        File.AppendAllText(runFile, "{\"caseId\":\"case-1\",\"vari"); // a line cut short by a crash, no line end

        var first = await RunAsync(new EvalRunner(), Cases(3), variants, options);

        first.Should().HaveCount(3);
        client.Calls.Should().Be(3, "damaged lines finish nothing");
        var lines = File.ReadAllLines(runFile);
        lines.Should().HaveCount(2 + 3);
        lines[1].Should().Be("{\"caseId\":\"case-1\",\"vari", "the cut line stays as it was, alone on its line");
        lines.Skip(2).Should().OnlyContain(l => l.StartsWith("{\"caseId\":\"case-", StringComparison.Ordinal) && l.EndsWith('}'));
        (await RunAsync(new EvalRunner(), Cases(3), [new ModelVariant("base", "m", null)], options)).Should().HaveCount(3, "every result was appended whole, so all resume");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunFile_LinesFollowDocumentedSchema()
    {
        var runFile = Path.Combine(_dir, "run.jsonl");
        var options = new EvalRunOptions { RunFile = runFile };
        options.Scorers.Add(EvalScorers.ExactMatch());
        await RunAsync(new EvalRunner(), Cases(1), [new ModelVariant("base", "m", FakeChatClient.Answering(_ => "a1"))], options);
        using var doc = JsonDocument.Parse(File.ReadAllLines(runFile).Single());
        var root = doc.RootElement;
        root.GetProperty("caseId").GetString().Should().Be("case-1");
        root.GetProperty("variant").GetString().Should().Be("base");
        root.GetProperty("modelId").GetString().Should().Be("m");
        root.GetProperty("output").GetString().Should().Be("a1");
        root.GetProperty("latencyMs").ValueKind.Should().Be(JsonValueKind.Number);
        root.GetProperty("inputTokens").GetInt64().Should().Be(10);
        root.GetProperty("tags")[0].GetString().Should().Be("odd");
        root.GetProperty("scores")[0].GetProperty("scorer").GetString().Should().Be("exact");
        root.GetProperty("scores")[0].GetProperty("passed").GetBoolean().Should().BeTrue();
    }

    private sealed class SyncProgress(List<EvalProgress> into) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
