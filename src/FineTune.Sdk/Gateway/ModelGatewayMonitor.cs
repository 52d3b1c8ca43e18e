using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// The production controls of the model gateway: unknown model ids, the fine-tuned error rate against the base
/// model's, judge-score drift against a weekly baseline, and stale variants. Each fires a metric
/// (<c>finetune.gateway.control.alerts</c>), a log event and <see cref="AlertRaised"/>. With
/// <see cref="GatewayControlOptions.AutoRollback"/> on, a tripped error-rate control rolls the feature back in the
/// registry, with the reason in its history.
/// </summary>
/// <remarks>
/// Thread-safe. Gateways report every request to it; once a minute (on its <see cref="TimeProvider"/>) it checks the
/// error rates and the age of serving variants. It owns that timer and any rollback in flight: dispose it to stop both.
/// Event handlers run on the thread that fired the control (a request, the timer or a background scorer) and must not block.
/// </remarks>
public sealed class ModelGatewayMonitor : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMinutes(1);
    private static readonly DateTimeOffset WeekEpoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero); // a Monday

    private readonly IModelRegistry _registry;
    private readonly GatewayControlOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, FeatureState> _features = new(StringComparer.Ordinal);
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _disposing = new();
    private readonly object _pendingGate = new();
    private readonly object _checkGate = new();
    private Task _pending = Task.CompletedTask;
    private int _disposed;

    /// <summary>Initializes a new instance of the <see cref="ModelGatewayMonitor"/> class and starts its one-minute check.</summary>
    /// <param name="registry">The registry the gateways resolve through (and the rollback is written to).</param>
    /// <param name="options">The thresholds; validated here. Defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock of the checks and alerts; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">An optional logger.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names the field).</exception>
    public ModelGatewayMonitor(IModelRegistry registry, GatewayControlOptions? options = null, TimeProvider? timeProvider = null, ILogger<ModelGatewayMonitor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _options = (options ?? new GatewayControlOptions()).ThrowIfInvalid();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _timer = _timeProvider.CreateTimer(static state => ((ModelGatewayMonitor)state!).Check(), this, CheckInterval, CheckInterval);
    }

    /// <summary>Raised when a control fires.</summary>
    public event EventHandler<GatewayAlert>? AlertRaised;

    /// <summary>Raised when a shadow answer has been compared with its primary answer.</summary>
    public event EventHandler<ShadowComparison>? ShadowCompared;

    /// <summary>Gets the thresholds.</summary>
    /// <value>The options given at construction.</value>
    public GatewayControlOptions Options => _options;

    /// <summary>
    /// Records a judge (or programmatic) score of one live answer of a variant. When this week's mean, over at least
    /// <see cref="GatewayControlOptions.MinJudgeSamples"/> scores, falls more than <see cref="GatewayControlOptions.JudgeScoreDrop"/>
    /// below the previous week's (the baseline), <see cref="GatewayControl.JudgeDrift"/> fires, once per variant and week.
    /// Online evaluation calls this; apps that score elsewhere may call it too.
    /// </summary>
    /// <param name="feature">The feature.</param>
    /// <param name="variant">The variant that produced the answer.</param>
    /// <param name="score">The score in [0, 1].</param>
    public void RecordScore(string feature, string variant, double score)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(variant);
        if (double.IsNaN(score))
        {
            return;
        }

        var week = (long)Math.Floor((_timeProvider.GetUtcNow() - WeekEpoch).TotalDays / 7);
        var stats = Feature(feature).Scores.GetOrAdd(variant, static _ => new ScoreWeeks());
        double current, baseline;
        lock (stats)
        {
            if (stats.Week != week)
            {
                (stats.PreviousSum, stats.PreviousCount) = stats.Week == week - 1 ? (stats.Sum, stats.Count) : (0, 0);
                (stats.Week, stats.Sum, stats.Count, stats.Fired) = (week, 0, 0, false);
            }

            stats.Sum += score;
            stats.Count++;
            if (stats.Fired || stats.Count < _options.MinJudgeSamples || stats.PreviousCount < _options.MinJudgeSamples)
            {
                return;
            }

            current = stats.Sum / stats.Count;
            baseline = stats.PreviousSum / stats.PreviousCount;
            if (current >= baseline - _options.JudgeScoreDrop)
            {
                return;
            }

            stats.Fired = true;
        }

        Raise(new GatewayAlert
        {
            Control = GatewayControl.JudgeDrift,
            Feature = feature,
            Variant = variant,
            Value = current,
            Threshold = baseline - _options.JudgeScoreDrop,
            At = _timeProvider.GetUtcNow(),
            Message = string.Create(CultureInfo.InvariantCulture, $"mean judge score {current:0.###} this week is below the weekly baseline {baseline:0.###} minus {_options.JudgeScoreDrop:0.###}"),
        });
    }

    /// <summary>Gets the weekly baseline (the previous week's mean score) of a variant.</summary>
    /// <param name="feature">The feature.</param>
    /// <param name="variant">The variant.</param>
    /// <returns>The mean and the number of scores, or <see langword="null"/> when the previous week has fewer than <see cref="GatewayControlOptions.MinJudgeSamples"/>.</returns>
    public (double Mean, int Count)? GetWeeklyBaseline(string feature, string variant)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(variant);
        if (!_features.TryGetValue(feature, out var state) || !state.Scores.TryGetValue(variant, out var stats))
        {
            return null;
        }

        var week = (long)Math.Floor((_timeProvider.GetUtcNow() - WeekEpoch).TotalDays / 7);
        lock (stats)
        {
            var (sum, count) = stats.Week == week ? (stats.PreviousSum, stats.PreviousCount) : stats.Week == week - 1 ? (stats.Sum, stats.Count) : (0d, 0);
            return count >= _options.MinJudgeSamples ? (sum / count, count) : null;
        }
    }

    /// <summary>
    /// Runs the periodic checks now: closes the error-rate interval since the last check and looks for stale serving
    /// variants. The monitor's timer calls this once a minute.
    /// </summary>
    public void Check()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        lock (_checkGate)
        {
            var now = _timeProvider.GetUtcNow();
            var snapshot = _registry.Snapshot;
            foreach (var (name, state) in _features)
            {
                var feature = snapshot.Document.FindFeature(name);
                if (feature is null)
                {
                    continue;
                }

                CheckErrorRates(name, state, feature, now);
                CheckStale(name, state, feature, now);
            }
        }
    }

    /// <summary>Stops the checks, cancels a rollback in flight and waits for it to end.</summary>
    /// <returns>A task that completes when nothing of the monitor runs any more.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!Stop())
        {
            await Pending().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await Pending().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _disposing.Dispose();
    }

    /// <summary>Stops the checks and cancels a rollback in flight, without waiting (for containers disposed synchronously).</summary>
    /// <remarks>
    /// Never blocks: the timer is stopped, a rollback in flight is cancelled and ends by itself (<see cref="Completion"/>).
    /// <see cref="DisposeAsync"/> also waits for it.
    /// </remarks>
    public void Dispose()
    {
        if (!Stop())
        {
            return;
        }

        _timer.Dispose();
        _ = Pending().ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), _disposing, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Gets the rollbacks in flight: the task completes when the last one has ended.</summary>
    internal Task Completion => Pending();

    private bool Stop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return false;
        }

        _disposing.Cancel(); // a rollback in flight stops; none starts after this (StartRollback checks _disposed under the lock)
        return true;
    }

    private Task Pending()
    {
        lock (_pendingGate)
        {
            return _pending;
        }
    }

    internal void Track(string feature) => Feature(feature);

    internal void RecordRequest(string feature, string variant, bool isBase, bool failed)
    {
        var state = Feature(feature);
        var counters = isBase ? state.Base : state.Variants.GetOrAdd(variant, static _ => new ErrorCounters());
        Interlocked.Increment(ref counters.Requests);
        if (failed)
        {
            Interlocked.Increment(ref counters.Errors);
        }
    }

    internal void UnknownModel(string feature, string modelId)
    {
        GatewayLog.UnknownModel(_logger, feature, modelId);
        Raise(new GatewayAlert
        {
            Control = GatewayControl.UnknownModel,
            Feature = feature,
            ModelId = modelId,
            At = _timeProvider.GetUtcNow(),
            Message = SecretScrubber.Scrub($"model id '{modelId}' is not a variant of '{feature}' in the registry; the request was refused"),
        }, log: false);
    }

    internal void ReportShadow(ShadowComparison comparison) => ShadowCompared?.Invoke(this, comparison);

    private FeatureState Feature(string feature) => _features.GetOrAdd(feature, static _ => new FeatureState());

    private void CheckErrorRates(string name, FeatureState state, RegistryFeature feature, DateTimeOffset now)
    {
        var baseRequests = Interlocked.Exchange(ref state.Base.Requests, 0);
        var baseErrors = Interlocked.Exchange(ref state.Base.Errors, 0);
        var baseRate = baseRequests == 0 ? 0 : (double)baseErrors / baseRequests;
        var threshold = Math.Max(_options.MinErrorRate, baseRate * _options.ErrorRateMultiplier);
        foreach (var (variant, counters) in state.Variants)
        {
            var requests = Interlocked.Exchange(ref counters.Requests, 0);
            var errors = Interlocked.Exchange(ref counters.Errors, 0);
            if (requests < _options.MinRequestsPerCheck)
            {
                continue; // too quiet to judge: neither starts nor ends a breach
            }

            var rate = (double)errors / requests;
            if (rate < _options.MinErrorRate || rate <= baseRate * _options.ErrorRateMultiplier)
            {
                counters.BreachSince = null;
                counters.Tripped = false;
                continue;
            }

            counters.BreachSince ??= now - CheckInterval;
            if (counters.Tripped || now - counters.BreachSince.Value < _options.ErrorRateWindow)
            {
                continue;
            }

            counters.Tripped = true;
            var serving = string.Equals(feature.RolloutVariant, variant, StringComparison.Ordinal) || string.Equals(feature.DefaultVariant, variant, StringComparison.Ordinal);
            var rollback = _options.AutoRollback && serving;
            var alert = new GatewayAlert
            {
                Control = GatewayControl.ErrorRate,
                Feature = name,
                Variant = variant,
                ModelId = feature.FindVariant(variant)?.ModelId,
                Value = rate,
                Threshold = threshold,
                At = now,
                RolledBack = rollback,
                Message = string.Create(CultureInfo.InvariantCulture, $"error rate {rate:P1} above {_options.ErrorRateMultiplier:0.##} x the base model's {baseRate:P1} (floor {_options.MinErrorRate:P1}) for {(now - counters.BreachSince.Value).TotalMinutes:0} minutes"),
            };
            if (rollback)
            {
                StartRollback(name, alert);
            }

            Raise(alert);
        }
    }

    private void CheckStale(string name, FeatureState state, RegistryFeature feature, DateTimeOffset now)
    {
        foreach (var variantName in (ReadOnlySpan<string?>)[feature.DefaultVariant, feature.RolloutVariant])
        {
            var variant = feature.FindVariant(variantName);
            if (variant is null || string.Equals(variant.ModelId, variant.BaseModel, StringComparison.Ordinal))
            {
                continue;
            }

            var evaluated = variant.LastEvaluatedAt ?? variant.Evaluation?.GeneratedAt ?? variant.CreatedAt;
            var age = now - evaluated;
            if (age <= _options.StaleAfter || !state.StaleReported.TryAdd((variant.Name, evaluated), 0))
            {
                continue;
            }

            Raise(new GatewayAlert
            {
                Control = GatewayControl.StaleVariant,
                Feature = name,
                Variant = variant.Name,
                ModelId = variant.ModelId,
                Value = age.TotalDays,
                Threshold = _options.StaleAfter.TotalDays,
                At = now,
                Message = string.Create(CultureInfo.InvariantCulture, $"serving variant last evaluated {age.TotalDays:0} days ago (threshold {_options.StaleAfter.TotalDays:0} days); re-run the comparison and attach the report"),
            });
        }
    }

    private void StartRollback(string feature, GatewayAlert alert)
    {
        lock (_pendingGate)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return; // disposed: a check that got here raced with Dispose
            }

            var previous = _pending;
            _pending = RollbackAsync(previous, feature, alert, _disposing.Token);
        }
    }

    private async Task RollbackAsync(Task previous, string feature, GatewayAlert alert, CancellationToken cancellationToken)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            var change = new RegistryChange { Actor = _options.RollbackActor, Reason = $"automatic rollback by the gateway's {alert.Control} control: {alert.Variant} {alert.Message}" };
            await _registry.RollbackAsync(feature, change, cancellationToken).ConfigureAwait(false);
            GatewayLog.RolledBack(_logger, feature, _registry.Snapshot.Version, alert.Control);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            GatewayLog.RollbackFailed(_logger, feature, ex.GetType().Name);
        }
    }

    private void Raise(GatewayAlert alert, bool log = true)
    {
        if (log)
        {
            GatewayLog.ControlFired(_logger, alert.Control, alert.Feature, alert.Variant, alert.Message);
        }

        GatewayTelemetry.Alerts.Add(1, new TagList
        {
            { GatewayTelemetry.ControlTag, ControlName(alert.Control) },
            { GatewayTelemetry.FeatureTag, alert.Feature },
            { GatewayTelemetry.VariantTag, alert.Variant },
        });
        Activity.Current?.AddEvent(new ActivityEvent("finetune.gateway.alert", tags: new ActivityTagsCollection { [GatewayTelemetry.ControlTag] = ControlName(alert.Control) }));
        AlertRaised?.Invoke(this, alert);
    }

    internal static string ControlName(GatewayControl control) => control switch
    {
        GatewayControl.UnknownModel => "unknown-model",
        GatewayControl.ErrorRate => "error-rate",
        GatewayControl.JudgeDrift => "judge-drift",
        _ => "stale-variant",
    };

    private sealed class FeatureState
    {
        public ErrorCounters Base { get; } = new();

        public ConcurrentDictionary<string, ErrorCounters> Variants { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, ScoreWeeks> Scores { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<(string Variant, DateTimeOffset EvaluatedAt), byte> StaleReported { get; } = new();
    }

    private sealed class ErrorCounters
    {
        public long Requests;
        public long Errors;

        public DateTimeOffset? BreachSince { get; set; }

        public bool Tripped { get; set; }
    }

    private sealed class ScoreWeeks
    {
        public long Week { get; set; } = long.MinValue;

        public double Sum { get; set; }

        public int Count { get; set; }

        public double PreviousSum { get; set; }

        public int PreviousCount { get; set; }

        public bool Fired { get; set; }
    }
}
