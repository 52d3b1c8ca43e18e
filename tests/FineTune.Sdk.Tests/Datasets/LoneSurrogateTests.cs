using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Regression tests for <c>\ud800</c>-style escapes without their other half: JSON's grammar accepts them, but
/// decoding one (GetString, ValueEquals, property names, WriteTo) throws. Every reader of user JSON gets a finding
/// or a documented fallback, never the exception (issue 10: <c>"a\ud800b"</c> crashed <c>finetune validate</c>).
/// </summary>
public sealed class LoneSurrogateTests
{
    private static readonly string Valid = DatasetRowRulesTests.Valid;

    // A chat row whose system prompt and answer are fine but whose user content holds the escape in the raw text.
    private const string HighInContent = """{"messages":[{"role":"system","content":"s"},{"role":"user","content":"a\ud800b"},{"role":"assistant","content":"a"}]}""";
    private const string LowInKey = """{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","k\udc00":1}]}""";
    private const string InRole = """{"messages":[{"role":"\ud800"},{"role":"assistant","content":"a"}]}""";
    private const string InToolArguments = """{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c\udfff","type":"function","function":{"name":"f","arguments":"{}"}}]}]}""";
    private const string InPreference = """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"\udbff"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""";

    [Theory]
    [InlineData("\"a\\ud800b\"", 2)]
    [InlineData("\"a\\uDC00\"", 2)]
    [InlineData("\"\\ud83d\\ude00\\ud800\"", 13)]
    [InlineData("\"\\ud800\\u0041\"", 1)]
    [InlineData("\"x\\\\\\udbff\"", 4)]
    public void IndexOfLoneSurrogate_LoneHalf_FindsItsBackslash(string json, int expected) =>
        JsonUnicode.IndexOfLoneSurrogate(Encoding.UTF8.GetBytes(json)).Should().Be(expected);

    [Theory]
    [InlineData("\"\\ud83d\\ude00\"")]
    [InlineData("\"\\\\ud800\"")]
    [InlineData("\"\\u00e9 \\n \\\" \\\\\"")]
    [InlineData("\"\\ud8\"")]
    [InlineData("\"\\")]
    [InlineData("\"\\u")]
    [InlineData("")]
    public void IndexOfLoneSurrogate_PairsAndOtherEscapes_FindsNothing(string json) =>
        JsonUnicode.IndexOfLoneSurrogate(Encoding.UTF8.GetBytes(json)).Should().Be(-1);

