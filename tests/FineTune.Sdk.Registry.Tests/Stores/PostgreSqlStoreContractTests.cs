using FineTune.Sdk;
using FineTune.Sdk.Registry.PostgreSql;

namespace FineTune.Sdk.Registry.Tests;

/// <summary>The contract against a real PostgreSQL server named by <c>FINETUNE_TEST_POSTGRES</c> (.ci/run starts one).</summary>
public sealed class PostgreSqlStoreContractTests : RegistryStoreContract
{
    private readonly string _prefix = "ft_test_" + Guid.NewGuid().ToString("N")[..12];

    protected override IModelRegistryStore CreateStore() => new PostgreSqlModelRegistryStore(TestPostgres.ConnectionString(), _prefix);

    public override async Task DisposeAsync()
    {
        if (TestPostgres.TryConnectionString() is { } connectionString)
        {
            await using var source = Npgsql.NpgsqlDataSource.Create(connectionString);
            await using var command = source.CreateCommand($"DROP TABLE IF EXISTS {_prefix}; DROP TABLE IF EXISTS {_prefix}_history");
            await command.ExecuteNonQueryAsync();
        }

        await base.DisposeAsync();
    }
}

/// <summary>
/// The PostgreSQL server of the tests: <c>FINETUNE_TEST_POSTGRES</c> holds its connection string. Without it the
/// tests are skipped locally and fail in CI (<c>CI=true</c>), where .ci/run must provide the server.
/// </summary>
internal static class TestPostgres
{
    public const string Variable = "FINETUNE_TEST_POSTGRES";

    public static string? TryConnectionString() => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    public static string ConnectionString()
    {
        if (TryConnectionString() is { } value)
        {
            return value;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{Variable} is not set, but CI=true: .ci/run must start PostgreSQL and export {Variable}.");
        }

        Skip.If(true, $"{Variable} is not set: no PostgreSQL server to test against (set it to a connection string, e.g. Host=127.0.0.1;Port=5432;Username=postgres;Database=finetune_test).");
        return string.Empty;
    }
}
