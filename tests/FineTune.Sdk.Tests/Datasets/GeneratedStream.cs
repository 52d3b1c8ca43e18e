namespace FineTune.Sdk.Tests;

/// <summary>A read-only stream of <c>head</c>, then <c>count</c> copies of one byte, then <c>tail</c>, without holding it in memory.</summary>
internal sealed class GeneratedStream(byte[] head, byte fill, long count, byte[] tail) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => head.Length + count + tail.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override int Read(byte[] buffer, int offset, int length) => Read(buffer.AsSpan(offset, length));

    public override int Read(Span<byte> buffer)
    {
        var offset = 0;
        var length = buffer.Length;
        var written = 0;
        while (written < length && _position < Length)
        {
            if (_position < head.Length)
            {
                buffer[offset + written] = head[_position];
            }
            else if (_position < head.Length + count)
            {
                var run = (int)Math.Min(length - written, head.Length + count - _position);
                buffer.Slice(offset + written, run).Fill(fill);
                written += run;
                _position += run;
                continue;
            }
            else
            {
                buffer[offset + written] = tail[_position - head.Length - count];
            }

            written++;
            _position++;
        }

        return written;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
