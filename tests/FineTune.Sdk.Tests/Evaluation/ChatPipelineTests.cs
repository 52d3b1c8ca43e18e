using FineTune.Sdk.Testing;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

public sealed class ChatPipelineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-pipeline-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task UseChatRetry_429Storm_MakesAtMostMaxRetriesPlusOneCalls()
    {
        var client = new FakeChatClient { OnGetResponse = (_, _, _) => throw RateLimited(TimeSpan.FromMilliseconds(1)) };
        using var chat = client.AsBuilder().UseFineTunePipeline(new ChatPipelineOptions { MaxRetries = 2 }).Build();

        var act = () => chat.GetResponseAsync("hi");

        var thrown = await act.Should().ThrowAsync<FineTuneException>();
        client.Calls.Should().Be(3);
        thrown.Which.Data[ChatPipelineProperties.Attempts].Should().Be(3);
    }

    [Fact(Timeout = 10_000)]
    public async Task UseChatRetry_RetryAfter_IsTheDelayBeforeTheNextCall()
    {
        // The provider asks for 7 s; the configured backoff alone would wait about 10 ms. The clock records every delay
        // the retry layer schedules (and skips it), so the test sees exactly what was waited.
        var clock = new AutoAdvancingFakeTimeProvider();
        var failures = 0;
        var client = new FakeChatClient
        {
            OnGetResponse = (_, _, _) => Interlocked.Increment(ref failures) <= 2
                ? throw RateLimited(TimeSpan.FromSeconds(7))
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))),
        };
        using var chat = client.AsBuilder().UseChatRetry(new ChatPipelineOptions { MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) }, clock).Build();

        var response = await chat.GetResponseAsync("hi");

        response.Text.Should().Be("ok");
        client.Calls.Should().Be(3);
        clock.ScheduledDelays.Should().Equal(TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task UseChatRetry_RetryAfterLongerThanAllowed_FailsWithoutWaiting()
    {
        var client = new FakeChatClient { OnGetResponse = (_, _, _) => throw RateLimited(TimeSpan.FromHours(1)) };
        using var chat = client.AsBuilder().UseChatRetry(new ChatPipelineOptions { MaxRetries = 5, MaxRetryAfter = TimeSpan.FromMinutes(1) }).Build();

        var act = () => chat.GetResponseAsync("hi");

        await act.Should().ThrowAsync<FineTuneException>();
        client.Calls.Should().Be(1);
    }

    [Fact]
    public async Task UseChatRetry_NotTransient_IsNotRetried()
    {
        var client = new FakeChatClient { OnGetResponse = (_, _, _) => throw new FineTuneException("bad request") { StatusCode = 400 } };
        using var chat = client.AsBuilder().UseChatRetry(new ChatPipelineOptions { MaxRetries = 3, RetryBaseDelay = TimeSpan.Zero }).Build();

        await ((Func<Task>)(() => chat.GetResponseAsync("hi"))).Should().ThrowAsync<FineTuneException>();
        client.Calls.Should().Be(1);
    }

    [Fact]
    public async Task UseChatRetry_StreamFailingBeforeFirstUpdate_IsRetried()
    {
        var attempts = 0;
        var client = new FakeChatClient { OnGetStreamingResponse = (_, _, _) => Stream(Interlocked.Increment(ref attempts) == 1, "a", "b") };
        using var chat = client.AsBuilder().UseChatRetry(new ChatPipelineOptions { MaxRetries = 1, RetryBaseDelay = TimeSpan.Zero }).Build();

        var text = new List<string>();
        await foreach (var update in chat.GetStreamingResponseAsync("hi"))
        {
            text.Add(update.Text);
        }

        text.Should().Equal("a", "b");
        client.Calls.Should().Be(2);
    }

    [Fact]
    public async Task UseChatRetry_StreamFailingAfterFirstUpdate_IsNotReplayed()
    {
        var client = new FakeChatClient { OnGetStreamingResponse = (_, _, ct) => FailAfterFirst(ct) };
        using var chat = client.AsBuilder().UseChatRetry(new ChatPipelineOptions { MaxRetries = 3, RetryBaseDelay = TimeSpan.Zero }).Build();

        var seen = new List<string>();
        var act = async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("hi"))
            {
                seen.Add(update.Text);
            }
        };

        await act.Should().ThrowAsync<FineTuneException>();
        seen.Should().Equal("first");
        client.Calls.Should().Be(1);
    }

    [Fact]
    public async Task UseFineTunePipeline_Response_CarriesAttemptsAndLatency()
    {
        var calls = 0;
        var client = new FakeChatClient
        {
            OnGetResponse = (_, _, _) => Interlocked.Increment(ref calls) == 1 ? throw RateLimited(TimeSpan.Zero) : Task.FromResult(FakeChatClient.Response("ok")),
        };
        using var chat = client.AsBuilder().UseFineTunePipeline().Build();

        var response = await chat.GetResponseAsync("hi");

        response.AdditionalProperties![ChatPipelineProperties.Attempts].Should().Be(2);
        response.AdditionalProperties[ChatPipelineProperties.LatencyMilliseconds].Should().BeOfType<double>();
        response.AdditionalProperties.ContainsKey(ChatPipelineProperties.Cached).Should().BeFalse();
    }

    [Fact]
    public async Task UseRateLimit_RequestsPerMinute_HoldsTheNextCallUntilTheWindowMoves()
    {
        var clock = new AutoAdvancingFakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)) { AutoAdvance = false };
        var client = FakeChatClient.Answering(_ => "ok");
        using var chat = client.AsBuilder().UseRateLimit(requestsPerMinute: 2, timeProvider: clock).Build();

        await chat.GetResponseAsync("1");
        await chat.GetResponseAsync("2");
        var third = chat.GetResponseAsync("3");
        await WaitUntilAsync(() => clock.ScheduledDelays.Count == 1);

        client.Calls.Should().Be(2);
        clock.Advance(TimeSpan.FromMinutes(1));
        (await third.WaitAsync(TimeSpan.FromSeconds(10))).Text.Should().Be("ok");
        client.Calls.Should().Be(3);
    }

    [Fact]
    public async Task UseResponseCache_DamagedEntry_IsAMissAndRewritten()
    {
        var client = FakeChatClient.Answering(_ => "fresh");
        using var chat = client.AsBuilder().UseResponseCache(_dir).Build();
        var options = new ChatOptions { ModelId = "m" };
        await chat.GetResponseAsync("q", options);
        var file = Directory.GetFiles(_dir).Single();
        File.WriteAllText(file, "{not json");

        var again = await chat.GetResponseAsync("q", options);
        var cached = await chat.GetResponseAsync("q", options);

        again.Text.Should().Be("fresh");
        client.Calls.Should().Be(2);
        cached.AdditionalProperties![ChatPipelineProperties.Cached].Should().Be(true);
        Directory.GetFiles(_dir).Should().ContainSingle("temporary files are renamed or removed");
    }

    [Fact]
    public void UseFineTunePipeline_InvalidOptions_ThrowsNamingFieldAndValue()
    {
        var act = () => new FakeChatClient().AsBuilder().UseFineTunePipeline(new ChatPipelineOptions { MaxRetries = -1, RequestsPerMinute = 0 });

        act.Should().Throw<ArgumentException>().WithMessage("*MaxRetries must be between 0 and 100; it was -1.*RequestsPerMinute must be at least 1 when set; it was 0.*");
    }

    [Fact]
    public void ChatPipelineOptionsValidator_InvalidOptions_FailsWithName()
    {
        var result = new ChatPipelineOptionsValidator().Validate("eval", new ChatPipelineOptions { TokensPerMinute = 0 });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("ChatPipelineOptions[eval].TokensPerMinute must be at least 1 when set; it was 0.");
    }

    private static FineTuneException RateLimited(TimeSpan retryAfter) => new("rate limited") { StatusCode = (int)HttpStatusCode.TooManyRequests, RetryAfter = retryAfter };

    private static async IAsyncEnumerable<ChatResponseUpdate> Stream(bool failFirst, params string[] parts)
    {
        await Task.Yield();
        if (failFirst)
        {
            throw RateLimited(TimeSpan.Zero);
        }

        foreach (var part in parts)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, part);
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> FailAfterFirst([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "first");
        throw RateLimited(TimeSpan.Zero);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
