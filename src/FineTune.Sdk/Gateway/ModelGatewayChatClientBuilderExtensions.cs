using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk;

/// <summary>Adds the model gateway to a <see cref="ChatClientBuilder"/>: requests ask for a feature, the registry picks the model.</summary>
public static class ModelGatewayChatClientBuilderExtensions
{
    /// <summary>
    /// Routes every request through the model registry: the feature is resolved for the caller's targeting key
    /// (<see cref="ModelGatewayProperties.TargetingKey"/> in <see cref="ChatOptions.AdditionalProperties"/>, else
    /// <see cref="ModelGatewayContext.TargetingKey"/>) and its flag, the model id is set, and the request goes to the
    /// variant's provider client (<see cref="ModelGatewayOptions.Clients"/>, else the keyed <see cref="IChatClient"/>
    /// registered under the provider name, else the client this builder wraps). The response carries
    /// <see cref="ModelGatewayProperties.Variant"/>. The registry, flags, monitor, clock and logger come from the
    /// builder's services (<c>AddModelRegistry</c>, <c>AddModelGateway</c>).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="feature">The registry feature, for example <c>support-intent</c>.</param>
    /// <param name="configure">Edits the gateway options (shadow traffic, online evaluation, clients).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The options are invalid (the message names the field).</exception>
    public static ChatClientBuilder UseModelRegistry(this ChatClientBuilder builder, string feature, Action<ModelGatewayOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        return builder.Use((inner, services) =>
        {
            // A fresh instance per built client (named options of AddModelGateway applied and validated), then configure.
            var options = services.GetService<IOptionsFactory<ModelGatewayOptions>>()?.Create(feature) ?? new ModelGatewayOptions();
            configure?.Invoke(options);
            var registry = services.GetService<IModelRegistry>()
                ?? throw new InvalidOperationException("UseModelRegistry(feature) needs an IModelRegistry in the services: call AddFineTuning().AddModelRegistry(...), or use the overload that takes the registry.");
            var monitor = services.GetService<ModelGatewayMonitor>();
            var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
            var loggers = services.GetService<ILoggerFactory>();
            return Create(inner, registry, feature, options, services.GetService<IFeatureFlags>(), monitor, services, time, loggers);
        });
    }

    /// <summary>
    /// Routes every request through <paramref name="registry"/> without dependency injection (see the other overload).
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="registry">The registry.</param>
    /// <param name="feature">The registry feature.</param>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <param name="flags">The flags; when <see langword="null"/>, every flag is off and the default variant always serves.</param>
    /// <param name="monitor">The controls; when <see langword="null"/> the gateway creates (and disposes) its own with default thresholds.</param>
    /// <param name="timeProvider">The clock; the system clock when <see langword="null"/>.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The options are invalid (the message names the field).</exception>
    public static ChatClientBuilder UseModelRegistry(this ChatClientBuilder builder, IModelRegistry registry, string feature, ModelGatewayOptions? options = null, IFeatureFlags? flags = null, ModelGatewayMonitor? monitor = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        return builder.Use((inner, services) => Create(inner, registry, feature, options ?? new ModelGatewayOptions(), flags, monitor, services, timeProvider ?? TimeProvider.System, loggerFactory));
    }

    private static ModelGatewayChatClient Create(IChatClient inner, IModelRegistry registry, string feature, ModelGatewayOptions options, IFeatureFlags? flags, ModelGatewayMonitor? monitor, IServiceProvider? services, TimeProvider time, ILoggerFactory? loggers)
    {
        options.ThrowIfInvalid();
        var owns = monitor is null;
        monitor ??= new ModelGatewayMonitor(registry, null, time, loggers?.CreateLogger<ModelGatewayMonitor>());
        return new ModelGatewayChatClient(inner, registry, feature, options, flags ?? new ConfigurationFeatureFlags(new FeatureFlagOptions()), monitor, owns, services, time, loggers?.CreateLogger<ModelGatewayChatClient>());
    }
}
