using System.Runtime.CompilerServices;
using System.Text;

namespace FineTune.Sdk;

/// <summary>
/// The embedded default store: one human-readable JSON document (stable key order, git-friendly diffs) and its
/// history beside it as JSON lines (<c>NAME.history.jsonl</c>). A commit takes a cross-process lock
/// (<c>NAME.lock</c>), checks the version, appends and flushes the history entry, then writes the document to a
/// temporary file in the same folder, flushes it to disk, renames it over the old one and (on Unix) fsyncs the folder so
/// the rename survives a power loss. Killing a writer at any instant leaves the previous or the new document, never a
/// torn one; a history line of a change that never committed is ignored, and a torn last line is cut off by the next
/// writer.
/// </summary>
/// <remarks>Thread-safe and safe across processes on one host (the lock is an OS file lock, released if the process dies).</remarks>
public sealed class FileModelRegistryStore : IModelRegistryStore
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _lockTimeout;
    private readonly object _watchGate = new();
    private EventHandler? _changed;
    private FileSystemWatcher? _watcher;

    /// <summary>Initializes a new instance of the <see cref="FileModelRegistryStore"/> class.</summary>
    /// <param name="path">The registry document, for example <c>registry.json</c>; created on the first commit.</param>
    /// <param name="lockTimeout">How long a writer waits for the lock; 30 seconds when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for lock waits; the system clock when <see langword="null"/>.</param>
    public FileModelRegistryStore(string path, TimeSpan? lockTimeout = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        HistoryPath = (Path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Path[..^5] : Path) + ".history.jsonl";
        LockPath = Path + ".lock";
        _lockTimeout = lockTimeout ?? TimeSpan.FromSeconds(30);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the full path of the registry document.</summary>
    /// <value>An absolute path.</value>
    public string Path { get; }

    /// <summary>Gets the full path of the history file.</summary>
    /// <value><c>NAME.history.jsonl</c> beside the document.</value>
    public string HistoryPath { get; }

    /// <summary>Gets the full path of the lock file.</summary>
    /// <value><c>NAME.json.lock</c> beside the document.</value>
    public string LockPath { get; }

    /// <inheritdoc />
    public string Description => "file:" + Path;

    /// <inheritdoc />
    public event EventHandler? Changed
    {
        add
        {
            lock (_watchGate)
            {
                _changed += value;
                StartWatching();
            }
        }

        remove
        {
            lock (_watchGate)
            {
                _changed -= value;
            }
        }
    }

    /// <inheritdoc />
    public Task<RegistryDocument> ReadAsync(CancellationToken cancellationToken = default) => ReadDocumentAsync(cancellationToken);

    /// <inheritdoc />
    public async Task<long> ReadVersionAsync(CancellationToken cancellationToken = default) =>
        (await ReadDocumentAsync(cancellationToken).ConfigureAwait(false)).Version;

    /// <inheritdoc />
    public async Task CommitAsync(long expectedVersion, RegistryDocument document, RegistryHistoryEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(entry);
        if (document.Version != expectedVersion + 1 || entry.Version != document.Version)
        {
            throw new ArgumentException($"The document and history entry must carry version {expectedVersion + 1}; they carry {document.Version} and {entry.Version}.", nameof(document));
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var fileLock = await AcquireLockAsync(cancellationToken).ConfigureAwait(false);
        var current = await ReadDocumentAsync(cancellationToken).ConfigureAwait(false);
        if (current.Version != expectedVersion)
        {
            throw new ModelRegistryConflictException(expectedVersion, current.Version);
        }

        cancellationToken.ThrowIfCancellationRequested();

        // History first: a line whose document never landed has a version above the document's and is ignored (and
        // superseded by the next commit of that version).
        AppendHistoryLine(RegistryJson.Serialize(entry));

        // Temporary name in the same folder, flushed to disk, renamed over the document, folder fsynced (Unix).
        AtomicFile.WriteAllBytes(Path, Utf8.GetBytes(RegistryJson.Serialize(document)));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryHistoryEntry> ReadHistoryAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var version = (await ReadDocumentAsync(cancellationToken).ConfigureAwait(false)).Version;
        var entries = new SortedDictionary<long, RegistryHistoryEntry>();
        if (File.Exists(HistoryPath))
        {
            var stream = new FileStream(HistoryPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 65536, FileOptions.Asynchronous | FileOptions.SequentialScan);
            using var reader = new StreamReader(stream, Utf8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0 && RegistryJson.TryDeserializeEntry(line) is { } entry && entry.Version <= version)
                {
                    entries[entry.Version] = entry;
                }
            }
        }

        foreach (var entry in entries.Values)
        {
            yield return entry;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        lock (_watchGate)
        {
            _watcher?.Dispose();
            _watcher = null;
            _changed = null;
        }

        return ValueTask.CompletedTask;
    }

    private async Task<RegistryDocument> ReadDocumentAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(Path, Utf8, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new RegistryDocument();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelRegistryException($"The registry {Path} cannot be read: {ex.Message}", ex);
        }

        return RegistryJson.DeserializeDocument(text, Path);
    }

    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (_timeProvider.GetElapsedTime(started) < _lockTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1 + attempt, 20)), _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new ModelRegistryException($"The registry lock {LockPath} was not acquired within {_lockTimeout.TotalSeconds:0.#} s (ModelRegistryOptions.LockTimeout): {ex.Message}", ex) { Rule = "registry.lock-timeout" };
            }
        }
    }

    private void AppendHistoryLine(string line)
    {
        using var stream = new FileStream(HistoryPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        // A torn last line (a writer killed mid-append) is cut back to the last complete line.
        if (stream.Length > 0)
        {
            stream.Seek(-1, SeekOrigin.End);
            if (stream.ReadByte() != '\n')
            {
                stream.SetLength(LastLineEnd(stream));
            }
        }

        stream.Seek(0, SeekOrigin.End);
        stream.Write(Utf8.GetBytes(line + "\n"));
        stream.Flush(flushToDisk: true);
    }

    private static long LastLineEnd(FileStream stream)
    {
        var buffer = new byte[4096];
        var end = stream.Length;
        while (end > 0)
        {
            var start = Math.Max(0, end - buffer.Length);
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, (int)(end - start));
            var newline = Array.LastIndexOf(buffer, (byte)'\n', (int)(end - start) - 1, (int)(end - start));
            if (newline >= 0)
            {
                return start + newline + 1;
            }

            end = start;
        }

        return 0;
    }

    private void StartWatching()
    {
        if (_watcher is not null)
        {
            return;
        }

        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory))
        {
            return; // polling covers it until the folder exists
        }

        var name = System.IO.Path.GetFileName(Path);
        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                IncludeSubdirectories = false,
            };
            FileSystemEventHandler onChange = (_, e) =>
            {
                if (string.Equals(e.Name, name, StringComparison.Ordinal))
                {
                    _changed?.Invoke(this, EventArgs.Empty);
                }
            };
            watcher.Changed += onChange;
            watcher.Created += onChange;
            watcher.Renamed += (_, e) =>
            {
                if (string.Equals(e.Name, name, StringComparison.Ordinal))
                {
                    _changed?.Invoke(this, EventArgs.Empty);
                }
            };
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Out of inotify watches or an unsupported file system: polling is the fallback.
        }
    }
}
