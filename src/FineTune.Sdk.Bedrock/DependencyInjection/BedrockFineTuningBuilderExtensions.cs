using Amazon.Extensions.NETCore.Setup;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Bedrock provider on the <c>AddFineTuning()</c> builder.</summary>
public static class BedrockFineTuningBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="BedrockFineTuneProvider"/> as <see cref="IFineTuneProvider"/> and its Converse client as
    /// <see cref="IChatClient"/> (keyed when <paramref name="serviceKey"/> is set). Credentials and region come from
    /// a registered <see cref="AWSOptions"/> (<c>services.AddDefaultAWSOptions(configuration.GetAWSOptions())</c>),
    /// else the <c>AWS</c> section of the registered <see cref="IConfiguration"/>, else AWSSDK.Core's default chains.
    /// The provider resolved as <see cref="IFineTuneProvider"/> is the adapter wrapped in the standard decorators
    /// (<c>UseStandardPolicies</c>: telemetry, logging, resilience, upload de-duplication, retry-safe start).
    /// Options are validated at start-up. A second call with the same key adds nothing.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="serviceKey">The key for a keyed registration; null for the default one.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddBedrock(this IFineTuningBuilder builder, Action<BedrockFineTuneProviderOptions>? configure = null, string? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<BedrockFineTuneProviderOptions>(serviceKey ?? Options.Options.DefaultName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        Register(builder.Services, serviceKey);
        return builder;
    }

    /// <summary>Adds the Bedrock provider with options bound from a configuration section (for example <c>FineTune:Bedrock</c>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="configuration">The section holding <see cref="BedrockFineTuneProviderOptions"/>.</param>
    /// <param name="serviceKey">The key for a keyed registration; null for the default one.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddBedrock(this IFineTuningBuilder builder, IConfiguration configuration, string? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<BedrockFineTuneProviderOptions>(serviceKey ?? Options.Options.DefaultName).Bind(configuration);
        Register(builder.Services, serviceKey);
        return builder;
    }

    private static void Register(IServiceCollection services, string? serviceKey)
    {
        var name = serviceKey ?? Options.Options.DefaultName;
        if (services.Any(d => d.ServiceType == typeof(BedrockMarker) && d.ImplementationInstance is BedrockMarker marker && marker.Name == name))
        {
            return;
        }

        services.AddSingleton(new BedrockMarker(name));
        services.AddOptions<BedrockFineTuneProviderOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BedrockFineTuneProviderOptions>, BedrockOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        if (serviceKey is null)
        {
            services.TryAddSingleton(sp => Create(sp, name));
            services.TryAddSingleton<IFineTuneProvider>(sp => Compose(sp, sp.GetRequiredService<BedrockFineTuneProvider>(), name));
            services.TryAddSingleton<IChatClient>(sp => sp.GetRequiredService<BedrockFineTuneProvider>().GetService<BedrockChatClient>()!);
        }
        else
        {
            services.TryAddKeyedSingleton(serviceKey, (sp, _) => Create(sp, name));
            services.TryAddKeyedSingleton<IFineTuneProvider>(serviceKey, (sp, key) => Compose(sp, sp.GetRequiredKeyedService<BedrockFineTuneProvider>(key), name));
            services.TryAddKeyedSingleton<IChatClient>(serviceKey, (sp, key) => sp.GetRequiredKeyedService<BedrockFineTuneProvider>(key).GetService<BedrockChatClient>()!);
        }
    }

    private static BedrockFineTuneProvider Create(IServiceProvider sp, string name)
        => new(
            sp.GetRequiredService<IOptionsMonitor<BedrockFineTuneProviderOptions>>().Get(name),
            sp.GetService<AWSOptions>() ?? sp.GetService<IConfiguration>()?.GetAWSOptions(),
            httpClient: null,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>());

    // The adapter only maps the wire; retries (Retry-After), retry-safe start, upload de-duplication, logging and
    // telemetry are the standard decorators. Retry-safe start defers to Bedrock's native clientRequestToken.
    private static IFineTuneProvider Compose(IServiceProvider sp, BedrockFineTuneProvider adapter, string name)
    {
        var options = sp.GetRequiredService<IOptionsMonitor<BedrockFineTuneProviderOptions>>().Get(name);
        return adapter.AsBuilder().UseStandardPolicies(options.Resilience).Build(sp);
    }

    private sealed record BedrockMarker(string Name);

    private sealed class BedrockOptionsValidator : IValidateOptions<BedrockFineTuneProviderOptions>
    {
        public ValidateOptionsResult Validate(string? name, BedrockFineTuneProviderOptions options)
        {
            var failures = options.Validate(string.IsNullOrEmpty(name) ? "Bedrock" : $"Bedrock[{name}]");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
