using Microsoft.Extensions.Logging;

namespace FineTune.Sdk;

/// <summary>Adds the SDK's decorators to a <see cref="FineTuneProviderBuilder"/>, and <see cref="AsBuilder"/> to start one.</summary>
public static class FineTuneProviderBuilderExtensions
{
    /// <summary>Starts a pipeline over a provider (usually an adapter such as <c>OpenAIFineTuneProvider</c>).</summary>
    /// <param name="innerProvider">The provider at the bottom of the pipeline.</param>
    /// <returns>A builder to add decorators to.</returns>
    public static FineTuneProviderBuilder AsBuilder(this IFineTuneProvider innerProvider) => new(innerProvider);

    /// <summary>
    /// Adds the standard decorators in their order, outermost first: <see cref="UseOpenTelemetry"/>,
    /// <see cref="UseLogging"/>, <see cref="UseResilience"/>, <see cref="UseUploadDeduplication"/> and
    /// <see cref="UseRetrySafeStart"/>. Resilience wraps the two policies below it, so a retried upload or start
    /// repeats the whole find-then-act unit and never acts twice.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="resilience">Retry, circuit-breaker and timeout settings; defaults when null.</param>
    /// <param name="idempotencyScanLimit">How many of the newest jobs <see cref="RetrySafeStartFineTuneProvider"/> scans for a key.</param>
    /// <returns>The builder.</returns>
    public static FineTuneProviderBuilder UseStandardPolicies(this FineTuneProviderBuilder builder, FineTuneResilienceOptions? resilience = null, int idempotencyScanLimit = RetrySafeStartFineTuneProvider.DefaultScanLimit)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .UseOpenTelemetry()
            .UseLogging()
            .UseResilience(resilience)
            .UseUploadDeduplication()
            .UseRetrySafeStart(idempotencyScanLimit);
    }

    /// <summary>Adds <see cref="ResilientFineTuneProvider"/>: retries (honouring <c>Retry-After</c>), a circuit breaker and per-attempt timeouts.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The settings; defaults when null. Validated when the pipeline is built.</param>
    /// <returns>The builder.</returns>
    public static FineTuneProviderBuilder UseResilience(this FineTuneProviderBuilder builder, FineTuneResilienceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) => new ResilientFineTuneProvider(inner, options, Get<TimeProvider>(services), Get<ILoggerFactory>(services)));
    }

    /// <summary>Adds <see cref="RetrySafeStartFineTuneProvider"/>: a start first looks for a job carrying its idempotency key.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="scanLimit">How many of the newest jobs are scanned; 1 to 10,000.</param>
    /// <returns>The builder.</returns>
    public static FineTuneProviderBuilder UseRetrySafeStart(this FineTuneProviderBuilder builder, int scanLimit = RetrySafeStartFineTuneProvider.DefaultScanLimit)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) => new RetrySafeStartFineTuneProvider(inner, scanLimit, Get<ILoggerFactory>(services)));
    }

    /// <summary>Adds <see cref="DeduplicatingUploadFineTuneProvider"/>: a file already stored with the same SHA-256 and size is reused.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static FineTuneProviderBuilder UseUploadDeduplication(this FineTuneProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new DeduplicatingUploadFineTuneProvider(inner));
    }

    /// <summary>Adds <see cref="LoggingFineTuneProvider"/> with the logger factory from the services (no-op without one).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="loggerFactory">The logger factory; taken from the services when null.</param>
    /// <returns>The builder.</returns>
    public static FineTuneProviderBuilder UseLogging(this FineTuneProviderBuilder builder, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var factory = loggerFactory ?? Get<ILoggerFactory>(services);
            return factory is null ? inner : new LoggingFineTuneProvider(inner, factory.CreateLogger<LoggingFineTuneProvider>());
        });
    }

    /// <summary>Adds <see cref="OpenTelemetryFineTuneProvider"/>: an activity and a duration measurement per call on the <c>FineTune.Sdk</c> source and meter.</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static FineTuneProviderBuilder UseOpenTelemetry(this FineTuneProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) => new OpenTelemetryFineTuneProvider(inner, Get<TimeProvider>(services)));
    }

    private static T? Get<T>(IServiceProvider services)
        where T : class => services.GetService(typeof(T)) as T;
}
