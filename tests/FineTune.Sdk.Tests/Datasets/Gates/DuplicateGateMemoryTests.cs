using FineTune.Tests;
using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

/// <summary>
/// The duplicate gate's memory bound, measured with <see cref="GC.GetTotalMemory(bool)"/>. That figure is process-wide, so
/// this class runs in <see cref="ProcessMemoryTests"/>, alone, after the parallel tests: another test allocating at the
/// same moment would otherwise be counted against the gate.
/// </summary>
[Collection(ProcessMemoryTests.Name)]
public sealed class DuplicateGateMemoryTests
{
    private static DuplicateGate Gate(DuplicateGateOptions? options = null) => new(options ?? new DuplicateGateOptions(), new RowFingerprints());

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
}
