using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ft-validate-").FullName;

    private static string Sample => Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Validate_BundledSample_ExitsZeroWithSummary()
    {
        var (code, output, error) = await RunAsync("validate", Sample);

        code.Should().Be(CliApp.Success);
        output.Should().Contain("70 rows, format chat").And.Contain("OK: 0 errors, 0 warnings.");
        error.Should().BeEmpty();
    }

    [Fact]
    public async Task Validate_FileWithErrors_ExitsOneAndListsFindingsByLine()
    {
        var file = Write("bad.jsonl", string.Join("\n", File.ReadLines(Sample).Take(11).Append("{\"messages\":[{\"role\":\"user\",\"content\":5}]}")));

        var (code, output, _) = await RunAsync("validate", file);

        code.Should().Be(CliApp.Failed);
        output.Should().Contain("FT1026  line 12  $.messages[0].content").And.Contain("FT1030").And.Contain("INVALID");
    }

    [Fact]
    public async Task Validate_OnlyWarnings_ExitsZero()
    {
        var file = Write("twenty.jsonl", string.Join("\n", File.ReadLines(Sample).Take(20)));

        var (code, output, _) = await RunAsync("validate", file);

        code.Should().Be(CliApp.Success);
        output.Should().Contain("FT1010");
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwoWithMessageOnStderr()
    {
        var (code, output, error) = await RunAsync("validate", Path.Combine(_directory, "nope.jsonl"));

        code.Should().Be(CliApp.UsageError);
        output.Should().BeEmpty();
        error.Should().Contain("file not found").And.Contain("nope.jsonl");
    }

    [Fact]
    public async Task Validate_UnknownFormat_ExitsTwo()
    {
        var (code, _, error) = await RunAsync("validate", Sample, "--format", "alpaca");

        code.Should().Be(CliApp.UsageError);
        error.Should().Contain("alpaca");
    }

    [Fact]
    public async Task Validate_ForcedPreferenceOnChatFile_ExitsOne()
    {
        var (code, output, _) = await RunAsync("validate", Sample, "--format", "preference", "--json");

        code.Should().Be(CliApp.Failed);
        using var document = JsonDocument.Parse(output);
        document.RootElement.GetProperty("format").GetString().Should().Be("preference");
        document.RootElement.GetProperty("summary").GetProperty("FT1014").GetInt32().Should().Be(70);
    }

    [Fact]
    public async Task Validate_Json_WritesExactlyOneObjectWithTheContractFields()
    {
        var (code, output, error) = await RunAsync("validate", RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl"), "--json");

        code.Should().Be(CliApp.Failed);
        error.Should().BeEmpty();
        using var document = JsonDocument.Parse(output); // throws if there is anything but one JSON value
        var root = document.RootElement;
        root.GetProperty("rows").GetInt64().Should().Be(5);
        root.GetProperty("format").GetString().Should().Be("chat");
        root.GetProperty("valid").GetBoolean().Should().BeFalse();
        root.GetProperty("errors").GetInt32().Should().Be(1);
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        findings.Should().OnlyContain(f => new[] { "error", "warning", "info" }.Contains(f.GetProperty("severity").GetString()));
        root.GetProperty("warnings").GetInt32().Should().Be(findings.Count(f => f.GetProperty("severity").GetString() == "warning"));
        var noUser = findings.Single(f => f.GetProperty("code").GetString() == "FT1032");
        noUser.GetProperty("severity").GetString().Should().Be("warning");
        noUser.GetProperty("line").GetInt64().Should().Be(4);
        noUser.GetProperty("path").GetString().Should().Be("$.messages");
        noUser.GetProperty("message").GetString().Should().NotBeNullOrEmpty();
        noUser.TryGetProperty("details", out var noDetails).Should().BeFalse("a finding without figures carries no details: {0}", noDetails);
        findings.Single(f => f.GetProperty("code").GetString() == "FT1033").GetProperty("severity").GetString().Should().Be("info");
        var tooFew = findings.Single(f => f.GetProperty("code").GetString() == "FT1009");
        tooFew.GetProperty("severity").GetString().Should().Be("error");
        tooFew.GetProperty("line").GetInt64().Should().Be(0);
        var summary = root.GetProperty("summary");
        summary.EnumerateObject().Sum(p => p.Value.GetInt32()).Should().Be(findings.Count);
        summary.GetProperty("FT1009").GetInt32().Should().Be(1);
        summary.GetProperty("FT1032").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Validate_Json_CarriesFindingFiguresAsDetails()
    {
        var (code, output, error) = await RunAsync("validate", Sample, "--json");

        code.Should().Be(CliApp.Success, error);
        using var document = JsonDocument.Parse(output);
        var counts = document.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("code").GetString() == "FT1120");
        var details = counts.GetProperty("details");
        details.GetProperty("labeledRows").GetInt64().Should().Be(70);
        details.GetProperty("classes").EnumerateObject().Select(p => (p.Name, p.Value.GetInt64())).Should().HaveCount(7).And.OnlyContain(p => p.Item2 == 10);
        details.GetProperty("classes").GetProperty("refund_request").GetInt64().Should().Be(10);
    }

    [Fact]
    public async Task Validate_JsonOnCsv_ReportsForeignFormat()
    {
        var (code, output, _) = await RunAsync("validate", RepoPaths.Dataset("banking77/test.csv"), "--json");

        code.Should().Be(CliApp.Failed);
        using var document = JsonDocument.Parse(output);
        document.RootElement.GetProperty("format").GetString().Should().Be("unknown");
        document.RootElement.GetProperty("findings")[0].GetProperty("code").GetString().Should().Be("FT1012");
    }

    [Fact]
    public async Task Validate_GatesNone_RunsFormatChecksAndTokensOnly()
    {
        // 60 sample rows, the first 20 of them twice: the duplicate gate and the class-balance gate have findings.
        var rows = File.ReadLines(Sample).Take(60).ToList();
        var file = Write("dupes.jsonl", string.Join("\n", rows.Concat(rows.Take(20))));

        var (allCode, allOutput, _) = await RunAsync("validate", file, "--json", "--model", "gpt-4o-mini");
        var (code, output, error) = await RunAsync("validate", file, "--json", "--model", "gpt-4o-mini", "--gates", "none");

        allCode.Should().Be(CliApp.Success);
        code.Should().Be(CliApp.Success, error);
        using var all = JsonDocument.Parse(allOutput);
        using var none = JsonDocument.Parse(output);
        all.RootElement.GetProperty("gates").EnumerateArray().Select(g => g.GetString()).Should().Equal(GateSelection.Names);
        all.RootElement.GetProperty("summary").GetProperty("FT1100").GetInt32().Should().Be(20);
        none.RootElement.GetProperty("gates").GetArrayLength().Should().Be(0);
        none.RootElement.GetProperty("summary").EnumerateObject().Select(p => p.Name).Should().NotContain(code => code.StartsWith("FT11", StringComparison.Ordinal));
        none.RootElement.GetProperty("tokens").GetProperty("total").GetInt64().Should().Be(all.RootElement.GetProperty("tokens").GetProperty("total").GetInt64());
        none.RootElement.GetProperty("cost").GetRawText().Should().Be(all.RootElement.GetProperty("cost").GetRawText());
    }

    [Fact]
    public async Task Validate_GatesList_RunsOnlyThoseAndSaysWhichWereSkipped()
    {
        var rows = File.ReadLines(Sample).Take(60).ToList();
        var file = Write("dupes.jsonl", string.Join("\n", rows.Concat(rows.Take(20))));

        var (code, output, _) = await RunAsync("validate", file, "--gates", "duplicates,PII");
        var (_, json, _) = await RunAsync("validate", file, "--json", "--gates", " exact-duplicates ");

        code.Should().Be(CliApp.Success);
        output.Should().Contain("FT1100").And.NotContain("FT1120")
            .And.Contain("Quality gates not run (--gates): contradictions, class-balance, system-prompts, output-format, provenance.");
        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("gates").EnumerateArray().Select(g => g.GetString()).Should().Equal("exact-duplicates");
        document.RootElement.GetProperty("summary").GetProperty("FT1100").GetInt32().Should().Be(20);
    }

    [Fact]
    public async Task Validate_UnknownGate_ExitsTwoNamingTheKnownOnes()
    {
        var (code, output, error) = await RunAsync("validate", Sample, "--gates", "duplicates,spelling");

        code.Should().Be(CliApp.UsageError);
        output.Should().BeEmpty();
        error.Should().Contain("unknown gate 'spelling'").And.Contain("near-duplicates").And.Contain("pii");
        (await RunAsync("validate", Sample, "--gates", " , ")).Code.Should().Be(CliApp.UsageError, "an empty list is a mistake, not 'none'");
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content + "\n");
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
