using System.Security.Cryptography;

namespace FineTune.Sdk;

/// <summary>
/// A decorator that uploads a file only once: it computes the content's SHA-256, stores the file under a name that
/// carries the hash (<c>train.sha256-&lt;32 hex&gt;.jsonl</c>), and reuses a file already stored under that name
/// with the same size (<see cref="UploadedFile.Reused"/> set, nothing sent).
/// </summary>
/// <remarks>
/// Needs <see cref="IFineTuneProvider.ListFilesAsync"/>. A non-seekable stream is spooled to a temporary file
/// (deleted when the call ends) so it can be hashed and then sent. Like find-then-create, it is retry-safe, not
/// atomic: two concurrent uploads of the same content may both send it. Thread-safe.
/// </remarks>
public sealed class DeduplicatingUploadFineTuneProvider : DelegatingFineTuneProvider
{
    private const string HashMarker = ".sha256-";

    /// <summary>Initializes a new instance of the <see cref="DeduplicatingUploadFineTuneProvider"/> class.</summary>
    /// <param name="innerProvider">The provider calls go to.</param>
    public DeduplicatingUploadFineTuneProvider(IFineTuneProvider innerProvider)
        : base(innerProvider)
    {
    }

    /// <inheritdoc/>
    public override async Task<UploadedFile> UploadFileAsync(Stream content, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        var (source, spool) = await ReplayableContent.OpenAsync(content, cancellationToken).ConfigureAwait(false);
        try
        {
            var start = source.Position;
            var sha = Convert.ToHexString(await SHA256.HashDataAsync(source, cancellationToken).ConfigureAwait(false)).ToLowerInvariant();
            var length = source.Position - start;
            var storedName = StoredFileName(fileName, sha);
            await foreach (var file in InnerProvider.ListFilesAsync(cancellationToken).ConfigureAwait(false))
            {
                if (string.Equals(file.FileName, storedName, StringComparison.Ordinal)
                    && (file.Bytes is null || file.Bytes == length)
                    && !string.Equals(file.Status, "error", StringComparison.OrdinalIgnoreCase))
                {
                    return WithHash(file, sha, reused: true);
                }
            }

            source.Position = start;
            var uploaded = await InnerProvider.UploadFileAsync(source, storedName, cancellationToken).ConfigureAwait(false);
            return WithHash(uploaded, sha, reused: false);
        }
        finally
        {
            if (spool is not null)
            {
                await spool.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The name a file is stored under: its stem (without an earlier hash), the hash marker and the first 32 hex digits.</summary>
    internal static string StoredFileName(string fileName, string sha256)
    {
        var name = Path.GetFileName(fileName);
        var extension = Path.GetExtension(name);
        var stem = Path.GetFileNameWithoutExtension(name);
        var at = stem.IndexOf(HashMarker, StringComparison.Ordinal);
        if (at >= 0)
        {
            stem = stem[..at];
        }

        return $"{stem}{HashMarker}{sha256[..32]}{(extension.Length == 0 ? ".jsonl" : extension)}";
    }

    private static UploadedFile WithHash(UploadedFile file, string sha, bool reused) => new(file.Id, file.FileName)
    {
        Bytes = file.Bytes,
        Sha256 = sha,
        Reused = reused,
        Status = file.Status,
        CreatedAt = file.CreatedAt,
        RawRepresentation = file.RawRepresentation,
        AdditionalProperties = file.AdditionalProperties,
    };
}
