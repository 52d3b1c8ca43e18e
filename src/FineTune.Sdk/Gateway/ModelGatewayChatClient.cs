using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// The model gateway: resolves a feature through the registry for the caller's targeting key (and flag), sets the
/// model id, sends the request to the variant's provider client, and says in the response which variant served it.
/// Reports every request to the <see cref="ModelGatewayMonitor"/>; copies a share to a shadow variant and scores a
/// sample of answers off the request path.
/// </summary>
internal sealed class ModelGatewayChatClient : DelegatingChatClient
{
    public const string ActivityName = "finetune.gateway.chat";
    public const string ShadowActivityName = "finetune.gateway.shadow";
    public const string OnlineEvalActivityName = "finetune.gateway.online_eval";

    private readonly IModelRegistry _registry;
    private readonly string _feature;
    private readonly ModelGatewayOptions _options;
    private readonly IFeatureFlags _flags;
    private readonly ModelGatewayMonitor _monitor;
    private readonly bool _ownsMonitor;
    private readonly IServiceProvider? _services;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly GatewayWorker<ShadowItem>? _shadow;
    private readonly ShadowBudget? _shadowBudget;
    private readonly IEvalScorer[] _shadowScorers;
    private readonly GatewayWorker<OnlineItem>? _online;
    private readonly IEvalScorer[] _onlineScorers;
    private GatewayRoutes? _routes;

    public ModelGatewayChatClient(
        IChatClient innerClient,
        IModelRegistry registry,
        string feature,
        ModelGatewayOptions options,
        IFeatureFlags flags,
        ModelGatewayMonitor monitor,
        bool ownsMonitor,
        IServiceProvider? services,
        TimeProvider timeProvider,
        ILogger? logger)
        : base(innerClient)
    {
        _registry = registry;
        _feature = feature;
        _options = options;
        _flags = flags;
        _monitor = monitor;
        _ownsMonitor = ownsMonitor;
        _services = services;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _shadowScorers = options.Shadow.Scorers.Count > 0 ? [.. options.Shadow.Scorers] : [EvalScorers.ExactMatch()];
        _onlineScorers = [.. options.OnlineEvaluation.Scorers];
        if (options.Shadow.Variant is not null && options.Shadow.Share > 0)
        {
            _shadowBudget = new ShadowBudget(options.Shadow.RequestsPerMinute, options.Shadow.TokensPerDay, timeProvider);
            _shadow = new GatewayWorker<ShadowItem>(options.Shadow.QueueCapacity, ShadowAsync);
        }

        if (_onlineScorers.Length > 0 && options.OnlineEvaluation.SampleShare > 0)
        {
            _online = new GatewayWorker<OnlineItem>(options.OnlineEvaluation.QueueCapacity, ScoreAsync);
        }

        monitor.Track(feature);
    }

    /// <summary>Gets or sets the source of randomness for the shadow and online-evaluation samples (tests pin it).</summary>
    internal Func<double> Sample { get; set; } = static () => Random.Shared.NextDouble();

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var routes = Routes();
        var pending = RouteAsync(routes, options, cancellationToken);
        var target = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
        using var activity = StartActivity(target);
        var started = _timeProvider.GetTimestamp();
        ChatResponse response;
        var request = WithModel(options, target.Model.ModelId);
        try
        {
            response = await target.Client.GetResponseAsync(messages, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            Complete(target, started, ex, activity);
            throw;
        }

        Complete(target, started, null, activity);
        Stamp(response.AdditionalProperties ??= [], target, routes);
        if (_shadow is not null || _online is not null)
        {
            AfterAnswer(messages, request, target, response.Text); // the text is built only when a worker may take it
        }

        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var routes = Routes();
        var target = await RouteAsync(routes, options, cancellationToken).ConfigureAwait(false);
        using var activity = StartActivity(target);
        var started = _timeProvider.GetTimestamp();
        var text = _shadow is not null || _online is not null ? new StringBuilder() : null;
        var first = true;
        var request = WithModel(options, target.Model.ModelId);
        var updates = target.Client.GetStreamingResponseAsync(messages, request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var disposeUpdates = updates.ConfigureAwait(false);
        while (true)
        {
            ChatResponseUpdate update;
            try
            {
                if (!await updates.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }

                update = updates.Current;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                Complete(target, started, ex, activity);
                throw;
            }

            if (first)
            {
                first = false;
                Stamp(update.AdditionalProperties ??= [], target, routes);
            }

            text?.Append(update.Text);
            yield return update;
        }

        Complete(target, started, null, activity);
        if (text is not null)
        {
            AfterAnswer(messages, request, target, text.ToString());
        }
    }

    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(ModelGatewayMonitor) ? _monitor
            : serviceKey is null && serviceType == typeof(IModelRegistry) ? _registry
            : base.GetService(serviceType, serviceKey);
    }

