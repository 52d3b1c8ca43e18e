using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace FineTune.Sdk;

/// <summary>
/// The Polly pipelines adapters run provider calls through: retry (exponential backoff with jitter, honouring
/// <c>Retry-After</c>), a circuit breaker, and a per-attempt timeout. Calls are either idempotent (reads, and
/// find-or-create units such as an idempotent start) — retried on 408, 429, 5xx, transport failures and
/// timeouts — or not (state changes such as cancel), retried only on 429, which the provider sends before doing
/// anything. Adapters must turn provider failures into <see cref="FineTuneException"/> inside the call and switch
/// off their SDK's own retries so attempts do not multiply.
/// </summary>
/// <remarks>Thread-safe; share one instance per provider so the circuit breaker sees all calls.</remarks>
public sealed class FineTuneResiliencePipeline
{
    private readonly ResiliencePipeline _idempotent;
    private readonly ResiliencePipeline _unsafe;
    private readonly FineTuneResilienceOptions _options;
    private readonly string _provider;
    private readonly ILogger _logger;
    private readonly Func<double> _random;

    /// <summary>Initializes a new instance of the <see cref="FineTuneResiliencePipeline"/> class.</summary>
    /// <param name="providerName">The provider's short name, for logs, metrics and exceptions.</param>
    /// <param name="options">The options; validated here.</param>
    /// <param name="timeProvider">The clock for delays and timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">The logger; none when null.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every failure.</exception>
    public FineTuneResiliencePipeline(string providerName, FineTuneResilienceOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(providerName, options, timeProvider, logger, random: null)
    {
    }

    internal FineTuneResiliencePipeline(string providerName, FineTuneResilienceOptions options, TimeProvider? timeProvider, ILogger? logger, Func<double>? random)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        ArgumentNullException.ThrowIfNull(options);
        _provider = providerName;
        _options = FineTuneResilienceOptionsValidator.ThrowIfInvalid(options, nameof(options)).Snapshot();
        _logger = logger ?? NullLogger.Instance;
        _random = random ?? Random.Shared.NextDouble;
        var clock = timeProvider ?? TimeProvider.System;
        _idempotent = Build(idempotent: true, clock);
        _unsafe = Build(idempotent: false, clock);
    }

    /// <summary>Runs a call through the pipeline.</summary>
    /// <typeparam name="T">The call's result.</typeparam>
    /// <param name="operation">A name for logs, for example <c>jobs.get</c>.</param>
    /// <param name="idempotent">Whether repeating the call is harmless (see the class remarks).</param>
    /// <param name="call">The call; it receives a token cancelled on timeout or by the caller.</param>
    /// <param name="cancellationToken">Cancels the call and its retries.</param>
    /// <returns>The call's result.</returns>
    /// <exception cref="FineTuneException">The call failed for good (retries exhausted, timeout, open circuit, or a non-transient failure).</exception>
    public async Task<T> ExecuteAsync<T>(string operation, bool idempotent, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var pipeline = idempotent ? _idempotent : _unsafe;
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state(ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<T>(ex);
                    }
                },
                context,
                call).ConfigureAwait(false);
            if (outcome.Exception is { } exception)
            {
                throw Translate(exception, operation, cancellationToken);
            }

            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Exception Translate(Exception exception, string operation, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case TimeoutRejectedException timeout:
                return new FineTuneException($"The {_provider} call '{operation}' timed out after {timeout.Timeout} (per-attempt timeout), and retries were exhausted or not allowed.", timeout)
                {
                    Provider = _provider,
                    IsTransient = true,
                };
            case BrokenCircuitException broken:
                return new FineTuneException($"The {_provider} call '{operation}' was refused by the circuit breaker after repeated failures; try again after {broken.RetryAfter?.ToString() ?? _options.BreakDuration.ToString()}.", broken)
                {
                    Provider = _provider,
                    IsTransient = true,
                    RetryAfter = broken.RetryAfter ?? _options.BreakDuration,
                };
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return exception;
            case HttpRequestException or IOException:
                return new FineTuneException($"The {_provider} call '{operation}' failed in transport: {exception.Message}", exception)
                {
                    Provider = _provider,
                    IsTransient = true,
                };
            default:
                return exception;
        }
    }

    private ResiliencePipeline Build(bool idempotent, TimeProvider clock)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock, Name = $"FineTune.{_provider}.{(idempotent ? "idempotent" : "unsafe")}" };
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                Delay = _options.BaseDelay,
                MaxDelay = _options.MaxDelay > _options.MaxRetryAfter ? _options.MaxDelay : _options.MaxRetryAfter,
                UseJitter = false,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome.Exception, idempotent, args.Context.CancellationToken)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(NextDelay(args.Outcome.Exception, args.AttemptNumber)),
                OnRetry = args =>
                {
                    var ex = args.Outcome.Exception;
                    JobsTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("finetune.provider", _provider), new KeyValuePair<string, object?>("finetune.operation", args.Context.OperationKey));
                    JobsLog.RetryScheduled(_logger, _provider, args.Context.OperationKey ?? "call", args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, (ex as FineTuneException)?.StatusCode ?? 0, ex?.GetType().Name ?? "none");
                    return default;
                },
            });
        }

        if (_options.CircuitBreakerEnabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                ShouldHandle = args => new ValueTask<bool>(IsOutage(args.Outcome.Exception)),
                OnOpened = args =>
                {
                    JobsLog.CircuitOpened(_logger, _provider, args.BreakDuration.TotalSeconds);
                    return default;
                },
            });
        }

        if (_options.AttemptTimeout is { } timeout)
        {
            builder.AddTimeout(timeout);
        }

        return builder.Build();
    }

    private bool ShouldRetry(Exception? exception, bool idempotent, CancellationToken token)
    {
        if (exception is null || token.IsCancellationRequested)
        {
            return false;
        }

        return exception switch
        {
            FineTuneJobCreationRefusedException => false,
            FineTuneException { RetryAfter: { } wait } when wait > _options.MaxRetryAfter => false,
            FineTuneException fte => idempotent ? fte.IsTransient : fte.StatusCode == 429,
            BrokenCircuitException => false,
            TimeoutRejectedException => idempotent,
            HttpRequestException or IOException => idempotent,
            _ => false,
        };
    }

    private TimeSpan? NextDelay(Exception? exception, int attemptNumber)
    {
        if (exception is FineTuneException { RetryAfter: { } retryAfter } && retryAfter >= TimeSpan.Zero)
        {
            return retryAfter;
        }

        var exponential = _options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attemptNumber, 30));
        var capped = Math.Min(exponential, _options.MaxDelay.TotalMilliseconds);
        if (_options.UseJitter)
        {
            capped *= 0.5 + (0.5 * _random());
        }

        return TimeSpan.FromMilliseconds(capped);
    }

    private static bool IsOutage(Exception? exception) => exception switch
    {
        FineTuneException fte => fte.IsTransient && fte.StatusCode != 429,
        TimeoutRejectedException or HttpRequestException or IOException => true,
        _ => false,
    };
}
