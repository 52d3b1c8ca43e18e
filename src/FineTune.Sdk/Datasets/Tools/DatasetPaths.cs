namespace FineTune.Sdk;

/// <summary>Path checks for tools that write a new file next to their input.</summary>
internal static class DatasetPaths
{
    /// <summary>Returns true when two paths name the same file, after making them absolute and following symbolic links.</summary>
    public static bool AreSameFile(string first, string second)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(Resolve(first), Resolve(second), comparison);
    }

    /// <summary>Throws when <paramref name="output"/> is the input file (also through a symbolic link).</summary>
    public static void EnsureNotInput(string input, string output)
    {
        if (AreSameFile(input, output))
        {
            throw new IOException("The output path names the input file; dataset tools never modify their input. Choose another output path.");
        }
    }

    /// <summary>
    /// Opens <paramref name="inputPath"/> for a sequential read and a new <paramref name="outputPath"/> for writing
    /// (refusing the input itself), and runs <paramref name="transform"/> over the two streams.
    /// </summary>
    public static async Task<T> TransformFileAsync<T>(
        string inputPath, string outputPath, bool overwrite, Func<Stream, Stream, CancellationToken, Task<T>> transform, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        EnsureNotInput(inputPath, outputPath);
        var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            // Written whole or not at all: a temporary file in the same folder, renamed when complete.
            return await AtomicFile.WriteAsync(outputPath, (output, token) => transform(input, output, token), overwrite, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Makes a path absolute and follows symbolic links in every existing component.</summary>
    public static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? string.Empty;
        var resolved = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(resolved, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            var target = info.Exists ? info.ResolveLinkTarget(returnFinalTarget: true) : null;
            resolved = target is null ? next : Path.GetFullPath(target.FullName);
        }

        return resolved;
    }
}
