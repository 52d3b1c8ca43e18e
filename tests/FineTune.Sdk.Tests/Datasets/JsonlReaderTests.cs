using System.Text;

namespace FineTune.Sdk.Tests;

public sealed class JsonlReaderTests
{
    [Fact]
    public async Task ReadAsync_CrlfBlankLinesAndBom_YieldsNonBlankLinesWithNumbers()
    {
        var bytes = Concat([0xEF, 0xBB, 0xBF], "{\"a\":1}\r\n\r\n   \n{\"b\":2}\n"u8.ToArray(), "{\"c\":3}"u8.ToArray());

        var lines = await ReadAllAsync(bytes);

        lines.Select(l => l.Number).Should().Equal(1, 4, 5);
        lines.Select(l => l.Text).Should().Equal("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
        lines.Select(l => l.Problems).Should().AllBeEquivalentTo(JsonlLineProblems.None);
        lines.Select(l => l.HasNewline).Should().Equal(true, true, false);
    }

    [Fact]
    public async Task ReadAsync_BomOnLaterLine_FlagsItAndStripsIt()
    {
        var bytes = Concat("{\"a\":1}\n"u8.ToArray(), [0xEF, 0xBB, 0xBF], "{\"b\":2}\n"u8.ToArray());

        var lines = await ReadAllAsync(bytes);

        lines[1].Number.Should().Be(2);
        lines[1].Problems.Should().Be(JsonlLineProblems.ByteOrderMarkMidFile);
        lines[1].Text.Should().Be("{\"b\":2}");
    }

    [Fact]
    public async Task ReadAsync_InvalidUtf8AndNul_FlagsTheLines()
    {
        var bytes = Concat([(byte)'{', 0xFF, (byte)'}', (byte)'\n'], [(byte)'{', 0, (byte)'}', (byte)'\n']);

        var lines = await ReadAllAsync(bytes);

        lines.Select(l => l.Problems).Should().Equal(JsonlLineProblems.InvalidUtf8, JsonlLineProblems.NulByte);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ReadAsync_LineLongerThanLimit_SkipsItAndKeepsNumbering(int chunk)
    {
        var longLine = new string('x', 300_000);
        var bytes = Encoding.UTF8.GetBytes("{\"a\":1}\n" + longLine + "\r\n{\"b\":2}\n" + longLine);

        var lines = await ReadAllAsync(bytes, maxLineBytes: 100_000, chunk: chunk);

        lines.Select(l => l.Number).Should().Equal(1, 2, 3, 4);
        lines.Select(l => l.Problems).Should().Equal(JsonlLineProblems.None, JsonlLineProblems.TooLong, JsonlLineProblems.None, JsonlLineProblems.TooLong);
        lines[1].Length.Should().Be(300_000);
        lines[3].Length.Should().Be(300_000);
        lines[2].Text.Should().Be("{\"b\":2}");
    }

    [Fact]
    public async Task ReadAsync_LineExactlyAtLimit_IsAccepted()
    {
        var line = new string('y', 2048);
        var lines = await ReadAllAsync(Encoding.UTF8.GetBytes(line + "\r\n" + line), maxLineBytes: 2048, chunk: 100);

        lines.Select(l => l.Problems).Should().Equal(JsonlLineProblems.None, JsonlLineProblems.None);
        lines.Select(l => l.Length).Should().Equal(2048, 2048);
    }

    [Fact]
    public async Task ReadAsync_ManySmallReads_ReassemblesLines()
    {
        var text = string.Join("\n", Enumerable.Range(0, 5000).Select(i => $"{{\"i\":{i}}}"));

        var lines = await ReadAllAsync(Encoding.UTF8.GetBytes(text), chunk: 3);

        lines.Should().HaveCount(5000);
        lines[4999].Text.Should().Be("{\"i\":4999}");
        lines[4999].Number.Should().Be(5000);
    }

    [Fact]
    public async Task ReadAsync_FiftyMegabyteLine_KeepsTheBufferBoundedByTheLimit()
    {
        const int limit = 1024 * 1024;
        await using var stream = new GeneratedStream("{\"a\":\""u8.ToArray(), (byte)'x', 50L * 1024 * 1024, "\"}\n{}\n"u8.ToArray());
        await using var reader = new JsonlReader(stream, limit);
        var lines = new List<(long, JsonlLineProblems, long)>();

        await foreach (var line in reader.ReadAsync())
        {
            lines.Add((line.Number, line.Problems, line.Length));
        }

        lines.Should().Equal((1L, JsonlLineProblems.TooLong, 50L * 1024 * 1024 + 8), (2L, JsonlLineProblems.None, 2L));
        reader.PeakBufferBytes.Should().BeLessThanOrEqualTo(4 * limit, "the line is skipped while streaming, never buffered whole");
        reader.BytesRead.Should().Be(stream.Length);
    }

    [Fact]
    public async Task ReadAsync_EmptyStream_YieldsNothing()
    {
        (await ReadAllAsync([])).Should().BeEmpty();
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static async Task<List<(long Number, string Text, JsonlLineProblems Problems, bool HasNewline, long Length)>> ReadAllAsync(byte[] bytes, int maxLineBytes = 1024 * 1024, int chunk = 0)
    {
        Stream stream = chunk > 0 ? new ChunkedStream(bytes, chunk) : new MemoryStream(bytes);
        await using var reader = new JsonlReader(stream, maxLineBytes, leaveOpen: false);
        var lines = new List<(long, string, JsonlLineProblems, bool, long)>();
        await foreach (var line in reader.ReadAsync())
        {
            lines.Add((line.Number, Encoding.UTF8.GetString(line.Bytes.Span), line.Problems, line.HasNewline, line.Length));
        }

        return lines;
    }
}
