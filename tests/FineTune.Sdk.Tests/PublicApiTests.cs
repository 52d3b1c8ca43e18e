using FineTune.Tests;

namespace FineTune.Sdk.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedListing() => PublicApiListing.Verify(typeof(IDatasetValidator).Assembly);

    [Fact]
    public void Sources_NeverReadTheWallClock()
    {
        SourceBans.FindWallClockUses(Path.Combine(RepoPaths.Root, "src")).Should().BeEmpty("all time goes through an injected TimeProvider");
    }
}
