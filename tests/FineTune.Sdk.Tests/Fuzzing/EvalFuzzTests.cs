using Microsoft.Extensions.Time.Testing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Property-based fuzzing of the evaluation side's readers and writers: golden sets and run files made from the real
/// datasets and mutated, and comparison reports whose ids, tags, outputs and errors are hostile text.
/// </summary>
public sealed class EvalFuzzTests : IDisposable
{
    private static readonly Lazy<IReadOnlyList<byte[][]>> GoldenSeeds = new(() =>
        Fuzz.SeedFiles.Select(file => file.Select(ToGolden).OfType<byte[]>().ToArray()).Where(f => f.Length > 0).ToList());

    private static readonly string[] Hostile =
    [
        "<script>alert(1)</script>", "</td></tr></table>", "<!--", "-->", "]]>", "<img src=x onerror=alert(1)>", "&amp;", "&",
        "|", "||", "\\|", "`", "``", "```", "\n", "\r\n", "\r", "\t", "*", "_", "#", "> ", "[x](javascript:alert(1))", "\"", "'",
        "\u0000", "\u202e", "\ud800", "\udc00", "😀", "é", "\u2028", " ", "", "case-1", "safety", new string('w', 300),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("ft-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GoldenSetReader_MutatedGoldenSets_NoExceptionAndEveryFindingPlaced() =>
        Fuzz.Run("golden-set", Mutations.File(GoldenSeeds.Value, allowHuge: false), file => Fuzz.Wait(CheckGoldenSetAsync(file)), iterations: 300);

    [Fact]
    public void RunFileReader_MutatedRunFiles_NoExceptionAndEveryCaseAnswered()
    {
        var runFile = Path.Combine(_dir, "seed-run.jsonl");
        var cases = Cases();
        Fuzz.Wait(RunAsync(cases, runFile, FakeChatClient.Answering(q => "answer to " + q)));
        byte[][][] seed = [[.. Fuzz.SplitLines(File.ReadAllBytes(runFile))]];
        var iteration = 0;
        Fuzz.Run("run-file", Mutations.File(seed, allowHuge: false), file =>
        {
            var path = Path.Combine(_dir, $"run-{Interlocked.Increment(ref iteration)}.jsonl");
            File.WriteAllBytes(path, file.Bytes);
            var results = Fuzz.WaitFor(RunAsync(cases, path, FakeChatClient.Answering(q => "fresh " + q)));
            results.Select(r => r.CaseId).Should().BeEquivalentTo(cases.Select(c => c.Id), "every case is answered once, from the run file or again");
        }, iterations: 100);
    }

    [Fact]
    public void ComparisonReportWriter_HostileIdsTagsAndOutputs_HtmlAndMarkdownStayWellFormed()
    {
        var text = Gen.Int[0, Hostile.Length - 1].Array[1, 4].Select(parts => string.Concat(parts.Select(p => Hostile[p])));
        var gen = Gen.Select(text.Array[4, 12], text, text, text);
        Fuzz.Run("report-writer", gen, input => CheckReport(input.Item1, input.Item2, input.Item3, input.Item4), iterations: 100, describe: v => JsonSerializer.Serialize(v.Item1));
    }

    private static async Task CheckGoldenSetAsync(MutatedFile file)
    {
        var set = await GoldenSetReader.ReadAsync(new MemoryStream(file.Bytes));
        foreach (var finding in set.Findings)
        {
            finding.Line.Should().BeInRange(0, file.Lines.Length);
            finding.Path.Should().StartWith("$");
            finding.Code.Should().MatchRegex("^FT3[0-9]{3}$");
        }

        set.Cases.Select(c => c.Id).Should().OnlyHaveUniqueItems();
    }

    private static void CheckReport(string[] texts, string baseModel, string candidateModel, string error)
    {
        var results = new List<EvalCaseResult>();
        for (var i = 0; i < texts.Length; i++)
        {
            var id = texts[i] + "#" + i; // unique ids, hostile text
            string[] tags = [texts[(i + 1) % texts.Length], texts[(i + 2) % texts.Length]];
            results.Add(new EvalCaseResult(id, "base", baseModel) { Tags = tags, Output = texts[i], Scores = [EvalScore.FromPass("exact", true)] });
            results.Add(new EvalCaseResult(id, "candidate", candidateModel) { Tags = tags, Output = texts[i], Error = i % 2 == 0 ? error : null, Scores = [EvalScore.FromPass("exact", i % 3 == 0)] });
        }

        var report = EvalComparer.Compare(results, new ComparisonOptions { GoldenSetName = texts[0] }, timeProvider: new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)));

        var html = ComparisonReportWriter.ToHtml(report);
        foreach (var forbidden in new[] { "<script", "<img", "<!--", "\u0000" })
        {
            html.Should().NotContain(forbidden, "hostile text is escaped");
        }
        CountOf(html, "<tr>").Should().Be(CountOf(html, "</tr>"));
        CountOf(html, "<td").Should().Be(CountOf(html, "</td>"));

        var markdown = ComparisonReportWriter.ToMarkdown(report);
        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('|') && i > 0 && lines[i - 1].StartsWith('|'))
            {
                Cells(lines[i]).Should().Be(Cells(lines[i - 1]), "a table row keeps its columns: {0}", lines[i]);
            }
        }

        markdown.Should().NotContain("\r").And.NotContain("\u0000");
        RawMarkup(markdown).Should().BeEmpty("hostile markup is escaped or inside code spans: {0}", markdown);
        var json = ComparisonReportWriter.ToJson(report);
        ComparisonReportWriter.ToJson(ComparisonReportWriter.FromJson(json)).Should().Be(json);
    }

    // Cells of a GitHub Markdown table row: pipes not escaped by a backslash (code spans do not protect a pipe).
    private static int Cells(string row)
    {
        var count = 0;
        for (var i = 0; i < row.Length; i++)
        {
            if (row[i] == '\\')
            {
                i++;
            }
            else if (row[i] == '|')
            {
                count++;
            }
        }

        return count;
    }

    // Characters that would start HTML, a link or an image: unescaped and outside a code span (CommonMark's backtick runs).
    private static string RawMarkup(string markdown)
    {
        var found = new StringBuilder();
        for (var i = 0; i < markdown.Length; i++)
        {
            var c = markdown[i];
            if (c == '\\')
            {
                i++;
            }
            else if (c == '`')
            {
                var run = 1;
                while (i + run < markdown.Length && markdown[i + run] == '`')
                {
                    run++;
                }

                var fence = new string('`', run);
                var close = i + run;
                while ((close = markdown.IndexOf(fence, close, StringComparison.Ordinal)) >= 0 && close + run < markdown.Length && markdown[close + run] == '`')
                {
                    close += run + 1;
                }

                i = close < 0 ? i + run - 1 : close + run - 1;
            }
            else if (c is '<' or '[' or '!' && !(c == '!' && i + 1 < markdown.Length && markdown[i + 1] != '['))
            {
                found.Append(c);
            }
        }

        return found.ToString();
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static List<GoldenCase> Cases() => Enumerable.Range(1, 6)
        .Select(i => new GoldenCase("case-" + i, [new ChatMessage(ChatRole.User, "q" + i)], "a" + i) { Tags = ["t"] })
        .ToList();

    private static async Task<List<EvalCaseResult>> RunAsync(List<GoldenCase> cases, string runFile, FakeChatClient client)
    {
        var options = new EvalRunOptions { RunFile = runFile, MaxConcurrency = 1 };
        options.Scorers.Add(EvalScorers.ExactMatch());
        var results = new List<EvalCaseResult>();
        await foreach (var r in new EvalRunner().RunAsync(cases, [new ModelVariant("base", "m", client)], options))
        {
            results.Add(r);
        }

        return results;
    }

    // A golden-set row made from a chat row: the conversation up to the last answer is the input, the answer is expected.
    private static byte[]? ToGolden(byte[] line, int index)
    {
        try
        {
            if (JsonNode.Parse(line) is not JsonObject row || row["messages"] is not JsonArray { Count: > 1 } messages)
            {
                return null;
            }

            var expected = messages[^1]?["content"]?.DeepClone();
            var input = new JsonArray(messages.Take(messages.Count - 1).Select(m => m?.DeepClone()).ToArray());
            var golden = new JsonObject { ["id"] = "case-" + index, ["input"] = input, ["expected"] = expected, ["tags"] = new JsonArray("a", "b") };
            return Encoding.UTF8.GetBytes(golden.ToJsonString());
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
