using Microsoft.Extensions.Logging.Testing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

public sealed class DatasetSplitterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-split-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Row(string user, string assistant) =>
        JsonSerializer.Serialize(new { messages = new object[] { new { role = "user", content = user }, new { role = "assistant", content = assistant } } });

    private string Write(IEnumerable<string> rows)
    {
        var path = Path.Combine(_dir, "input.jsonl");
        File.WriteAllText(path, string.Join('\n', rows) + "\n");
        return path;
    }

    private static List<string> LabeledRows()
    {
        var rows = new List<string>();
        foreach (var (label, count) in new[] { ("billing", 600), ("shipping", 300), ("fraud", 100) })
        {
            for (var i = 0; i < count; i++)
            {
                rows.Add(Row(string.Create(CultureInfo.InvariantCulture, $"ticket {label} {i} {i * 7919 % 1000} about my account"), $"{{\"intent\":\"{label}\"}}"));
            }
        }

        return rows;
    }

    [Fact]
    public async Task SplitFileAsync_SameSeed_SameBytes()
    {
        var input = Write(LabeledRows());
        var splitter = new DatasetSplitter();

        await splitter.SplitFileAsync(input, Path.Combine(_dir, "a"), new DatasetSplitOptions { Seed = 7 });
        await splitter.SplitFileAsync(input, Path.Combine(_dir, "b"), new DatasetSplitOptions { Seed = 7 });
        await splitter.SplitFileAsync(input, Path.Combine(_dir, "c"), new DatasetSplitOptions { Seed = 8 });

        foreach (var name in new[] { "train.jsonl", "validation.jsonl", "holdout.jsonl" })
        {
            File.ReadAllBytes(Path.Combine(_dir, "b", name)).Should().Equal(File.ReadAllBytes(Path.Combine(_dir, "a", name)));
        }

        File.ReadAllBytes(Path.Combine(_dir, "c", "holdout.jsonl")).Should().NotEqual(File.ReadAllBytes(Path.Combine(_dir, "a", "holdout.jsonl")));
    }

    [Fact]
    public async Task SplitFileAsync_WithLogger_LogsTheReportsCountsAndNoRow()
    {
        var input = Write(LabeledRows());
        var logger = new FakeLogger<DatasetSplitter>();

        var report = await new DatasetSplitter(logger: logger).SplitFileAsync(input, Path.Combine(_dir, "logged"));

        var entry = logger.Collector.GetSnapshot().Should().ContainSingle(e => e.Id.Id == 1010).Subject;
        entry.Message.Should().StartWith(string.Create(CultureInfo.InvariantCulture,
            $"Split a dataset: {report.TrainRows} train, {report.ValidationRows} validation, {report.HoldoutRows} holdout rows; {report.MovedRows} moved to keep duplicates together, 0 lines left out, in "));
        (report.TrainRows + report.ValidationRows + report.HoldoutRows).Should().Be(1000);
        logger.Collector.GetSnapshot().Should().OnlyContain(e => !e.Message.Contains("ticket", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SplitFileAsync_LabeledRows_KeepsEachClassShareInEverySplit()
    {
        var input = Write(LabeledRows());

        var report = await new DatasetSplitter().SplitFileAsync(input, _dir + "/out");

        report.Stratified.Should().BeTrue();
        report.Strata.Should().Be(3);
        (report.TrainRows, report.ValidationRows, report.HoldoutRows).Should().Be((750L, 100L, 150L));
        var holdout = Labels(Path.Combine(_dir, "out", "holdout.jsonl"));
        holdout.Should().Equal(new Dictionary<string, int> { ["billing"] = 90, ["shipping"] = 45, ["fraud"] = 15 });
        var validation = Labels(Path.Combine(_dir, "out", "validation.jsonl"));
        validation.Should().Equal(new Dictionary<string, int> { ["billing"] = 60, ["shipping"] = 30, ["fraud"] = 10 });
    }

    [Fact]
    public async Task SplitFileAsync_DuplicatesAndNearDuplicates_NeverCrossSplits()
    {
        var texts = File.ReadLines(RepoPaths.Dataset("openai-cookbook/dbpedia_samples.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (Text: e.GetProperty("text").GetString()!.Trim(), Category: e.GetProperty("category").GetString()!))
            .Where(t => t.Text.Split(' ').Length >= 20)
            .ToList();
        var rows = new List<string>();
        var planted = new List<(int A, int B)>();
        for (var i = 0; i < texts.Count; i++)
        {
            rows.Add(Row(texts[i].Text, texts[i].Category));
            if (i % 5 == 0)
            {
                // A near-duplicate (first word changed), an exact duplicate (case and spacing changed), and a same-input row.
                var words = texts[i].Text.Split(' ');
                words[0] = "Zeppelin";
                rows.Add(Row(string.Join(' ', words), texts[i].Category));
                planted.Add((rows.Count - 2, rows.Count - 1));
                rows.Add(Row("  " + texts[i].Text.ToUpperInvariant(), texts[i].Category));
                planted.Add((rows.Count - 3, rows.Count - 1));
                rows.Add(Row(texts[i].Text, "Unknown"));
                planted.Add((rows.Count - 4, rows.Count - 1));
            }
        }

        var input = Write(rows);
        var report = await new DatasetSplitter().SplitFileAsync(input, Path.Combine(_dir, "out"), new DatasetSplitOptions { Seed = 1 });

        var splitOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "train", "validation", "holdout" })
        {
            foreach (var line in File.ReadLines(Path.Combine(_dir, "out", name + ".jsonl")))
            {
                splitOf[line] = name;
            }
        }

        splitOf.Should().HaveCount(rows.Count);
        planted.Should().OnlyContain(p => splitOf[rows[p.A]] == splitOf[rows[p.B]]);
        report.DuplicateClusters.Should().BeGreaterThanOrEqualTo(planted.Count / 3);
        report.MovedRows.Should().BeGreaterThan(0, "with a quarter of the rows in clusters some draw different splits");
        (report.TrainRows + report.ValidationRows + report.HoldoutRows).Should().Be(rows.Count);
        report.HoldoutRows.Should().BeInRange((long)(rows.Count * 0.10), (long)(rows.Count * 0.20));

        // Independent check: no pair across train and an evaluation split with word-3-shingle Jaccard >= 0.85.
        var shingles = splitOf.Keys.ToDictionary(l => l, l => Shingles(l));
        var train = splitOf.Where(p => p.Value == "train").Select(p => p.Key).ToList();
        foreach (var evaluation in splitOf.Where(p => p.Value != "train").Select(p => p.Key))
        {
            train.Should().NotContain(t => Jaccard(shingles[t], shingles[evaluation]) >= 0.85);
        }
    }

    [Fact]
    public async Task SplitAsync_InvalidShares_ThrowsNamingTheValue()
    {
        var input = Write([Row("a", "b")]);

        var act = () => new DatasetSplitter().SplitFileAsync(input, _dir, new DatasetSplitOptions { HoldoutShare = 0.6, ValidationShare = 0.5 });

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("1.1");
    }

    private static Dictionary<string, int> Labels(string path) => File.ReadLines(path)
        .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("messages")[1].GetProperty("content").GetString()!)
        .Select(c => JsonDocument.Parse(c).RootElement.GetProperty("intent").GetString()!)
        .GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());

    private static HashSet<string> Shingles(string line)
    {
        var messages = JsonDocument.Parse(line).RootElement.GetProperty("messages");
        var text = (messages[0].GetProperty("content").GetString() + " " + messages[1].GetProperty("content").GetString()).ToLowerInvariant();
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => new string(w.Where(char.IsLetterOrDigit).ToArray())).Where(w => w.Length > 0).ToArray();
        return Enumerable.Range(0, Math.Max(1, words.Length - 2)).Select(i => string.Join(' ', words.Skip(i).Take(3))).ToHashSet();
    }

    private static double Jaccard(HashSet<string> a, HashSet<string> b) => (double)a.Intersect(b).Count() / a.Union(b).Count();
}
