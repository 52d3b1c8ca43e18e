namespace FineTune.Sdk.Bedrock.Tests;

public sealed class BedrockMigrationSampleTests
{
    [Fact]
    public void Sample04_Offline_MigratesTrainsAndAcceptsTheCustomModel()
    {
        var entryPoint = typeof(Program).Assembly.EntryPoint!;

        var exitCode = entryPoint.Invoke(null, [new[] { "--offline" }]);

        exitCode.Should().Be(0);
    }
}
