using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace FineTune.Sdk;

/// <summary>What is wrong with a line at the byte level, before any JSON parsing.</summary>
[Flags]
internal enum JsonlLineProblems
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>The line is longer than the limit; it was skipped without buffering it and its bytes are empty.</summary>
    TooLong = 1,

    /// <summary>The line is not valid UTF-8.</summary>
    InvalidUtf8 = 2,

    /// <summary>The line contains a NUL byte.</summary>
    NulByte = 4,

    /// <summary>The line starts with a UTF-8 byte order mark although it is not the first line (the mark was stripped).</summary>
    ByteOrderMarkMidFile = 8,
}

/// <summary>
/// One non-blank line of a JSONL stream. <see cref="Bytes"/> borrows the reader's buffer and is valid only until
/// the enumerator moves on.
/// </summary>
/// <param name="Number">The 1-based line number (blank lines count).</param>
/// <param name="Bytes">The line's UTF-8 bytes without CR/LF and without a leading byte order mark; empty when <see cref="JsonlLineProblems.TooLong"/>.</param>
/// <param name="Problems">Byte-level problems found.</param>
/// <param name="HasNewline">Whether the line ended with a line feed (only the last line of a file may not).</param>
/// <param name="Length">The line's length in bytes (without CR/LF), also when it was skipped.</param>
internal readonly record struct JsonlLine(long Number, ReadOnlyMemory<byte> Bytes, JsonlLineProblems Problems, bool HasNewline, long Length);

/// <summary>
/// Reads a JSONL stream line by line in constant memory: one pooled buffer that grows up to the longest accepted
/// line, never more. Handles CRLF, a leading UTF-8 byte order mark, blank lines, a last line without a newline,
/// and lines longer than the limit (skipped while streaming, never buffered whole).
/// </summary>
/// <remarks>Not thread-safe; enumerate <see cref="ReadAsync"/> once.</remarks>
internal sealed class JsonlReader : IAsyncDisposable
{
    /// <summary>The default longest line, in bytes.</summary>
    public const int DefaultMaxLineBytes = 16 * 1024 * 1024;

    private const int InitialBufferSize = 64 * 1024;
    private const int MinimumRead = 16 * 1024;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private readonly bool _leaveOpen;
    private long _bytesRead;

