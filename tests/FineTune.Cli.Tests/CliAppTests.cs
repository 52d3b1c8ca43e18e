namespace FineTune.Cli.Tests;

public sealed class CliAppTests
{
    [Fact]
    public async Task RunAsync_UnknownCommand_ReturnsUsageError()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync(["no-such-command"], output, error);

        code.Should().Be(CliApp.UsageError);
        error.ToString().Should().Contain("no-such-command");
    }
}
