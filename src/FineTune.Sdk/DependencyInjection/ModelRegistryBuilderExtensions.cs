using System.Globalization;
using FineTune.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the model registry to the <c>AddFineTuning()</c> builder.</summary>
public static class ModelRegistryBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="IModelRegistry"/> as a singleton over the store named by <see cref="ModelRegistryOptions.Store"/>
    /// (<c>file:PATH</c> built in; <c>sqlite:</c> and <c>postgres:</c> with their packages), with its options
    /// validated at start-up. Calling it again adds nothing new but applies <paramref name="configure"/> again.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Edits the options.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddModelRegistry(this IFineTuningBuilder builder, Action<ModelRegistryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder).Configure(configure);
        return builder;
    }

    /// <summary>
    /// Registers <see cref="IModelRegistry"/> with options read from a configuration section (<c>Store</c>,
    /// <c>BaseDirectory</c>, <c>PollInterval</c>, <c>StaleAfter</c>, <c>LockTimeout</c>, <c>MaxCommitAttempts</c>,
    /// <c>RetirementDates:{model}</c>), validated at start-up.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("FineTune:Registry")</c>.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddModelRegistry(this IFineTuningBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder).Configure(options => ReadConfiguration(configuration, options));
        return builder;
    }

    /// <summary>Registers a store factory for a scheme of <see cref="ModelRegistryOptions.Store"/> (used by the SQLite and PostgreSQL packages).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="factory">The factory.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddModelRegistryStore(this IFineTuningBuilder builder, IModelRegistryStoreFactory factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IModelRegistryStoreFactory) && d.ImplementationInstance is IModelRegistryStoreFactory f && string.Equals(f.Scheme, factory.Scheme, StringComparison.OrdinalIgnoreCase)))
        {
            builder.Services.AddSingleton(factory);
        }

        return builder;
    }

    private static OptionsBuilder<ModelRegistryOptions> AddCore(IFineTuningBuilder builder)
    {
        var services = builder.Services;
        var options = services.AddOptions<ModelRegistryOptions>();
        if (services.Any(d => d.ServiceType == typeof(ModelRegistryMarker)))
        {
            return options;
        }

        services.AddSingleton<ModelRegistryMarker>();
        options.ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        builder.AddModelRegistryStore(new FileModelRegistryStoreFactory());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelRegistryOptions>, ModelRegistryOptionsValidator>());
        services.TryAddSingleton<IModelRegistry>(sp =>
        {
            var registryOptions = sp.GetRequiredService<IOptions<ModelRegistryOptions>>().Value;
            var timeProvider = sp.GetRequiredService<TimeProvider>();
            var store = ModelRegistryOptionsValidator.CreateStore(registryOptions, sp.GetServices<IModelRegistryStoreFactory>(), timeProvider);

            // Singletons are built synchronously; this is the one blocking read, at first use.
            return ModelRegistry.OpenAsync(store, registryOptions, timeProvider, sp.GetService<ILogger<ModelRegistry>>()).GetAwaiter().GetResult();
        });
        return options;
    }

    private static void ReadConfiguration(IConfiguration section, ModelRegistryOptions options)
    {
        options.Store = section[nameof(ModelRegistryOptions.Store)] ?? options.Store;
        options.BaseDirectory = section[nameof(ModelRegistryOptions.BaseDirectory)] ?? options.BaseDirectory;
        options.PollInterval = ReadTimeSpan(section, nameof(ModelRegistryOptions.PollInterval)) ?? options.PollInterval;
        options.StaleAfter = ReadTimeSpan(section, nameof(ModelRegistryOptions.StaleAfter)) ?? options.StaleAfter;
        options.LockTimeout = ReadTimeSpan(section, nameof(ModelRegistryOptions.LockTimeout)) ?? options.LockTimeout;
        if (section[nameof(ModelRegistryOptions.MaxCommitAttempts)] is { } attempts)
        {
            options.MaxCommitAttempts = int.TryParse(attempts, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
        }

        foreach (var child in section.GetSection(nameof(ModelRegistryOptions.RetirementDates)).GetChildren())
        {
            if (DateOnly.TryParse(child.Value, CultureInfo.InvariantCulture, out var date))
            {
                options.RetirementDates[child.Key] = date;
            }
        }
    }

    private static TimeSpan? ReadTimeSpan(IConfiguration section, string key) =>
        section[key] is not { } text ? null
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
        : TimeSpan.MinValue; // fails validation with the field named

    private sealed class ModelRegistryMarker;
}

/// <summary>Creates a store for one scheme of <see cref="ModelRegistryOptions.Store"/>.</summary>
public interface IModelRegistryStoreFactory
{
    /// <summary>Gets the scheme.</summary>
    /// <value>For example <c>file</c>, <c>sqlite</c> or <c>postgres</c>.</value>
    string Scheme { get; }

    /// <summary>Creates a store.</summary>
    /// <param name="target">What follows <c>SCHEME:</c> (a path or a connection string).</param>
    /// <param name="options">The registry options.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The store; the caller owns it.</returns>
    IModelRegistryStore Create(string target, ModelRegistryOptions options, TimeProvider timeProvider);
}

internal sealed class FileModelRegistryStoreFactory : IModelRegistryStoreFactory
{
    public string Scheme => "file";

    public IModelRegistryStore Create(string target, ModelRegistryOptions options, TimeProvider timeProvider) =>
        new FileModelRegistryStore(target, options.LockTimeout, timeProvider);
}

internal sealed class ModelRegistryOptionsValidator(IEnumerable<IModelRegistryStoreFactory> factories) : IValidateOptions<ModelRegistryOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelRegistryOptions options)
    {
        var failures = new List<string>();
        options.Validate(failures, storeRequired: true, factories.Select(f => f.Scheme).ToList());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static IModelRegistryStore CreateStore(ModelRegistryOptions options, IEnumerable<IModelRegistryStoreFactory> factories, TimeProvider timeProvider)
    {
        var store = options.Store ?? throw new OptionsValidationException(nameof(ModelRegistryOptions), typeof(ModelRegistryOptions), ["ModelRegistryOptions.Store is required."]);
        var colon = store.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? store[..colon] : string.Empty;
        var factory = factories.LastOrDefault(f => string.Equals(f.Scheme, scheme, StringComparison.OrdinalIgnoreCase))
            ?? throw new OptionsValidationException(nameof(ModelRegistryOptions), typeof(ModelRegistryOptions), [$"ModelRegistryOptions.Store has the unknown scheme '{scheme}'."]);
        return factory.Create(store[(colon + 1)..], options, timeProvider);
    }
}
