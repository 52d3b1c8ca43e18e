using System.Net;

namespace FineTune.Cli.Tests;

public sealed class EmulateCommandTests
{
    [Fact(Timeout = 60_000)]
    public async Task EmulateOpenAI_PortZero_PrintsOneListeningLineServesAndStopsOnCancel()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var syncOutput = TextWriter.Synchronized(output);
        using var stop = new CancellationTokenSource();

        var run = CliApp.RunAsync(["emulate", "openai", "--port", "0", "--speed", "50"], syncOutput, TextWriter.Synchronized(error), stop.Token);
        var line = await WaitForFirstLineAsync(syncOutput, output, run);

        line.Should().MatchRegex(@"^Listening on http://127\.0\.0\.1:\d+/v1$");
        using (var http = new HttpClient())
        {
            var response = await http.GetAsync(line["Listening on ".Length..] + "/models");
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        await stop.CancelAsync();
        (await run).Should().Be(CliApp.Success);
        output.ToString().TrimEnd('\n', '\r').Split('\n').Should().ContainSingle();
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--speed", "0")]
    [InlineData("--port", "70000")]
    public async Task EmulateOpenAI_InvalidOption_ReturnsUsageError(string option, string value)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync(["emulate", "openai", option, value], output, error);

        code.Should().Be(CliApp.UsageError);
        error.ToString().Should().Contain(option);
        output.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task EmulateBedrock_PortZero_PrintsListeningLineAndRefusesUnsignedRequests()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var syncOutput = TextWriter.Synchronized(output);
        using var stop = new CancellationTokenSource();

        var run = CliApp.RunAsync(["emulate", "bedrock", "--port", "0", "--speed", "50", "--bucket", "training-data"], syncOutput, TextWriter.Synchronized(error), stop.Token);
        var line = await WaitForFirstLineAsync(syncOutput, output, run);

        line.Should().MatchRegex(@"^Listening on http://127\.0\.0\.1:\d+$");
        using (var http = new HttpClient())
        {
            var response = await http.GetAsync(line["Listening on ".Length..] + "/model-customization-jobs");
            response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            response.Headers.GetValues("x-amzn-ErrorType").Single().Should().StartWith("MissingAuthenticationTokenException:");
        }

        await stop.CancelAsync();
        (await run).Should().Be(CliApp.Success);
    }

    [Theory]
    [InlineData("--speed", "0")]
    [InlineData("--secret-key", "")]
    [InlineData("--bucket", "Not_A_Bucket")]
    public async Task EmulateBedrock_InvalidOption_ReturnsUsageError(string option, string value)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync(["emulate", "bedrock", option, value], output, error);

        code.Should().Be(CliApp.UsageError);
        output.ToString().Should().BeEmpty();
        error.ToString().Should().NotBeEmpty();
    }

    private static async Task<string> WaitForFirstLineAsync(TextWriter syncOutput, StringWriter output, Task<int> run)
    {
        for (var i = 0; i < 400; i++)
        {
            string text;
            lock (syncOutput)
            {
                text = output.ToString();
            }

            var newline = text.IndexOf('\n', StringComparison.Ordinal);
            if (newline >= 0)
            {
                return text[..newline].TrimEnd('\r');
            }

            if (run.IsCompleted)
            {
                throw new InvalidOperationException($"The command exited with {await run} before listening.");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The emulator did not print its listening line within 20 s.");
    }
}
