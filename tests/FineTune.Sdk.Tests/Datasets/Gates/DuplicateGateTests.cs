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
