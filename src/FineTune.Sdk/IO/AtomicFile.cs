using System.Runtime.InteropServices;

namespace FineTune.Sdk;

/// <summary>
/// Writes a file whole or not at all: the content goes to a temporary name in the same folder, is flushed to disk,
/// then renamed over the target, and (on Unix) the folder is fsynced so the rename itself survives a power loss. A
/// process killed at any instant leaves the old file (or none) and at worst a stray <c>.tmp</c> file — never a
/// truncated file under the target's name.
/// </summary>
internal static class AtomicFile
{
    private const string TempSuffix = ".tmp";

    /// <summary>Gets a fresh temporary name beside <paramref name="path"/>, unique per call.</summary>
    /// <param name="path">The target's full path.</param>
    /// <returns><c>.NAME.{random}.tmp</c> in the target's folder.</returns>
    public static string TempPathFor(string path)
    {
        var directory = Path.GetDirectoryName(path) ?? string.Empty;
        return Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + TempSuffix);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="bytes">The whole content.</param>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        var temp = TempPathFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            Commit(temp, full);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    /// <summary>Writes the stream <paramref name="write"/> produces to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    /// <param name="cancellationToken">A token to cancel the write (the target is then left as it was).</param>
    /// <returns>A task that completes when the file is in place and durable.</returns>
    public static Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return WriteAsync(path, async (stream, token) =>
        {
            await write(stream, token).ConfigureAwait(false);
            return true;
        }, overwrite: true, cancellationToken);
    }

    /// <summary>Writes the stream <paramref name="write"/> produces to <paramref name="path"/> atomically.</summary>
    /// <typeparam name="T">What the writer returns.</typeparam>
    /// <param name="path">The target file.</param>
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    /// <param name="overwrite">Whether an existing target is replaced; otherwise an existing target fails the rename with an <see cref="IOException"/>.</param>
    /// <param name="cancellationToken">A token to cancel the write (the target is then left as it was).</param>
    /// <returns>What <paramref name="write"/> returned, once the file is in place and durable.</returns>
    public static async Task<T> WriteAsync<T>(string path, Func<Stream, CancellationToken, Task<T>> write, bool overwrite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"The file '{full}' already exists.");
        }

        var temp = TempPathFor(full);
        try
        {
            T result;
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 65536, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                result = await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            Commit(temp, full, overwrite);
            return result;
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    /// <summary>
    /// Creates a temporary file beside <paramref name="path"/> for a caller that writes it, flushes it to disk
    /// (<c>Flush(flushToDisk: true)</c>), disposes it and commits it with <see cref="Commit"/>, or discards it.
    /// </summary>
    /// <param name="path">The target file.</param>
    /// <returns>The temporary path and its open stream.</returns>
    public static (string TempPath, FileStream Stream) CreateTemp(string path)
    {
        var temp = TempPathFor(Path.GetFullPath(path));
        return (temp, new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous));
    }

    /// <summary>Deletes a temporary file left by a write that did not commit; never throws.</summary>
    /// <param name="temp">The temporary file.</param>
    public static void Discard(string temp) => DeleteQuietly(temp);

    /// <summary>Renames a flushed temporary file over the target and makes the rename durable.</summary>
    /// <param name="temp">The temporary file, in the target's folder, already flushed to disk.</param>
    /// <param name="path">The target file.</param>
    /// <param name="overwrite">Whether an existing target is replaced (otherwise the rename fails with an <see cref="IOException"/>).</param>
    public static void Commit(string temp, string path, bool overwrite = true)
    {
        File.Move(temp, path, overwrite);
        FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Makes the folder's entries durable (fsync of the folder on Linux and macOS), so a rename or a newly created
    /// file in it survives a power loss. Windows has no folder flush; NTFS journals the rename itself.
    /// </summary>
    /// <param name="directory">The folder.</param>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // The path as NUL-terminated UTF-8 (what open(2) takes); O_RDONLY opens a folder on Linux and macOS alike.
        var fd = Native.Open(System.Text.Encoding.UTF8.GetBytes(directory + "\0"), 0);
        if (fd < 0)
        {
            return; // best effort: the rename already happened; only its durability on power loss is at stake
        }

        try
        {
            _ = Native.FSync(fd);
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A stray temporary file is harmless: it never carries the target's name.
        }
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open(byte[] path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int FSync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }
}
