using FineTune.Sdk;
using FineTune.Sdk.Registry.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the <c>postgres:CONNECTION-STRING</c> store scheme to <c>AddModelRegistry(...)</c>.</summary>
public static class PostgreSqlModelRegistryBuilderExtensions
{
    /// <summary>Lets <see cref="ModelRegistryOptions.Store"/> name a PostgreSQL database as <c>postgres:CONNECTION-STRING</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddPostgreSqlModelRegistryStore(this IFineTuningBuilder builder) =>
        builder.AddModelRegistryStore(new PostgreSqlModelRegistryStoreFactory());

    private sealed class PostgreSqlModelRegistryStoreFactory : IModelRegistryStoreFactory
    {
        public string Scheme => "postgres";

        public IModelRegistryStore Create(string target, ModelRegistryOptions options, TimeProvider timeProvider) =>
            new PostgreSqlModelRegistryStore(target);
    }
}
