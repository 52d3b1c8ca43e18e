using System.Text.Json;

namespace FineTune.Sdk.Tests.Pipeline;

public sealed class PipelineReportWriterTests : IDisposable
{
    private const string Hostile = "<script>alert(1)</script>\"'&";
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task WriteAllAsync_HostileIdsAndTags_AreEscapedEverywhere()
    {
        var state = SampleState(Hostile);

        await PipelineReportWriter.WriteAllAsync(state, Definition(), _dir, default);

        var html = await File.ReadAllTextAsync(Path.Combine(_dir, "report.html"));
        html.Should().NotContain("<script>").And.Contain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
        var md = await File.ReadAllTextAsync(Path.Combine(_dir, "report.md"));
        md.Should().NotContain("<script>").And.Contain("\\<script\\>");
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_dir, "report.json")));
        json.RootElement.GetProperty("runId").GetString().Should().Be(Hostile);
        json.RootElement.GetProperty("job").GetProperty("fineTunedModel").GetString().Should().Be("ft:" + Hostile);
    }

    [Fact]
    public async Task WriteAllAsync_Completed_ReportHoldsEveryPart()
    {
        await PipelineReportWriter.WriteAllAsync(SampleState("run-1"), Definition(), _dir, default);
        await File.WriteAllTextAsync(Path.Combine(_dir, "compare.html"), "<html></html>");
        await PipelineReportWriter.WriteAllAsync(SampleState("run-1"), Definition(), _dir, default);

        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_dir, "report.json")));
        var root = json.RootElement;
        root.GetProperty("schemaVersion").GetInt32().Should().Be(1);
        root.GetProperty("status").GetString().Should().Be("completed");
        root.GetProperty("dataset").GetProperty("rows").GetInt64().Should().Be(70);
        root.GetProperty("estimate").GetProperty("billedTokens").GetInt64().Should().Be(3000);
        root.GetProperty("trainedTokens").GetInt64().Should().Be(2900);
        root.GetProperty("metrics").GetArrayLength().Should().Be(30);
        root.GetProperty("diagnosis")[0].GetProperty("code").GetString().Should().Be("overfitting");
        root.GetProperty("comparison").GetProperty("passed").GetBoolean().Should().BeTrue();
        root.GetProperty("comparisonReport").GetString().Should().Be("compare.html");
        root.GetProperty("registration").GetProperty("status").GetString().Should().Be("Registered");

        var html = await File.ReadAllTextAsync(Path.Combine(_dir, "report.html"));
        html.Should().Contain("<svg id=\"loss-chart\"").And.Contain("class=\"train-loss\"").And.Contain("class=\"valid-loss\"")
            .And.Contain("href=\"compare.html\"").And.Contain("96.7 %").And.NotContain("src=").And.NotContain("<link");
    }

    [Fact]
    public void LossChart_NoMetrics_SaysSo() =>
        PipelineReportWriter.LossChart([]).Should().Be("<p id=\"loss-chart\">No training metrics yet.</p>\n");

    [Fact]
    public async Task ToHtml_RendersLossCurvesInHeadlessChromium()
    {
        var chromium = HeadlessChromium.FindOrRequireInCi();
        if (chromium is null)
        {
            return;
        }

        await PipelineReportWriter.WriteAllAsync(SampleState(Hostile), Definition(), _dir, default);
        var screenshot = Path.Combine(_dir, "report.png");
        var image = await HeadlessChromium.ScreenshotAsync(chromium, Path.Combine(_dir, "report.html"), screenshot, Path.Combine(_dir, "profile"), height: 2400);

        var artifacts = Path.Combine(AppContext.BaseDirectory, "TestResults", "pipeline");
        Directory.CreateDirectory(artifacts);
        File.Copy(screenshot, Path.Combine(artifacts, "report.png"), overwrite: true);
        image.CountNonWhite().Should().BeGreaterThan(20_000, "the page is not blank");
        image.CountNear(0x1f, 0x6f, 0xeb, 24).Should().BeGreaterThan(300, "the training-loss curve is drawn");
        image.CountNear(0xd9, 0x48, 0x0f, 24).Should().BeGreaterThan(300, "the validation-loss curve is drawn");
    }

    private static FineTunePipelineDefinition Definition() =>
        FineTunePipelineDefinition.Parse("provider: emulator\nbaseModel: gpt-4o-mini-2024-07-18\ndataset: d.jsonl\n", "finetune.yaml");

    private static PipelineRunState SampleState(string id) => new()
    {
        RunId = id,
        Pipeline = "p",
        Provider = "emulator",
        BaseModel = "gpt-4o-mini-2024-07-18",
        DatasetSha256 = new string('a', 64),
        CompletedSteps = [.. PipelineSteps.All.Select(PipelineSteps.Name)],
        Warnings = ["tag " + id],
        Dataset = new() { Name = id + ".jsonl", Rows = 70, Format = "Chat" },
        Split = new() { TrainRows = 49, ValidationRows = 7, HoldoutRows = 14, Seed = 7 },
        Estimate = new() { Model = "gpt-4o-mini-2024-07-18", TrainingTokensPerEpoch = 1000, Epochs = 3, BilledTokens = 3000, TotalUsd = 0.01m, BudgetUsd = 2 },
        Job = new() { Id = "ftjob-" + id, Status = "succeeded", FineTunedModel = "ft:" + id, TrainedTokens = 2900 },
        Metrics = [.. Enumerable.Range(1, 30).Select(i => new PipelineRunState.MetricPoint { Step = i, TrainLoss = 2.0 / i, ValidLoss = (2.0 / i) + 0.1 + (i > 20 ? (i - 20) * 0.05 : 0) })],
        Diagnosis = [new() { Code = "overfitting", Severity = "warning", Message = "validation loss rose for " + id, Advice = "fewer epochs" }],
        Comparison = new()
        {
            Passed = true,
            GoldenSet = id,
            Cases = 30,
            PrimaryScorer = "exact",
            BaselinePassRate = 0.567,
            CandidatePassRate = 0.967,
            Rules = [new() { Rule = "exact-match-lift", Passed = true, Figure = "+40 points " + id }],
        },
        Registration = new() { Feature = id, Variant = "ft-" + id, Store = "file:x", Status = "Registered" },
    };
}