    /// <summary>Chooses the variant for a request: the allocation-free part of the gateway when the flag answers synchronously.</summary>
    internal ValueTask<GatewayVariant> RouteAsync(GatewayRoutes routes, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (!routes.IsFound)
        {
            throw Refuse(null);
        }

        if (options?.ModelId is { } requested && !routes.Knows(requested))
        {
            throw Refuse(requested);
        }

        var key = options?.AdditionalProperties?.TryGetValue(ModelGatewayProperties.TargetingKey, out var value) == true && value is string fromOptions
            ? fromOptions
            : ModelGatewayContext.TargetingKey;
        if (key is null)
        {
            return new ValueTask<GatewayVariant>(routes.Default!);
        }

        var decision = _flags.EvaluateAsync(routes.FlagName, key, cancellationToken);
        return decision.IsCompletedSuccessfully
            ? new ValueTask<GatewayVariant>(Choose(routes, key, decision.Result))
            : AwaitFlagAsync(routes, key, decision);
    }

    internal GatewayRoutes Routes()
    {
        var snapshot = _registry.Snapshot;
        var routes = Volatile.Read(ref _routes);
        if (routes is null || !ReferenceEquals(routes.Snapshot, snapshot))
        {
            routes = new GatewayRoutes(snapshot, _feature, ClientFor);
            Volatile.Write(ref _routes, routes);
        }

        return routes;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shadow?.Dispose();
            _online?.Dispose();
            if (_ownsMonitor)
            {
                _monitor.Dispose(); // signals and returns: a rollback in flight ends by itself
            }
        }