    [Fact]
    public void Repair_EachLoneHalf_BecomesTheReplacementCharacter()
    {
        var repaired = JsonUnicode.Repair("\"\\ud800\\ud83d\\ude00\\udc00\""u8);

        JsonSerializer.Deserialize<string>(repaired).Should().Be("\uFFFD\U0001F600\uFFFD");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ValidateAsync_LoneHighSurrogateInChatContent_ReportsFT1016AtItsPath(bool sequential)
    {
        var report = await ValidateAsync([HighInContent], sequential, model: "gpt-4o-mini");

        var finding = report.Findings.Should().ContainSingle(f => f.Code == "FT1016").Subject;
        finding.Line.Should().Be(1);
        finding.Path.Should().Be("$.messages[1].content");
        finding.Severity.Should().Be(FindingSeverity.Error);
        finding.Message.Should().NotContain("a\\ud800b").And.Contain("surrogate");
    }

    [Theory]
    [InlineData(LowInKey, "$.messages[1][?]")]
    [InlineData(InRole, "$.messages[0].role")]
    [InlineData(InToolArguments, "$.messages[1].tool_calls[0].id")]
    public async Task ValidateAsync_LoneSurrogateInKeyRoleOrToolCall_ReportsFT1016(string row, string path)
    {
        foreach (var sequential in new[] { false, true })
        {
            var report = await ValidateAsync([row], sequential, model: "gpt-4o-mini");

            report.Findings.Should().ContainSingle(f => f.Code == "FT1016").Which.Path.Should().Be(path);
        }
    }

    [Fact]
    public async Task ValidateAsync_LoneSurrogateInPreferenceRow_ReportsFT1016()
    {
        var preference = """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""";
        var lines = Enumerable.Repeat(preference, 12).Append(InPreference).ToArray();

        var report = await new DatasetValidator().ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n")), new DatasetValidationRequest { Model = "gpt-4o-mini" });

        report.Format.Should().Be(DatasetFormat.Preference);
        report.Findings.Should().ContainSingle(f => f.Code == "FT1016").Which.Should().Match<ValidationFinding>(f => f.Line == 13 && f.Path == "$.preferred_output[0].content");
    }

    [Fact]
    public async Task ValidateAsync_LoneSurrogateOnFirstRow_KeepsDetectingTheFormat()
    {
        var report = await ValidateAsync([HighInContent, Valid], sequential: false);

        report.Format.Should().Be(DatasetFormat.Chat);
        report.Findings.Select(f => f.Code).Should().Contain("FT1016");
    }

    [Fact]
    public async Task ValidateAsync_ValidSurrogatePairsAndEscapedBackslashes_NoFinding()
    {
        var row = """{"messages":[{"role":"user","content":"smile \ud83d\ude00 and \\ud800 as text"},{"role":"assistant","content":"ok \uD83D\uDE00"}]}""";

        var report = await ValidateAsync([row], sequential: true, model: "gpt-4o-mini");

        report.Findings.Should().NotContain(f => f.Code == "FT1016");
        report.Tokens!.Examples.Should().Be(21);
    }

    [Fact]
    public async Task ValidateAsync_AnswerIsJsonWithALoneSurrogateInside_GatesDoNotThrow()
    {
        // The row is valid text; the answer string is itself JSON whose own string holds the escape (doubly escaped in the row).
        var rows = Enumerable.Range(0, 20).Select(i =>
            $$$"""{"messages":[{"role":"user","content":"q{{{i}}}"},{"role":"assistant","content":"{\"label\":\"x\\ud800\",\"n{{{i}}}\":1}"}]}""").ToArray();

        var report = await new DatasetValidator().ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', rows) + "\n")), new DatasetValidationRequest { Model = "gpt-4o-mini" });

        report.Rows.Should().Be(20);
        report.Findings.Should().NotContain(f => f.Code == "FT1016");
    }

    [Fact]
    public void CountExample_LoneSurrogate_CountsItAsTheReplacementCharacter()
    {
        var accounting = ChatTokenAccounting.ForModel("gpt-4o-mini");
        using var broken = JsonDocument.Parse(HighInContent);
        using var replaced = JsonDocument.Parse(HighInContent.Replace("\\ud800", "\\ufffd", StringComparison.Ordinal));

        var counted = accounting.CountExample(broken.RootElement);

        counted.Should().Be(accounting.CountExample(replaced.RootElement));
        counted.Total.Should().BeGreaterThan(0);
    }

    [Fact]
    public void CountExample_InvalidUtf8InsideAString_CountsItAsTheReplacementCharacter()
    {
        // Found by DatasetFuzzTests (an overlong sequence inside a string): the parser accepts it, decoding it threw from JsonText.
        var accounting = ChatTokenAccounting.ForModel("gpt-4o-mini");
        byte[] row = [.. "{\"messages\":[{\"role\":\"user\",\"content\":\"a"u8, 0xE0, 0x80, 0xAF, .. "\"},{\"role\":\"assistant\",\"content\":{\"x\":\"b"u8, 0xFF, .. "\"}}]}"u8];
        using var broken = JsonDocument.Parse(row);

        var counted = accounting.CountExample(broken.RootElement);

        counted.Total.Should().BeGreaterThan(0);
        counted.Messages.Should().Be(2);
    }

    [Fact]
    public async Task RedactAsync_LoneSurrogateRow_RedactsTheRawLineAndKeepsGoing()
    {
        var input = string.Join('\n', Valid, HighInContent.Replace("a\\ud800b", "mail bob@example.com \\ud800", StringComparison.Ordinal), Valid) + "\n";
        using var output = new MemoryStream();

        var report = await new DatasetRedactor().RedactAsync(new MemoryStream(Encoding.UTF8.GetBytes(input)), output);

        report.Rows.Should().Be(3);
        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        lines[1].Should().NotContain("bob@example.com").And.Contain("\\ud800");
    }

    [Fact]
    public async Task SplitAsync_LoneSurrogateRow_IsCarriedWithoutThrowing()
    {
        var rows = Enumerable.Range(0, 30).Select(i => Valid.Replace("\"u\"", $"\"u{i}\"", StringComparison.Ordinal)).Append(HighInContent).ToArray();
        using MemoryStream train = new(), validation = new(), holdout = new();

        var report = await new DatasetSplitter().SplitAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', rows) + "\n")), train, validation, holdout);

        (report.TrainRows + report.ValidationRows + report.HoldoutRows + report.SkippedLines).Should().Be(31);
    }

    [Fact]
    public async Task AugmentAsync_LoneSurrogateRow_IsCopiedWithoutThrowing()
    {
        var input = string.Join('\n', Valid, HighInContent) + "\n";
        using var output = new MemoryStream();

        var report = await new EntitySwapAugmenter().AugmentAsync(new MemoryStream(Encoding.UTF8.GetBytes(input)), output);

        report.Should().NotBeNull();
        Encoding.UTF8.GetString(output.ToArray()).Should().Contain("a\\ud800b");
    }

    [Fact]
    public async Task CreateAsync_Manifest_LoneSurrogateRow_IsNotParsedAndTheValidatorCountsIt()
    {
        var input = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat(Valid, 11).Append(HighInContent)) + "\n");

