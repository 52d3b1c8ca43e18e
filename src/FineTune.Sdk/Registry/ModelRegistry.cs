using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// The model registry over any <see cref="IModelRegistryStore"/>: applies the rules, commits with optimistic
/// concurrency, records history, and keeps an immutable snapshot for <see cref="Resolve"/> that it refreshes when the
/// store changes (store notifications plus polling every <see cref="ModelRegistryOptions.PollInterval"/>).
/// </summary>
/// <remarks>
/// Thread-safe. The instance owns the store and a polling timer; dispose it to release both. Create it with
/// <see cref="OpenAsync"/> so the first snapshot is loaded before the first <see cref="Resolve"/>.
/// </remarks>
public sealed class ModelRegistry : IModelRegistry, IAsyncDisposable, IDisposable
{
    private readonly IModelRegistryStore _store;
    private readonly ModelRegistryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _baseDirectory;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly object _backgroundGate = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously); // the store is disposed
    private Task _background = Task.CompletedTask; // the store-change refreshes in flight; DisposeAsync awaits them
    private ModelRegistrySnapshot _snapshot = new(new RegistryDocument());
    private int _disposed;

    private ModelRegistry(IModelRegistryStore store, ModelRegistryOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _store = store;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _baseDirectory = options.BaseDirectory is { } dir ? Path.GetFullPath(dir)
            : store is FileModelRegistryStore file ? Path.GetDirectoryName(file.Path)! : Directory.GetCurrentDirectory();
        _store.Changed += OnStoreChanged;
        _timer = timeProvider.CreateTimer(static state => ((ModelRegistry)state!).RefreshInBackground(), this, options.PollInterval, options.PollInterval);
    }

    /// <summary>Opens a registry over a store and loads its first snapshot.</summary>
    /// <param name="store">The store; the registry owns it from now on and disposes it.</param>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for timestamps and polling; the system clock when <see langword="null"/>.</param>
    /// <param name="logger">An optional logger.</param>
    /// <param name="cancellationToken">A token to cancel the first read.</param>
    /// <returns>The registry.</returns>
    /// <exception cref="ArgumentException">The options are invalid (the message names the field).</exception>
    /// <exception cref="ModelRegistryException">The store cannot be read.</exception>
    public static async Task<ModelRegistry> OpenAsync(IModelRegistryStore store, ModelRegistryOptions? options = null, TimeProvider? timeProvider = null, ILogger<ModelRegistry>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new ModelRegistryOptions();
        var failures = new List<string>();
        options.Validate(failures, storeRequired: false, knownSchemes: null);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        var registry = new ModelRegistry(store, options, timeProvider ?? TimeProvider.System, (ILogger?)logger ?? NullLogger.Instance);
        try
        {
            await registry.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await registry.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return registry;
    }

    /// <inheritdoc />
    public ModelRegistrySnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Gets the store.</summary>
    /// <value>The store given to <see cref="OpenAsync"/>.</value>
    public IModelRegistryStore Store => _store;

    /// <summary>Gets the folder relative report and decision-record paths are resolved against.</summary>
    internal string BaseDirectory => _baseDirectory;

    /// <inheritdoc />
    public ResolvedModel Resolve(string feature, string targetingKey) => Volatile.Read(ref _snapshot).Resolve(feature, targetingKey);

    /// <inheritdoc />
    public Task<RegistryFeature> RegisterAsync(string feature, RegistryVariant variant, RegistryChange change, CancellationToken cancellationToken = default)
    {
        RegistryGuards.CheckName(feature, "feature");
        ArgumentNullException.ThrowIfNull(variant);
        RegistryGuards.CheckVariant(variant);
        return ChangeAsync(RegistryOperations.Register, feature, variant.Name, change, (current, now, _) =>
            Task.FromResult(RegistryOperations.ApplyRegister(current, feature, variant, now)), cancellationToken);
    }

    /// <inheritdoc />
    public Task<RegistryFeature> PromoteAsync(string feature, string variant, RegistryChange change, CancellationToken cancellationToken = default) =>
        ChangeAsync(RegistryOperations.Promote, feature, variant, change, async (current, now, forced) =>
        {
            var (existing, found) = Find(current, feature, variant);
            var failures = await RegistryGuards.CheckPromotionAsync(existing, found, _baseDirectory, cancellationToken).ConfigureAwait(false);
            if (failures.Count > 0)
            {
                if (!change.Force)
                {
                    var (rule, message) = failures[0];
                    throw new ModelRegistryException(rule, failures.Count == 1 ? message : message + " Also: " + string.Join(" ", failures.Skip(1).Select(f => $"[{f.Rule}] {f.Message}")));
                }

                forced.AddRange(failures.Select(f => f.Rule));
            }

            return RegistryOperations.ApplyPromote(existing, found, now);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<RegistryFeature> SetRolloutAsync(string feature, string variant, decimal percentage, RegistryChange change, CancellationToken cancellationToken = default) =>
        ChangeAsync(RegistryOperations.Rollout, feature, variant, change, (current, _, _) =>
        {
            var (existing, found) = Find(current, feature, variant);
            return Task.FromResult(RegistryOperations.ApplyRollout(existing, found, percentage));
        }, cancellationToken);

    /// <inheritdoc />
    public Task<RegistryFeature> RollbackAsync(string feature, RegistryChange change, CancellationToken cancellationToken = default) =>
        ChangeAsync(RegistryOperations.Rollback, feature, null, change, (current, _, _) =>
            Task.FromResult(RegistryOperations.ApplyRollback(current ?? throw UnknownFeature(feature))), cancellationToken);

    /// <inheritdoc />
    public Task<RegistryFeature> RetireAsync(string feature, string variant, RegistryChange change, CancellationToken cancellationToken = default) =>
        ChangeAsync(RegistryOperations.Retire, feature, variant, change, (current, now, _) =>
        {
            var (existing, found) = Find(current, feature, variant);
            return Task.FromResult(RegistryOperations.ApplyRetire(existing, found, now));
        }, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryHistoryEntry> GetHistoryAsync(string? feature = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in _store.ReadHistoryAsync(cancellationToken).ConfigureAwait(false))
        {
            if (feature is null || string.Equals(entry.Feature, feature, StringComparison.Ordinal))
            {
                yield return entry;
            }
        }
    }

    /// <inheritdoc />
    public async Task<ModelRegistrySnapshot> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Snapshot;
            var version = await _store.ReadVersionAsync(cancellationToken).ConfigureAwait(false);
            if (version == current.Version && version != 0)
            {
                return current;
            }

            var document = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
            return Publish(document);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>
    /// Lists what needs attention: variants whose last evaluation is older than <see cref="ModelRegistryOptions.StaleAfter"/>
    /// and variants whose base model is past (or within 30 days of) its retirement date.
    /// </summary>
    /// <param name="schedule">Published retirement dates (for example from a provider's <c>GetService</c>); merged with <see cref="ModelRegistryOptions.RetirementDates"/>.</param>
    /// <returns>The findings, by feature and variant.</returns>
    public IReadOnlyList<RegistryFinding> Inspect(ModelRetirementSchedule? schedule = null) =>
        RegistryInspection.Inspect(Snapshot.Document, _options, schedule, _timeProvider.GetUtcNow());

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(_store) ? _store
            : serviceType == typeof(ModelRegistryOptions) ? _options
            : null;
    }

    /// <summary>Stops polling, waits for the refreshes in flight and disposes the store.</summary>
    /// <returns>A task that completes when the store is disposed.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return new ValueTask(_closed.Task);
    }

    /// <summary>
    /// Stops polling and returns without waiting (for containers disposed synchronously): the refreshes in flight end by
    /// themselves and the store is then disposed. <see cref="DisposeAsync"/> also waits for that.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _store.Changed -= OnStoreChanged;
        _timer.Dispose(); // a tick in flight starts no refresh: RefreshInBackground checks _disposed under the lock
        Task background;
        lock (_backgroundGate)
        {
            background = _background;
        }

        _ = CloseAsync(background);
    }

    private async Task CloseAsync(Task background)
    {
        try
        {
            await background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await _refreshGate.WaitAsync().ConfigureAwait(false);
            _refreshGate.Dispose();
            await _store.DisposeAsync().ConfigureAwait(false);
            _closed.TrySetResult();
        }
        catch (Exception ex)
        {
            _closed.TrySetException(ex); // DisposeAsync rethrows what the store threw
        }
    }

    private async Task<RegistryFeature> ChangeAsync(string operation, string feature, string? variant, RegistryChange change, Func<RegistryFeature?, DateTimeOffset, List<string>, Task<RegistryFeature>> apply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (string.IsNullOrWhiteSpace(change.Actor))
        {
            throw new ModelRegistryException("change.actor", "Every change needs an actor (who makes it); RegistryChange.Actor was empty.");
        }

        if (change.Force && string.IsNullOrWhiteSpace(change.Reason))
        {
            throw new ModelRegistryException("force.reason-required", "A forced change needs a reason; it is recorded in the history.");
        }

        using var activity = FineTuneTelemetry.ActivitySource.StartActivity("finetune.registry." + operation);
        activity?.SetTag("finetune.registry.feature", feature);
        for (var attempt = 1; ; attempt++)
        {
            var document = await _store.ReadAsync(cancellationToken).ConfigureAwait(false);
            Publish(document);
            if (change.ExpectedVersion is { } expected && expected != document.Version)
            {
                throw new ModelRegistryConflictException(expected, document.Version);
            }

            var now = _timeProvider.GetUtcNow();
            var before = document.FindFeature(feature);
            var forced = new List<string>();
            var after = await apply(before, now, forced).ConfigureAwait(false);
            var next = RegistryOperations.WithFeature(document, after, now);
            var entry = new RegistryHistoryEntry
            {
                Version = next.Version,
                At = now,
                Actor = change.Actor,
                Operation = operation,
                Feature = feature,
                Variant = variant,
                Reason = change.Reason,
                Forced = forced.Count > 0,
                ForcedRules = forced,
                Before = before,
                After = after,
            };

            try
            {
                await _store.CommitAsync(document.Version, next, entry, cancellationToken).ConfigureAwait(false);
            }
            catch (ModelRegistryConflictException ex) when (change.ExpectedVersion is null && attempt < _options.MaxCommitAttempts)
            {
                RegistryLog.CommitConflict(_logger, operation, feature, ex.ExpectedVersion, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + Math.Min(attempt, 20) * 2)), _timeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }

            Publish(next);
            RegistryLog.Committed(_logger, operation, feature, variant ?? "-", next.Version, change.Actor, forced.Count > 0);
            activity?.SetTag("finetune.registry.version", next.Version);
            return after;
        }
    }

    private ModelRegistrySnapshot Publish(RegistryDocument document)
    {
        while (true)
        {
            var current = Volatile.Read(ref _snapshot);
            if (document.Version <= current.Version && current.Version != 0)
            {
                return current;
            }

            var next = new ModelRegistrySnapshot(document);
            if (Interlocked.CompareExchange(ref _snapshot, next, current) == current)
            {
                if (document.Version != current.Version)
                {
                    RegistryLog.SnapshotSwapped(_logger, current.Version, document.Version);
                }

                return next;
            }
        }
    }

    private void OnStoreChanged(object? sender, EventArgs e) => RefreshInBackground();

    private void RefreshInBackground()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        lock (_backgroundGate)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            var refresh = Task.Run(RefreshLoggingFailuresAsync);
            _background = _background.IsCompleted ? refresh : Task.WhenAll(_background, refresh);
        }
    }

    private async Task RefreshLoggingFailuresAsync()
    {
        try
        {
            await RefreshAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ModelRegistryException or IOException or ObjectDisposedException or InvalidOperationException or TimeoutException or System.Data.Common.DbException)
        {
            RegistryLog.RefreshFailed(_logger, _store.Description, ex.Message);
        }
    }

    private static (RegistryFeature Feature, RegistryVariant Variant) Find(RegistryFeature? feature, string featureName, string variant)
    {
        if (feature is null)
        {
            throw UnknownFeature(featureName);
        }

        return (feature, feature.FindVariant(variant)
            ?? throw new ModelRegistryException("variant.unknown", $"Feature '{featureName}' has no variant '{variant}'; it has {string.Join(", ", feature.Variants.Select(v => v.Name))}."));
    }

    private static ModelRegistryException UnknownFeature(string feature) =>
        new("feature.unknown", $"The registry has no feature '{feature}'; register a variant for it first.");
}