        base.Dispose(disposing);
    }

    private async ValueTask<GatewayVariant> AwaitFlagAsync(GatewayRoutes routes, string key, ValueTask<FeatureFlagDecision> decision) =>
        Choose(routes, key, await decision.ConfigureAwait(false));

    private GatewayVariant Choose(GatewayRoutes routes, string key, FeatureFlagDecision decision)
    {
        if (!decision.IsEnabled)
        {
            return routes.Default!;
        }

        if (decision.Variant is { } assigned)
        {
            return routes.Find(assigned) ?? routes.Default!;
        }

        if (routes.Rollout is not { } rollout)
        {
            return routes.Default!;
        }

        var resolved = routes.Snapshot.Resolve(_feature, key);
        return string.Equals(resolved.Variant, rollout.Model.Variant, StringComparison.Ordinal) ? rollout : routes.Default!;
    }

    private ModelGatewayRefusedException Refuse(string? modelId)
    {
        _monitor.UnknownModel(_feature, modelId ?? "(feature not in the registry)");
        return new ModelGatewayRefusedException(modelId is null
            ? $"The feature '{_feature}' is not in the model registry (or has no default variant); register it before serving it."
            : $"The model id '{modelId}' is not a variant of '{_feature}' in the model registry; the gateway refuses ids it does not know.")
        {
            Feature = _feature,
            ModelId = modelId,
        };
    }

    private IChatClient ClientFor(ResolvedModel model)
    {
        if (model.Endpoint is { } endpoint && _options.Clients.TryGetValue(endpoint, out var byEndpoint))
        {
            return byEndpoint;
        }

        if (_options.Clients.TryGetValue(model.Provider, out var byProvider))
        {
            return byProvider;
        }

        return _services?.GetKeyedService<IChatClient>(model.Provider) ?? InnerClient;
    }

    private static ChatOptions WithModel(ChatOptions? options, string modelId)
    {
        var request = options?.Clone() ?? new ChatOptions();
        request.ModelId = modelId;
        if (request.AdditionalProperties is { } properties && properties.ContainsKey(ModelGatewayProperties.TargetingKey))
        {
            // The key identifies a user: it is for routing, never sent to a provider.
            var copy = new AdditionalPropertiesDictionary(properties);
            copy.Remove(ModelGatewayProperties.TargetingKey);
            request.AdditionalProperties = copy;
        }

        return request;
    }

    private Activity? StartActivity(GatewayVariant target)
    {
        var parent = Activity.Current;
        parent?.SetTag(GatewayTelemetry.VariantTag, target.Model.Variant);
        var activity = FineTuneTelemetry.ActivitySource.StartActivity(ActivityName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(GatewayTelemetry.OperationName, "chat");
            activity.SetTag(GatewayTelemetry.RequestModel, target.Model.ModelId);
            activity.SetTag(GatewayTelemetry.ProviderName, target.Model.Provider);
            activity.SetTag(GatewayTelemetry.FeatureTag, _feature);
            activity.SetTag(GatewayTelemetry.VariantTag, target.Model.Variant);
        }

        return activity;
    }

    private void Complete(GatewayVariant target, long started, Exception? error, Activity? activity)
    {
        _monitor.RecordRequest(_feature, target.Model.Variant, target.IsBase, error is not null);
        var errorType = error is null ? null : error is FineTuneException { StatusCode: { } status } ? StatusText(status) : error.GetType().FullName;
        if (error is not null && activity is not null)
        {
            activity.SetTag(GatewayTelemetry.ErrorType, errorType);
            activity.SetStatus(ActivityStatusCode.Error);
        }

        if (GatewayTelemetry.Requests.Enabled || GatewayTelemetry.Duration.Enabled)
        {
            var tags = new TagList
            {
                { GatewayTelemetry.OperationName, "chat" },
                { GatewayTelemetry.RequestModel, target.Model.ModelId },
                { GatewayTelemetry.ProviderName, target.Model.Provider },
                { GatewayTelemetry.FeatureTag, _feature },
                { GatewayTelemetry.VariantTag, target.Model.Variant },
            };
            if (errorType is not null)
            {
                tags.Add(GatewayTelemetry.ErrorType, errorType);
            }

            GatewayTelemetry.Requests.Add(1, tags);
            GatewayTelemetry.Duration.Record(_timeProvider.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private static string StatusText(int status) => status switch
    {
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static void Stamp(AdditionalPropertiesDictionary properties, GatewayVariant target, GatewayRoutes routes)
    {
        properties[ModelGatewayProperties.Feature] = target.Model.Feature;
        properties[ModelGatewayProperties.Variant] = target.Model.Variant;
        properties[ModelGatewayProperties.RegistryVersion] = routes.Snapshot.Version;
    }

    /// <summary>Queues the shadow copy and the online-evaluation sample of an answer; never waits.</summary>
    /// <param name="messages">The caller's messages (copied: the caller may append to its list after the call).</param>
    /// <param name="request">The gateway's own copy of the options sent to the primary (no targeting key), so the shadow
    /// copy needs no second clone; the shadow call sets its own model id on a copy of it.</param>
    /// <param name="target">The variant that answered.</param>
    /// <param name="text">The answer's text.</param>
    private void AfterAnswer(IEnumerable<ChatMessage> messages, ChatOptions request, GatewayVariant target, string text)
    {
        if (_shadow is not null && !string.Equals(_options.Shadow.Variant, target.Model.Variant, StringComparison.Ordinal) && Sample() < _options.Shadow.Share)
        {
            var item = new ShadowItem([.. messages], request, target.Model.Variant, text);
            if (!_shadow.TryEnqueue(item))
            {
                ShadowOutcome("dropped-queue", target.Model.Variant);
                GatewayLog.Dropped(_logger, "shadow", _feature, "queue full");
            }
        }

        if (_online is not null && Sample() < _options.OnlineEvaluation.SampleShare)
        {
            if (!_online.TryEnqueue(new OnlineItem([.. messages], target.Model.Variant, text)))
            {
                GatewayTelemetry.OnlineDropped.Add(1, new TagList { { GatewayTelemetry.FeatureTag, _feature }, { GatewayTelemetry.VariantTag, target.Model.Variant } });
                GatewayLog.Dropped(_logger, "online evaluation", _feature, "queue full");
            }
        }
    }

    private async Task ShadowAsync(ShadowItem item, CancellationToken cancellationToken)
    {
        var shadowName = _options.Shadow.Variant!;
        var shadow = Routes().Find(shadowName);
        if (shadow is null)
        {
            ShadowOutcome("dropped-unknown-variant", item.PrimaryVariant);
            return;
        }

        var estimate = EstimateTokens(item.Messages, item.Options);
        if (!_shadowBudget!.TryStart(estimate, out var reason))
        {
            ShadowOutcome("dropped-budget", item.PrimaryVariant);
            GatewayLog.Dropped(_logger, "shadow", _feature, reason);
            return;
        }

        using var activity = FineTuneTelemetry.ActivitySource.StartActivity(ShadowActivityName, ActivityKind.Internal);
        activity?.SetTag(GatewayTelemetry.OperationName, "chat");
        activity?.SetTag(GatewayTelemetry.RequestModel, shadow.Model.ModelId);
        activity?.SetTag(GatewayTelemetry.ProviderName, shadow.Model.Provider);
        activity?.SetTag(GatewayTelemetry.FeatureTag, _feature);
        activity?.SetTag(GatewayTelemetry.VariantTag, shadow.Model.Variant);
        ChatResponse response;
        try
        {
            response = await shadow.Client.GetResponseAsync(item.Messages, WithModel(item.Options, shadow.Model.ModelId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _shadowBudget.Settle(estimate, estimate);
            activity?.SetTag(GatewayTelemetry.ErrorType, ex.GetType().FullName);
            ShadowOutcome("failed", item.PrimaryVariant);
            GatewayLog.BackgroundCallFailed(_logger, "shadow", _feature, shadowName, ex.GetType().Name);
            return;
        }

        _shadowBudget.Settle(estimate, response.Usage?.TotalTokenCount ?? estimate);
        ShadowOutcome("sent", item.PrimaryVariant);
        var goldenCase = new GoldenCase("shadow", item.Messages, item.PrimaryText);
        var scores = new List<EvalScore>(_shadowScorers.Length);
        foreach (var scorer in _shadowScorers)
        {
            var score = await scorer.ScoreAsync(goldenCase, response.Text, cancellationToken).ConfigureAwait(false);
            scores.Add(score);
            if (score.Value is { } value)
            {
                GatewayTelemetry.ShadowScore.Record(value, new TagList
                {
                    { GatewayTelemetry.FeatureTag, _feature },
                    { GatewayTelemetry.VariantTag, shadowName },
                    { GatewayTelemetry.ScorerTag, score.Scorer },
                });
            }
        }

        _monitor.ReportShadow(new ShadowComparison(_feature, item.PrimaryVariant, shadowName, scores));
    }

    private async Task ScoreAsync(OnlineItem item, CancellationToken cancellationToken)
    {
        using var activity = FineTuneTelemetry.ActivitySource.StartActivity(OnlineEvalActivityName, ActivityKind.Internal);
        activity?.SetTag(GatewayTelemetry.FeatureTag, _feature);
        activity?.SetTag(GatewayTelemetry.VariantTag, item.Variant);
        var goldenCase = new GoldenCase("online", item.Messages, null);
        for (var i = 0; i < _onlineScorers.Length; i++)
        {
            EvalScore score;
            try
            {
                score = await _onlineScorers[i].ScoreAsync(goldenCase, item.Text, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                GatewayLog.BackgroundCallFailed(_logger, "online evaluation", _feature, item.Variant, ex.GetType().Name);
                continue;
            }

            if (score.Value is not { } value || score.ScorerError is not null)
            {
                continue;
            }

            GatewayTelemetry.OnlineScore.Record(value, new TagList
            {
                { GatewayTelemetry.FeatureTag, _feature },
                { GatewayTelemetry.VariantTag, item.Variant },
                { GatewayTelemetry.ScorerTag, score.Scorer },
            });
            if (i == 0)
            {
                _monitor.RecordScore(_feature, item.Variant, value);
            }
        }
    }

    private void ShadowOutcome(string outcome, string primaryVariant) =>
        GatewayTelemetry.Shadow.Add(1, new TagList
        {
            { GatewayTelemetry.FeatureTag, _feature },
            { GatewayTelemetry.VariantTag, _options.Shadow.Variant },
            { "finetune.gateway.primary_variant", primaryVariant },
            { GatewayTelemetry.OutcomeTag, outcome },
        });

    private static int EstimateTokens(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        long characters = 0;
        foreach (var message in messages)
        {
            characters += message.Text.Length;
        }

        return (int)Math.Min(int.MaxValue, (characters / 4) + (options?.MaxOutputTokens ?? 256));
    }

    private sealed record ShadowItem(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options, string PrimaryVariant, string PrimaryText);

    private sealed record OnlineItem(IReadOnlyList<ChatMessage> Messages, string Variant, string Text);
}

/// <summary>The shadow budget: requests per minute and tokens per UTC day, on the gateway's clock.</summary>
internal sealed class ShadowBudget(int requestsPerMinute, long tokensPerDay, TimeProvider timeProvider)
{
    private readonly object _gate = new();
    private long _minute = long.MinValue;
    private int _startedThisMinute;
    private long _day = long.MinValue;
    private long _tokensToday;

    public bool TryStart(int estimatedTokens, out string reason)
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            var minute = now / TimeSpan.TicksPerMinute;
            var day = now / TimeSpan.TicksPerDay;
            if (minute != _minute)
            {
                (_minute, _startedThisMinute) = (minute, 0);
            }

            if (day != _day)
            {
                (_day, _tokensToday) = (day, 0);
            }

            if (_startedThisMinute >= requestsPerMinute)
            {
                reason = "requests-per-minute budget spent";
                return false;
            }

            if (_tokensToday + estimatedTokens > tokensPerDay)
            {
                reason = "tokens-per-day budget spent";
                return false;
            }

            _startedThisMinute++;
            _tokensToday += estimatedTokens;
            reason = string.Empty;
            return true;
        }
    }

    public void Settle(long estimatedTokens, long actualTokens)
    {
        lock (_gate)
        {
            _tokensToday += actualTokens - estimatedTokens;
        }
    }
}
