using System.Text.Json;
using FineTune.Tests;
using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class DuplicateGateTests
{
    private static DuplicateGate Gate(DuplicateGateOptions? options = null) => new(options ?? new DuplicateGateOptions(), new RowFingerprints());

    [Fact]
    public void Observe_ExactDuplicateAfterCaseWhitespaceAndNfkc_ReportsLineOfFirstOccurrence()
    {
        var findings = Run(Gate(),
            Chat("Where is my order ORD-1234?", "It ships tomorrow."),
            Chat("How do I reset my password?", "Use the reset link."),
            Chat("  WHERE is my   order ＯＲＤ-１２３４? ", "it ships TOMORROW."),
            Chat("Where is my order ORD-1234?", "It ships tomorrow."));

        findings.Of(DuplicateGate.ExactCode).Select(f => f.Line).Should().Equal(3, 4);
        findings.Findings.Where(f => f.Code == DuplicateGate.ExactCode).Should().OnlyContain(f => f.Message.Contains("duplicate of line 1"));
        findings.Of(DuplicateGate.NearCode).Should().BeEmpty("an exact duplicate is reported once, as exact");
    }

    [Fact]
    public void Observe_SameUserDifferentAnswer_IsNotAnExactDuplicate()
    {
        var findings = Run(Gate(new DuplicateGateOptions { NearEnabled = false }),
            Chat("Where is my order?", "It ships tomorrow."),
            Chat("Where is my order?", "It shipped yesterday."));

        findings.Of(DuplicateGate.ExactCode).Should().BeEmpty();
    }

    [Fact]
    public void Observe_RealTextWithOneWordChanged_ReportsNearDuplicateAndNoFalsePositives()
    {
        var texts = File.ReadLines(RepoPaths.Dataset("openai-cookbook/dbpedia_samples.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!.Trim())
            .Where(t => t.Split(' ').Length >= 25)
            .Take(60)
            .ToList();
        texts.Should().HaveCountGreaterThan(30);
        var lines = texts.Select(t => Chat(t, "Noted.")).ToList();
        // Changing the first word changes one shingle of 25 or more: Jaccard above 0.92.
        var words = texts[5].Split(' ');
        words[0] = "zeppelin";
        lines.Add(Chat(string.Join(' ', words), "Noted."));

        var findings = Run(Gate(), lines.ToArray());

        var near = findings.Findings.Where(f => f.Code == DuplicateGate.NearCode).ToList();
        near.Select(f => f.Line).Should().Equal(lines.Count);
        near[0].Message.Should().Contain("near-duplicate of line 6");
        near[0].Message.Should().NotContain("zeppelin");
    }

    [Fact]
    public void Observe_NearDuplicatesDisabled_ReportsNone()
    {
        var findings = Run(Gate(new DuplicateGateOptions { NearEnabled = false }),
            Chat("Please cancel my subscription to the premium plan today thanks", "Done."),
            Chat("Please cancel my subscription to the premium plan today thank you", "Done."));

        findings.Findings.Should().BeEmpty();
    }

    [Fact]
    public void Observe_HundredThousandSyntheticRows_FindsPlantedNearDuplicatesWithBoundedMemory()
    {
        const int rows = 100_000;
        var gate = Gate();
        var findings = new FindingCollector(1_000_000);
        var row = new DatasetRow { SystemPrompt = "You route support tickets.", AssistantText = null, AssistantPath = "$.messages[2].content" };
        var random = new Random(42);
        string[] vocabulary = [.. Enumerable.Range(0, 5000).Select(i => "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var planted = new HashSet<long>();
        var recent = new Queue<string[]>();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 1; i <= rows; i++)
        {
            string[] words;
            if (i % 100 == 0 && recent.Count > 0)
            {
                // Copy a recent row and change its first word: one of 30 shingles differs, Jaccard 28/30 = 0.93.
                words = (string[])recent.Peek().Clone();
                words[0] = vocabulary[random.Next(vocabulary.Length)];
                planted.Add(i);
            }
            else
            {
                words = [.. Enumerable.Range(0, 30).Select(_ => vocabulary[random.Next(vocabulary.Length)])];
            }

            if (recent.Count == 50)
            {
                recent.Dequeue();
            }

            recent.Enqueue(words);
            row.Line = i;
            row.UserText = string.Join(' ', words);
            row.AssistantText = "ok";
            gate.Observe(row, findings);
        }

        gate.Complete(findings);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(gate);

        var found = findings.Findings.Where(f => f.Code == DuplicateGate.NearCode).Select(f => f.Line).ToHashSet();
        found.Intersect(planted).Count().Should().BeGreaterThanOrEqualTo((int)(planted.Count * 0.95), "LSH recall at these settings is above 99% for Jaccard >= 0.85");
        found.Except(planted).Should().BeEmpty("random 30-word rows over a 5000-word vocabulary share no shingles");
        (after - before).Should().BeLessThan(100L * 1024 * 1024, "the gate keeps about 250 bytes per row, not the text");
    }

    [Fact]
    public void Observe_PastMaxExactRows_ReportsDuplicatesWithoutFirstLine()
    {
        var findings = Run(Gate(new DuplicateGateOptions { NearEnabled = false, MaxExactRows = 2 }),
            Chat("Where is my order?", "It ships tomorrow."),
            Chat("How do I reset my password?", "Use the reset link."),
            Chat("Can I pay by card?", "Yes."),
            Chat("where is my ORDER?", "It ships tomorrow."),
            Chat("Can I pay by card?", "Yes."),
            Chat("Do you ship abroad?", "No."));

        var exact = findings.Findings.Where(f => f.Code == DuplicateGate.ExactCode).ToList();
        exact.Select(f => f.Line).Should().Equal(4, 5);
        exact[0].Message.Should().Contain("duplicate of line 1");
        exact[1].Message.Should().Contain("duplicate of an earlier row");
    }

    [Fact]
    public void Observe_PastMaxIndexedRows_ReportsIndexFullOnceAndStillQueriesTheIndex()
    {
        const string first = "Please cancel my subscription to the premium plan today because I am moving abroad next month";
        const string second = "The parcel arrived damaged and the box was open when the courier left it at the door";
        var findings = Run(Gate(new DuplicateGateOptions { MaxIndexedRows = 1 }),
            Chat(first, "Done."),
            Chat(second, "Sorry."),
            Chat("Hey " + first, "Done."),
            Chat("Hey " + second, "Sorry."));

        findings.Of(DuplicateGate.IndexFullCode).Select(f => f.Line).Should().Equal(2);
        findings.Of(DuplicateGate.NearCode).Select(f => f.Line).Should().Equal([3], "row 2 was checked but not indexed, so row 4 has nothing to match");
    }
}
