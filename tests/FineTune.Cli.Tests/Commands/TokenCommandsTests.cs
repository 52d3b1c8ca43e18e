using System.Text.Json;
using FineTune.Sdk.Tests;
using FineTune.Tests;

namespace FineTune.Cli.Tests;

public sealed class TokenCommandsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ft-tokens-").FullName;

    private static string Drone => RepoPaths.Dataset("openai-cookbook/drone_training.jsonl");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Estimate_DroneFile_PrintsTheBreakdown()
    {
        var (code, output, error) = await RunAsync("estimate", Drone, "--model", "gpt-4o-mini");

        code.Should().Be(CliApp.Success, error);
        output.Should().Contain("Training examples       103").And.Contain("Epochs                  3 (auto)")
            .And.Contain("Retry buffer (20%)").And.Contain("Tokens (o200k_base, gpt-4o-mini)");
    }

    [Fact]
    public async Task Estimate_Json_HasTokensAndCost()
    {
        var (code, output, _) = await RunAsync("estimate", Drone, "--model", "gpt-4o-mini", "--epochs", "2", "--json");

        code.Should().Be(CliApp.Success);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        var billed = root.GetProperty("tokens").GetProperty("billed").GetInt64();
        root.GetProperty("cost").GetProperty("epochs").GetInt32().Should().Be(2);
        root.GetProperty("cost").GetProperty("billed_tokens").GetInt64().Should().Be(billed * 2);
        root.GetProperty("cost").GetProperty("subtotal").GetDecimal().Should().Be(billed * 2 * 3.00m / 1_000_000m);
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "many")]
    [InlineData("--model", "llama-3")]
    public async Task Estimate_BadArguments_ExitTwo(string option, string value)
    {
        string[] args = option == "--model" ? ["estimate", Drone, "--model", value] : ["estimate", Drone, "--model", "gpt-4o-mini", option, value];
        var (code, _, error) = await RunAsync(args);
        code.Should().Be(CliApp.UsageError);
        error.Should().Contain(value);
    }

    [Fact]
    public async Task Estimate_ModelWithoutPrice_ExitsTwoNamingKnownModels()
    {
        var (code, _, error) = await RunAsync("estimate", Drone, "--model", "gpt-4-0613");
        code.Should().Be(CliApp.UsageError);
        error.Should().Contain("gpt-4-0613").And.Contain("gpt-4o-mini");
    }

    [Fact]
    public async Task Validate_Json_HasTokensAlwaysAndCostWithModel()
    {
        var (_, plain, _) = await RunAsync("validate", Drone, "--json");
        using (var document = JsonDocument.Parse(plain))
        {
            document.RootElement.GetProperty("tokens").GetProperty("total").GetInt64().Should().Be((await TiktokenOracle.CountRowsAsync(await File.ReadAllBytesAsync(Drone))).Sum(), "npm tiktoken's count of the same file");
            document.RootElement.TryGetProperty("cost", out _).Should().BeFalse();
        }

        var (code, withModel, _) = await RunAsync("validate", Drone, "--json", "--model", "gpt-4o-mini");
        code.Should().Be(CliApp.Success);
        using var withCost = JsonDocument.Parse(withModel);
        var tokens = withCost.RootElement.GetProperty("tokens");
        tokens.GetProperty("billed").GetInt64().Should().Be(tokens.GetProperty("total").GetInt64());
        tokens.GetProperty("max_tokens_per_example").GetInt32().Should().Be(65_536);
        withCost.RootElement.GetProperty("cost").GetProperty("model").GetString().Should().Be("gpt-4o-mini");
    }

    [Fact]
    public async Task Validate_Text_ShowsTokenDistribution()
    {
        var (_, output, _) = await RunAsync("validate", Drone, "--model", "gpt-4o-mini");
        output.Should().Contain("tokens/example").And.Contain("p95").And.Contain("Cost estimate: gpt-4o-mini");
    }

    [Fact]
    public async Task Tokens_File_PrintsCount()
    {
        var file = Path.Combine(_directory, "prompt.txt");
        await File.WriteAllTextAsync(file, "hello world");

        (await RunAsync("tokens", file)).Output.Trim().Should().Be("2");
        (await RunAsync("tokens", "--ids", file)).Output.Trim().Should().Be("[24912,2375]");
        (await RunAsync("tokens", "--ids", "--encoding", "cl100k_base", file)).Output.Trim().Should().Be("[15339,1917]");
        (await RunAsync("tokens", "--ids", "--model", "gpt-3.5-turbo", file)).Output.Trim().Should().Be("[15339,1917]");
    }

    [Fact]
    public async Task Tokens_SpecialTokenText_IsOrdinaryText()
    {
        var file = Path.Combine(_directory, "special.txt");
        await File.WriteAllTextAsync(file, "<|endoftext|>");
        (await RunAsync("tokens", "--ids", file)).Output.Should().NotContain("199999");
    }

    [Fact]
    public async Task Tokens_EncodingAndModel_IsAUsageError()
    {
        var file = Path.Combine(_directory, "x.txt");
        await File.WriteAllTextAsync(file, "x");
        (await RunAsync("tokens", "--encoding", "o200k_base", "--model", "gpt-4o", file)).Code.Should().Be(CliApp.UsageError);
        (await RunAsync("tokens", "--model", "llama-3", file)).Code.Should().Be(CliApp.UsageError);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
