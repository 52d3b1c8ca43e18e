using System.Text.Json;
using CsCheck;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Property-based fuzzing of everything in the dataset area that reads user bytes: the validator (both formats, every
/// gate, token counting), token accounting, the redactor, splitter, augmenter and manifest builder. Inputs are real
/// files from <c>../shared/datasets</c> with a few lines mutated (see <see cref="Mutations"/>).
/// </summary>
public sealed class DatasetFuzzTests
{
    private static readonly string[] WholeFileCodes = ["FT1011", "FT1012", "FT1013"];

    [Fact]
    public void Validator_MutatedRealFiles_NoExceptionEveryFindingPlacedAndUnmutatedLinesUnchanged() =>
        Fuzz.Run("validator", Mutations.File(allowHuge: false), file => Fuzz.Wait(CheckValidatorAsync(file)), iterations: 250);

    [Fact]
    public void Validator_TenMegabyteStringInARealRow_EveryGateCompletesWithPlacedFindings()
    {
        // Few iterations: each validates 10 MB through every gate (token counting is left out; docs/benchmarks.md
        // records how long a 10 MB single-piece text takes to count).
        var gen = Gen.Int[0, Fuzz.SeedFiles.Count - 1].SelectMany(f => Gen.Int[0, 1000].Select(line => (f, line)));
        Fuzz.Run("validator-10MB", gen, pick => Fuzz.Wait(CheckHugeAsync(pick.f, pick.line)), iterations: 2);
    }

    private static async Task CheckHugeAsync(int fileIndex, int lineIndex)
    {
        var seed = Fuzz.SeedFiles[fileIndex];
        var lines = seed.Take(12).ToArray();
        var at = lineIndex % lines.Length;
        lines[at] = Mutations.ReplaceValue(lines[at], (uint)lineIndex, System.Text.Encoding.ASCII.GetBytes("\"" + new string('x', 10 << 20) + "\""));
        var bytes = lines.SelectMany(l => l.Append((byte)'\n')).ToArray();

        var report = await new DatasetValidator().ValidateAsync(new MemoryStream(bytes));

        report.Findings.Should().OnlyContain(f => f.Line >= 0 && f.Line <= lines.Length && f.Path.StartsWith('$'));
    }

    [Fact]
    public void DatasetTools_MutatedRealFiles_NoExceptionAndEveryLineAccountedFor() =>
        Fuzz.Run("tools", Mutations.File(allowHuge: false), file => Fuzz.Wait(CheckToolsAsync(file)), iterations: 120);

    [Fact]
    public void ChatTokenAccounting_MutatedRows_CountsEveryRowThatParses() =>
        Fuzz.Run("tokens", Mutations.File(allowHuge: false), CheckTokens, iterations: 300);

    private static async Task CheckValidatorAsync(MutatedFile file)
    {
        var bytes = file.Bytes;
        var request = new DatasetValidationRequest { Model = "gpt-4o-mini" };
        var pipelined = await new DatasetValidator().ValidateAsync(new MemoryStream(bytes), request);
        var sequential = await new DatasetValidator { Sequential = true }.ValidateAsync(new MemoryStream(bytes), request);

        foreach (var finding in pipelined.Findings)
        {
            finding.Line.Should().BeInRange(0, file.Lines.Length, "every finding has a line ({0})", finding.Code);
            finding.Path.Should().StartWith("$", "every finding has a JSON path ({0})", finding.Code);
            finding.Code.Should().MatchRegex("^FT1[0-2][0-9][0-9]$");
        }

        Keys(sequential).Should().Equal(Keys(pipelined), "the pipelined run reports what the sequential one does");

        if (file.Structural)
        {
            return;
        }

        // Per-row rules only (the whole-file gates compare rows with each other): lines not mutated keep their findings.
        var before = await new DatasetValidator(TestOptions.RulesOnly()).ValidateAsync(new MemoryStream(file.OriginalBytes));
        var after = await new DatasetValidator(TestOptions.RulesOnly()).ValidateAsync(new MemoryStream(bytes));
        if (before.Format != after.Format || before.Findings.Concat(after.Findings).Any(f => WholeFileCodes.Contains(f.Code)))
        {
            return; // the file as a whole changed kind (a JSON array, CSV, a foreign format, or the other format)
        }

        var kept = Enumerable.Range(0, file.Lines.Length).Where(i => !file.Mutated.Contains(i)).Select(i => (long)i + 1).ToHashSet();
        RowKeys(after, kept).Should().Equal(RowKeys(before, kept), "lines that were not mutated produce exactly the findings they produced before");
    }

    private static List<string> Keys(DatasetValidationReport report) => report.Findings.Select(f => $"{f.Line} {f.Code} {f.Path}").ToList();

    private static List<string> RowKeys(DatasetValidationReport report, HashSet<long> lines) =>
        report.Findings.Where(f => lines.Contains(f.Line)).Select(f => $"{f.Line} {f.Code} {f.Path} {f.Message}").ToList();

    private static async Task CheckToolsAsync(MutatedFile file)
    {
        var bytes = file.Bytes;
        var nonBlank = Fuzz.SplitLines(bytes).Count(l => l.AsSpan().Trim(" \t\r"u8).Length > 0);

        using var redacted = new MemoryStream();
        var redaction = await new DatasetRedactor().RedactAsync(new MemoryStream(bytes), redacted);
        redaction.Rows.Should().Be(nonBlank);
        Fuzz.SplitLines(redacted.ToArray()).Count.Should().Be((int)(redaction.Rows - redaction.SkippedLines));

        using MemoryStream train = new(), validation = new(), holdout = new();
        var split = await new DatasetSplitter().SplitAsync(new MemoryStream(bytes), train, validation, holdout);
        (split.TrainRows + split.ValidationRows + split.HoldoutRows + split.SkippedLines).Should().BeLessThanOrEqualTo(nonBlank);

        using var augmented = new MemoryStream();
        await new EntitySwapAugmenter().AugmentAsync(new MemoryStream(bytes), augmented);

        var manifest = await new DatasetManifestBuilder(new DatasetValidator()).CreateAsync(new MemoryStream(bytes), "1.0.0");
        manifest.Rows.Should().Be(nonBlank);
        manifest.Bytes.Should().Be(bytes.Length);
    }

    private static void CheckTokens(MutatedFile file)
    {
        var accounting = ChatTokenAccounting.ForModel("gpt-4o-mini");
        foreach (var line in file.Lines)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }

            using (document)
            {
                var counted = accounting.CountExample(document.RootElement);
                counted.Total.Should().BeGreaterThanOrEqualTo(0);
            }
        }
    }
}
