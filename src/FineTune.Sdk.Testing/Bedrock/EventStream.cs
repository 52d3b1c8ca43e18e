using System.Buffers.Binary;
using System.Text;

namespace FineTune.Sdk.Testing;

/// <summary>
/// The AWS event-stream binary framing (<c>application/vnd.amazon.eventstream</c>): a 12-byte prelude (total length,
/// headers length, prelude CRC32), string headers, the payload and a CRC32 of the whole message.
/// </summary>
internal static class EventStream
{
    public static byte[] Message(IReadOnlyList<KeyValuePair<string, string>> headers, byte[] payload)
    {
        using var headerBytes = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            headerBytes.WriteByte((byte)nameBytes.Length);
            headerBytes.Write(nameBytes);
            headerBytes.WriteByte(7); // string
            headerBytes.WriteByte((byte)(valueBytes.Length >> 8));
            headerBytes.WriteByte((byte)valueBytes.Length);
            headerBytes.Write(valueBytes);
        }

        var total = 12 + (int)headerBytes.Length + payload.Length + 4;
        var message = new byte[total];
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(0), total);
        BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(4), (int)headerBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), Crc32.Compute(message.AsSpan(0, 8)));
        headerBytes.ToArray().CopyTo(message, 12);
        payload.CopyTo(message, 12 + (int)headerBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(total - 4), Crc32.Compute(message.AsSpan(0, total - 4)));
        return message;
    }

    /// <summary>An <c>event</c> message of the given type with a JSON payload.</summary>
    public static byte[] Event(string eventType, byte[] json) => Message(
        [new(":event-type", eventType), new(":content-type", "application/json"), new(":message-type", "event")], json);

    /// <summary>Reads the messages of a stream back (for tests): headers and payload, CRCs checked.</summary>
    public static List<(Dictionary<string, string> Headers, byte[] Payload)> Parse(byte[] stream)
    {
        var messages = new List<(Dictionary<string, string>, byte[])>();
        var position = 0;
        while (position < stream.Length)
        {
            var span = stream.AsSpan(position);
            var total = BinaryPrimitives.ReadInt32BigEndian(span);
            var headersLength = BinaryPrimitives.ReadInt32BigEndian(span[4..]);
            if (BinaryPrimitives.ReadUInt32BigEndian(span[8..]) != Crc32.Compute(span[..8]) || BinaryPrimitives.ReadUInt32BigEndian(span[(total - 4)..]) != Crc32.Compute(span[..(total - 4)]))
            {
                throw new InvalidDataException("Event-stream CRC mismatch.");
            }

            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            var h = 12;
            while (h < 12 + headersLength)
            {
                var nameLength = span[h];
                var name = Encoding.UTF8.GetString(span.Slice(h + 1, nameLength));
                h += 1 + nameLength + 1;
                var valueLength = BinaryPrimitives.ReadUInt16BigEndian(span[h..]);
                headers[name] = Encoding.UTF8.GetString(span.Slice(h + 2, valueLength));
                h += 2 + valueLength;
            }

            messages.Add((headers, span[(12 + headersLength)..(total - 4)].ToArray()));
            position += total;
        }

        return messages;
    }
}
