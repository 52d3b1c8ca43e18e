using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// Chat middleware for evaluations, composed with <see cref="ChatClientBuilder"/>: the one retry layer, the rate
/// limiter, the response cache and latency. <see cref="UseFineTunePipeline"/> adds all of them in the right order.
/// </summary>
/// <remarks>
/// The inner client must switch off its SDK's own retries and turn provider errors into <see cref="FineTuneException"/>
/// (the OpenAI adapter's <c>OpenAIChatClients.CreateBuilder</c> does both), so one call makes at most
/// <see cref="ChatPipelineOptions.MaxRetries"/> + 1 requests. The clock and logger factory are taken from the
/// arguments, else from the builder's service provider, else <see cref="TimeProvider.System"/> and no logging.
/// </remarks>
public static class FineTuneChatClientBuilderExtensions
{
    /// <summary>
    /// Adds, outermost first: the response cache (when <see cref="ChatPipelineOptions.ResponseCacheDirectory"/> is set),
    /// the retry layer, the rate limiter (when a limit is set) and latency measurement.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The options; a snapshot is taken and validated here. Defaults apply when null.</param>
    /// <param name="timeProvider">The clock for retries, limits and latency.</param>
    /// <param name="loggerFactory">The logger factory for retry logs.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ChatClientBuilder UseFineTunePipeline(this ChatClientBuilder builder, ChatPipelineOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var snapshot = (options ?? new ChatPipelineOptions()).Snapshot().ThrowIfInvalid();
        if (snapshot.ResponseCacheDirectory is { } cache)
        {
            builder.UseResponseCache(cache);
        }

        builder.UseChatRetry(snapshot, timeProvider, loggerFactory);
        if (snapshot.RequestsPerMinute is not null || snapshot.TokensPerMinute is not null)
        {
            builder.UseRateLimit(snapshot.RequestsPerMinute, snapshot.TokensPerMinute, timeProvider);
        }

        return builder.UseLatency(timeProvider);
    }

    /// <summary>Adds the retry layer: transient failures retried up to <see cref="ChatPipelineOptions.MaxRetries"/> times, honouring <c>Retry-After</c>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="options">The retry settings; a snapshot is taken and validated here.</param>
    /// <param name="timeProvider">The clock for delays.</param>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static ChatClientBuilder UseChatRetry(this ChatClientBuilder builder, ChatPipelineOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var snapshot = (options ?? new ChatPipelineOptions()).Snapshot().ThrowIfInvalid();
        return builder.Use((inner, services) => new RetryingChatClient(
            inner,
            snapshot,
            ResolveTime(timeProvider, services),
            (loggerFactory ?? services.GetService<ILoggerFactory>())?.CreateLogger<EvalRunner>() ?? (ILogger)NullLogger.Instance));
    }

    /// <summary>Adds a sliding one-minute limit on requests and estimated tokens shared by every caller of the built client.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="requestsPerMinute">The most requests started per minute; null for no limit.</param>
    /// <param name="tokensPerMinute">The most estimated tokens per minute; null for no limit.</param>
    /// <param name="timeProvider">The clock of the window.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A limit is below 1.</exception>
    public static ChatClientBuilder UseRateLimit(this ChatClientBuilder builder, int? requestsPerMinute, int? tokensPerMinute = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (requestsPerMinute is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(requestsPerMinute), requestsPerMinute, "Must be at least 1 when set.");
        }

        if (tokensPerMinute is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(tokensPerMinute), tokensPerMinute, "Must be at least 1 when set.");
        }

        return builder.Use((inner, services) => new RateLimitingChatClient(inner, requestsPerMinute, tokensPerMinute, ResolveTime(timeProvider, services)));
    }

    /// <summary>Adds the file response cache: a repeated request (same model, messages and options) is answered from <paramref name="directory"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="directory">The cache folder; created when needed.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseResponseCache(this ChatClientBuilder builder, string directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return builder.Use(inner => new ResponseCachingChatClient(inner, directory));
    }

    /// <summary>Adds latency measurement: each response carries <see cref="ChatPipelineProperties.LatencyMilliseconds"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseLatency(this ChatClientBuilder builder, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) => new LatencyChatClient(inner, ResolveTime(timeProvider, services)));
    }

    private static TimeProvider ResolveTime(TimeProvider? timeProvider, IServiceProvider services)
        => timeProvider ?? services.GetService<TimeProvider>() ?? TimeProvider.System;
}
