using System.Text.Json;
using FineTune.Sdk;

namespace FineTune.Cli.Tests;

public sealed class AdviseCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ft-advise-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Advise_Flags_PrintsRecommendationAndWritesDecisionRecord()
    {
        var record = Path.Combine(_directory, "decision.json");

        var (code, output, error) = await RunAsync("advise", "--use-case", "support-intent", "--behaviour-stable-12-months", "--reviewed-examples", "640",
            "--measured-lift", "7.5", "--facts-change", "yearly", "--decided-by", "carol", "--out", record);

        code.Should().Be(CliApp.Success, error);
        output.Should().StartWith("recommendation: FineTune\n  - Stable behaviour, 640 reviewed examples and a measured lift of 7.5 points (at least 5): fine-tune.\n")
            .And.Contain("decision record: " + record);
        var decision = AdaptationAdvisor.FromJson(await File.ReadAllTextAsync(record));
        decision.Should().Match<AdaptationDecision>(d => d.Recommendation == AdaptationRecommendation.FineTune && d.UseCase == "support-intent" && d.DecidedBy == "carol" && d.DecidedAt != null);
        Directory.GetFiles(_directory).Should().Equal([record], "the record is written through a temporary file that is renamed");
    }

    [Fact]
    public async Task Advise_SignalsFileWithFlagOverride_UsesBoth()
    {
        var signals = Path.Combine(_directory, "signals.json");
        await File.WriteAllTextAsync(signals, """{"behaviourStable12Months":true,"reviewedExamples":900,"measuredLiftPoints":12,"factsChange":"never"}""");

        var (code, output, _) = await RunAsync("advise", "--signals", signals, "--prompt-passes-eval", "--json");

        code.Should().Be(CliApp.Success);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("recommendation").GetString().Should().Be("PromptEngineering");
        json.RootElement.GetProperty("signals").GetProperty("reviewedExamples").GetInt32().Should().Be(900);
        json.RootElement.GetProperty("signals").GetProperty("promptPassesEval").GetBoolean().Should().BeTrue();
    }

    [Theory]
    [InlineData("--facts-change", "hourly", "--facts-change must be never, yearly, quarterly, monthly, weekly or daily; it was 'hourly'.")]
    [InlineData("--measured-lift", "lots", "--measured-lift must be a number of points such as 8.5; it was 'lots'.")]
    [InlineData("--reviewed-examples", "-5", "--reviewed-examples must be 0 or more; it was -5.")]
    [InlineData("--min-lift", "250", "MinReviewedExamples must be at least 1 and MinLiftPoints between 0 and 100; they were 200 and 250. (Parameter 'options')")]
    public async Task Advise_BadFlag_ExitsTwoWithMessage(string option, string value, string message)
    {
        var (code, output, error) = await RunAsync("advise", option, value);

        code.Should().Be(CliApp.UsageError);
        output.Should().BeEmpty();
        error.Should().Be("error: " + message + "\n");
    }

    [Fact]
    public async Task Advise_MalformedSignalsFile_ExitsTwoNamingLineAndPath()
    {
        var signals = Path.Combine(_directory, "signals.json");
        await File.WriteAllTextAsync(signals, "{\n  \"reviewedExamples\": \"many\"\n}");

        var (code, _, error) = await RunAsync("advise", "--signals", signals);

        code.Should().Be(CliApp.UsageError);
        error.Should().StartWith("error: signals.json: line 2, path $.reviewedExamples: ");
        error.Should().NotContain("   at ");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
