namespace FineTune.Sdk;

/// <summary>Makes upload content seekable so it can be hashed and sent again: a non-seekable stream is spooled to a temporary file deleted on close.</summary>
internal static class ReplayableContent
{
    public static async Task<(Stream Source, FileStream? Spool)> OpenAsync(Stream content, CancellationToken cancellationToken)
    {
        if (content.CanSeek)
        {
            return (content, null);
        }

        var spool = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await content.CopyToAsync(spool, cancellationToken).ConfigureAwait(false);
            spool.Position = 0;
            return (spool, spool);
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
