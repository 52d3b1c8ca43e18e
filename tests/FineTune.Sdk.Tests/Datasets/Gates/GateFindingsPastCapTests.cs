using System.Globalization;
using System.Text;
using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Past <see cref="DatasetValidationOptions.MaxFindingsPerCode"/> the gates only count a finding (they do not build its
/// message): the counts, and the findings kept, are those of a run that builds every finding.
/// </summary>
public sealed class GateFindingsPastCapTests
{
    [Fact]
    public async Task ValidateAsync_MoreFindingsThanTheCap_CountsEveryOneAndKeepsTheFirst()
    {
        var (corpus, exact, contradictions) = Corpus();
        var bytes = Encoding.UTF8.GetBytes(corpus);
        var capped = await new DatasetValidator(new DatasetValidationOptions { MaxFindingsPerCode = 3 }).ValidateAsync(new MemoryStream(bytes));
        var all = await new DatasetValidator(new DatasetValidationOptions { MaxFindingsPerCode = 100_000 }).ValidateAsync(new MemoryStream(bytes));

        // The corpus below: 300 rows; every 5th an exact copy of the row before, every 7th (not 5th) the question of
        // the row before with another answer, every 11th (not 5th or 7th) the row before with its first word changed.
        exact.Should().Be(60);
        all.Summary[DuplicateGate.ExactCode].Should().Be(exact);
        all.Summary[ContradictionGate.Code].Should().Be(contradictions).And.BeGreaterThan(3);
        all.Summary[DuplicateGate.NearCode].Should().BeGreaterThan(3);
        capped.Summary.Should().Equal(all.Summary);
        capped.WarningCount.Should().Be(all.WarningCount);
        capped.ErrorCount.Should().Be(all.ErrorCount);
        foreach (var code in all.Summary.Keys)
        {
            capped.Findings.Where(f => f.Code == code).Should().Equal(all.Findings.Where(f => f.Code == code).Take(3));
        }
    }

    [Fact]
    public void TallyPastCap_UnderTheCap_CountsNothingAndAtTheCap_CountsWithoutKeeping()
    {
        var findings = new FindingCollector(maxFindingsPerCode: 2);
        findings.TallyPastCap("FT1100", FindingSeverity.Warning).Should().BeFalse();
        findings.Add("FT1100", FindingSeverity.Warning, 1, "$", "first");
        findings.TallyPastCap("FT1100", FindingSeverity.Warning).Should().BeFalse();
        findings.Add("FT1100", FindingSeverity.Warning, 2, "$", "second");
        findings.Counts["FT1100"].Should().Be(2);

        findings.TallyPastCap("FT1100", FindingSeverity.Warning).Should().BeTrue();
        findings.TallyPastCap("FT0001", FindingSeverity.Error).Should().BeFalse();
        findings.Add("FT0001", FindingSeverity.Error, 3, "$", "error");
        findings.Add("FT0001", FindingSeverity.Error, 4, "$", "error");
        findings.TallyPastCap("FT0001", FindingSeverity.Error).Should().BeTrue();

        findings.Counts["FT1100"].Should().Be(3);
        findings.Counts["FT0001"].Should().Be(3);
        findings.WarningCount.Should().Be(3);
        findings.ErrorCount.Should().Be(3);
        findings.Findings.Select(f => f.Line).Should().Equal(1, 2, 3, 4);
    }

    /// <summary>The corpus, with its exact duplicates and contradictions counted here (distinct rows; first answer per question).</summary>
    private static (string Text, int Exact, int Contradictions) Corpus()
    {
        var random = new Random(3);
        var rows = new HashSet<(string, string)>();
        var firstAnswers = new Dictionary<string, string>(StringComparer.Ordinal);
        var exact = 0;
        var contradictions = 0;
        var text = new StringBuilder();
        string? previousUser = null;
        string? previousAnswer = null;
        for (var i = 1; i <= 300; i++)
        {
            string user;
            string answer;
            if (i % 5 == 0)
            {
                (user, answer) = (previousUser!, previousAnswer!);
            }
            else if (i % 7 == 0)
            {
                (user, answer) = (previousUser!, "another answer " + i.ToString(CultureInfo.InvariantCulture));
            }
            else if (i % 11 == 0)
            {
                var words = previousUser!;
                (user, answer) = ("changed " + words[(words.IndexOf(' ', StringComparison.Ordinal) + 1)..], previousAnswer!);
            }
            else
            {
                user = string.Join(' ', Enumerable.Range(0, 30).Select(_ => "w" + random.Next(5000).ToString(CultureInfo.InvariantCulture)));
                answer = "answer " + i.ToString(CultureInfo.InvariantCulture);
            }

            text.Append(Chat(user, answer)).Append('\n');
            if (!rows.Add((user, answer)))
            {
                exact++;
            }

            if (!firstAnswers.TryAdd(user, answer) && firstAnswers[user] != answer)
            {
                contradictions++;
            }

            (previousUser, previousAnswer) = (user, answer);
        }

        return (text.ToString(), exact, contradictions);
    }
}
