using System.Globalization;
using FineTune.Sdk;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the model gateway to the <c>AddFineTuning()</c> builder.</summary>
public static class ModelGatewayBuilderExtensions
{
    /// <summary>
    /// Registers a keyed <see cref="IChatClient"/> for <paramref name="feature"/> (key: the feature name) that routes
    /// every request through the model registry (<c>UseModelRegistry(feature)</c>) over the unkeyed <see cref="IChatClient"/>,
    /// plus the shared <see cref="ModelGatewayMonitor"/> and, unless one is registered, the configuration-backed
    /// <see cref="IFeatureFlags"/>. Options are validated at start-up. Needs <c>AddModelRegistry(...)</c>.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="feature">The registry feature.</param>
    /// <param name="configure">Edits the gateway options of this feature.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddModelGateway(this IFineTuningBuilder builder, string feature, Action<ModelGatewayOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(feature);
        var services = builder.Services;
        var options = services.AddOptions<ModelGatewayOptions>(feature);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        AddCore(services);
        if (!services.Any(d => d.ServiceType == typeof(GatewayMarker) && d.ImplementationInstance is GatewayMarker m && m.Feature == feature))
        {
            services.AddSingleton(new GatewayMarker(feature));
            options.ValidateOnStart();
            services.AddKeyedSingleton<IChatClient>(feature, (sp, _) =>
                new ChatClientBuilder(sp.GetService<IChatClient>() ?? new MissingChatClient(feature)).UseModelRegistry(feature).Build(sp));
        }

        return builder;
    }

    /// <summary>
    /// Sets the thresholds of the gateway's controls from a configuration section (<c>ErrorRateMultiplier</c>,
    /// <c>MinErrorRate</c>, <c>ErrorRateWindow</c>, <c>MinRequestsPerCheck</c>, <c>AutoRollback</c>, <c>RollbackActor</c>,
    /// <c>JudgeScoreDrop</c>, <c>MinJudgeSamples</c>, <c>StaleAfter</c>), validated at start-up.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("FineTune:Gateway:Controls")</c>.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder ConfigureGatewayControls(this IFineTuningBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services);
        builder.Services.Configure<GatewayControlOptions>(o => ReadControls(configuration, o));
        return builder;
    }

    /// <summary>Sets the thresholds of the gateway's controls.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Edits the thresholds.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder ConfigureGatewayControls(this IFineTuningBuilder builder, Action<GatewayControlOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(builder.Services);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Reads the flags of <see cref="ConfigurationFeatureFlags"/> from a configuration section of <c>name: true|false</c>
    /// pairs (for example <c>"FineTune:Flags": { "support-intent": true }</c>), following reloads.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddConfigurationFeatureFlags(this IFineTuningBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        AddCore(builder.Services);
        builder.Services.AddSingleton<IOptionsChangeTokenSource<FeatureFlagOptions>>(new ConfigurationChangeTokenSource<FeatureFlagOptions>(configuration));
        builder.Services.Configure<FeatureFlagOptions>(o =>
        {
            foreach (var child in configuration.GetChildren())
            {
                if (bool.TryParse(child.Value, out var on))
                {
                    o.Flags[child.Key] = on;
                }
            }
        });
        return builder;
    }

    private static void AddCore(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(GatewayCoreMarker)))
        {
            return;
        }

        services.AddSingleton<GatewayCoreMarker>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GatewayControlOptions>().ValidateOnStart();
        services.AddOptions<FeatureFlagOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayControlOptions>, GatewayOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelGatewayOptions>, GatewayOptionsValidator>());
        services.TryAddSingleton<IFeatureFlags>(sp => new ConfigurationFeatureFlags(sp.GetRequiredService<IOptionsMonitor<FeatureFlagOptions>>()));
        services.TryAddSingleton(sp => new ModelGatewayMonitor(
            sp.GetRequiredService<IModelRegistry>(),
            sp.GetRequiredService<IOptions<GatewayControlOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<ModelGatewayMonitor>>()));
    }

    private static void ReadControls(IConfiguration section, GatewayControlOptions options)
    {
        options.ErrorRateMultiplier = ReadDouble(section, nameof(GatewayControlOptions.ErrorRateMultiplier)) ?? options.ErrorRateMultiplier;
        options.MinErrorRate = ReadDouble(section, nameof(GatewayControlOptions.MinErrorRate)) ?? options.MinErrorRate;
        options.JudgeScoreDrop = ReadDouble(section, nameof(GatewayControlOptions.JudgeScoreDrop)) ?? options.JudgeScoreDrop;
        options.ErrorRateWindow = ReadTimeSpan(section, nameof(GatewayControlOptions.ErrorRateWindow)) ?? options.ErrorRateWindow;
        options.StaleAfter = ReadTimeSpan(section, nameof(GatewayControlOptions.StaleAfter)) ?? options.StaleAfter;
        options.MinRequestsPerCheck = ReadInt(section, nameof(GatewayControlOptions.MinRequestsPerCheck)) ?? options.MinRequestsPerCheck;
        options.MinJudgeSamples = ReadInt(section, nameof(GatewayControlOptions.MinJudgeSamples)) ?? options.MinJudgeSamples;
        options.RollbackActor = section[nameof(GatewayControlOptions.RollbackActor)] ?? options.RollbackActor;
        if (section[nameof(GatewayControlOptions.AutoRollback)] is { } rollback)
        {
            options.AutoRollback = bool.TryParse(rollback, out var on) && on;
        }
    }

    // Unparsable values become out-of-range ones, so validation names the field.
    private static double? ReadDouble(IConfiguration section, string key) =>
        section[key] is not { } text ? null : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;

    private static int? ReadInt(IConfiguration section, string key) =>
        section[key] is not { } text ? null : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : int.MinValue;

    private static TimeSpan? ReadTimeSpan(IConfiguration section, string key) =>
        section[key] is not { } text ? null : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : TimeSpan.MinValue;

    private sealed record GatewayMarker(string Feature);

    private sealed class GatewayCoreMarker;

    /// <summary>The inner client when none is registered: every provider needs its keyed client.</summary>
    private sealed class MissingChatClient(string feature) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw Missing(options);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw Missing(options);

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }

        private InvalidOperationException Missing(ChatOptions? options) =>
            new($"The gateway of '{feature}' has no chat client for model '{options?.ModelId}': register a keyed IChatClient under the variant's provider name (AddOpenAI registers 'openai'; AddBedrock(serviceKey: \"bedrock\")), or an unkeyed IChatClient.");
    }
}
