using FineTune.Sdk;
using FineTune.Sdk.FeatureManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.FeatureManagement;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts the model gateway's flags in <c>Microsoft.FeatureManagement</c>.</summary>
public static class FeatureManagementFineTuningBuilderExtensions
{
    /// <summary>
    /// Makes <see cref="FeatureManagementFeatureFlags"/> the gateway's <see cref="IFeatureFlags"/> (replacing the
    /// configuration-backed default), and adds feature management (<c>services.AddFeatureManagement()</c>, reading the
    /// <c>feature_management</c> or <c>FeatureManagement</c> configuration section) unless it is already added.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddFeatureManagementFlags(this IFineTuningBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(d => d.ServiceType == typeof(IVariantFeatureManager)))
        {
            services.AddFeatureManagement();
        }

        services.RemoveAll<IFeatureFlags>();
        services.AddSingleton<IFeatureFlags>(sp => new FeatureManagementFeatureFlags(sp.GetRequiredService<IVariantFeatureManager>()));
        return builder;
    }
}
