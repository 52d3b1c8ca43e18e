using System.Text;

namespace FineTune.Sdk.Bedrock.Tests;

public sealed class EventStreamReaderTests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("123456789", 0xCBF43926u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void Crc32_KnownInputs_MatchPublishedCheckValues(string input, uint expected)
        => Crc32.Compute(Encoding.ASCII.GetBytes(input)).Should().Be(expected);

    [Fact]
    public void Decode_HandBuiltFrameWithKnownCrcs_ReadsHeadersAndPayload()
    {
        // A frame with no headers and the 2-byte payload "{}": total 18 bytes, headers 0.
        var frame = new byte[] { 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 0, 0, 0, 0 };
        var preludeCrc = Crc32.Compute(frame.AsSpan(0, 8));
        preludeCrc.Should().Be(0x7F021B8Bu, "zlib.crc32 of 00 00 00 12 00 00 00 00");
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), preludeCrc);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(14), Crc32.Compute(frame.AsSpan(0, 14)));

        var message = EventStreamReader.Decode(frame);

        message.Headers.Should().BeEmpty();
        Encoding.UTF8.GetString(message.Payload).Should().Be("{}");
    }

    [Fact]
    public async Task ReadAsync_EncodedMessages_RoundTripTypedStringHeaders()
    {
        var stream = new MemoryStream();
        stream.Write(EventStreamReader.Encode([new(":event-type", "messageStart"), new(":message-type", "event")], "{\"role\":\"assistant\"}"u8));
        stream.Write(EventStreamReader.Encode([new(":event-type", "messageStop")], "{}"u8));
        stream.Position = 0;

        var messages = new List<EventStreamMessage>();
        await foreach (var message in EventStreamReader.ReadAsync(stream))
        {
            messages.Add(message);
        }

        messages.Select(m => m.Header(":event-type")).Should().Equal("messageStart", "messageStop");
        Encoding.UTF8.GetString(messages[0].Payload).Should().Be("{\"role\":\"assistant\"}");
    }

    [Fact]
    public void Decode_CorruptPayloadByte_FailsOnMessageCrc()
    {
        var frame = EventStreamReader.Encode([new(":event-type", "x")], "{\"a\":1}"u8);
        frame[^6] ^= 0xFF;

        var act = () => EventStreamReader.Decode(frame);

        act.Should().Throw<InvalidDataException>().WithMessage("*message CRC mismatch*");
    }

    [Fact]
    public async Task ReadAsync_CorruptPrelude_FailsOnPreludeCrcNamingOffset()
    {
        var good = EventStreamReader.Encode([new(":event-type", "x")], "{}"u8);
        var bad = EventStreamReader.Encode([new(":event-type", "y")], "{}"u8);
        bad[2] ^= 0x01;
        var stream = new MemoryStream([.. good, .. bad]);

        var act = async () =>
        {
            await foreach (var message in EventStreamReader.ReadAsync(stream))
            {
            }
        };

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage($"*prelude CRC mismatch at byte {good.Length}*");
    }

    [Fact]
    public async Task ReadAsync_TruncatedMessage_FailsInsteadOfHanging()
    {
        var frame = EventStreamReader.Encode([new(":event-type", "x")], "{\"long\":\"payload\"}"u8);
        var stream = new MemoryStream(frame[..^5]);

        var act = async () =>
        {
            await foreach (var message in EventStreamReader.ReadAsync(stream))
            {
            }
        };

        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("*ended inside the message*");
    }
}
