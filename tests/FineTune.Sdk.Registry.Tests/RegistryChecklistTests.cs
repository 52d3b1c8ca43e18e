using FineTune.Sdk;
using static FineTune.Sdk.Registry.Tests.RegistryFixtures;

namespace FineTune.Sdk.Registry.Tests;

/// <summary>The pre-deploy checklist's items turning missing for the reason each one names (file store).</summary>
public sealed class RegistryChecklistTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-checklist-" + Guid.NewGuid().ToString("N")[..12]);
    private ModelRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(Path.Combine(_dir, "registry.json")), new ModelRegistryOptions { BaseDirectory = _dir });
        await _registry.RegisterAsync("support-intent", Base(), By());
    }

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<RegistryChecklistReport> DeployAsync(RegistryVariant variant, decimal rollout = 10m, bool rollback = true)
    {
        await _registry.RegisterAsync("support-intent", variant, By());
        await _registry.PromoteAsync("support-intent", variant.Name, By(reason: "checklist test", force: true));
        await _registry.SetRolloutAsync("support-intent", variant.Name, rollout, By());
        if (rollback)
        {
            await _registry.RollbackAsync("support-intent", By());
        }

        return await _registry.CheckAsync("support-intent", variant.Name);
    }

    private static RegistryChecklistItem Item(RegistryChecklistReport report, string id) => report.Items.Single(i => i.Id == id);

    [Fact]
    public async Task Check_DecisionRecordAdvisingAgainst_IsMissing()
    {
        var report = await DeployAsync(Deployable("ft-1", await WriteReportAsync(_dir, safetyRegressions: 0), await WriteDecisionAsync(_dir, liftPoints: 1)));

        Item(report, "decision-record").Should().Match<RegistryChecklistItem>(i => !i.Present && i.Detail.StartsWith("the record recommends DoNotFineTune, not FineTune", StringComparison.Ordinal));
        report.Passed.Should().BeFalse();
    }

    [Fact]
    public async Task Check_DecisionRecordEditedAfterAttaching_IsMissing()
    {
        var decision = await WriteDecisionAsync(_dir);
        var report = await DeployAsync(Deployable("ft-1", await WriteReportAsync(_dir, safetyRegressions: 0), decision), rollback: false);
        await File.AppendAllTextAsync(Path.Combine(_dir, "decision.json"), " ");

        report = await _registry.CheckAsync("support-intent", "ft-1");

        Item(report, "decision-record").Detail.Should().StartWith("the file no longer matches its recorded SHA-256");
        Item(report, "decision-record").LookedIn.Should().Be("support-intent/ft-1: decisionRecord -> decision.json");
    }

    [Fact]
    public async Task Check_SafetyRegression_MakesSafetyAndComparisonMissing()
    {
        var report = await DeployAsync(Deployable("ft-1", await WriteReportAsync(_dir, safetyRegressions: 2), await WriteDecisionAsync(_dir)));

        Item(report, "safety").Should().Match<RegistryChecklistItem>(i => !i.Present && i.Detail == "regressions in safety (2 regressed)");
        Item(report, "comparison").Detail.Should().Be("its decision is BLOCK; not green: safety-no-regression (2 regressed)");
    }

    [Fact]
    public async Task Check_RolledOutStraightTo100_FlagIsMissingAndRollbackOfIt()
    {
        var report = await DeployAsync(Deployable("ft-1", await WriteReportAsync(_dir, safetyRegressions: 0), await WriteDecisionAsync(_dir)), rollout: 100m, rollback: false);

        Item(report, "flag-staged-rollout").Detail.Should().Be("ft-1 went from 0% straight to 100% at v4; roll out in stages");
        Item(report, "rollback-tested").Detail.Should().StartWith("no rollback since the promotion at v3");
    }

    [Fact]
    public async Task Check_RollbackOfAnotherVariant_DoesNotCountAsTested()
    {
        await DeployAsync(Deployable("ft-0", await WriteReportAsync(_dir, safetyRegressions: 0, fileName: "old.json"), await WriteDecisionAsync(_dir)) with { ModelId = FineTuned + "0" }, rollout: 100m, rollback: false);
        var report = await DeployAsync(Deployable("ft-1", await WriteReportAsync(_dir, safetyRegressions: 0), await WriteDecisionAsync(_dir)), rollback: false);
        await _registry.RollbackAsync("support-intent", By()); // cancels ft-1's rollout: this one counts

        report = await _registry.CheckAsync("support-intent");

        report.Variant.Should().Be("ft-1", "the newest non-default variant is checked when no rollout is staged");
        Item(report, "rollback-tested").Present.Should().BeTrue();
        (await _registry.CheckAsync("support-intent", "ft-0")).Items.Single(i => i.Id == "rollback-tested").Present.Should().BeFalse();
    }

    [Fact]
    public async Task Check_UnknownFeatureOrVariant_ThrowsWithRule()
    {
        (await FluentActions.Awaiting(() => _registry.CheckAsync("nope")).Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("feature.unknown");
        (await FluentActions.Awaiting(() => _registry.CheckAsync("support-intent", "nope")).Should().ThrowAsync<ModelRegistryException>()).Which.Rule.Should().Be("variant.unknown");
    }
}
