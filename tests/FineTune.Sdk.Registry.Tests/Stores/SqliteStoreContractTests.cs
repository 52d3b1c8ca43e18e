using FineTune.Sdk;
using FineTune.Sdk.Registry.Sqlite;

namespace FineTune.Sdk.Registry.Tests;

public sealed class SqliteStoreContractTests : RegistryStoreContract
{
    protected override IModelRegistryStore CreateStore() => new SqliteModelRegistryStore(Path.Combine(WorkDirectory, "registry.db"));

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }
}
