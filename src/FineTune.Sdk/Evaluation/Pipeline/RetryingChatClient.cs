using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FineTune.Sdk;

/// <summary>
/// The one retry layer of a chat pipeline: Polly retries of transient failures (408, 429, 5xx, transport), honouring
/// <c>Retry-After</c>. A stream is retried only until its first update arrives. The number of requests made is put
/// in <see cref="ChatPipelineProperties.Attempts"/>.
/// </summary>
/// <remarks>Thread-safe. The inner client must not retry on its own and must turn provider errors into <see cref="FineTuneException"/>.</remarks>
internal sealed class RetryingChatClient : DelegatingChatClient
{
    private readonly ChatPipelineOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;

    public RetryingChatClient(IChatClient innerClient, ChatPipelineOptions options, TimeProvider timeProvider, ILogger logger)
        : base(innerClient)
    {
        _options = options;
        _logger = logger;
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ShouldRetry(e, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? GetRetryAfter(e) : null),
                OnRetry = args =>
                {
                    EvalLog.Retrying(_logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.Build();
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var attempts = new StrongBox<int>();
        try
        {
            var response = await _pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    state.Attempts.Value++;
                    return await state.Self.InnerClient.GetResponseAsync(state.Messages, state.Options, token).ConfigureAwait(false);
                },
                (Self: this, Messages: messages, Options: options, Attempts: attempts),
                cancellationToken).ConfigureAwait(false);
            (response.AdditionalProperties ??= [])[ChatPipelineProperties.Attempts] = attempts.Value;
            return response;
        }
        catch (Exception ex)
        {
            ex.Data[ChatPipelineProperties.Attempts] = attempts.Value;
            throw;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var attempts = new StrongBox<int>();
        IAsyncEnumerator<ChatResponseUpdate> updates;
        bool any;
        try
        {
            (updates, any) = await _pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    state.Attempts.Value++;
                    var enumerator = state.Self.InnerClient.GetStreamingResponseAsync(state.Messages, state.Options, token).GetAsyncEnumerator(token);
                    try
                    {
                        return (enumerator, await enumerator.MoveNextAsync().ConfigureAwait(false));
                    }
                    catch
                    {
                        await enumerator.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }
                },
                (Self: this, Messages: messages, Options: options, Attempts: attempts),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ex.Data[ChatPipelineProperties.Attempts] = attempts.Value;
            throw;
        }

        await using (updates.ConfigureAwait(false))
        {
            // Once an update has been handed out the stream cannot be replayed: later failures surface as they are.
            while (any)
            {
                yield return updates.Current;
                any = await updates.MoveNextAsync().ConfigureAwait(false);
            }
        }
    }

    private bool ShouldRetry(Exception exception, CancellationToken cancellationToken)
    {
        if (!IsTransient(exception, cancellationToken))
        {
            return false;
        }

        // A Retry-After longer than the caller allows fails now rather than holding the call for minutes.
        return GetRetryAfter(exception) is not { } wait || wait <= _options.MaxRetryAfter;
    }

    internal bool IsTransient(Exception exception, CancellationToken cancellationToken)
    {
        if (_options.IsTransient?.Invoke(exception) is { } decided)
        {
            return decided;
        }

        return exception switch
        {
            FineTuneException fine => fine.IsTransient || (fine.StatusCode is { } fineStatus && IsTransientStatus(fineStatus)),
            HttpRequestException { StatusCode: null } => true,
            HttpRequestException { StatusCode: { } status } => IsTransientStatus((int)status),
            TimeoutException => true,
            OperationCanceledException => !cancellationToken.IsCancellationRequested,
            IOException => true,
            _ => exception.Data["StatusCode"] is int code && IsTransientStatus(code),
        };
    }

    private TimeSpan? GetRetryAfter(Exception exception)
    {
        if (_options.RetryAfter?.Invoke(exception) is { } custom)
        {
            return custom;
        }

        if (exception is FineTuneException { RetryAfter: { } providerRetryAfter })
        {
            return providerRetryAfter;
        }

        return exception.Data["Retry-After"] switch
        {
            TimeSpan span => span,
            int seconds => TimeSpan.FromSeconds(seconds),
            double seconds => TimeSpan.FromSeconds(seconds),
            string text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) => TimeSpan.FromSeconds(seconds),
            _ => null,
        };
    }

    private static bool IsTransientStatus(int status) => status is (int)HttpStatusCode.RequestTimeout or 429 or >= 500;
}
