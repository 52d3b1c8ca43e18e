using FineTune.Sdk;
using FineTune.Sdk.Registry.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the <c>sqlite:PATH</c> store scheme to <c>AddModelRegistry(...)</c>.</summary>
public static class SqliteModelRegistryBuilderExtensions
{
    /// <summary>Lets <see cref="ModelRegistryOptions.Store"/> name a SQLite database as <c>sqlite:PATH</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddSqliteModelRegistryStore(this IFineTuningBuilder builder) =>
        builder.AddModelRegistryStore(new SqliteModelRegistryStoreFactory());

    private sealed class SqliteModelRegistryStoreFactory : IModelRegistryStoreFactory
    {
        public string Scheme => "sqlite";

        public IModelRegistryStore Create(string target, ModelRegistryOptions options, TimeProvider timeProvider) =>
            new SqliteModelRegistryStore(target, options.LockTimeout);
    }
}
