using FineTune.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers FineTune.Sdk with a service collection.</summary>
public static class FineTuningServiceCollectionExtensions
{
    /// <summary>
    /// Registers the provider-neutral engines of FineTune.Sdk with <see cref="FineTuningOptions"/> bound from a
    /// configuration section (keys named like its properties, for example <c>Datasets:MaxFindingsPerCode</c>,
    /// <c>Evaluation:MaxConcurrency</c>), validated at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind, for example <c>configuration.GetSection("FineTuning")</c>.</param>
    /// <returns>A builder that adapter packages extend.</returns>
    public static IFineTuningBuilder AddFineTuning(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FineTuningOptions>().Bind(configuration);
        return services.AddFineTuning();
    }

    /// <summary>
    /// Registers the provider-neutral engines of FineTune.Sdk (dataset validation and what later areas add) with
    /// their options validated at start-up. Calling it more than once adds nothing new but applies
    /// <paramref name="configure"/> again.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional callback that edits <see cref="FineTuningOptions"/>.</param>
    /// <returns>A builder that adapter packages extend.</returns>
    public static IFineTuningBuilder AddFineTuning(this IServiceCollection services, Action<FineTuningOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<FineTuningOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(FineTuningMarker)))
        {
            return new FineTuningBuilder(services);
        }

        services.AddSingleton<FineTuningMarker>();
        optionsBuilder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FineTuningOptions>, FineTuningOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // Datasets
        services.TryAddSingleton<IDatasetValidator>(sp => new DatasetValidator(
            sp.GetRequiredService<IOptions<FineTuningOptions>>().Value.Datasets,
            sp.GetService<ILoggerFactory>()?.CreateLogger<DatasetValidator>(),
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton(sp => new DatasetSplitter(sp.GetRequiredService<IOptions<FineTuningOptions>>().Value.Datasets, sp.GetService<ILogger<DatasetSplitter>>()));
        services.TryAddSingleton(sp => new DatasetRedactor(sp.GetRequiredService<IOptions<FineTuningOptions>>().Value.Datasets, sp.GetService<ILogger<DatasetRedactor>>()));
        services.TryAddSingleton(sp => new DatasetManifestBuilder(sp.GetRequiredService<IDatasetValidator>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<FineTuningOptions>>().Value.Datasets, sp.GetService<ILogger<DatasetManifestBuilder>>()));

        // Tokens and costs
        services.TryAddSingleton<ITokenCounter>(sp => TiktokenTokenizer.ForEncoding(sp.GetRequiredService<IOptions<FineTuningOptions>>().Value.Tokens.Encoding));
        services.TryAddSingleton<ICostEstimator>(sp => new CostEstimator(sp.GetRequiredService<IOptions<FineTuningOptions>>().Value.Costs));

        // Evaluation
        // FineTuningOptions.Evaluation are the defaults of every run that passes no options of its own.
        services.TryAddSingleton<IEvalRunner>(sp => new ConfiguredEvalRunner(
            new EvalRunner(sp.GetService<TimeProvider>(), sp.GetService<ILogger<EvalRunner>>()),
            sp.GetRequiredService<IOptions<FineTuningOptions>>().Value.Evaluation));

        // Pipeline
        services.TryAddSingleton(sp => new FineTunePipeline(sp.GetRequiredService<ICostEstimator>(), sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>()));

        return new FineTuningBuilder(services);
    }

    private sealed class FineTuningMarker;
}
