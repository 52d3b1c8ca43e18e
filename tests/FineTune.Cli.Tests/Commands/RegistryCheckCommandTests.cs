using System.Text.Json;
using FineTune.Sdk;

namespace FineTune.Cli.Tests;

/// <summary><c>finetune registry check FEATURE</c>: the pre-deploy checklist end to end through the CLI, with a decision record from <c>finetune advise</c>.</summary>
public sealed class RegistryCheckCommandTests : IDisposable
{
    private const string BaseModel = "gpt-4.1-nano-2025-04-14";
    private const string Tuned = "ft:gpt-4.1-nano-2025-04-14:acme:support:abc12345";
    private readonly string _directory = Directory.CreateTempSubdirectory("ft-regcheck-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Store => "file:" + Path.Combine(_directory, "registry.json");

    [Fact]
    public async Task Check_EveryItemInPlace_ExitsZero_BareVariant_ExitsOneListingWhatIsMissing()
    {
        var decision = Path.Combine(_directory, "decision.json");
        var report = Path.Combine(_directory, "compare.json");
        await File.WriteAllTextAsync(report, ComparisonReportWriter.ToJson(Report()));
        (await RunAsync("advise", "--use-case", "support-intent", "--behaviour-stable-12-months", "--reviewed-examples", "640", "--measured-lift", "12", "--out", decision)).Code.Should().Be(0);

        await Ok("registry", "register", "support-intent", "base", "--model", BaseModel, "--provider", "openai", "--store", Store, "--actor", "alice");
        await Ok("registry", "register", "support-intent", "ft-1", "--model", Tuned, "--base", BaseModel, "--provider", "openai", "--report", report,
            "--decision-record", decision, "--gateway-route", "litellm:support-intent", "--monthly-cost", "412.5", "--cost-basis", "1.2M calls/month",
            "--retrain-trigger", "quarterly", "--owner", "support-oncall", "--store", Store, "--actor", "alice");
        await Ok("registry", "register", "support-intent", "ft-bare", "--model", Tuned.Replace("abc12345", "bare0001", StringComparison.Ordinal), "--base", BaseModel, "--provider", "openai", "--store", Store, "--actor", "alice");
        await Ok("registry", "promote", "support-intent", "ft-1", "--store", Store, "--actor", "bob");
        await Ok("registry", "rollout", "support-intent", "ft-1", "10", "--store", Store, "--actor", "bob");
        await Ok("registry", "rollback", "support-intent", "--store", Store, "--actor", "bob", "--reason", "drill");

        // The dataset item needs a manifest; this variant has none, so waive it to see the rest pass.
        var (code, output, error) = await RunAsync("registry", "check", "support-intent", "--variant", "ft-1", "--waive", "dataset", "--store", Store);
        code.Should().Be(CliApp.Success, output + error);
        output.Should().StartWith($"pre-deploy checklist of support-intent/ft-1 ({Tuned})\n");
        output.Should().Contain("  missing (waived) Dataset semver and hash: no dataset recorded;")
            .And.Contain("  present          Rollback tested: rolled back at v6 by bob\n")
            .And.Contain("                   looked in history of support-intent: a rollback of ft-1 after its promotion\n")
            .And.EndWith("ok: every required item is present\n");

        (code, output, _) = await RunAsync("registry", "check", "support-intent", "--variant", "ft-1", "--store", Store, "--json");
        code.Should().Be(CliApp.Failed, "the dataset item is required without --waive");
        using (var json = JsonDocument.Parse(output))
        {
            json.RootElement.GetProperty("passed").GetBoolean().Should().BeFalse();
            json.RootElement.GetProperty("items").EnumerateArray().Where(i => !i.GetProperty("present").GetBoolean()).Select(i => i.GetProperty("id").GetString()).Should().Equal("dataset");
        }

        (code, output, _) = await RunAsync("registry", "check", "support-intent", "--variant", "ft-bare", "--store", Store);
        code.Should().Be(CliApp.Failed);
        output.Should().Contain("  MISSING          Decision record: no decision record attached;")
            .And.Contain("                   looked in support-intent/ft-bare: decisionRecord\n")
            .And.Contain("  warning variant.stale: Never evaluated; attach a comparison report.\n")
            .And.EndWith("10 required item(s) missing\n");
    }

    [Fact]
    public async Task Check_UnknownWaivedItem_ExitsTwo()
    {
        await Ok("registry", "register", "support-intent", "base", "--model", BaseModel, "--provider", "openai", "--store", Store, "--actor", "alice");

        var (code, _, error) = await RunAsync("registry", "check", "support-intent", "--waive", "gateway", "--store", Store);

        code.Should().Be(CliApp.UsageError);
        error.Should().StartWith("error: 'gateway' is not a checklist item; the items are decision-record, dataset,");
    }

    private static ComparisonReport Report() => new()
    {
        GeneratedAt = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero),
        GoldenSet = "golden.jsonl",
        GoldenSetSha256 = new string('a', 64),
        Baseline = new VariantSummary { Label = "base", ModelId = BaseModel, Cases = 40 },
        Candidate = new VariantSummary { Label = "candidate", ModelId = Tuned, Cases = 40 },
        PrimaryScorer = "exact",
        PairedCases = 40,
        Decision = new PolicyDecision
        {
            Passed = true,
            Rules =
            [
                new PolicyRuleResult { Rule = "exact-match-lift", Applicable = true, Passed = true, Figure = "+12.5 points" },
                new PolicyRuleResult { Rule = "safety-no-regression", Applicable = true, Passed = true, Figure = "0 regressed" },
            ],
        },
        Buckets =
        [
            new BucketComparison { Bucket = "billing", Figures = new ScorerComparison { Scorer = "exact", Cases = 28, BaselineMean = 0.5, CandidateMean = 0.68 } },
            new BucketComparison { Bucket = "safety", IsSafety = true, Figures = new ScorerComparison { Scorer = "exact", Cases = 12, BaselineMean = 1, CandidateMean = 1 } },
        ],
        Charts = new ReportCharts(),
    };

    private static async Task Ok(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        code.Should().Be(CliApp.Success, $"finetune {string.Join(' ', args)}: {output}{error}");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
