using FineTune.Sdk.Registry.PostgreSql;
using FineTune.Sdk.Registry.Sqlite;
using FineTune.Tests;

namespace FineTune.Sdk.Registry.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_Sqlite_MatchesApprovedListing() => PublicApiListing.Verify(typeof(SqliteModelRegistryStore).Assembly);

    [Fact]
    public void PublicApi_PostgreSql_MatchesApprovedListing() => PublicApiListing.Verify(typeof(PostgreSqlModelRegistryStore).Assembly);
}
