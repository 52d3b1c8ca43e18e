using System.Text;

namespace FineTune.Sdk.Tests;

public sealed class DatasetRowParserTests
{
    [Fact]
    public void Fill_ChatRowWithToolCall_ExtractsSystemUserAssistantAndSource()
    {
        const string json = """
            {"messages":[{"role":"system","content":"sys"},{"role":"user","content":"first"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
            {"role":"tool","tool_call_id":"c","content":"r"},{"role":"user","content":[{"type":"text","text":"second"}]},{"role":"assistant","content":"{\"intent\":\"x\"}"}],
            "metadata":{"source":"synthetic"}}
            """;
        using var document = DatasetRowParser.TryParse(Encoding.UTF8.GetBytes(json.ReplaceLineEndings(string.Empty)), 64, out var failure, out _);
        var row = new DatasetRow();

        DatasetRowParser.Fill(row, 7, document!.RootElement, DatasetFormat.Chat);

        failure.Should().Be(JsonParseFailure.None);
        row.Line.Should().Be(7);
        row.Format.Should().Be(DatasetFormat.Chat);
        row.SystemPrompt.Should().Be("sys");
        row.UserText.Should().Be("first\nsecond");
        row.AssistantText.Should().Be("{\"intent\":\"x\"}");
        row.AssistantPath.Should().Be("$.messages[5].content");
        row.Source.Should().Be("synthetic");
    }

    [Fact]
    public void Fill_ChatRowEndingWithToolCall_UsesTheCallsAsAssistantText()
    {
        const string json = """{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}]}""";
        using var document = DatasetRowParser.TryParse(Encoding.UTF8.GetBytes(json), 64, out _, out _);
        var row = new DatasetRow { Source = "stale", SystemPrompt = "stale" };

        DatasetRowParser.Fill(row, 1, document!.RootElement, DatasetFormat.Chat);

        row.AssistantPath.Should().Be("$.messages[1].tool_calls");
        row.AssistantText.Should().Contain("\"name\":\"f\"");
        row.Source.Should().BeNull();
        row.SystemPrompt.Should().BeNull();
    }

    [Fact]
    public void Fill_PreferenceRow_UsesInputAndPreferredOutput()
    {
        using var document = DatasetRowParser.TryParse(Encoding.UTF8.GetBytes(DatasetRowRulesTests.ValidPreference), 64, out _, out _);
        var row = new DatasetRow();

        DatasetRowParser.Fill(row, 2, document!.RootElement, DatasetFormat.Preference);

        row.UserText.Should().Be("u");
        row.AssistantText.Should().Be("good");
        row.AssistantPath.Should().Be("$.preferred_output[0].content");
    }

    [Theory]
    [InlineData("{\"a\":", 1)]
    [InlineData("[[[[[[[[[[1]]]]]]]]]]", 2)]
    [InlineData("{\"a\":\"[[[[[[[[[[[[[[\"}", 0)]
    public void TryParse_Failures_AreClassified(string json, int expectedFailure)
    {
        using var document = DatasetRowParser.TryParse(Encoding.UTF8.GetBytes(json), 8, out var failure, out _);

        var expected = (JsonParseFailure)expectedFailure;
        failure.Should().Be(expected);
        (document is null).Should().Be(expected != JsonParseFailure.None);
    }
}
