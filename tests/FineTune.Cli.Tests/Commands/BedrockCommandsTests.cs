using FineTune.Tests;

namespace FineTune.Cli.Tests;

public sealed class BedrockCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ft-bedrock-cli-").FullName;

    private static string Sample => Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Convert_SampleWithToolRows_RefusesWithoutSkipAndNamesLines()
    {
        var output = Path.Combine(_directory, "nova.jsonl");

        var (code, text, _) = await RunAsync("convert", Sample, "--to", "nova", "--out", output);

        code.Should().Be(CliApp.Failed);
        text.Should().Contain("error FT1312 line ").And.Contain("Not written");
        File.Exists(output).Should().BeFalse();
    }

    [Fact]
    public async Task Convert_SkipInvalid_WritesAndValidatesForTheFamily()
    {
        var output = Path.Combine(_directory, "claude.jsonl");

        var (code, text, error) = await RunAsync("convert", Sample, "--to", "anthropic.claude-3-haiku-20240307-v1:0:200k", "--out", output, "--skip-invalid");

        File.Exists(output).Should().BeTrue(error);
        text.Should().Contain("as ClaudeMessages for Anthropic Claude 3 Haiku").And.Contain("ESTIMATE: estimate: characters / 6");
        code.Should().Be(CliApp.Failed, "the skipped tool rows stay errors");
    }

    [Fact]
    public async Task ValidateTarget_ConvertedFile_PassesAndWrongFamilyFails()
    {
        var output = Path.Combine(_directory, "nova.jsonl");
        await RunAsync("convert", Sample, "--to", "nova", "--out", output, "--skip-invalid");

        var (ok, okText, _) = await RunAsync("validate", output, "--target", "bedrock:amazon.nova-micro-v1:0:128k");
        var (bad, badText, _) = await RunAsync("validate", output, "--target", "bedrock:amazon.titan-text-express-v1:0:8k");

        ok.Should().Be(CliApp.Success, okText);
        okText.Should().Contain("0 error(s)");
        bad.Should().Be(CliApp.Failed);
        badText.Should().Contain("FT1303 line 1 $.schemaVersion");
    }

    [Fact]
    public async Task ValidateTarget_UnknownModelOrProvider_ExitsTwo()
    {
        (await RunAsync("validate", Sample, "--target", "bedrock:nope")).Code.Should().Be(CliApp.UsageError);
        (await RunAsync("validate", Sample, "--target", "vertex:x")).Code.Should().Be(CliApp.UsageError);
        (await RunAsync("convert", Sample, "--to", "nope", "--out", Path.Combine(_directory, "x"))).Code.Should().Be(CliApp.UsageError);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
