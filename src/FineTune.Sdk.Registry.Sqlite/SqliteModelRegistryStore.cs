using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace FineTune.Sdk.Registry.Sqlite;

/// <summary>
/// A model registry in a SQLite database, for several processes on one host. The document and its version live in
/// one row; a commit is one <c>BEGIN IMMEDIATE</c> transaction that checks the version, replaces the row and inserts
/// the history entry. The database runs in WAL mode so readers never wait for a writer.
/// </summary>
/// <remarks>Thread-safe; safe across processes sharing the database file.</remarks>
public sealed class SqliteModelRegistryStore : IModelRegistryStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private bool _schemaReady;

    /// <summary>Initializes a new instance of the <see cref="SqliteModelRegistryStore"/> class.</summary>
    /// <param name="path">The database file; created with its tables on first use.</param>
    /// <param name="busyTimeout">How long a writer waits for another's transaction; 30 seconds when <see langword="null"/>.</param>
    public SqliteModelRegistryStore(string path, TimeSpan? busyTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling((busyTimeout ?? TimeSpan.FromSeconds(30)).TotalSeconds),
        }.ToString();
    }

    /// <summary>Gets the full path of the database file.</summary>
    /// <value>An absolute path.</value>
    public string Path { get; }

    /// <inheritdoc />
    public string Description => "sqlite:" + Path;

    /// <inheritdoc />
    /// <remarks>Never raised: SQLite has no notifications; the registry polls <see cref="ReadVersionAsync"/>.</remarks>
    public event EventHandler? Changed
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    public async Task<RegistryDocument> ReadAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT document FROM registry WHERE id = 1";
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
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT version FROM registry WHERE id = 1";
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
            // BEGIN IMMEDIATE: the write lock is taken before the version is read, so no other writer slips in between.
            using var transaction = connection.BeginTransaction(deferred: false);
            using (var check = connection.CreateCommand())
            {
                check.Transaction = transaction;
                check.CommandText = "SELECT version FROM registry WHERE id = 1";
                var current = await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long v ? v : 0;
                if (current != expectedVersion)
                {
                    throw new ModelRegistryConflictException(expectedVersion, current);
                }
            }

            using (var write = connection.CreateCommand())
            {
                write.Transaction = transaction;
                write.CommandText = """
                    INSERT INTO registry (id, version, document) VALUES (1, $version, $document)
                      ON CONFLICT (id) DO UPDATE SET version = excluded.version, document = excluded.document;
                    INSERT INTO registry_history (version, entry) VALUES ($version, $entry);
                    """;
                write.Parameters.AddWithValue("$version", document.Version);
                write.Parameters.AddWithValue("$document", RegistryJson.Serialize(document));
                write.Parameters.AddWithValue("$entry", RegistryJson.Serialize(entry));
                await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryHistoryEntry> ReadHistoryAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT entry FROM registry_history ORDER BY version";
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
    public ValueTask DisposeAsync()
    {
        _schemaGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (!_schemaReady)
            {
                await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new ModelRegistryException($"The registry database {Path} cannot be opened: {ex.Message}", ex);
        }
    }

    private async Task EnsureSchemaAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS registry (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, document TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS registry_history (version INTEGER PRIMARY KEY, entry TEXT NOT NULL);
                """;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }
}
