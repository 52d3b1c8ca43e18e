using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Npgsql;

namespace FineTune.Sdk.Registry.PostgreSql;

/// <summary>
/// A model registry in PostgreSQL, shared by a fleet of services. The document and its version live in one row; a
/// commit is one transaction that updates the row only if its version is still the one the writer read, inserts the
/// history entry and sends <c>NOTIFY</c> so every listening instance refreshes at once (polling stays as the fallback).
/// </summary>
/// <remarks>Thread-safe; safe across processes and hosts. The instance owns a connection pool and, while someone listens
/// to <see cref="Changed"/>, one listening connection; dispose it to release both.</remarks>
public sealed partial class PostgreSqlModelRegistryStore : IModelRegistryStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly string _history;
    private readonly string _channel;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly object _listenGate = new();
    private readonly CancellationTokenSource _stop = new();
    private EventHandler? _changed;
    private Task? _listener;
    private bool _schemaReady;

    /// <summary>Initializes a new instance of the <see cref="PostgreSqlModelRegistryStore"/> class.</summary>
    /// <param name="connectionString">An Npgsql connection string; never logged or put in messages.</param>
    /// <param name="tablePrefix">The prefix of the two tables (<c>PREFIX</c> and <c>PREFIX_history</c>) and of the notification channel.</param>
    public PostgreSqlModelRegistryStore(string connectionString, string tablePrefix = "finetune_registry")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (!Identifier().IsMatch(tablePrefix))
        {
            throw new ArgumentException($"The table prefix '{tablePrefix}' must be a lower-case SQL identifier (letters, digits, '_', at most 40).", nameof(tablePrefix));
        }

        _dataSource = NpgsqlDataSource.Create(connectionString);
        _table = tablePrefix;
        _history = tablePrefix + "_history";
        _channel = tablePrefix + "_changed";
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Description = $"postgres:{builder.Host}:{builder.Port}/{builder.Database}/{tablePrefix}";
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    /// <remarks>Raised on <c>NOTIFY</c> from any instance's commit; the first subscriber opens the listening connection.</remarks>
    public event EventHandler? Changed
    {
        add
        {
            lock (_listenGate)
            {
                _changed += value;
                _listener ??= Task.Run(() => ListenAsync(_stop.Token));
            }
        }

        remove
        {
            lock (_listenGate)
            {
                _changed -= value;
            }
        }
    }

    /// <inheritdoc />
    public async Task<RegistryDocument> ReadAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand($"SELECT document FROM {_table} WHERE id = 1", connection);
            var text = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return text is null ? new RegistryDocument() : RegistryJson.DeserializeDocument(text, Description);
        }
    }

    /// <inheritdoc />
    public async Task<long> ReadVersionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand($"SELECT version FROM {_table} WHERE id = 1", connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long version ? version : 0;
        }
    }

    /// <inheritdoc />
    public async Task CommitAsync(long expectedVersion, RegistryDocument document, RegistryHistoryEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(entry);
        if (document.Version != expectedVersion + 1 || entry.Version != document.Version)
        {
            throw new ArgumentException($"The document and history entry must carry version {expectedVersion + 1}; they carry {document.Version} and {entry.Version}.", nameof(document));
        }

        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // The row version is the lock: the UPDATE matches only the version the writer read; a concurrent
                // writer's UPDATE waits on the row lock and then matches nothing.
                using (var write = new NpgsqlCommand(
                    expectedVersion == 0
                        ? $"INSERT INTO {_table} (id, version, document) VALUES (1, @version, @document) ON CONFLICT (id) DO NOTHING"
                        : $"UPDATE {_table} SET version = @version, document = @document WHERE id = 1 AND version = @expected",
                    connection, transaction))
                {
                    write.Parameters.AddWithValue("version", document.Version);
                    write.Parameters.AddWithValue("expected", expectedVersion);
                    write.Parameters.AddWithValue("document", RegistryJson.Serialize(document));
                    if (await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                        throw new ModelRegistryConflictException(expectedVersion, await ReadVersionAsync(cancellationToken).ConfigureAwait(false));
                    }
                }

                using (var history = new NpgsqlCommand($"INSERT INTO {_history} (version, entry) VALUES (@version, @entry); SELECT pg_notify(@channel, @text)", connection, transaction))
                {
                    history.Parameters.AddWithValue("version", document.Version);
                    history.Parameters.AddWithValue("entry", RegistryJson.Serialize(entry));
                    history.Parameters.AddWithValue("channel", _channel);
                    history.Parameters.AddWithValue("text", document.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    await history.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryHistoryEntry> ReadHistoryAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand($"SELECT entry FROM {_history} ORDER BY version", connection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (RegistryJson.TryDeserializeEntry(reader.GetString(0)) is { } entry)
                    {
                        yield return entry;
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Task? listener;
        lock (_listenGate)
        {
            _changed = null;
            listener = _listener;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (listener is not null)
        {
            await listener.ConfigureAwait(false);
        }

        _stop.Dispose();
        _schemaGate.Dispose();
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => _changed?.Invoke(this, EventArgs.Empty);
                    using (var listen = new NpgsqlCommand($"LISTEN {_channel}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or ModelRegistryException or IOException or InvalidOperationException)
            {
                // The connection dropped: polling covers the gap; reconnect after a pause.
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new ModelRegistryException($"The registry database {Description} cannot be opened: {ex.Message}", ex);
        }

        if (!_schemaReady)
        {
            await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_schemaReady)
                {
                    // Two instances creating the tables at once can race on the catalog; an advisory lock serializes them.
                    using var command = new NpgsqlCommand(
                        $"""
                        SELECT pg_advisory_xact_lock(hashtext('{_table}'));
                        CREATE TABLE IF NOT EXISTS {_table} (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, document text NOT NULL);
                        CREATE TABLE IF NOT EXISTS {_history} (version bigint PRIMARY KEY, entry text NOT NULL);
                        """, connection);
                    using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    command.Transaction = transaction;
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    _schemaReady = true;
                }
            }
            finally
            {
                _schemaGate.Release();
            }
        }

        return connection;
    }
}
