using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>Shadow traffic: copies go to the candidate in the background, bounded, budgeted and compared; the primary is untouched.</summary>
public sealed class ShadowTrafficTests
{
    [Fact]
    public async Task Shadow_ShareOne_EveryAnswerComparedPrimaryUnchanged()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        await using var monitor = new ModelGatewayMonitor(scope.Registry, timeProvider: scope.Clock);
        var compared = new List<ShadowComparison>();
        monitor.ShadowCompared += (_, c) => { lock (compared) { compared.Add(c); } };
        var options = scope.GatewayOptions();
        options.Shadow.Variant = "candidate";
        options.Shadow.Share = 1;
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), monitor, scope.Clock).Build();

        foreach (var key in GatewayScope.Keys(inRollout: true, 4))
        {
            var reply = await gateway.GetResponseAsync("Where is my parcel?", GatewayScope.For(key));
            reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
            reply.ModelId.Should().StartWith("gpt-4o-mini");
        }

        await GatewayScope.WaitUntilAsync(() => { lock (compared) { return compared.Count == 4; } }, "four shadow comparisons");
        scope.LocalEmulator.RequestCount.Should().Be(4);
        compared.Should().AllSatisfy(c =>
        {
            c.PrimaryVariant.Should().Be("base");
            c.ShadowVariant.Should().Be("candidate");
            c.Scores.Should().ContainSingle().Which.Scorer.Should().Be("exact");
        });
    }

    [Fact]
    public async Task Shadow_QueueFull_DroppedAndCountedPrimaryNeverWaitsNothingOutlivesDispose()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        using var blocking = new BlockingChatClient();
        var options = scope.GatewayOptions();
        options.Clients[scope.LocalEndpoint] = blocking;
        options.Shadow.Variant = "candidate";
        options.Shadow.Share = 1;
        options.Shadow.QueueCapacity = 1;
        using var dropped = new MetricCollector<long>(null, "FineTune.Sdk", "finetune.gateway.shadow.requests");
        var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), timeProvider: scope.Clock).Build();

        await gateway.GetResponseAsync("one", GatewayScope.For("a"));
        await blocking.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the worker holds copy 1; the queue is empty
        for (var i = 0; i < 4; i++)
        {
            var reply = await gateway.GetResponseAsync("more", GatewayScope.For("k" + i)).WaitAsync(TimeSpan.FromSeconds(10));
            reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
        }

        dropped.GetMeasurementSnapshot().Where(m => ModelGatewayChatClientTests.Tag(m.Tags, "finetune.gateway.outcome") == "dropped-queue" && ModelGatewayChatClientTests.Tag(m.Tags, "finetune.gateway.feature") == GatewayScope.Feature)
            .Sum(m => m.Value).Should().Be(3, "one copy waits in the queue of one, three find it full");

        gateway.Dispose(); // signals and returns; the worker ends by itself
        await GatewayScope.WaitUntilAsync(() => blocking.Cancelled, "disposal to cancel the shadow call in progress");
        blocking.Calls.Should().Be(1, "the queued copy is abandoned on disposal");
    }

    [Fact]
    public async Task Shadow_RequestsPerMinuteBudget_DropsOverBudgetUntilTheNextMinute()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        await using var monitor = new ModelGatewayMonitor(scope.Registry, timeProvider: scope.Clock);
        var compared = 0;
        monitor.ShadowCompared += (_, _) => Interlocked.Increment(ref compared);
        using var outcomes = new MetricCollector<long>(null, "FineTune.Sdk", "finetune.gateway.shadow.requests");
        var options = scope.GatewayOptions();
        options.Shadow.Variant = "candidate";
        options.Shadow.Share = 1;
        options.Shadow.RequestsPerMinute = 2;
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), monitor, scope.Clock).Build();

        for (var i = 0; i < 5; i++)
        {
            await gateway.GetResponseAsync("hi", GatewayScope.For("k" + i));
        }

        await GatewayScope.WaitUntilAsync(() => Count(outcomes, "sent") + Count(outcomes, "dropped-budget") == 5, "five shadow decisions");
        Count(outcomes, "sent").Should().Be(2);
        Count(outcomes, "dropped-budget").Should().Be(3);

        scope.Clock.Advance(TimeSpan.FromMinutes(1));
        await gateway.GetResponseAsync("hi", GatewayScope.For("later"));
        await GatewayScope.WaitUntilAsync(() => Count(outcomes, "sent") == 3, "a shadow call in the next minute");
        scope.LocalEmulator.RequestCount.Should().Be(3);
    }

    [Fact]
    public async Task Shadow_TokensPerDayBudget_CountsReportedUsageAndResetsNextDay()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        using var outcomes = new MetricCollector<long>(null, "FineTune.Sdk", "finetune.gateway.shadow.requests");
        var options = scope.GatewayOptions();
        options.Clients[scope.LocalEndpoint] = new FixedUsageChatClient(1000);
        options.Shadow.Variant = "candidate";
        options.Shadow.Share = 1;
        options.Shadow.TokensPerDay = 1500; // a call is estimated at 256 (no prompt to speak of), then charged its reported 1000
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), timeProvider: scope.Clock).Build();

        for (var i = 0; i < 3; i++)
        {
            await gateway.GetResponseAsync("hi", GatewayScope.For("k" + i));
            await GatewayScope.WaitUntilAsync(() => Count(outcomes, "sent") + Count(outcomes, "dropped-budget") == i + 1, "a shadow decision");
        }

        Count(outcomes, "sent").Should().Be(2, "0 + 256 and 1000 + 256 fit in 1500; 2000 + 256 does not");
        Count(outcomes, "dropped-budget").Should().Be(1);

        scope.Clock.AdjustTime(scope.Clock.GetUtcNow().AddDays(1));
        await gateway.GetResponseAsync("hi", GatewayScope.For("tomorrow"));
        await GatewayScope.WaitUntilAsync(() => Count(outcomes, "sent") == 3, "a shadow call the next day");
    }

    [Fact]
    public async Task UseModelRegistry_InvalidShadowOptions_MessageNamesTheField()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        var options = scope.GatewayOptions();
        options.Shadow.Share = 1.5;
        options.OnlineEvaluation.QueueCapacity = 0;

        var act = () => new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options).Build();

        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("ModelGatewayOptions.Shadow.Share must be between 0 and 1; it was 1.5.")
            .And.Contain("ModelGatewayOptions.OnlineEvaluation.QueueCapacity must be between 1 and 100000; it was 0.");
    }

    private static long Count(MetricCollector<long> collector, string outcome) =>
        collector.GetMeasurementSnapshot()
            .Where(m => ModelGatewayChatClientTests.Tag(m.Tags, "finetune.gateway.outcome") == outcome && ModelGatewayChatClientTests.Tag(m.Tags, "finetune.gateway.feature") == GatewayScope.Feature)
            .Sum(m => m.Value);

    /// <summary>A shadow endpoint that answers at once and reports a fixed token usage.</summary>
    private sealed class FixedUsageChatClient(long tokens) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { Usage = new UsageDetails { TotalTokenCount = tokens } });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A shadow endpoint that never answers until cancelled.</summary>
    private sealed class BlockingChatClient : IChatClient
    {
        private int _calls;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public bool Cancelled { get; private set; }

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            Entered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }

            throw new InvalidOperationException("unreachable");
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
