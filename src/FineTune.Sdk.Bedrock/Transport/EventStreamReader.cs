using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace FineTune.Sdk.Bedrock;

/// <summary>One message of an AWS event stream (<c>application/vnd.amazon.eventstream</c>): typed headers and a payload.</summary>
/// <param name="Headers">The headers by name; values are <see cref="string"/>, <see cref="bool"/>, integers, <see cref="byte"/>[], <see cref="DateTimeOffset"/> or <see cref="Guid"/>.</param>
/// <param name="Payload">The payload bytes (JSON for Converse).</param>
internal sealed record EventStreamMessage(IReadOnlyDictionary<string, object> Headers, byte[] Payload)
{
    /// <summary>Gets a string header, or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value as string : null;
}

/// <summary>
/// Reads the AWS event-stream binary framing: a 12-byte prelude (total length, headers length, CRC32 of those 8
/// bytes), typed headers, the payload and a CRC32 of everything before it. Both CRCs are checked; a bad frame is an
/// <see cref="InvalidDataException"/> naming its offset, never a hang.
/// </summary>
internal static class EventStreamReader
{
    /// <summary>The largest message accepted (the service's limit is 16 MiB of payload plus 128 KiB of headers).</summary>
    public const int MaxMessageBytes = (16 * 1024 * 1024) + (128 * 1024) + 16;

    private const int PreludeBytes = 12;

    /// <summary>Reads messages until the stream ends cleanly between messages.</summary>
    public static async IAsyncEnumerable<EventStreamMessage> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prelude = new byte[PreludeBytes];
        long offset = 0;
        while (true)
        {
            var read = await ReadFullAsync(stream, prelude, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                yield break;
            }

            if (read < PreludeBytes)
            {
                throw new InvalidDataException($"Event stream ended inside a message prelude at byte {offset} ({read} of {PreludeBytes} bytes).");
            }

            var total = BinaryPrimitives.ReadUInt32BigEndian(prelude);
            var headersLength = BinaryPrimitives.ReadUInt32BigEndian(prelude.AsSpan(4));
            var preludeCrc = BinaryPrimitives.ReadUInt32BigEndian(prelude.AsSpan(8));
            if (Crc32.Compute(prelude.AsSpan(0, 8)) != preludeCrc)
            {
                throw new InvalidDataException($"Event stream prelude CRC mismatch at byte {offset}.");
            }

            if (total < PreludeBytes + 4 || total > MaxMessageBytes || headersLength > total - PreludeBytes - 4)
            {
                throw new InvalidDataException($"Event stream message at byte {offset} has impossible lengths (total {total}, headers {headersLength}).");
            }

            var message = new byte[total];
            prelude.CopyTo(message, 0);
            if (await ReadFullAsync(stream, message.AsMemory(PreludeBytes), cancellationToken).ConfigureAwait(false) < total - PreludeBytes)
            {
                throw new InvalidDataException($"Event stream ended inside the message at byte {offset} (declared {total} bytes).");
            }

            yield return Decode(message, offset);
            offset += total;
        }
    }

    /// <summary>Decodes one whole message (prelude to message CRC), checking both CRCs.</summary>
    public static EventStreamMessage Decode(ReadOnlySpan<byte> message, long offset = 0)
    {
        if (message.Length < PreludeBytes + 4)
        {
            throw new InvalidDataException($"Event stream message at byte {offset} is shorter than a prelude and a CRC.");
        }

        var total = BinaryPrimitives.ReadUInt32BigEndian(message);
        var headersLength = (int)BinaryPrimitives.ReadUInt32BigEndian(message[4..]);
        if (total != message.Length || headersLength > message.Length - PreludeBytes - 4)
        {
            throw new InvalidDataException($"Event stream message at byte {offset} has impossible lengths.");
        }

        if (Crc32.Compute(message[..8]) != BinaryPrimitives.ReadUInt32BigEndian(message[8..]))
        {
            throw new InvalidDataException($"Event stream prelude CRC mismatch at byte {offset}.");
        }

        if (Crc32.Compute(message[..^4]) != BinaryPrimitives.ReadUInt32BigEndian(message[^4..]))
        {
            throw new InvalidDataException($"Event stream message CRC mismatch at byte {offset}.");
        }

        var headers = ParseHeaders(message.Slice(PreludeBytes, headersLength), offset);
        var payload = message[(PreludeBytes + headersLength)..^4].ToArray();
        return new EventStreamMessage(headers, payload);
    }

    /// <summary>Encodes a message with string headers (used by tests and fakes; the client only reads).</summary>
    public static byte[] Encode(IEnumerable<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> payload)
    {
        using var headerBytes = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            headerBytes.WriteByte((byte)nameBytes.Length);
            headerBytes.Write(nameBytes);
            headerBytes.WriteByte(7);
            headerBytes.WriteByte((byte)(valueBytes.Length >> 8));
            headerBytes.WriteByte((byte)valueBytes.Length);
            headerBytes.Write(valueBytes);
        }

        var total = PreludeBytes + (int)headerBytes.Length + payload.Length + 4;
        var message = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), (uint)headerBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), Crc32.Compute(message.AsSpan(0, 8)));
        headerBytes.ToArray().CopyTo(message, PreludeBytes);
        payload.CopyTo(message.AsSpan(PreludeBytes + (int)headerBytes.Length));
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(total - 4), Crc32.Compute(message.AsSpan(0, total - 4)));
        return message;
    }

    private static Dictionary<string, object> ParseHeaders(ReadOnlySpan<byte> span, long offset)
    {
        var headers = new Dictionary<string, object>(StringComparer.Ordinal);
        var i = 0;
        try
        {
            while (i < span.Length)
            {
                int nameLength = span[i++];
                var name = Encoding.UTF8.GetString(span.Slice(i, nameLength));
                i += nameLength;
                var type = span[i++];
                object value;
                switch (type)
                {
                    case 0: value = true; break;
                    case 1: value = false; break;
                    case 2: value = (sbyte)span[i]; i += 1; break;
                    case 3: value = BinaryPrimitives.ReadInt16BigEndian(span[i..]); i += 2; break;
                    case 4: value = BinaryPrimitives.ReadInt32BigEndian(span[i..]); i += 4; break;
                    case 5: value = BinaryPrimitives.ReadInt64BigEndian(span[i..]); i += 8; break;
                    case 6:
                        {
                            var length = BinaryPrimitives.ReadUInt16BigEndian(span[i..]);
                            value = span.Slice(i + 2, length).ToArray();
                            i += 2 + length;
                            break;
                        }

                    case 7:
                        {
                            var length = BinaryPrimitives.ReadUInt16BigEndian(span[i..]);
                            value = Encoding.UTF8.GetString(span.Slice(i + 2, length));
                            i += 2 + length;
                            break;
                        }

                    case 8: value = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(span[i..])); i += 8; break;
                    case 9: value = new Guid(span.Slice(i, 16), bigEndian: true); i += 16; break;
                    default: throw new InvalidDataException($"Event stream header '{name}' at byte {offset} has unknown type {type}.");
                }

                headers[name] = value;
            }
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException($"Event stream headers of the message at byte {offset} overrun their declared length.", ex);
        }

        return headers;
    }

    private static async Task<int> ReadFullAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}

/// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as the event-stream framing uses.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
