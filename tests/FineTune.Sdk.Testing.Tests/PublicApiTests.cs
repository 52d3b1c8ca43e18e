using FineTune.Tests;

namespace FineTune.Sdk.Testing.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedListing() => PublicApiListing.Verify(typeof(FineTune.Sdk.Testing.OpenAIEmulator).Assembly);
}
