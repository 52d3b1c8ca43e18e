using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Bedrock.Tests;

public sealed class BedrockDatasetTests : IDisposable
{
    private const string Row = """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}""";
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrock-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("nova", """{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[{"text":"Hi"}]},{"role":"assistant","content":[{"text":"Hello!"}]}]}""")]
    [InlineData("llama3.2", """{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[{"text":"Hi"}]},{"role":"assistant","content":[{"text":"Hello!"}]}]}""")]
    [InlineData("claude3-haiku", """{"system":"Be brief.","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}""")]
    [InlineData("titan", """{"prompt":"Be brief.\n\nHi","completion":"Hello!"}""")]
    [InlineData("llama3.1", """{"prompt":"Be brief.\n\nHi","completion":"Hello!"}""")]
    public async Task ConvertAsync_ChatRow_WritesTheFamilyFormat(string family, string expected)
    {
        var input = Write("in.jsonl", Row + "\n");
        var output = Path.Combine(_dir, "out.jsonl");

        var report = await new BedrockDatasetConverter(BedrockModelFamily.Find(family)!).ConvertAsync(input, output);

        report.IsValid.Should().BeTrue();
        report.RowsWritten.Should().Be(1);
        File.ReadAllText(output).Should().Be(expected + "\n");
    }

    [Fact]
    public async Task ConvertAsync_ToolCallRowAndTrailingUserTurn_ReportsLinesAndWritesNothing()
    {
        var input = Write("in.jsonl", Row + "\n"
            + """{"messages":[{"role":"user","content":"Order 7?"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"lookup","arguments":"{}"}}]}]}""" + "\n"
            + """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Yes"},{"role":"user","content":"and?"}]}""" + "\n");
        var output = Path.Combine(_dir, "out.jsonl");

        var report = await new BedrockDatasetConverter(BedrockModelFamily.Find("nova")!).ConvertAsync(input, output);

        report.OutputWritten.Should().BeFalse();
        File.Exists(output).Should().BeFalse();
        Directory.GetFiles(_dir).Should().ContainSingle("no temporary file is left behind");
        report.Findings.Select(f => (f.Code, f.Line, f.Path)).Should().Equal(
            (BedrockFindingCodes.NotConvertible, 2L, "$.messages[1]"),
            (BedrockFindingCodes.LastTurnNotAssistant, 3L, "$.messages"));
    }

    [Fact]
    public async Task ConvertAsync_SkipInvalidRows_WritesTheRest()
    {
        var input = Write("in.jsonl", Row + "\n{not json\n" + Row + "\n");
        var output = Path.Combine(_dir, "out.jsonl");

        var report = await new BedrockDatasetConverter(BedrockModelFamily.Find("claude3-haiku")!).ConvertAsync(input, output, skipInvalidRows: true);

        report.OutputWritten.Should().BeTrue();
        report.RowsWritten.Should().Be(2);
        report.Findings.Single().Line.Should().Be(2);
        File.ReadAllLines(output).Should().HaveCount(2);
    }

    [Fact]
    public async Task ConvertThenValidate_SampleSupportTickets_ConvertsTextRowsAndValidatesForNova()
    {
        var output = Path.Combine(_dir, "nova.jsonl");

        var conversion = await new BedrockDatasetConverter(BedrockModelFamily.Find("amazon.nova-micro-v1:0:128k")!)
            .ConvertAsync(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"), output, skipInvalidRows: true);
        var validation = await new BedrockDatasetValidator(BedrockModelFamily.Find("nova")!).ValidateAsync(output);

        conversion.RowsRead.Should().Be(70);
        conversion.Findings.Where(f => f.Severity == FindingSeverity.Error).Should().OnlyContain(f => f.Code == BedrockFindingCodes.NotConvertible, "only the tool-calling tickets cannot be carried");
        validation.Records.Should().Be(conversion.RowsWritten);
        validation.IsValid.Should().BeTrue(string.Join("; ", validation.Findings.Select(f => f.Message)));
        validation.TokensAreEstimates.Should().BeTrue();
        validation.TokenCountMethod.Should().Contain("characters / 6");
    }

    [Fact]
    public async Task ValidateAsync_NovaRecords_ReportsAlternationLastTurnReservedStringsAndCountWithPaths()
    {
        var path = Write("nova.jsonl",
            """{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"user","content":[{"text":"User: hi"}]},{"role":"assistant","content":[{"text":"ok"}]}]}""" + "\n"
            + """{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"assistant","content":[{"text":"a"}]},{"role":"user","content":[{"text":"b"}]}]}""" + "\n"
            + """{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"user","content":"flat"},{"role":"assistant","content":[{"text":""}]}],"extra":1}""" + "\n");

        var report = await new BedrockDatasetValidator(BedrockModelFamily.Find("nova")!).ValidateAsync(path);

        report.IsValid.Should().BeFalse();
        report.Findings.Select(f => (f.Code, f.Line, f.Path)).Should().Contain(
        [
            (BedrockFindingCodes.ReservedString, 1L, "$.messages[0].content[0].text"),
            (BedrockFindingCodes.RoleOrder, 2L, "$.messages[0].role"),
            (BedrockFindingCodes.RoleOrder, 2L, "$.messages[1].role"),
            (BedrockFindingCodes.LastTurnNotAssistant, 2L, "$.messages[1].role"),
            (BedrockFindingCodes.UnexpectedKey, 3L, "$.extra"),
            (BedrockFindingCodes.MissingField, 3L, "$.messages[0].content"),
            (BedrockFindingCodes.EmptyText, 3L, "$.messages[1].content[0].text"),
            (BedrockFindingCodes.TooFewRecords, 0L, "$"),
        ]);
        report.Findings.Should().NotContain(f => f.Message.Contains("flat", StringComparison.Ordinal), "row text never reaches a finding");
    }

    [Fact]
    public async Task ValidateAsync_ClaudeRecordTooLongAndExtraKey_ReportsThem()
    {
        var big = new string('x', 32_000 * 6 + 60);
        var line = JsonSerializer.Serialize(new { messages = new object[] { new { role = "user", content = big }, new { role = "assistant", content = "ok" } } });
        var path = Write("claude.jsonl", line + "\n" + """{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}],"prompt":"x"}""" + "\n");

        var report = await new BedrockDatasetValidator(BedrockModelFamily.Find("claude3-haiku")!).ValidateAsync(path);

        report.Findings.Should().Contain(f => f.Code == BedrockFindingCodes.RecordTooLong && f.Line == 1);
        report.Findings.Should().Contain(f => f.Code == BedrockFindingCodes.UnexpectedKey && f.Line == 2 && f.Path == "$.prompt");
        report.Findings.Should().Contain(f => f.Code == BedrockFindingCodes.TooFewRecords && f.Message.Contains("at least 32", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateAsync_SuppliedTokenCounter_IsUsedAndNotAnEstimate()
    {
        var path = Write("titan.jsonl", """{"prompt":"one two three","completion":"four"}""" + "\n");

        var report = await new BedrockDatasetValidator(BedrockModelFamily.Find("titan")!, new WordCounter()).ValidateAsync(path);

        report.Tokens.Should().Be(4);
        report.TokensAreEstimates.Should().BeFalse();
        report.TokenCountMethod.Should().Contain("words");
    }

    [Theory]
    [InlineData("titan", "epochCount", "11", "between 1 and 10")]
    [InlineData("claude3-haiku", "batchSize", "2", "between 4 and 256")]
    [InlineData("llama3.1", "learningRate", "abc", "must be a number")]
    [InlineData("nova", "batchSize", "1", "not a Amazon Nova")]
    [InlineData("nova", "epochCount", "2.5", "must be an integer")]
    public async Task ValidateAsync_BadHyperparameter_IsAFinding(string family, string name, string value, string expected)
    {
        var path = Write("x.jsonl", string.Empty);

        var report = await new BedrockDatasetValidator(BedrockModelFamily.Find(family)!).ValidateAsync(path, new Dictionary<string, string> { [name] = value });

        report.Findings.Should().Contain(f => f.Code == BedrockFindingCodes.InvalidHyperParameter && f.Path == "$.hyperParameters" && f.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("amazon.nova-lite-v1:0:300k", "nova")]
    [InlineData("arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-3-70b-instruct-v1:0:128k", "llama3.3")]
    [InlineData("anthropic.claude-3-haiku-20240307-v1:0:200k", "claude3-haiku")]
    [InlineData("amazon.titan-text-premier-v1:0:32k", "titan-premier")]
    public void Find_ModelIdOrArn_ReturnsFamily(string model, string family) => BedrockModelFamily.Find(model)!.Name.Should().Be(family);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private sealed class WordCounter : ITokenCounter
    {
        public string EncodingName => "words";

        public int CountTokens(ReadOnlySpan<char> text) => text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

        public object? GetService(Type serviceType, object? serviceKey = null) => null;
    }
}
