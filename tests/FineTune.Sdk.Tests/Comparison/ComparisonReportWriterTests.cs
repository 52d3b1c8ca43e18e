using Microsoft.Extensions.Time.Testing;
using System.Text.Json;

namespace FineTune.Sdk.Tests;

public sealed class ComparisonReportWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-report-" + Guid.NewGuid().ToString("N"));

    public ComparisonReportWriterTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ComparisonReport SampleReport()
    {
        // 60 cases in three buckets; 25 regressions so the Markdown list is cut at 20; varied latencies.
        var results = ComparisonFixtures.Build(60, i => (i < 40, i >= 25), i => [i % 3 == 0 ? "safety" : i % 3 == 1 ? "extraction" : "chat"]);
        var random = new Random(3);
        var varied = results.Select(r => new EvalCaseResult(r.CaseId, r.Variant, r.ModelId)
        {
            Tags = r.Tags,
            Output = r.Output,
            Scores = r.Scores,
            InputTokens = r.InputTokens,
            OutputTokens = r.OutputTokens,
            Cost = 0.0001m,
            Latency = TimeSpan.FromMilliseconds((r.Variant == "base" ? 80 : 120) + random.Next(0, 90)),
        });
        return EvalComparer.Compare(varied, new ComparisonOptions { GoldenSetName = "golden.jsonl" }, timeProvider: new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void ToJson_StableDocumentedSchema_RoundTrips()
    {
        var report = SampleReport();
        var json = ComparisonReportWriter.ToJson(report);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        root.EnumerateObject().Select(p => p.Name).Should().Equal(
            "schemaVersion", "generatedAt", "goldenSet", "baseline", "candidate", "primaryScorer", "pairedCases", "unpairedCases",
            "decision", "scorers", "buckets", "regressions", "improvements", "charts");
        root.GetProperty("schemaVersion").GetInt32().Should().Be(1);
        root.GetProperty("generatedAt").GetString().Should().Be("2026-11-21T12:00:00+00:00");
        root.GetProperty("decision").GetProperty("rules")[0].EnumerateObject().Select(p => p.Name).Should().Equal("rule", "requirement", "figure", "applicable", "passed", "blocking");
        root.GetProperty("scorers")[0].EnumerateObject().Select(p => p.Name).Should().Equal(
            "scorer", "cases", "baselineMean", "candidateMean", "liftPoints", "baselinePassRate", "candidatePassRate", "regressions", "improvements",
            "mcNemarP", "ciLowPoints", "ciHighPoints", "baselineScorerFailures", "candidateScorerFailures");
        root.GetProperty("baseline").EnumerateObject().Select(p => p.Name).Should().Equal(
            "label", "modelId", "cases", "errors", "scorerFailures", "latencyP50Ms", "latencyP95Ms", "latencyP99Ms", "meanInputTokens", "meanOutputTokens", "meanCost", "totalCost");
        root.GetProperty("buckets")[1].EnumerateObject().Select(p => p.Name).Should().Equal("bucket", "isSafety", "figures", "note");
        root.GetProperty("regressions")[0].EnumerateObject().Select(p => p.Name).Should().Equal("caseId", "tags", "baselineScore", "candidateScore");
        root.GetProperty("charts").EnumerateObject().Select(p => p.Name).Should().Equal("latencyBinEdgesMs", "baselineLatency", "candidateLatency", "baselineScores", "candidateScores");

        var back = ComparisonReportWriter.FromJson(json);
        ComparisonReportWriter.ToJson(back).Should().Be(json);
    }

    [Fact]
    public void ToMarkdown_SummaryDecisionBucketsAndTwentyWorstRegressions()
    {
        var report = SampleReport();
        report.Regressions.Should().HaveCount(25);
        var md = ComparisonReportWriter.ToMarkdown(report);
        md.Should().StartWith("## Fine-tune evaluation: ❌ BLOCK");
        md.Should().Contain("| `safety-no-regression` |").And.Contain("**BLOCK**");
        md.Should().Contain("### Buckets (primary scorer)").And.Contain("| 🛡 safety |");
        md.Should().Contain("### Worst regressions (20 of 25)");
        var listed = md.Split('\n').Count(l => l.StartsWith("| `case-", StringComparison.Ordinal));
        listed.Should().Be(20);
    }

    [Fact]
    public void ToHtml_SelfContainedWithThreeCharts()
    {
        var html = ComparisonReportWriter.ToHtml(SampleReport());
        html.Should().Contain("<svg id=\"chart-buckets\"").And.Contain("<svg id=\"chart-latency\"").And.Contain("<svg id=\"chart-scores\"");
        html.Should().NotContain("<script").And.NotContain("<link").And.NotContain("src=").And.NotContain("url(");
        html.Should().NotContainAny("http://", "https://");
    }

    [Fact]
    public async Task ToHtml_RendersChartsInHeadlessChromium()
    {
        var chromium = HeadlessChromium.FindOrRequireInCi();
        if (chromium is null)
        {
            return;
        }

        await ComparisonReportWriter.WriteAllAsync(SampleReport(), _dir);
        var artifacts = Path.Combine(AppContext.BaseDirectory, "TestResults", "eval");
        Directory.CreateDirectory(artifacts);
        var screenshot = Path.Combine(artifacts, "compare.png");
        var image = await HeadlessChromium.ScreenshotAsync(chromium, Path.Combine(_dir, "compare.html"), screenshot, Path.Combine(_dir, "profile"), height: 2000);

        File.Copy(Path.Combine(_dir, "compare.html"), Path.Combine(artifacts, "compare.html"), overwrite: true);
        image.Width.Should().Be(1280);
        image.CountNonWhite().Should().BeGreaterThan(20_000, "the page is not blank");
        image.CountNear(0x09, 0x69, 0xda, 12).Should().BeGreaterThan(2_000, "the candidate's bars are drawn");
        image.CountNear(0x8c, 0x95, 0x9f, 8).Should().BeGreaterThan(2_000, "the baseline's bars are drawn");
    }
}
