using FineTune.Sdk;
using static FineTune.Sdk.Registry.Tests.RegistryFixtures;

namespace FineTune.Sdk.Registry.Tests;

public sealed class RegistryInspectionTests
{
    private static RegistryDocument Document(DateTimeOffset? evaluated) => new()
    {
        Version = 2,
        Features =
        [
            new RegistryFeature
            {
                Name = "support-intent",
                DefaultVariant = "base",
                Variants = [Base(), Tuned("ft-1", null) with { LastEvaluatedAt = evaluated }],
            },
        ],
    };

    private static readonly DateTimeOffset Now = new(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Inspect_EvaluationOlderThan90Days_IsStale()
    {
        var findings = RegistryInspection.Inspect(Document(Now.AddDays(-91)), new ModelRegistryOptions(), null, Now);
        findings.Should().ContainSingle().Which.Should().Match<RegistryFinding>(f => f.Rule == "variant.stale" && f.Variant == "ft-1");
    }

    [Fact]
    public void Inspect_RecentEvaluation_AndBaseVariant_AreNotStale()
    {
        RegistryInspection.Inspect(Document(Now.AddDays(-89)), new ModelRegistryOptions(), null, Now).Should().BeEmpty();
    }

    [Fact]
    public void Inspect_StaleAfterIsConfigurable()
    {
        var findings = RegistryInspection.Inspect(Document(Now.AddDays(-8)), new ModelRegistryOptions { StaleAfter = TimeSpan.FromDays(7) }, null, Now);
        findings.Should().ContainSingle(f => f.Rule == "variant.stale");
    }

    [Fact]
    public void Inspect_BasePastItsRetirementDate_IsReported_ForTheBaseAndItsFineTunes()
    {
        var schedule = new ModelRetirementSchedule([new(BaseModel, new DateOnly(2026, 12, 1))]);
        var findings = RegistryInspection.Inspect(Document(Now), new ModelRegistryOptions(), schedule, Now);
        findings.Where(f => f.Rule == "base.retired").Select(f => f.Variant).Should().BeEquivalentTo("base", "ft-1");
    }

    [Fact]
    public void Inspect_BaseRetiringWithin30Days_IsReported_FromOptionsToo()
    {
        var options = new ModelRegistryOptions();
        options.RetirementDates[BaseModel] = new DateOnly(2026, 12, 20);
        var findings = RegistryInspection.Inspect(Document(Now), options, null, Now);
        findings.Should().Contain(f => f.Rule == "base.retiring" && f.Message.Contains("17 days"));
    }
}
