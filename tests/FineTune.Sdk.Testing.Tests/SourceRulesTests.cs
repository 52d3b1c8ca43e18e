using FineTune.Tests;

namespace FineTune.Sdk.Testing.Tests;

public sealed class SourceRulesTests
{
    [Fact]
    public void Source_TestingPackage_ReadsTimeOnlyThroughTimeProvider()
    {
        var uses = SourceBans.FindWallClockUses(Path.Combine(RepoPaths.Root, "src", "FineTune.Sdk.Testing")).ToList();

        uses.Should().BeEmpty("the emulator and the fake clock must take time from an injected TimeProvider");
    }
}
