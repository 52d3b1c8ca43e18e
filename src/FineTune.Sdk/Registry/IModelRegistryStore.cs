namespace FineTune.Sdk;

/// <summary>
/// Where a registry lives: a JSON file (<see cref="FileModelRegistryStore"/>), SQLite or PostgreSQL. A store keeps
/// one document and its history and commits a new version only if the stored one is still the version the writer
/// read (optimistic concurrency). The rules live above it, in <see cref="ModelRegistry"/>.
/// </summary>
/// <remarks>Implementations are thread-safe and safe across processes sharing the same storage.</remarks>
public interface IModelRegistryStore : IAsyncDisposable
{
    /// <summary>Gets a short description of the store for messages and logs (no secrets).</summary>
    /// <value>For example <c>file:registry.json</c>.</value>
    string Description { get; }

    /// <summary>Reads the latest committed document.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The document; an empty one at version 0 when nothing was committed yet.</returns>
    /// <exception cref="ModelRegistryException">The storage could not be read or holds no valid registry.</exception>
    Task<RegistryDocument> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the latest committed version only (a cheap change check).</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The version.</returns>
    Task<long> ReadVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits <paramref name="document"/> (whose version must be <paramref name="expectedVersion"/> + 1) and appends
    /// <paramref name="entry"/> to the history, together: both or neither.
    /// </summary>
    /// <param name="expectedVersion">The version the change was based on.</param>
    /// <param name="document">The new document.</param>
    /// <param name="entry">The history entry of the change (same version as the document).</param>
    /// <param name="cancellationToken">A token to cancel the commit.</param>
    /// <returns>A task that completes when the change is durable.</returns>
    /// <exception cref="ModelRegistryConflictException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    Task CommitAsync(long expectedVersion, RegistryDocument document, RegistryHistoryEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Reads the history, oldest first.</summary>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>One entry per committed version, in version order.</returns>
    IAsyncEnumerable<RegistryHistoryEntry> ReadHistoryAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Raised (from any thread) when the store learns the stored registry may have changed (a file watch, a database
    /// notification). Optional: readers also poll <see cref="ReadVersionAsync"/>.
    /// </summary>
    event EventHandler? Changed;
}
