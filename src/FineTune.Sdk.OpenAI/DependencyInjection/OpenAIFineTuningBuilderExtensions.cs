using FineTune.Sdk;
using FineTune.Sdk.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the OpenAI provider to <c>services.AddFineTuning()</c>.</summary>
public static class OpenAIFineTuningBuilderExtensions
{
    /// <summary>The key of the <see cref="IChatClient"/> registered by <c>AddOpenAI</c> without a service key.</summary>
    public const string DefaultChatClientKey = "openai";

    /// <summary>
    /// Registers <see cref="OpenAIFineTuneProvider"/> as <see cref="IFineTuneProvider"/> and a composed chat client as a
    /// keyed <see cref="IChatClient"/> (singletons), with options validated at start-up. The chat client is
    /// <see cref="OpenAIChatClients.CreateBuilder"/> plus <see cref="FineTuneChatClientBuilderExtensions.UseFineTunePipeline"/>
    /// with the <see cref="ChatPipelineOptions"/> named like the provider's options (configure them with
    /// <c>services.Configure&lt;ChatPipelineOptions&gt;(name, ...)</c>); its key is <paramref name="serviceKey"/>, or
    /// <see cref="DefaultChatClientKey"/> without one, so the app's own unkeyed <see cref="IChatClient"/> is left alone.
    /// With a <paramref name="serviceKey"/> the provider is keyed too and options are named after the key, so several
    /// OpenAI-compatible endpoints can coexist. Calling it twice with the same key adds nothing new but applies
    /// <paramref name="configure"/> again.
    /// </summary>
    /// <param name="builder">The builder from <c>AddFineTuning()</c>.</param>
    /// <param name="configure">Edits the options.</param>
    /// <param name="serviceKey">The key of keyed registrations; <see langword="null"/> for the default ones.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddOpenAI(this IFineTuningBuilder builder, Action<OpenAIFineTuneProviderOptions>? configure = null, string? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<OpenAIFineTuneProviderOptions>(serviceKey ?? Options.Options.DefaultName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        Register(builder.Services, serviceKey);
        return builder;
    }

    /// <summary>
    /// Registers the OpenAI provider with options bound from a configuration section (keys named like the
    /// <see cref="OpenAIFineTuneProviderOptions"/> properties, for example <c>Endpoint</c>, <c>Resilience:MaxRetryAttempts</c>).
    /// Keep the API key out of configuration files: leave <c>ApiKey</c> unset and use <c>OPENAI_API_KEY</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddFineTuning()</c>.</param>
    /// <param name="configuration">The section to bind, for example <c>configuration.GetSection("FineTuning:OpenAI")</c>.</param>
    /// <param name="serviceKey">The key of keyed registrations; <see langword="null"/> for the default ones.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddOpenAI(this IFineTuningBuilder builder, IConfiguration configuration, string? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<OpenAIFineTuneProviderOptions>(serviceKey ?? Options.Options.DefaultName).Bind(configuration);
        Register(builder.Services, serviceKey);
        return builder;
    }

    private static void Register(IServiceCollection services, string? serviceKey)
    {
        var name = serviceKey ?? Options.Options.DefaultName;
        if (services.Any(d => d.ServiceType == typeof(OpenAIMarker) && d.ImplementationInstance is OpenAIMarker marker && marker.Name == name))
        {
            return;
        }

        services.AddSingleton(new OpenAIMarker(name));
        services.AddOptions<OpenAIFineTuneProviderOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenAIFineTuneProviderOptions>, OpenAIOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        RegisterChatClient(services, name, serviceKey);
        if (serviceKey is null)
        {
            services.TryAddSingleton(sp => Create(sp, name));
            services.TryAddSingleton<IFineTuneProvider>(sp => Compose(sp, sp.GetRequiredService<OpenAIFineTuneProvider>(), name));
        }
        else
        {
            services.TryAddKeyedSingleton(serviceKey, (sp, _) => Create(sp, name));
            services.TryAddKeyedSingleton<IFineTuneProvider>(serviceKey, (sp, key) => Compose(sp, sp.GetRequiredKeyedService<OpenAIFineTuneProvider>(key), name));
        }
    }

    private static void RegisterChatClient(IServiceCollection services, string name, string? serviceKey)
    {
        // Keyed only, and composed: exactly one retry layer (ours), the rate limiter and the cache as middleware.
        services.AddOptions<ChatPipelineOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatPipelineOptions>, ChatPipelineOptionsValidator>());
        services.TryAddKeyedSingleton<IChatClient>(serviceKey ?? DefaultChatClientKey, (sp, _) =>
        {
            var time = sp.GetService<TimeProvider>();
            var loggers = sp.GetService<ILoggerFactory>();
            return OpenAIChatClients.CreateBuilder(sp.GetRequiredService<IOptionsMonitor<OpenAIFineTuneProviderOptions>>().Get(name), httpClient: null, time)
                .UseFineTunePipeline(sp.GetRequiredService<IOptionsMonitor<ChatPipelineOptions>>().Get(name), time, loggers)
                .Build(sp);
        });
    }

    private static OpenAIFineTuneProvider Create(IServiceProvider sp, string name)
        => new(sp.GetRequiredService<IOptionsMonitor<OpenAIFineTuneProviderOptions>>().Get(name), httpClient: null, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>());

    private static IFineTuneProvider Compose(IServiceProvider sp, OpenAIFineTuneProvider adapter, string name)
    {
        var options = sp.GetRequiredService<IOptionsMonitor<OpenAIFineTuneProviderOptions>>().Get(name);
        return adapter.AsBuilder().UseStandardPolicies(options.Resilience, options.IdempotencyScanLimit).Build(sp);
    }

    private sealed record OpenAIMarker(string Name);

    private sealed class OpenAIOptionsValidator : IValidateOptions<OpenAIFineTuneProviderOptions>
    {
        public ValidateOptionsResult Validate(string? name, OpenAIFineTuneProviderOptions options)
        {
            var failures = options.Validate(string.IsNullOrEmpty(name) ? "OpenAI" : $"OpenAI[{name}]");
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
