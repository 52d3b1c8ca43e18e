using FineTune.Tests;

namespace FineTune.Sdk.OpenAI.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedListing() => PublicApiListing.Verify(typeof(FineTune.Sdk.OpenAI.AssemblyMarker).Assembly);
}
