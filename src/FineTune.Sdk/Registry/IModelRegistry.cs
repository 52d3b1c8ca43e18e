namespace FineTune.Sdk;

/// <summary>
/// Which model serves each feature, where it came from, what approved it and how much traffic it gets; with guarded
/// promotion, sticky percentage rollout, one-call rollback and an audit history. Backed by a file, SQLite or
/// PostgreSQL through an <see cref="IModelRegistryStore"/>.
/// </summary>
/// <remarks>
/// Implementations are thread-safe. <see cref="Resolve"/> reads an immutable in-memory snapshot: it never touches disk
/// or network, never allocates and never waits for a writer. Changes made by other processes are picked up without a
/// restart (file watch or polling).
/// </remarks>
public interface IModelRegistry
{
    /// <summary>Gets the current snapshot.</summary>
    /// <value>The latest version this instance has seen.</value>
    ModelRegistrySnapshot Snapshot { get; }

    /// <summary>Resolves the model to call for a feature and a targeting key (see <see cref="ModelRegistrySnapshot.Resolve"/>).</summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="targetingKey">A stable key for the caller.</param>
    /// <returns>The model; <see cref="ResolvedModel.IsFound"/> is <see langword="false"/> for an unknown feature.</returns>
    ResolvedModel Resolve(string feature, string targetingKey);

    /// <summary>
    /// Registers a variant of a feature. The first variant of a new feature becomes its default (usually the base
    /// model). Model ids are checked against their provider's format and adapters against their serving base.
    /// </summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="variant">The variant; the registry sets its status and timestamps.</param>
    /// <param name="change">Who registers it and why.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The feature after the change.</returns>
    /// <exception cref="ModelRegistryException">A rule refused the variant (the message names it).</exception>
    Task<RegistryFeature> RegisterAsync(string feature, RegistryVariant variant, RegistryChange change, CancellationToken cancellationToken = default);

    /// <summary>
    /// Promotes a variant: it must carry a passing comparison report for its exact model id and the feature's golden
    /// set, whose file still matches its recorded hash (unless <see cref="RegistryChange.Force"/> with a reason). The
    /// variant is staged for rollout at 0% (flag off).
    /// </summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="variant">The variant name.</param>
    /// <param name="change">Who promotes it and why.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The feature after the change.</returns>
    /// <exception cref="ModelRegistryException">A guard refused the promotion (the message names the rule).</exception>
    Task<RegistryFeature> PromoteAsync(string feature, string variant, RegistryChange change, CancellationToken cancellationToken = default);

    /// <summary>Sets the share of targeting keys a promoted variant serves; at 100% it becomes the default.</summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="variant">The promoted variant.</param>
    /// <param name="percentage">0 to 100, at most two decimals.</param>
    /// <param name="change">Who changes it and why.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The feature after the change.</returns>
    /// <exception cref="ModelRegistryException">A rule refused the change.</exception>
    Task<RegistryFeature> SetRolloutAsync(string feature, string variant, decimal percentage, RegistryChange change, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rolls a feature back in one call: a staged rollout is cancelled (every key resolves to the default at once);
    /// with no rollout, the previous default is restored.
    /// </summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="change">Who rolls back and why.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The feature after the change.</returns>
    /// <exception cref="ModelRegistryException">There is nothing to roll back to.</exception>
    Task<RegistryFeature> RollbackAsync(string feature, RegistryChange change, CancellationToken cancellationToken = default);

    /// <summary>Retires a variant that is not the default; a retired variant never serves again.</summary>
    /// <param name="feature">The feature name.</param>
    /// <param name="variant">The variant name.</param>
    /// <param name="change">Who retires it and why.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The feature after the change.</returns>
    /// <exception cref="ModelRegistryException">A rule refused the change.</exception>
    Task<RegistryFeature> RetireAsync(string feature, string variant, RegistryChange change, CancellationToken cancellationToken = default);

    /// <summary>Reads the audit history, oldest first.</summary>
    /// <param name="feature">Only this feature's entries; <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The entries in version order.</returns>
    IAsyncEnumerable<RegistryHistoryEntry> GetHistoryAsync(string? feature = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the store now and swaps in a newer snapshot if there is one.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The snapshot after the refresh.</returns>
    Task<ModelRegistrySnapshot> RefreshAsync(CancellationToken cancellationToken = default);

    /// <summary>Gets a service: the <see cref="IModelRegistryStore"/>, the options, or the implementation itself.</summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">An optional key.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
