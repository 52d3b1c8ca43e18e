using System.Security.Cryptography;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

public sealed class DatasetToolCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ft-tools-").FullName;

    private static string Sample => Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Split_BundledSample_WritesThreeFilesDeterministically()
    {
        var (code, output, error) = await RunAsync("split", Sample, "--out-dir", Path.Combine(_directory, "a"), "--seed", "4", "--holdout", "0.2", "--validation", "0.1");
        await RunAsync("split", Sample, "--out-dir", Path.Combine(_directory, "b"), "--seed", "4", "--holdout", "0.2", "--validation", "0.1");

        code.Should().Be(CliApp.Success, error);
        output.Should().Contain("train").And.Contain("holdout").And.Contain("moved");
        var counts = new[] { "train", "validation", "holdout" }.Select(n => File.ReadLines(Path.Combine(_directory, "a", n + ".jsonl")).Count()).ToArray();
        counts.Sum().Should().Be(70);
        counts.Should().Equal([49, 7, 14], "holdout 0.2 × 70 = 14 and validation 0.1 × 70 = 7 rows");
        File.ReadAllBytes(Path.Combine(_directory, "b", "holdout.jsonl")).Should().Equal(File.ReadAllBytes(Path.Combine(_directory, "a", "holdout.jsonl")));
    }

    [Fact]
    public async Task Split_BadShare_ExitsTwo()
    {
        var (code, _, error) = await RunAsync("split", Sample, "--out-dir", _directory, "--holdout", "0.9", "--validation", "0.2");

        code.Should().Be(CliApp.UsageError);
        error.Should().Contain("HoldoutShare + ValidationShare");
    }

    [Fact]
    public async Task Redact_FileWithPii_WritesNewFileAndCountsPerKind()
    {
        var input = Write("pii.jsonl", """{"messages":[{"role":"user","content":"I am ann@example.com, card 4111 1111 1111 1111"},{"role":"assistant","content":"Thanks ann@example.com"}]}""");
        var target = Path.Combine(_directory, "clean.jsonl");

        var (code, output, _) = await RunAsync("redact", input, "--out", target);

        code.Should().Be(CliApp.Success);
        output.Should().Contain("Redacted 1 of 1 rows").And.MatchRegex(@"EMAIL\s+2 replaced,\s+1 distinct").And.MatchRegex(@"CARD\s+1 replaced");
        var text = await File.ReadAllTextAsync(target);
        text.Should().Contain("<EMAIL_1>").And.Contain("<CARD_1>").And.NotContain("ann@");
    }

    [Fact]
    public async Task Redact_OutputIsInput_ExitsTwoAndKeepsInput()
    {
        var input = Write("pii.jsonl", """{"messages":[{"role":"user","content":"ann@example.com"}]}""");
        var before = await File.ReadAllTextAsync(input);

        var (code, _, error) = await RunAsync("redact", input, "--out", input, "--force");

        code.Should().Be(CliApp.UsageError);
        error.Should().Contain("never modify their input");
        (await File.ReadAllTextAsync(input)).Should().Be(before);
    }

    [Fact]
    public async Task Manifest_BundledSample_PrintsJsonWithTheFileHash()
    {
        var (code, output, error) = await RunAsync("manifest", Sample, "--version", "1.2.0");

        code.Should().Be(CliApp.Success, error);
        var root = JsonDocument.Parse(output).RootElement;
        root.GetProperty("sha256").GetString().Should().Be(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Sample))).ToLowerInvariant());
        root.GetProperty("version").GetString().Should().Be("1.2.0");
        root.GetProperty("rows").GetInt64().Should().Be(70);
        root.GetProperty("format").GetString().Should().Be("chat");
        root.GetProperty("provenance").GetProperty("human").GetInt64().Should().Be(56, "the sample's rows whose metadata.source is \"human\"");
        root.GetProperty("findings").GetProperty("errors").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Manifest_OutFileAndBadVersion_Behave()
    {
        var target = Path.Combine(_directory, "manifest.json");
        (await RunAsync("manifest", Sample, "--out", target)).Code.Should().Be(CliApp.Success);
        JsonDocument.Parse(await File.ReadAllTextAsync(target)).RootElement.GetProperty("version").GetString().Should().Be("1.0.0");

        var (code, _, error) = await RunAsync("manifest", Sample, "--version", "1.2");
        code.Should().Be(CliApp.UsageError);
        error.Should().Contain("'1.2'");
    }

    [Fact]
    public async Task Augment_BundledSample_AddsTaggedRows()
    {
        var target = Path.Combine(_directory, "augmented.jsonl");

        var (code, output, error) = await RunAsync("augment", Sample, "--out", target, "--copies", "2", "--seed", "9");

        code.Should().Be(CliApp.Success, error);
        output.Should().Contain("Read 70 rows");
        var augmented = File.ReadLines(target).Where(l => l.Contains("\"entity_swap\"", StringComparison.Ordinal)).ToList();
        augmented.Should().HaveCount(10, "the seeded augmenter's swaps on this file (5 rows with an entity, 2 copies each)");
        File.ReadLines(target).Count().Should().Be(70 + augmented.Count);
    }

    [Fact]
    public async Task DatasetTools_MissingInput_ExitTwo()
    {
        var missing = Path.Combine(_directory, "nope.jsonl");

        (await RunAsync("split", missing, "--out-dir", _directory)).Code.Should().Be(CliApp.UsageError);
        (await RunAsync("redact", missing, "--out", Path.Combine(_directory, "x.jsonl"))).Code.Should().Be(CliApp.UsageError);
        (await RunAsync("manifest", missing)).Code.Should().Be(CliApp.UsageError);
        (await RunAsync("augment", missing, "--out", Path.Combine(_directory, "y.jsonl"))).Code.Should().Be(CliApp.UsageError);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content + "\n");
        return path;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