        var gatesOnly = await new DatasetManifestBuilder().CreateAsync(new MemoryStream(input), "1.0.0");
        var validated = await new DatasetManifestBuilder(new DatasetValidator(TestOptions.RulesOnly())).CreateAsync(new MemoryStream(input), "1.0.0");

        gatesOnly.Rows.Should().Be(12);
        gatesOnly.ParsedRows.Should().Be(11);
        validated.Findings.ByCode.Should().ContainKey("FT1016");
    }

    [Fact]
    public async Task GoldenSetReader_LoneSurrogateInInput_ReportsFT3001WithPathAndReadsTheRest()
    {
        var content = """
            {"id":"a","input":"q\ud800","expected":"x"}
            {"id":"b","input":"fine","expected":"y"}
            {"id":"c\udc00","input":"q","expected":"z"}
            """;

        var set = await GoldenSetReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(content + "\n")));

        set.Cases.Select(c => c.Id).Should().Equal("b");
        set.Findings.Where(f => f.Code == "FT3001").Select(f => (f.Line, f.Path)).Should().Equal((1L, "$.input"), (3L, "$.id"));
    }

    [Fact]
    public async Task GoldenSetReader_LoneSurrogateInTrainingFile_LeakageCheckSkipsTheLine()
    {
        var dir = Directory.CreateTempSubdirectory("ft-lone-");
        try
        {
            var training = Path.Combine(dir.FullName, "train.jsonl");
            await File.WriteAllTextAsync(training, HighInContent + "\n" + Valid + "\n");

            var set = await GoldenSetReader.ReadAsync(
                new MemoryStream("""{"id":"a","input":"u","expected":"a"}"""u8.ToArray()),
                options: new GoldenSetReadOptions { TrainingFile = training });

            set.Cases.Should().ContainSingle();
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_RunFileLineWithLoneSurrogate_IsIgnoredAndTheCaseRunsAgain()
    {
        var dir = Directory.CreateTempSubdirectory("ft-lone-");
        try
        {
            var runFile = Path.Combine(dir.FullName, "run.jsonl");
            await File.WriteAllTextAsync(runFile, """{"caseId":"case-1","variant":"base","modelId":"m","output":"\ud800"}""" + "\n");
            var client = FakeChatClient.Answering(_ => "a1");
            var cases = new List<GoldenCase> { new("case-1", [new ChatMessage(ChatRole.User, "q1")], "a1") };

            var results = new List<EvalCaseResult>();
            await foreach (var r in new EvalRunner().RunAsync(cases, [new ModelVariant("base", "m", client)], new EvalRunOptions { RunFile = runFile }))
            {
                results.Add(r);
            }

            results.Should().ContainSingle().Which.Output.Should().Be("a1");
            client.Calls.Should().Be(1);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void JsonOutputTryParse_LoneSurrogateInModelOutput_IsNotJson()
    {
        JsonOutput.TryParse("""{"a":"\ud800"}""", out _).Should().BeFalse();
        JsonOutput.TryParse("""{"a":"\ud83d\ude00"}""", out _).Should().BeTrue();
    }

    [Fact]
    public void TryParseVerdict_LoneSurrogateInJudgeExplanation_IsNotAVerdict() =>
        LlmJudgeScorer.TryParseVerdict("""{"score":4,"explanation":"\udc00"}""", out _, out _).Should().BeFalse();

    private static async Task<DatasetValidationReport> ValidateAsync(string[] lines, bool sequential, string? model = null)
    {
        // Enough valid rows around the hostile one that the pipelined path prepares it on a worker.
        var all = Enumerable.Range(0, 10).Select(i => Valid.Replace("\"u\"", $"\"u{i}\"", StringComparison.Ordinal)).ToList();
        all.InsertRange(0, lines.Take(1));
        all.AddRange(lines.Skip(1));
        all.AddRange(Enumerable.Range(10, 10).Select(i => Valid.Replace("\"u\"", $"\"u{i}\"", StringComparison.Ordinal)));
        var validator = new DatasetValidator(new DatasetValidationOptions()) { Sequential = sequential };
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', all) + "\n");
        return await validator.ValidateAsync(new MemoryStream(bytes), new DatasetValidationRequest { Model = model });
    }
}
