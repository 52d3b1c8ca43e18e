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
    /// <summary>The service key of the registrations made when <c>AddOpenAI</c> is given no key.</summary>
    public const string DefaultServiceKey = "openai";

    /// <summary>
    /// Registers the OpenAI provider: <see cref="OpenAIFineTuneProvider"/> (the wire mapper) composed with the standard
    /// policies (<see cref="FineTuneProviderBuilderExtensions.UseStandardPolicies"/>: telemetry, logging, resilience,
    /// upload de-duplication, retry-safe start) as a keyed <see cref="IFineTuneProvider"/> singleton, with options
    /// validated at start-up. Registrations are keyed by <paramref name="serviceKey"/> (<see cref="DefaultServiceKey"/>
    /// when null); without a key, the provider is also the app's unkeyed <see cref="IFineTuneProvider"/> (the first one
    /// added wins). The chat client is registered keyed only (<c>GetRequiredKeyedService&lt;IChatClient&gt;(key)</c>).
    /// Calling it twice with the same key adds nothing new but applies <paramref name="configure"/> again.
    /// </summary>
    /// <param name="builder">The builder from <c>AddFineTuning()</c>.</param>
    /// <param name="configure">Edits the options (named after <paramref name="serviceKey"/>, the default name without one).</param>
    /// <param name="serviceKey">The key of the registrations; <see langword="null"/> for <see cref="DefaultServiceKey"/> plus the unkeyed provider.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddOpenAI(this IFineTuningBuilder builder, Action<OpenAIFineTuneProviderOptions>? configure = null, string? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<OpenAIFineTuneProviderOptions>(OptionsName(serviceKey));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        Register(builder.Services, serviceKey);
        return builder;
    }

    /// <summary>
    /// Registers the OpenAI provider (as <see cref="AddOpenAI(IFineTuningBuilder, Action{OpenAIFineTuneProviderOptions}?, string?)"/>)
    /// sending its requests through a handler the container creates, for example the emulator's in-process handler
    /// (<c>sp => emulator.CreateHttpMessageHandler()</c>). The container owns the handler and disposes it.
    /// </summary>
    /// <param name="builder">The builder from <c>AddFineTuning()</c>.</param>
    /// <param name="configure">Edits the options.</param>
    /// <param name="httpMessageHandlerFactory">Creates the handler, once per key.</param>
    /// <param name="serviceKey">The key of the registrations; <see langword="null"/> for <see cref="DefaultServiceKey"/> plus the unkeyed provider.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddOpenAI(this IFineTuningBuilder builder, Action<OpenAIFineTuneProviderOptions>? configure, Func<IServiceProvider, HttpMessageHandler> httpMessageHandlerFactory, string? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(httpMessageHandlerFactory);
        builder.Services.TryAddKeyedSingleton(Key(serviceKey), new OpenAIHandlerFactory(httpMessageHandlerFactory));
        return builder.AddOpenAI(configure, serviceKey);
    }

    /// <summary>
    /// Registers the OpenAI provider with options bound from a configuration section (keys named like the
    /// <see cref="OpenAIFineTuneProviderOptions"/> properties, for example <c>Endpoint</c>, <c>HttpClientName</c>,
    /// <c>Resilience:MaxRetryAttempts</c>). Keep the API key out of configuration files: leave <c>ApiKey</c> unset and
    /// use <c>OPENAI_API_KEY</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddFineTuning()</c>.</param>
    /// <param name="configuration">The section to bind, for example <c>configuration.GetSection("FineTuning:OpenAI")</c>.</param>
    /// <param name="serviceKey">The key of the registrations; <see langword="null"/> for <see cref="DefaultServiceKey"/> plus the unkeyed provider.</param>
    /// <returns>The builder.</returns>
    public static IFineTuningBuilder AddOpenAI(this IFineTuningBuilder builder, IConfiguration configuration, string? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<OpenAIFineTuneProviderOptions>(OptionsName(serviceKey)).Bind(configuration);
        Register(builder.Services, serviceKey);
        return builder;
    }

    private static string Key(string? serviceKey) => serviceKey ?? DefaultServiceKey;

    private static string OptionsName(string? serviceKey) => serviceKey ?? Microsoft.Extensions.Options.Options.DefaultName;

    private static void Register(IServiceCollection services, string? serviceKey)
    {
        var key = Key(serviceKey);
        var name = OptionsName(serviceKey);
        if (services.Any(d => d.ServiceType == typeof(OpenAIMarker) && d.ImplementationInstance is OpenAIMarker marker && marker.Key == key))
        {
            return;
        }

        services.AddSingleton(new OpenAIMarker(key));
        services.AddOptions<OpenAIFineTuneProviderOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenAIFineTuneProviderOptions>, OpenAIFineTuneProviderOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(key, (sp, _) => CreateTransport(sp, key, name));
        services.TryAddKeyedSingleton(key, (sp, _) => new OpenAIFineTuneProvider(
            OptionsOf(sp, name),
            sp.GetRequiredKeyedService<OpenAITransport>(key).HttpClient,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()));
        services.TryAddKeyedSingleton<IFineTuneProvider>(key, (sp, _) =>
        {
            var options = OptionsOf(sp, name);
            return sp.GetRequiredKeyedService<OpenAIFineTuneProvider>(key).AsBuilder()
                .UseStandardPolicies(options.Resilience, options.IdempotencyScanLimit)
                .Build(sp);
        });
        if (serviceKey is null)
        {
            services.TryAddSingleton(sp => sp.GetRequiredKeyedService<IFineTuneProvider>(key));
        }

        RegisterChatClient(services, key, name);
    }

    /// <summary>
    /// The chat client, keyed only (nothing unkeyed the app did not ask for) and composed: exactly one retry layer
    /// (ours), the rate limiter and the cache as middleware, over the same HTTP client as the provider. Its pipeline
    /// options are the <see cref="ChatPipelineOptions"/> named like the provider's options.
    /// </summary>
    private static void RegisterChatClient(IServiceCollection services, string key, string name)
    {
        services.AddOptions<ChatPipelineOptions>(name).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatPipelineOptions>, ChatPipelineOptionsValidator>());
        services.TryAddKeyedSingleton<IChatClient>(key, (sp, _) =>
        {
            var time = sp.GetService<TimeProvider>();
            return OpenAIChatClients.CreateBuilder(OptionsOf(sp, name), sp.GetRequiredKeyedService<OpenAITransport>(key).HttpClient, time)
                .UseFineTunePipeline(sp.GetRequiredService<IOptionsMonitor<ChatPipelineOptions>>().Get(name), time, sp.GetService<ILoggerFactory>())
                .Build(sp);
        });
    }

    private static OpenAIFineTuneProviderOptions OptionsOf(IServiceProvider sp, string name)
        => sp.GetRequiredService<IOptionsMonitor<OpenAIFineTuneProviderOptions>>().Get(name);

    private static OpenAITransport CreateTransport(IServiceProvider sp, string key, string name)
    {
        if (sp.GetKeyedService<OpenAIHandlerFactory>(key) is { } handler)
        {
            return new OpenAITransport(new HttpClient(handler.Create(sp), disposeHandler: true));
        }

        if (OptionsOf(sp, name).HttpClientName is { } clientName)
        {
            var factory = sp.GetService<IHttpClientFactory>()
                ?? throw new InvalidOperationException($"OpenAI options name the HTTP client '{clientName}' (HttpClientName) but no IHttpClientFactory is registered; call services.AddHttpClient(\"{clientName}\") first.");
            return new OpenAITransport(factory.CreateClient(clientName));
        }

        return new OpenAITransport(null);
    }

    private sealed record OpenAIMarker(string Key);

    private sealed record OpenAIHandlerFactory(Func<IServiceProvider, HttpMessageHandler> Create);

    /// <summary>The HTTP client of one registration, disposed with the container.</summary>
    private sealed class OpenAITransport(HttpClient? httpClient) : IDisposable
    {
        public HttpClient? HttpClient { get; } = httpClient;

        public void Dispose() => HttpClient?.Dispose();
    }
}
