using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>The routing middleware end to end: real file registry, real OpenAI client, two emulators over loopback HTTP.</summary>
public sealed class ModelGatewayChatClientTests
{
    [Fact]
    public async Task GetResponseAsync_RolloutAt50FlagOn_EachKeyServedByItsBucketsVariant()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), timeProvider: scope.Clock).Build();

        foreach (var key in GatewayScope.Keys(inRollout: true, 5))
        {
            var reply = await gateway.GetResponseAsync("Where is my parcel?", GatewayScope.For(key));
            reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("candidate");
            reply.ModelId.Should().StartWith("gpt-4.1-mini");
        }

        foreach (var key in GatewayScope.Keys(inRollout: false, 5))
        {
            var reply = await gateway.GetResponseAsync("Where is my parcel?", GatewayScope.For(key));
            reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
            reply.AdditionalProperties[ModelGatewayProperties.Feature].Should().Be(GatewayScope.Feature);
            reply.ModelId.Should().StartWith("gpt-4o-mini");
        }

        scope.LocalEmulator.RequestCount.Should().Be(5, "the candidate's endpoint got exactly the keys in the rollout");
        scope.OpenAIEmulator.RequestCount.Should().Be(5);
    }

    [Fact]
    public async Task GetResponseAsync_FlagOff_AlwaysTheDefaultVariant()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 99.99m);
        var flags = new TestFlags { Decide = (_, _) => FeatureFlagDecision.Off };
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), flags, timeProvider: scope.Clock).Build();

        foreach (var key in GatewayScope.Keys(inRollout: true, 6, 99.99m))
        {
            var reply = await gateway.GetResponseAsync("hello", GatewayScope.For(key));
            reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
        }

        flags.Asked.Should().AllBe("model:" + GatewayScope.Feature);
        scope.LocalEmulator.RequestCount.Should().Be(0);
    }

    [Fact]
    public async Task GetResponseAsync_WithoutFlags_DefaultIsOff()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 99.99m);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), timeProvider: scope.Clock).Build();

        var reply = await gateway.GetResponseAsync("hello", GatewayScope.For(GatewayScope.Keys(inRollout: true, 1, 99.99m)[0]));

        reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
    }

    [Fact]
    public async Task GetResponseAsync_FlagAssignsVariant_ThatVariantServes()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);
        var flags = new TestFlags { Decide = (_, key) => key == "vip" ? new FeatureFlagDecision(true, "candidate") : FeatureFlagDecision.On };
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), flags, timeProvider: scope.Clock).Build();

        (await gateway.GetResponseAsync("hi", GatewayScope.For("vip"))).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("candidate");
        (await gateway.GetResponseAsync("hi", GatewayScope.For("someone"))).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
    }

    [Fact]
    public async Task GetResponseAsync_AmbientKeyAndNoKey_AmbientUsedNoKeyServesDefault()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), timeProvider: scope.Clock).Build();
        var inRollout = GatewayScope.Keys(inRollout: true, 1)[0];

        (await gateway.GetResponseAsync("hi")).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
        using (ModelGatewayContext.BeginScope(inRollout))
        {
            (await gateway.GetResponseAsync("hi")).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("candidate");
        }

        ModelGatewayContext.TargetingKey.Should().BeNull();
    }

    [Fact]
    public async Task GetStreamingResponseAsync_RolloutKey_FirstUpdateNamesVariantAndTextMatches()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), timeProvider: scope.Clock).Build();
        var key = GatewayScope.Keys(inRollout: true, 1)[0];
        var options = GatewayScope.For(key);
        options.Seed = 1;

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in gateway.GetStreamingResponseAsync("Name a colour.", options))
        {
            updates.Add(update);
        }

        updates[0].AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("candidate");
        var whole = await gateway.GetResponseAsync("Name a colour.", options);
        string.Concat(updates.Select(u => u.Text)).Should().Be(whole.Text);
        scope.LocalEmulator.RequestCount.Should().Be(2);
    }

    [Fact]
    public async Task GetResponseAsync_UnknownModelId_RefusedLoggedCountedAndRaised()
    {
        await using var scope = await GatewayScope.StartAsync();
        var logger = new FakeLogger<ModelGatewayMonitor>();
        await using var monitor = new ModelGatewayMonitor(scope.Registry, timeProvider: scope.Clock, logger: logger);
        var alerts = new List<GatewayAlert>();
        monitor.AlertRaised += (_, alert) => alerts.Add(alert);
        using var collector = new MetricCollector<long>(null, "FineTune.Sdk", "finetune.gateway.control.alerts");
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), monitor, scope.Clock).Build();

        var act = () => gateway.GetResponseAsync("hi", new ChatOptions { ModelId = "gpt-5-unapproved" });

        var refused = (await act.Should().ThrowAsync<ModelGatewayRefusedException>()).Which;
        refused.ModelId.Should().Be("gpt-5-unapproved");
        refused.Message.Should().Contain("'gpt-5-unapproved'").And.Contain(GatewayScope.Feature);
        alerts.Should().ContainSingle().Which.Control.Should().Be(GatewayControl.UnknownModel);
        logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4101);
        collector.GetMeasurementSnapshot().Should().Contain(m => Tag(m.Tags, "finetune.gateway.control") == "unknown-model" && Tag(m.Tags, "finetune.gateway.feature") == GatewayScope.Feature);
        scope.OpenAIEmulator.RequestCount.Should().Be(0, "a refused request never reaches a provider");

        // A model id the registry knows for the feature is accepted and still routed by the registry.
        var reply = await gateway.GetResponseAsync("hi", new ChatOptions { ModelId = GatewayScope.BaseModel });
        reply.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
    }

    [Fact]
    public async Task GetResponseAsync_UnknownFeature_Refused()
    {
        await using var scope = await GatewayScope.StartAsync();
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, "no-such-feature", scope.GatewayOptions(), timeProvider: scope.Clock).Build();

        var act = () => gateway.GetResponseAsync("hi");

        (await act.Should().ThrowAsync<ModelGatewayRefusedException>()).Which.Message.Should().Contain("'no-such-feature' is not in the model registry");
    }

    [Fact]
    public async Task GetResponseAsync_RollbackWhileServing_NextRequestGoesToDefault()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), timeProvider: scope.Clock).Build();
        var key = GatewayScope.Keys(inRollout: true, 1)[0];
        (await gateway.GetResponseAsync("hi", GatewayScope.For(key))).AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("candidate");

        await scope.Registry.RollbackAsync(GatewayScope.Feature, new RegistryChange { Actor = "oncall", Reason = "bad answers" });

        var after = await gateway.GetResponseAsync("hi", GatewayScope.For(key));
        after.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
        after.AdditionalProperties[ModelGatewayProperties.RegistryVersion].Should().Be(scope.Registry.Snapshot.Version);
    }

    [Fact]
    public async Task GetResponseAsync_TargetingKey_IsNotSentToTheProvider()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        var seen = new List<ChatOptions?>();
        using var capturing = new CapturingChatClient(scope.OpenAI, seen);
        var options = scope.GatewayOptions();
        options.Clients[RegistryProviders.OpenAI] = capturing;
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), timeProvider: scope.Clock).Build();
        var request = GatewayScope.For(GatewayScope.Keys(inRollout: false, 1)[0]);
        request.AdditionalProperties!["other"] = 1;

        await gateway.GetResponseAsync("hi", request);

        seen.Should().ContainSingle().Which!.AdditionalProperties.Should().ContainKey("other").And.NotContainKey(ModelGatewayProperties.TargetingKey);
        seen[0]!.ModelId.Should().Be(GatewayScope.BaseModel);
        request.ModelId.Should().BeNull("the caller's options are not changed");
    }

    [Fact]
    public async Task GetResponseAsync_Telemetry_ActivityAndMetricCarryTheVariant()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), timeProvider: scope.Clock).Build();
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "FineTune.Sdk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) { activities.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        using var requests = new MetricCollector<long>(null, "FineTune.Sdk", "finetune.gateway.requests");
        using var duration = new MetricCollector<double>(null, "FineTune.Sdk", "gen_ai.client.operation.duration");
        using var parentSource = new ActivitySource("FineTune.Sdk");
        var key = GatewayScope.Keys(inRollout: true, 1)[0];

        ActivityTraceId trace;
        using (var parent = parentSource.StartActivity("app.request"))
        {
            trace = parent!.TraceId;
            await gateway.GetResponseAsync("hi", GatewayScope.For(key));
            parent!.GetTagItem("finetune.gateway.variant").Should().Be("candidate");
        }

        List<Activity> stopped;
        lock (activities)
        {
            stopped = [.. activities];
        }

        var span = stopped.Should().ContainSingle(a => a.OperationName == "finetune.gateway.chat" && a.TraceId == trace).Subject;
        span.GetTagItem("gen_ai.request.model").Should().Be(GatewayScope.CandidateModel);
        span.GetTagItem("gen_ai.operation.name").Should().Be("chat");
        span.GetTagItem("gen_ai.provider.name").Should().Be("local");
        span.GetTagItem("finetune.gateway.variant").Should().Be("candidate");
        var measurement = requests.GetMeasurementSnapshot().Should().Contain(m => Tag(m.Tags, "gen_ai.request.model") == GatewayScope.CandidateModel).Subject;
        measurement.Tags["finetune.gateway.variant"].Should().Be("candidate");
        measurement.Tags.Should().NotContainKey("error.type");
        duration.GetMeasurementSnapshot().Should().Contain(m => Tag(m.Tags, "finetune.gateway.variant") == "candidate" && Tag(m.Tags, "gen_ai.request.model") == GatewayScope.CandidateModel);
    }

    [Fact]
    public async Task RouteAsync_CachedSnapshotAndSynchronousFlags_AllocatesNothing()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        var flags = new FeatureFlagOptions();
        flags.Flags["support-intent"] = true;
        using var built = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new ConfigurationFeatureFlags(flags), timeProvider: scope.Clock).Build();
        var gateway = (ModelGatewayChatClient)built;
        var keys = GatewayScope.Keys(inRollout: true, 50).Concat(GatewayScope.Keys(inRollout: false, 50)).Select(GatewayScope.For).ToArray();
        var served = new string[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            served[i] = RouteNow(gateway, keys[i]); // warm up
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 100; round++)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                served[i] = RouteNow(gateway, keys[i]);
            }
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().Be(0);
        served.Count(v => v == "candidate").Should().Be(50);
    }

    [Fact]
    public async Task GetResponseAsync_ProviderError_CountedWithErrorTypeAndRethrown()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50, brokenCandidate: true);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), timeProvider: scope.Clock).Build();
        using var requests = new MetricCollector<long>(null, "FineTune.Sdk", "finetune.gateway.requests");

        var act = () => gateway.GetResponseAsync("hi", GatewayScope.For(GatewayScope.Keys(inRollout: true, 1)[0]));

        (await act.Should().ThrowAsync<FineTuneException>()).Which.StatusCode.Should().Be(404);
        requests.GetMeasurementSnapshot().Should().Contain(m => Tag(m.Tags, "gen_ai.request.model") == GatewayScope.BrokenFineTune && Tag(m.Tags, "error.type") == "404");
    }

    internal static string? Tag(IReadOnlyDictionary<string, object?> tags, string name) => tags.TryGetValue(name, out var value) ? value as string : null;

    private static string RouteNow(ModelGatewayChatClient gateway, ChatOptions options)
    {
        var pending = gateway.RouteAsync(gateway.Routes(), options, default);
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("The configuration flags answer synchronously.");
        }

#pragma warning disable CA2012 // completed above
        return pending.Result.Model.Variant;
#pragma warning restore CA2012
    }

    private sealed class CapturingChatClient(IChatClient inner, List<ChatOptions?> seen) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            seen.Add(options);
            return inner.GetResponseAsync(messages, options, cancellationToken);
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            inner.GetStreamingResponseAsync(messages, options, cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

        public void Dispose()
        {
            // the inner client belongs to the scope
        }
    }
}
