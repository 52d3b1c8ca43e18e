using System.Text;

namespace FineTune.Sdk.Tests;

/// <summary>One case per rule: the bad row sits on line 3 after two valid rows, and the finding must name line 3 and the path.</summary>
public sealed class DatasetRowRulesTests
{
    internal const string Valid = """{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}""";

    internal const string ValidPreference = """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"good"}],"non_preferred_output":[{"role":"assistant","content":"bad"}]}""";

    private const string Sys = """{"role":"system","content":"s"}""";
    private const string User = """{"role":"user","content":"u"}""";
    private const string Asst = """{"role":"assistant","content":"a"}""";
    private const string Call = """{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}""";

    [Theory]
    [InlineData("FT1001", "$", """{"messages": [""")]
    [InlineData("FT1020", "$", "[1, 2]")]
    [InlineData("FT1020", "$", "42")]
    [InlineData("FT1021", "$.messages", """{"prompt":"p","completion":"c"}""")]
    [InlineData("FT1021", "$.messages", """{"messages":[]}""")]
    [InlineData("FT1021", "$.messages", """{"messages":"hello"}""")]
    [InlineData("FT1014", "$.messages", ValidPreference)]
    [InlineData("FT1022", "$.messages[0]", "{\"messages\":[5," + User + "," + Asst + "]}")]
    [InlineData("FT1023", "$.messages[1].role", "{\"messages\":[" + Sys + ",{\"content\":\"u\"}," + Asst + "]}")]
    [InlineData("FT1024", "$.messages[1].foo", "{\"messages\":[" + Sys + ",{\"role\":\"user\",\"content\":\"u\",\"foo\":1}," + Asst + "]}")]
    [InlineData("FT1025", "$.messages[1].role", "{\"messages\":[" + Sys + ",{\"role\":\"human\",\"content\":\"u\"}," + Asst + "]}")]
    [InlineData("FT1025", "$.messages[1].role", "{\"messages\":[" + Sys + ",{\"role\":7,\"content\":\"u\"}," + Asst + "]}")]
    [InlineData("FT1026", "$.messages[1].content", "{\"messages\":[" + Sys + ",{\"role\":\"user\",\"content\":5}," + Asst + "]}")]
    [InlineData("FT1027", "$.messages[1].content", "{\"messages\":[" + Sys + ",{\"role\":\"user\"}," + Asst + "]}")]
    [InlineData("FT1027", "$.messages[2].content", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"content\":null}]}")]
    [InlineData("FT1028", "$.messages[1].content", "{\"messages\":[" + Sys + ",{\"role\":\"user\",\"content\":\"  \"}," + Asst + "]}")]
    [InlineData("FT1029", "$.messages[1].content[0].type", "{\"messages\":[" + Sys + ",{\"role\":\"user\",\"content\":[{\"text\":\"u\"}]}," + Asst + "]}")]
    [InlineData("FT1030", "$.messages", "{\"messages\":[" + Sys + "," + User + "]}")]
    [InlineData("FT1031", "$.messages[3]", "{\"messages\":[" + Sys + "," + User + "," + Asst + "," + User + "]}")]
    [InlineData("FT1032", "$.messages", "{\"messages\":[" + Sys + "," + Asst + "]}")]
    [InlineData("FT1033", "$.messages", "{\"messages\":[" + User + "," + Asst + "]}")]
    [InlineData("FT1034", "$.messages[1].name", "{\"messages\":[" + Sys + ",{\"role\":\"user\",\"content\":\"u\",\"name\":5}," + Asst + "]}")]
    [InlineData("FT1035", "$.messages[2].weight", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"content\":\"a\",\"weight\":2}]}")]
    [InlineData("FT1035", "$.messages[2].weight", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"content\":\"a\",\"weight\":\"1\"}]}")]
    [InlineData("FT1036", "$.messages[1].weight", "{\"messages\":[" + Sys + ",{\"role\":\"user\",\"content\":\"u\",\"weight\":1}," + Asst + "]}")]
    [InlineData("FT1037", "$.messages", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"content\":\"a\",\"weight\":0}]}")]
    [InlineData("FT1040", "$.messages[2].tool_calls", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":{}}]}")]
    [InlineData("FT1040", "$.messages[1].tool_calls", "{\"messages\":[" + Sys + ",{\"role\":\"user\",\"content\":\"u\",\"tool_calls\":[]}," + Asst + "]}")]
    [InlineData("FT1041", "$.messages[2].tool_calls[0].id", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}")]
    [InlineData("FT1042", "$.messages[2].tool_calls[0].type", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"func\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}")]
    [InlineData("FT1043", "$.messages[2].tool_calls[0].function", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\"}]}]}")]
    [InlineData("FT1043", "$.messages[2].tool_calls[0].function.name", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":3,\"arguments\":\"{}\"}}]}]}")]
    [InlineData("FT1044", "$.messages[2].tool_calls[0].function.arguments", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]}]}")]
    [InlineData("FT1045", "$.messages[2].tool_calls[0].function.arguments", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{not json\"}}]}]}")]
    [InlineData("FT1046", "$.messages[2].tool_calls[1].id", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}},{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]}")]
    [InlineData("FT1047", "$.messages[3].tool_call_id", "{\"messages\":[" + Sys + "," + User + "," + Call + ",{\"role\":\"tool\",\"content\":\"r\"}," + Asst + "]}")]
    [InlineData("FT1048", "$.messages[3].tool_call_id", "{\"messages\":[" + Sys + "," + User + "," + Call + ",{\"role\":\"tool\",\"tool_call_id\":\"c9\",\"content\":\"r\"}," + Asst + "]}")]
    [InlineData("FT1050", "$.messages[2].function_call.arguments", "{\"messages\":[" + Sys + "," + User + ",{\"role\":\"assistant\",\"content\":null,\"function_call\":{\"name\":\"f\",\"arguments\":{}}}]}")]
    [InlineData("FT1051", "$.tools", "{\"tools\":{},\"messages\":[" + Sys + "," + User + "," + Asst + "]}")]
    [InlineData("FT1051", "$.tools[0].function", "{\"tools\":[{\"type\":\"function\"}],\"messages\":[" + Sys + "," + User + "," + Asst + "]}")]
    [InlineData("FT1052", "$.functions", "{\"functions\":[],\"messages\":[" + Sys + "," + User + "," + Asst + "]}")]
    [InlineData("FT1053", "$.parallel_tool_calls", "{\"parallel_tool_calls\":\"no\",\"messages\":[" + Sys + "," + User + "," + Asst + "]}")]
    [InlineData("FT1054", "$.messages[2].tool_calls[0].function.name", "{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"g\"}}],\"messages\":[" + Sys + "," + User + "," + Call + "]}")]
    [InlineData("FT1015", "$.extra", "{\"extra\":1,\"messages\":[" + Sys + "," + User + "," + Asst + "]}")]
    public async Task ChatRule_BadRowOnLine3_ReportsCodeLineAndPath(string code, string path, string row)
    {
        var report = await ValidateLinesAsync(Valid, Valid, row);

        RowFindings(report).Should().ContainSingle(f => f.Code == code)
            .Which.Should().Match<ValidationFinding>(f => f.Line == 3 && f.Path == path);
        RowFindings(report).Where(f => f.Line is 1 or 2).Should().BeEmpty();
    }

    [Theory]
    [InlineData("FT1060", "$.input", """{"preferred_output":[{"role":"assistant","content":"g"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""")]
    [InlineData("FT1061", "$.input.messages", """{"input":{"messages":[]},"preferred_output":[{"role":"assistant","content":"g"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""")]
    [InlineData("FT1062", "$.preferred_output", """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"g"},{"role":"assistant","content":"h"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""")]
    [InlineData("FT1063", "$.non_preferred_output", """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"g"}]}""")]
    [InlineData("FT1064", "$.preferred_output[0].role", """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"user","content":"g"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""")]
    [InlineData("FT1065", "$.non_preferred_output[0].content", """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"same"}],"non_preferred_output":[{"role":"assistant","content":"same"}]}""")]
    [InlineData("FT1066", "$.input.messages[1]", """{"input":{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]},"preferred_output":[{"role":"assistant","content":"g"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""")]
    [InlineData("FT1025", "$.input.messages[0].role", """{"input":{"messages":[{"role":"gpt","content":"u"}]},"preferred_output":[{"role":"assistant","content":"g"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""")]
    [InlineData("FT1014", "$.input", Valid)]
    public async Task PreferenceRule_BadRowOnLine3_ReportsCodeLineAndPath(string code, string path, string row)
    {
        var report = await ValidateLinesAsync(ValidPreference, ValidPreference, row);

        report.Format.Should().Be(DatasetFormat.Preference);
        RowFindings(report).Should().ContainSingle(f => f.Code == code)
            .Which.Should().Match<ValidationFinding>(f => f.Line == 3 && f.Path == path);
        RowFindings(report).Where(f => f.Line is 1 or 2).Should().BeEmpty();
    }

    [Fact]
    public async Task ValidateAsync_ValidToolConversation_HasNoFindings()
    {
        var row = "{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}],\"parallel_tool_calls\":false,\"messages\":["
            + Sys + "," + User + "," + Call + ",{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"r\"},{\"role\":\"assistant\",\"content\":\"done\",\"weight\":1}]}";

        var report = await ValidateLinesAsync(Enumerable.Repeat(row, 50).ToArray());

        RowFindings(report).Should().BeEmpty();
        report.Format.Should().Be(DatasetFormat.Chat);
        report.Rows.Should().Be(50);
    }

    [Fact]
    public async Task ValidateAsync_ForcedPreferenceOnChatFile_ReportsFormatMismatchPerRow()
    {
        var report = await ValidateLinesAsync([Valid, Valid], DatasetFormat.Preference);

        RowFindings(report).Where(f => f.Code == "FT1014").Select(f => f.Line).Should().Equal(1, 2);
    }

    [Fact]
    public async Task ValidateAsync_MessagesNeverQuoteRowContents()
    {
        const string secret = "TOPSECRETVALUE";
        var row = "{\"messages\":[{\"role\":\"" + secret + "\",\"content\":5,\"" + secret + " x\":1},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"" + secret + "\",\"type\":\"" + secret + "\",\"function\":{\"name\":\"" + secret + "\",\"arguments\":\"" + secret + "\"}}]}]}";

        var report = await ValidateLinesAsync(row, "{\"" + secret + " key\": [" + secret + "]}", "{\"messages\":[{\"role\":\"user\",\"content\":\"" + secret + "\",\"weight\":\"" + secret + "\"}]}");

        report.Findings.Should().NotBeEmpty();
        report.Findings.Should().OnlyContain(f => !f.Message.Contains(secret, StringComparison.OrdinalIgnoreCase) && !f.Path.Contains(secret, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The per-row rule findings (FT1001-FT1099 on a line); the whole-file gates (FT11xx) have their own tests.</summary>
    internal static IEnumerable<ValidationFinding> RowFindings(DatasetValidationReport report) =>
        report.Findings.Where(f => f.Line != 0 && f.Code.StartsWith("FT10", StringComparison.Ordinal));

    internal static Task<DatasetValidationReport> ValidateLinesAsync(params string[] lines) => ValidateLinesAsync(lines, null);

    internal static async Task<DatasetValidationReport> ValidateLinesAsync(string[] lines, DatasetFormat? format, DatasetValidationOptions? options = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        return await new DatasetValidator(options ?? TestOptions.RulesOnly()).ValidateAsync(stream, new DatasetValidationRequest { Format = format });
    }
}
