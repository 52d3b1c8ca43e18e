using FineTune.Sdk.FeatureManagement;
using FineTune.Tests;

namespace FineTune.Sdk.Gateway.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_FeatureManagement_MatchesApprovedListing() => PublicApiListing.Verify(typeof(FeatureManagementFeatureFlags).Assembly);
}