    /// <summary>Creates a reader over a stream.</summary>
    /// <param name="stream">The UTF-8 JSONL content.</param>
    /// <param name="maxLineBytes">The longest line accepted, in bytes (without CR/LF).</param>
    /// <param name="leaveOpen">Whether disposing the reader leaves the stream open.</param>
    public JsonlReader(Stream stream, int maxLineBytes = DefaultMaxLineBytes, bool leaveOpen = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Gets the largest buffer the reader has held, in bytes: bounded by the line limit, not the file or line size.</summary>
    public int PeakBufferBytes { get; private set; }

    /// <summary>Gets the number of bytes read from the stream so far.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Opens a file for sequential reading; the reader owns the file stream.</summary>
    /// <param name="path">The file path.</param>
    /// <param name="maxLineBytes">The longest line accepted, in bytes.</param>
    /// <returns>The reader; dispose it to close the file.</returns>
    public static JsonlReader OpenFile(string path, int maxLineBytes = DefaultMaxLineBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return new JsonlReader(stream, maxLineBytes, leaveOpen: false);
    }

    /// <summary>Reads every non-blank line.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The lines, in order; each line's bytes are valid until the next one is requested.</returns>
    public async IAsyncEnumerable<JsonlLine> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, _maxLineBytes + 2));
        PeakBufferBytes = buffer.Length;
        try
        {
            int start = 0, end = 0, scanFrom = 0;
            long lineNumber = 0;
            long skipped = -1; // bytes of an over-long line skipped so far; -1 when not skipping
            var skippedEndsWithCr = false;
            var eof = false;
            while (true)
            {
                var newline = buffer.AsSpan(scanFrom, end - scanFrom).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    var lineEnd = scanFrom + newline;
                    lineNumber++;
                    if (skipped >= 0)
                    {
                        var length = skipped + (lineEnd - start);
                        if (lineEnd > start ? buffer[lineEnd - 1] == (byte)'\r' : skippedEndsWithCr)
                        {
                            length--;
                        }

                        skipped = -1;
                        yield return new JsonlLine(lineNumber, ReadOnlyMemory<byte>.Empty, JsonlLineProblems.TooLong, true, length);
                    }
                    else if (Classify(buffer, start, lineEnd, lineNumber, hasNewline: true, out var line))
                    {
                        yield return line;
                    }

                    start = lineEnd + 1;
                    scanFrom = start;
                    continue;
                }

                scanFrom = end;
                if (eof)
                {
                    if (skipped >= 0)
                    {
                        lineNumber++;
                        yield return new JsonlLine(lineNumber, ReadOnlyMemory<byte>.Empty, JsonlLineProblems.TooLong, false, skipped + (end - start));
                    }
                    else if (end > start)
                    {
                        lineNumber++;
                        if (Classify(buffer, start, end, lineNumber, hasNewline: false, out var last))
                        {
                            yield return last;
                        }
                    }

                    yield break;
                }

                // No newline in what is buffered: skip an over-long line, or make room and read more.
                if (skipped >= 0 || end - start > _maxLineBytes + 1)
                {
                    skipped = Math.Max(skipped, 0) + (end - start);
                    if (end > start)
                    {
                        skippedEndsWithCr = buffer[end - 1] == (byte)'\r';
                    }

                    start = end = scanFrom = 0;
                }
                else if (buffer.Length - end < MinimumRead)
                {
                    var pending = end - start;
                    if (start > 0 && buffer.Length - pending >= MinimumRead)
                    {
                        buffer.AsSpan(start, pending).CopyTo(buffer);
                    }
                    else if (buffer.Length < _maxLineBytes + 2 + MinimumRead)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, (long)_maxLineBytes + 2 + MinimumRead));
                        buffer.AsSpan(start, pending).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // it held rows: nothing of them stays in the shared pool
                        buffer = larger;
                        PeakBufferBytes = Math.Max(PeakBufferBytes, buffer.Length);
                    }
                    else if (start > 0)
                    {
                        buffer.AsSpan(start, pending).CopyTo(buffer);
                    }

                    end = pending;
                    scanFrom = pending;
                    start = 0;
                }

                var read = await _stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    eof = true;
                }
                else
                {
                    end += read;
                    Interlocked.Add(ref _bytesRead, read);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // it held rows: nothing of them stays in the shared pool
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _leaveOpen ? ValueTask.CompletedTask : _stream.DisposeAsync();

    private bool Classify(byte[] buffer, int start, int end, long lineNumber, bool hasNewline, out JsonlLine line)
    {
        if (end > start && buffer[end - 1] == (byte)'\r')
        {
            end--;
        }

        var problems = JsonlLineProblems.None;
        var span = buffer.AsSpan(start, end - start);
        if (span.StartsWith(Utf8Bom))
        {
            start += Utf8Bom.Length;
            span = span[Utf8Bom.Length..];
            if (lineNumber > 1)
            {
                problems |= JsonlLineProblems.ByteOrderMarkMidFile;
            }
        }

        if (span.IndexOfAnyExcept(Blank) < 0)
        {
            line = default;
            if (problems == JsonlLineProblems.None)
            {
                return false;
            }
        }

        if (span.Length > _maxLineBytes)
        {
            line = new JsonlLine(lineNumber, ReadOnlyMemory<byte>.Empty, problems | JsonlLineProblems.TooLong, hasNewline, span.Length);
            return true;
        }

        if (span.IndexOf((byte)0) >= 0)
        {
            problems |= JsonlLineProblems.NulByte;
        }

        if (!Utf8.IsValid(span))
        {
            problems |= JsonlLineProblems.InvalidUtf8;
        }

        line = new JsonlLine(lineNumber, buffer.AsMemory(start, span.Length), problems, hasNewline, span.Length);
        return true;
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> Blank => " \t\r"u8;
}
