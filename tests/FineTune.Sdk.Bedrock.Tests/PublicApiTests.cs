using FineTune.Tests;

namespace FineTune.Sdk.Bedrock.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedListing() => PublicApiListing.Verify(typeof(FineTune.Sdk.Bedrock.AssemblyMarker).Assembly);
}
