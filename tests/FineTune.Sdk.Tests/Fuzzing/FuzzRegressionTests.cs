using Microsoft.Extensions.Time.Testing;
namespace FineTune.Sdk.Tests;

/// <summary>
/// One test per defect the fuzz suite found (see docs/benchmarks.md, "Fuzzing"); the lone-surrogate and invalid-UTF-8
/// ones are in <see cref="LoneSurrogateTests"/>.
/// </summary>
public sealed class FuzzRegressionTests
{
    [Fact]
    public void ToHtml_NulInCaseIdAndTag_IsShownAsTheReplacementCharacter()
    {
        var html = ComparisonReportWriter.ToHtml(Report("a\0b", "t\u0001"));

        html.Should().NotContain("\0").And.NotContain("\u0001").And.Contain("a\uFFFDb");
    }

    [Fact]
    public void ToMarkdown_BacktickPipeAndBackslashPipeInIds_KeepTheTableAndTheCodeSpan()
    {
        var markdown = ComparisonReportWriter.ToMarkdown(Report("x`y\\|z", "tag"));

        markdown.Should().Contain("| ``x`y\\\\\\|z#0`` |", "the fence is longer than the id's backtick run and the pipe stays escaped");
    }

    [Fact]
    public void ToMarkdown_HtmlCommentAndLinkInTag_AreEscaped()
    {
        var markdown = ComparisonReportWriter.ToMarkdown(Report("id", "<!--[x](javascript:y)"));

        markdown.Should().Contain("\\<\\!--\\[x\\](javascript:y)").And.NotContain(" <!--");
    }

    [Fact]
    public void ToMarkdown_EmptyGoldenSetName_IsACodeSpanNotABacktickRun()
    {
        var markdown = ComparisonReportWriter.ToMarkdown(Report("id", "t", goldenSet: string.Empty));

        markdown.Should().Contain(" of `  `;");
    }

    [Fact]
    public async Task GoldenSetReader_BlankRole_IsAFindingNotAnArgumentException()
    {
        // Found by bench/fuzz.sh (seed clPH5DeUzwg4): ChatRole rejects a whitespace role.
        var set = await GoldenSetReader.ReadAsync(new MemoryStream("{\"id\":\"a\",\"input\":[{\"role\":\" \",\"content\":\"q\"}],\"expected\":\"x\"}\n"u8.ToArray()));

        set.Cases.Should().BeEmpty();
        set.Findings.Should().ContainSingle().Which.Line.Should().Be(1);
    }

    [Fact]
    public async Task RunAsync_RunFileLatencyOutOfRange_IgnoresTheLineAndRunsTheCaseAgain()
    {
        // Found by bench/fuzz.sh (seed 2LExm1BZyU91): a latency of 1e300 ms overflowed TimeSpan while resuming.
        var dir = Directory.CreateTempSubdirectory("ft-fuzz-");
        try
        {
            var runFile = Path.Combine(dir.FullName, "run.jsonl");
            await File.WriteAllTextAsync(runFile, "{\"caseId\":\"case-1\",\"variant\":\"base\",\"modelId\":\"m\",\"output\":\"old\",\"latencyMs\":1e300}\n");
            var cases = new List<GoldenCase> { new("case-1", [new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "q")], "a") };
            var results = new List<EvalCaseResult>();
            await foreach (var r in new EvalRunner().RunAsync(cases, [new ModelVariant("base", "m", FakeChatClient.Answering(_ => "new"))], new EvalRunOptions { RunFile = runFile }))
            {
                results.Add(r);
            }

            results.Should().ContainSingle().Which.Output.Should().Be("new");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"tools":[{"type":1,"function":{"name":"f","parameters":{}}}],"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}""", "$.tools[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c","type":true,"function":{"name":"f","arguments":"{}"}}]}]}""", "$.messages[1].tool_calls[0].type")]
    public async Task ValidateAsync_TypeThatIsNotAString_IsAFindingNotAnInvalidOperationException(string row, string path)
    {
        // Found by bench/fuzz.sh (seeds cV1xkxMtOS94, 8LGE72SZaJs6): ValueEquals threw on a number or true.
        foreach (var sequential in new[] { true, false })
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat(DatasetRowRulesTests.Valid, 12).Append(row)) + "\n");

            var report = await new DatasetValidator(TestOptions.RulesOnly()) { Sequential = sequential }.ValidateAsync(new MemoryStream(bytes));

            report.Findings.Should().Contain(f => f.Line == 13 && f.Path == path);
        }
    }

    [Fact]
    public async Task ValidateAsync_PreferenceOutputRoleIsANumber_IsAFinding()
    {
        var preference = """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]}""";
        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat(preference, 12).Append(preference.Replace("\"role\":\"assistant\",\"content\":\"a\"", "\"role\":7,\"content\":\"a\"", StringComparison.Ordinal))) + "\n");

        var report = await new DatasetValidator(TestOptions.RulesOnly()).ValidateAsync(new MemoryStream(bytes));

        report.Findings.Should().Contain(f => f.Line == 13 && f.Path == "$.preferred_output[0].role");
    }

    private static ComparisonReport Report(string id, string tag, string goldenSet = "golden.jsonl")
    {
        var results = Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            new EvalCaseResult($"{id}#{i}", "base", "m-base") { Tags = [tag], Output = "o", Scores = [EvalScore.FromPass("exact", true)] },
            new EvalCaseResult($"{id}#{i}", "candidate", "m-cand") { Tags = [tag], Output = "o", Scores = [EvalScore.FromPass("exact", false)] },
        });
        return EvalComparer.Compare(results, new ComparisonOptions { GoldenSetName = goldenSet }, timeProvider: new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));
    }
}
