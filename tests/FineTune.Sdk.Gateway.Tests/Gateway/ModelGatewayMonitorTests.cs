using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace FineTune.Sdk.Gateway.Tests;

/// <summary>The four controls, driven by FakeTimeProvider, with real requests through the gateway where traffic matters.</summary>
public sealed class ModelGatewayMonitorTests
{
    [Fact]
    public async Task ErrorRateStorm_AutoRollbackOn_TripsAfter15MinutesAndNextRequestGoesToBase()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50, brokenCandidate: true);
        var logger = new FakeLogger<ModelGatewayMonitor>();
        await using var monitor = new ModelGatewayMonitor(scope.Registry, new GatewayControlOptions { AutoRollback = true }, scope.Clock, logger);
        var alerts = new List<GatewayAlert>();
        monitor.AlertRaised += (_, alert) => { lock (alerts) { alerts.Add(alert); } };
        using var collector = new MetricCollector<long>(null, "FineTune.Sdk", "finetune.gateway.control.alerts");
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), monitor, scope.Clock).Build();
        var candidateKeys = GatewayScope.Keys(inRollout: true, 6);
        var baseKeys = GatewayScope.Keys(inRollout: false, 6);

        for (var minute = 1; minute <= 15; minute++)
        {
            await SendMinuteAsync(gateway, candidateKeys, baseKeys);
            scope.Clock.Advance(TimeSpan.FromMinutes(1));
            if (minute < 15)
            {
                alerts.Should().BeEmpty($"the storm has lasted {minute} minutes, less than 15");
            }
        }

        var alert = alerts.Should().ContainSingle().Subject;
        alert.Control.Should().Be(GatewayControl.ErrorRate);
        alert.Variant.Should().Be("candidate");
        alert.ModelId.Should().Be(GatewayScope.BrokenFineTune);
        alert.Value.Should().Be(1.0);
        alert.RolledBack.Should().BeTrue();
        await GatewayScope.WaitUntilAsync(() => scope.Registry.Snapshot.Document.FindFeature(GatewayScope.Feature)!.RolloutVariant is null, "the automatic rollback");

        var next = await gateway.GetResponseAsync("hi", GatewayScope.For(candidateKeys[0]));
        next.AdditionalProperties![ModelGatewayProperties.Variant].Should().Be("base");
        var history = new List<RegistryHistoryEntry>();
        await foreach (var entry in scope.Registry.GetHistoryAsync(GatewayScope.Feature))
        {
            history.Add(entry);
        }

        var rollback = history[^1];
        rollback.Operation.Should().Be("rollback");
        rollback.Actor.Should().Be("finetune-gateway");
        rollback.Reason.Should().Contain("ErrorRate control").And.Contain("candidate").And.Contain("15 minutes");
        collector.GetMeasurementSnapshot().Should().Contain(m => ModelGatewayChatClientTests.Tag(m.Tags, "finetune.gateway.control") == "error-rate" && ModelGatewayChatClientTests.Tag(m.Tags, "finetune.gateway.variant") == "candidate");
        logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == 4102).And.Contain(r => r.Id.Id == 4103);
    }

    [Fact]
    public async Task ErrorRateStorm_AutoRollbackOff_RaisesButKeepsServing()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50, brokenCandidate: true);
        await using var monitor = new ModelGatewayMonitor(scope.Registry, new GatewayControlOptions(), scope.Clock);
        var alerts = new List<GatewayAlert>();
        monitor.AlertRaised += (_, alert) => alerts.Add(alert);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), monitor, scope.Clock).Build();
        var candidateKeys = GatewayScope.Keys(inRollout: true, 5);
        var versionBefore = scope.Registry.Snapshot.Version;

        for (var minute = 1; minute <= 16; minute++)
        {
            await SendMinuteAsync(gateway, candidateKeys, []);
            scope.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        alerts.Should().ContainSingle("the control fires once per breach").Which.RolledBack.Should().BeFalse();
        scope.Registry.Snapshot.Version.Should().Be(versionBefore);
    }

    [Fact]
    public async Task ErrorRate_FineTunedNoWorseThanTwiceBase_DoesNotTrip()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        await using var monitor = new ModelGatewayMonitor(scope.Registry, new GatewayControlOptions(), scope.Clock);
        var alerts = new List<GatewayAlert>();
        monitor.AlertRaised += (_, alert) => alerts.Add(alert);

        for (var minute = 0; minute < 30; minute++)
        {
            for (var i = 0; i < 10; i++)
            {
                monitor.RecordRequest(GatewayScope.Feature, "base", isBase: true, failed: i < 2);      // 20%
                monitor.RecordRequest(GatewayScope.Feature, "candidate", isBase: false, failed: i < 4); // 40% = 2x, not above
            }

            scope.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        alerts.Should().BeEmpty();
    }

    [Fact]
    public async Task JudgeDrift_OnlineScoresFallBelowWeeklyBaseline_RaisesOncePerWeek()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        await using var monitor = new ModelGatewayMonitor(scope.Registry, new GatewayControlOptions { MinJudgeSamples = 5 }, scope.Clock);
        var alerts = new List<GatewayAlert>();
        monitor.AlertRaised += (_, alert) => { lock (alerts) { alerts.Add(alert); } };
        var judged = 0.9;
        var options = scope.GatewayOptions();
        options.OnlineEvaluation.SampleShare = 1;
        options.OnlineEvaluation.Scorers.Add(new TestScorer("judge", () => judged));
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, options, new TestFlags(), monitor, scope.Clock).Build();
        var keys = GatewayScope.Keys(inRollout: true, 6);
        using var scores = new MetricCollector<double>(null, "FineTune.Sdk", "finetune.gateway.online_eval.score");

        foreach (var key in keys)
        {
            await gateway.GetResponseAsync("hi", GatewayScope.For(key));
        }

        await GatewayScope.WaitUntilAsync(() => scores.GetMeasurementSnapshot().Count(m => ModelGatewayChatClientTests.Tag(m.Tags, "finetune.gateway.feature") == GatewayScope.Feature) >= 6, "six online scores");
        scope.Clock.AdjustTime(scope.Clock.GetUtcNow().AddDays(7));
        var baseline = monitor.GetWeeklyBaseline(GatewayScope.Feature, "candidate")!.Value;
        baseline.Mean.Should().BeApproximately(0.9, 1e-9);
        baseline.Count.Should().Be(6);

        judged = 0.86; // within 0.05 of the baseline
        for (var i = 0; i < 5; i++)
        {
            monitor.RecordScore(GatewayScope.Feature, "candidate", judged);
        }

        alerts.Should().BeEmpty();
        judged = 0.5;
        foreach (var key in keys)
        {
            await gateway.GetResponseAsync("hi", GatewayScope.For(key));
        }

        await GatewayScope.WaitUntilAsync(() => { lock (alerts) { return alerts.Count > 0; } }, "the drift alert");
        await Task.Delay(100);
        var alert = alerts.Should().ContainSingle().Subject;
        alert.Control.Should().Be(GatewayControl.JudgeDrift);
        alert.Variant.Should().Be("candidate");
        alert.Threshold.Should().BeApproximately(0.85, 1e-9);
        alert.Value.Should().BeLessThan(0.85);
    }

    [Fact]
    public async Task StaleVariant_ServingFineTuneOlderThan90DaysWithoutEvaluation_Raises()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 50);
        await using var monitor = new ModelGatewayMonitor(scope.Registry, new GatewayControlOptions(), scope.Clock);
        var alerts = new List<GatewayAlert>();
        monitor.AlertRaised += (_, alert) => alerts.Add(alert);
        using var gateway = new ChatClientBuilder(scope.OpenAI).UseModelRegistry(scope.Registry, GatewayScope.Feature, scope.GatewayOptions(), new TestFlags(), monitor, scope.Clock).Build();

        scope.Clock.AdjustTime(scope.Clock.GetUtcNow().AddDays(89));
        scope.Clock.Advance(TimeSpan.FromMinutes(1));
        alerts.Should().BeEmpty();

        scope.Clock.AdjustTime(scope.Clock.GetUtcNow().AddDays(2));
        scope.Clock.Advance(TimeSpan.FromMinutes(1));
        scope.Clock.Advance(TimeSpan.FromMinutes(1));

        var alert = alerts.Should().ContainSingle("the base variant is never stale, and a stale variant is reported once").Subject;
        alert.Control.Should().Be(GatewayControl.StaleVariant);
        alert.Variant.Should().Be("candidate");
        alert.Value.Should().BeGreaterThan(90);
    }

    [Fact]
    public async Task Constructor_InvalidThresholds_MessageNamesTheFields()
    {
        await using var scope = await GatewayScope.StartAsync(rollout: 0);

        var act = () => new ModelGatewayMonitor(scope.Registry, new GatewayControlOptions { ErrorRateMultiplier = 0.5, ErrorRateWindow = TimeSpan.Zero, JudgeScoreDrop = 2 });

        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("GatewayControlOptions.ErrorRateMultiplier must be at least 1; it was 0.5.")
            .And.Contain("GatewayControlOptions.ErrorRateWindow must be between 1 minute and 1 day")
            .And.Contain("GatewayControlOptions.JudgeScoreDrop must be between 0 and 1; it was 2.");
    }

    private static async Task SendMinuteAsync(IChatClient gateway, IEnumerable<string> candidateKeys, IEnumerable<string> baseKeys)
    {
        foreach (var key in candidateKeys)
        {
            var act = () => gateway.GetResponseAsync("hi", GatewayScope.For(key));
            await act.Should().ThrowAsync<FineTuneException>();
        }

        foreach (var key in baseKeys)
        {
            await gateway.GetResponseAsync("hi", GatewayScope.For(key));
        }
    }
}
