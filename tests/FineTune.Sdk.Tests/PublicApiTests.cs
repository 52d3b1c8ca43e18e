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

    [Fact]
    public void Sources_DeclareNoPublicApiPerTargetFramework()
    {
        SourceBans.FindConditionalPublicDeclarations(Path.Combine(RepoPaths.Root, "src")).Should().BeEmpty(
            "the approved API listing comes from the net10.0 build and must hold for net8.0 as well (package validation checks compatibility at pack)");
    }
}
