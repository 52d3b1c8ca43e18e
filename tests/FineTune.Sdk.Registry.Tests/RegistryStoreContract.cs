using FineTune.Sdk;
using static FineTune.Sdk.Registry.Tests.RegistryFixtures;

namespace FineTune.Sdk.Registry.Tests;

/// <summary>
/// The contract every <see cref="IModelRegistryStore"/> meets, run against the file, SQLite and PostgreSQL stores by
/// the subclasses: operations and guards, optimistic concurrency, history, change pick-up by other instances.
/// </summary>
public abstract class RegistryStoreContract : IAsyncLifetime
{
    protected RegistryStoreContract()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "ft-registry-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(WorkDirectory);
    }

    /// <summary>Gets a fresh folder for reports (and the file store).</summary>
    protected string WorkDirectory { get; }

    /// <summary>Creates a store instance on this test's storage; every call opens the same storage.</summary>
    protected abstract IModelRegistryStore CreateStore();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    protected Task<ModelRegistry> OpenAsync(TimeProvider? clock = null, TimeSpan? pollInterval = null) =>
        ModelRegistry.OpenAsync(CreateStore(), new ModelRegistryOptions { BaseDirectory = WorkDirectory, PollInterval = pollInterval ?? TimeSpan.FromSeconds(1) }, clock);

    private async Task<ModelRegistry> WithPromotableAsync(string variant = "ft-1")
    {
        var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Tuned(variant, await WriteReportAsync(WorkDirectory)), By());
        return registry;
    }

    [SkippableFact]
    public async Task Register_FirstVariant_BecomesDefaultAndResolves()
    {
        await using var registry = await OpenAsync();
        var feature = await registry.RegisterAsync("support-intent", Base(), By());

        feature.DefaultVariant.Should().Be("base");
        feature.FlagName.Should().Be("model:support-intent");
        registry.Snapshot.Version.Should().Be(1);
        var resolved = registry.Resolve("support-intent", "user-1");
        resolved.IsFound.Should().BeTrue();
        resolved.ModelId.Should().Be(BaseModel);
        resolved.Provider.Should().Be("openai");
        registry.Resolve("unknown", "user-1").IsFound.Should().BeFalse();
        (await registry.Store.ReadAsync()).Version.Should().Be(1);
    }

    [SkippableFact]
    public async Task Register_DuplicateVariantName_IsRefused()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());

        var act = () => registry.RegisterAsync("support-intent", Base(), By());

        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("variant.exists");
        registry.Snapshot.Version.Should().Be(1);
    }

    [SkippableFact]
    public async Task Register_KeepsLineageFields()
    {
        await using var registry = await WithPromotableAsync();
        var variant = (await registry.Store.ReadAsync()).FindFeature("support-intent")!.FindVariant("ft-1")!;

        variant.Dataset.Should().Be(new RegistryDataset { Name = "support", Version = "1.2.0", Sha256 = DatasetHash });
        variant.TrainingJobId.Should().Be("ftjob-123");
        variant.Evaluation!.ReportPath.Should().Be("compare.json");
        variant.Evaluation.Passed.Should().BeTrue();
        variant.Evaluation.GoldenSetSha256.Should().Be(GoldenHash);
        variant.LastEvaluatedAt.Should().Be(variant.Evaluation.GeneratedAt);
        variant.Tags.Should().Equal("intent", "support");
        variant.Status.Should().Be(RegistryVariantStatus.Registered);
    }

    [SkippableFact]
    public async Task Promote_PassingReport_StagesRolloutAtZero()
    {
        await using var registry = await WithPromotableAsync();

        var feature = await registry.PromoteAsync("support-intent", "ft-1", By("bob", "lift +12"));

        feature.RolloutVariant.Should().Be("ft-1");
        feature.RolloutPercentage.Should().Be(0m);
        feature.FindVariant("ft-1")!.Status.Should().Be(RegistryVariantStatus.Promoted);
        feature.FindVariant("ft-1")!.PromotedAt.Should().NotBeNull();
        Enumerable.Range(0, 1000).Select(i => registry.Resolve("support-intent", "k" + i).Variant).Should().OnlyContain(v => v == "base");
    }

    [SkippableFact]
    public async Task Promote_WithoutReport_IsRefused()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Tuned("ft-1", evaluation: null), By());

        var act = () => registry.PromoteAsync("support-intent", "ft-1", By());

        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("promotion.report-missing");
    }

    [SkippableFact]
    public async Task Promote_FailingReport_IsRefused()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Tuned("ft-1", await WriteReportAsync(WorkDirectory, passed: false)), By());

        var act = () => registry.PromoteAsync("support-intent", "ft-1", By());

        var ex = (await act.Should().ThrowAsync<ModelRegistryException>()).Which;
        ex.Rule.Should().Be("promotion.report-passing");
        ex.Message.Should().Contain("lift");
    }

    [SkippableFact]
    public async Task Promote_ReportForAnotherModel_IsRefused()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        var report = await WriteReportAsync(WorkDirectory, candidate: "ft:gpt-4.1-nano-2025-04-14:emulator:support:zzz99999");
        await registry.RegisterAsync("support-intent", Tuned("ft-1", report), By());

        var act = () => registry.PromoteAsync("support-intent", "ft-1", By());

        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("promotion.report-model");
    }

    [SkippableFact]
    public async Task Promote_ReportChangedSinceAttached_IsRefused()
    {
        await using var registry = await WithPromotableAsync();
        await File.AppendAllTextAsync(Path.Combine(WorkDirectory, "compare.json"), " ");

        var act = () => registry.PromoteAsync("support-intent", "ft-1", By());

        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("promotion.report-hash");
    }

    [SkippableFact]
    public async Task Promote_ReportOnAnotherGoldenSet_IsRefused()
    {
        await using var registry = await WithPromotableAsync();
        var other = await WriteReportAsync(WorkDirectory, goldenHash: new string('f', 64), fileName: "other.json");
        await registry.RegisterAsync("support-intent", Tuned("ft-2", other), By());

        var act = () => registry.PromoteAsync("support-intent", "ft-2", By());

        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("promotion.report-golden-set");
    }

    [SkippableFact]
    public async Task Promote_ForcedWithoutReason_IsRefused()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Tuned("ft-1", evaluation: null), By());

        var act = () => registry.PromoteAsync("support-intent", "ft-1", By(force: true));

        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("force.reason-required");
    }

    [SkippableFact]
    public async Task Promote_ForcedWithReason_RecordsTheRulesAndReason()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Tuned("ft-1", evaluation: null), By());

        await registry.PromoteAsync("support-intent", "ft-1", By("carol", "incident 42 hotfix", force: true));

        var last = (await registry.GetHistoryAsync("support-intent").ToListAsync()).Last();
        last.Forced.Should().BeTrue();
        last.ForcedRules.Should().Equal("promotion.report-missing");
        last.Reason.Should().Be("incident 42 hotfix");
        last.Actor.Should().Be("carol");
    }

    [SkippableFact]
    public async Task SetRollout_ThenRollback_EveryKeyResolvesToTheDefaultAtOnce()
    {
        await using var registry = await WithPromotableAsync();
        await registry.PromoteAsync("support-intent", "ft-1", By());

        await registry.SetRolloutAsync("support-intent", "ft-1", 10m, By());
        var share = Enumerable.Range(0, 20_000).Count(i => registry.Resolve("support-intent", "user-" + i).Variant == "ft-1") / 20_000.0;
        share.Should().BeApproximately(0.10, 0.01);

        var feature = await registry.RollbackAsync("support-intent", By("bob", "latency spike"));

        feature.RolloutVariant.Should().BeNull();
        Enumerable.Range(0, 20_000).Select(i => registry.Resolve("support-intent", "user-" + i).Variant).Should().OnlyContain(v => v == "base");
    }

    [SkippableFact]
    public async Task SetRollout_To100_MakesTheDefault_AndRollbackRestoresThePrevious()
    {
        await using var registry = await WithPromotableAsync();
        await registry.PromoteAsync("support-intent", "ft-1", By());

        var done = await registry.SetRolloutAsync("support-intent", "ft-1", 100m, By());
        done.DefaultVariant.Should().Be("ft-1");
        done.PreviousDefaults.Should().Equal("base");
        registry.Resolve("support-intent", "anyone").ModelId.Should().Be(FineTuned);

        var back = await registry.RollbackAsync("support-intent", By());
        back.DefaultVariant.Should().Be("base");
        registry.Resolve("support-intent", "anyone").ModelId.Should().Be(BaseModel);

        var act = () => registry.RollbackAsync("support-intent", By());
        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("rollback.nothing");
    }

    [SkippableFact]
    public async Task SetRollout_UnpromotedOrBadPercentage_IsRefused()
    {
        await using var registry = await WithPromotableAsync();

        var unpromoted = () => registry.SetRolloutAsync("support-intent", "ft-1", 5m, By());
        (await unpromoted.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("rollout.requires-promotion");

        await registry.PromoteAsync("support-intent", "ft-1", By());
        var tooFine = () => registry.SetRolloutAsync("support-intent", "ft-1", 5.001m, By());
        (await tooFine.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("rollout.percentage");
        var tooMuch = () => registry.SetRolloutAsync("support-intent", "ft-1", 101m, By());
        (await tooMuch.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("rollout.percentage");
    }

    [SkippableFact]
    public async Task Retire_TheDefault_IsRefused_AndTheRolloutVariant_EndsItsRollout()
    {
        await using var registry = await WithPromotableAsync();
        await registry.PromoteAsync("support-intent", "ft-1", By());
        await registry.SetRolloutAsync("support-intent", "ft-1", 50m, By());

        var act = () => registry.RetireAsync("support-intent", "base", By());
        (await act.Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("retire.is-default");

        var feature = await registry.RetireAsync("support-intent", "ft-1", By("bob", "superseded"));
        feature.RolloutVariant.Should().BeNull();
        feature.FindVariant("ft-1")!.Status.Should().Be(RegistryVariantStatus.Retired);
        registry.Resolve("support-intent", "k").Variant.Should().Be("base");
    }

    [SkippableFact]
    public async Task ExpectedVersion_Stale_GetsAConflictAndWritesNothing()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Base("base-2"), By(expectedVersion: 1));

        var act = () => registry.RegisterAsync("support-intent", Base("base-3"), By(expectedVersion: 1));

        var ex = (await act.Should().ThrowAsync<ModelRegistryConflictException>()).Which;
        ex.ExpectedVersion.Should().Be(1);
        ex.ActualVersion.Should().Be(2);
        (await registry.Store.ReadAsync()).Version.Should().Be(2);
        (await registry.GetHistoryAsync().ToListAsync()).Should().HaveCount(2);
    }

    [SkippableFact]
    public async Task StoreCommit_StaleVersion_IsAConflict()
    {
        await using var store = CreateStore();
        var empty = await store.ReadAsync();
        var feature = new RegistryFeature { Name = "f", DefaultVariant = "base", Variants = [Base()] };
        var first = empty with { Version = 1, Features = [feature] };
        var entry = new RegistryHistoryEntry { Version = 1, Actor = "a", Operation = "register", Feature = "f", After = feature };
        await store.CommitAsync(0, first, entry);

        var act = () => store.CommitAsync(0, first, entry);

        await act.Should().ThrowAsync<ModelRegistryConflictException>();
        (await store.ReadVersionAsync()).Should().Be(1);
        (await store.ReadHistoryAsync().ToListAsync()).Should().ContainSingle();
    }

    [SkippableFact]
    public async Task History_RecordsWhoWhenWhatWhyBeforeAndAfter_InOrder()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        await using var registry = await OpenAsync(clock);
        await registry.RegisterAsync("support-intent", Base(), By("alice", "baseline"));
        await registry.RegisterAsync("support-intent", Tuned("ft-1", await WriteReportAsync(WorkDirectory)), By("alice", "december data"));
        clock.Now = clock.Now.AddHours(1);
        await registry.PromoteAsync("support-intent", "ft-1", By("bob", "passed eval"));
        await registry.SetRolloutAsync("support-intent", "ft-1", 10m, By("bob"));
        await registry.RollbackAsync("support-intent", By("carol", "complaints"));

        var history = await registry.GetHistoryAsync().ToListAsync();

        history.Select(h => h.Version).Should().Equal(1, 2, 3, 4, 5);
        history.Select(h => h.Operation).Should().Equal("register", "register", "promote", "rollout", "rollback");
        history.Select(h => h.Actor).Should().Equal("alice", "alice", "bob", "bob", "carol");
        history[0].Before.Should().BeNull();
        history[2].At.Should().Be(clock.Now);
        history[3].Before!.RolloutPercentage.Should().Be(0m);
        history[3].After.RolloutPercentage.Should().Be(10m);
        history[4].Reason.Should().Be("complaints");

        // What data trained model X, and who promoted it?
        var promotion = history.Single(h => h.Operation == "promote" && h.After.FindVariant(h.Variant)!.ModelId == FineTuned);
        promotion.Actor.Should().Be("bob");
        promotion.After.FindVariant("ft-1")!.Dataset!.Sha256.Should().Be(DatasetHash);
    }

    [SkippableFact]
    public async Task AnotherInstance_PicksUpACommittedChange_WithoutRestarting()
    {
        await using var writer = await OpenAsync();
        await using var reader = await OpenAsync(pollInterval: TimeSpan.FromMilliseconds(200));
        reader.Resolve("support-intent", "k").IsFound.Should().BeFalse();

        await writer.RegisterAsync("support-intent", Base(), By());

        await WaitUntilAsync(() => reader.Resolve("support-intent", "k").IsFound, TimeSpan.FromSeconds(10), "the reader to see version 1");
        reader.Snapshot.Version.Should().Be(1);
    }

    [SkippableFact]
    public async Task ConcurrentWriters_OnTwoInstances_LoseNoUpdate()
    {
        await using var a = await OpenAsync();
        await using var b = await OpenAsync();
        await a.RegisterAsync("support-intent", Base(), By());

        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (var i = 0; i < 15; i++)
                {
                    await a.RegisterAsync("support-intent", Base("a-" + i), By("a"));
                }
            }),
            Task.Run(async () =>
            {
                for (var i = 0; i < 15; i++)
                {
                    await b.RegisterAsync("support-intent", Base("b-" + i), By("b"));
                }
            }));

        var document = await a.Store.ReadAsync();
        document.Version.Should().Be(31);
        document.FindFeature("support-intent")!.Variants.Should().HaveCount(31);
        var history = await a.GetHistoryAsync().ToListAsync();
        history.Select(h => h.Version).Should().Equal(Enumerable.Range(1, 31).Select(i => (long)i));
    }

    [SkippableFact]
    public async Task Resolve_GivesTheSameAnswerAsTheBucketFunction()
    {
        await using var registry = await WithPromotableAsync();
        await registry.PromoteAsync("support-intent", "ft-1", By());
        await registry.SetRolloutAsync("support-intent", "ft-1", 37.5m, By());

        for (var i = 0; i < 5000; i++)
        {
            var key = "tenant-" + i;
            var expected = ModelRegistrySnapshot.GetBucket("support-intent", key) < 3750 ? "ft-1" : "base";
            registry.Resolve("support-intent", key).Variant.Should().Be(expected);
        }
    }

    [SkippableFact]
    public async Task Register_KeepsChecklistFields()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        var decision = await WriteDecisionAsync(WorkDirectory);
        await registry.RegisterAsync("support-intent", Deployable("ft-1", await WriteReportAsync(WorkDirectory, safetyRegressions: 0), decision), By());

        await using var other = await OpenAsync();
        var variant = other.Snapshot.Document.FindFeature("support-intent")!.FindVariant("ft-1")!;
        variant.DecisionRecord.Should().Be(decision);
        variant.DecisionRecord!.Recommendation.Should().Be(AdaptationRecommendation.FineTune);
        variant.GatewayRoute.Should().Be("litellm:support-intent");
        variant.CostProjection.Should().Be(new RegistryCostProjection { MonthlyCost = 412.50m, Currency = "USD", Basis = "1.2M calls/month" });
        variant.RetrainTrigger.Should().StartWith("quarterly");
    }

    [SkippableFact]
    public async Task Checklist_DeployableVariantPromotedRolledOutAndRolledBack_EveryItemPresent()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Deployable("ft-1", await WriteReportAsync(WorkDirectory, safetyRegressions: 0), await WriteDecisionAsync(WorkDirectory)), By());
        await registry.PromoteAsync("support-intent", "ft-1", By());
        await registry.SetRolloutAsync("support-intent", "ft-1", 10m, By());
        await registry.RollbackAsync("support-intent", By("dave", "rollback drill"));

        var report = await registry.CheckAsync("support-intent");

        report.Variant.Should().Be("ft-1");
        report.Items.Select(i => i.Id).Should().Equal(RegistryChecklist.Items);
        report.Items.Where(i => !i.Present).Select(i => $"{i.Id}: {i.Detail}").Should().BeEmpty();
        report.Passed.Should().BeTrue();
        report.Items.Single(i => i.Id == "rollback-tested").Detail.Should().Be("rolled back at v5 by dave");
        report.Items.Single(i => i.Id == "safety").Detail.Should().Be("safety: 12 cases, 0 regressed");
        report.Items.Single(i => i.Id == "cost-projection").Detail.Should().Be("412.5 USD/month (1.2M calls/month)");
    }

    [SkippableFact]
    public async Task Checklist_BareVariant_ReportsEachMissingItemAndWhereItLooked()
    {
        await using var registry = await WithPromotableAsync();

        var report = await registry.CheckAsync("support-intent");

        report.Passed.Should().BeFalse();
        report.Items.Where(i => i.Present).Select(i => i.Id).Should().Equal("dataset", "comparison", "on-call-owner");
        var missing = report.Items.Where(i => !i.Present).ToDictionary(i => i.Id);
        missing.Keys.Should().Equal("decision-record", "safety", "gateway-entry", "flag-staged-rollout", "cost-projection", "rollback-tested", "retrain-trigger");
        missing["decision-record"].LookedIn.Should().Be("support-intent/ft-1: decisionRecord");
        missing["safety"].Detail.Should().StartWith("the report has no safety bucket");
        missing["flag-staged-rollout"].Detail.Should().StartWith("ft-1 is registered; promote it");
        missing["rollback-tested"].Detail.Should().Be("ft-1 was never promoted");
        missing["gateway-entry"].LookedIn.Should().Be("support-intent/ft-1: gatewayRoute");
    }

    [SkippableFact]
    public async Task Checklist_WaivedItems_PassWithoutThem()
    {
        await using var registry = await OpenAsync();
        await registry.RegisterAsync("support-intent", Base(), By());
        await registry.RegisterAsync("support-intent", Deployable("ft-1", await WriteReportAsync(WorkDirectory, safetyRegressions: 0), await WriteDecisionAsync(WorkDirectory)) with { GatewayRoute = null }, By());
        await registry.PromoteAsync("support-intent", "ft-1", By());
        await registry.SetRolloutAsync("support-intent", "ft-1", 5m, By());
        await registry.RollbackAsync("support-intent", By());

        (await registry.CheckAsync("support-intent")).Passed.Should().BeFalse();
        var waived = await registry.CheckAsync("support-intent", "ft-1", ["gateway-entry"]);

        waived.Passed.Should().BeTrue();
        waived.Items.Single(i => i.Id == "gateway-entry").Should().Match<RegistryChecklistItem>(i => !i.Present && !i.Required);
        var unknown = () => registry.CheckAsync("support-intent", waived: ["gateway"]);
        (await unknown.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("'gateway' is not a checklist item");
    }
}
