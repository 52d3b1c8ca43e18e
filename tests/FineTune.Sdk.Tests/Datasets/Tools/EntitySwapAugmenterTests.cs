using Microsoft.Extensions.Logging.Testing;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Tests;

public sealed class EntitySwapAugmenterTests
{
    private const string OrderRow =
        """{"messages":[{"role":"user","content":"Where is ORD-1234? Also check ORD-98765."},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"order_id\":\"ORD-1234\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"{\"order_id\":\"ORD-1234\",\"status\":\"shipped\"}"},{"role":"assistant","content":"{\"order_id\":\"ORD-1234\",\"other\":\"ORD-98765\",\"status\":\"shipped\"}"}],"metadata":{"source":"human"}}""";

    private const string PlainRow = """{"messages":[{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi"}]}""";

    private static async Task<string[]> AugmentAsync(EntitySwapOptions options, params string[] rows)
    {
        using var output = new MemoryStream();
        await new EntitySwapAugmenter(options).AugmentAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', rows) + "\n")), output);
        return Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task AugmentAsync_OrderIds_SwapsThemInUserAssistantJsonAndToolArgumentsInStep()
    {
        var lines = await AugmentAsync(new EntitySwapOptions { Seed = 3 }, OrderRow, PlainRow);

        lines.Should().HaveCount(3);
        lines[0].Should().Be(OrderRow);
        lines[2].Should().Be(PlainRow, "each row's copies follow it");
        var root = JsonDocument.Parse(lines[1]).RootElement;
        var messages = root.GetProperty("messages");
        var user = messages[0].GetProperty("content").GetString()!;
        var ids = System.Text.RegularExpressions.Regex.Matches(user, "ORD-[0-9]+").Select(m => m.Value).ToList();
        ids.Should().HaveCount(2);
        ids[0].Should().MatchRegex("^ORD-[1-9][0-9]{3}$").And.NotBe("ORD-1234");
        ids[1].Should().MatchRegex("^ORD-[1-9][0-9]{4}$").And.NotBe("ORD-98765");
        var arguments = JsonDocument.Parse(messages[1].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString()!).RootElement;
        arguments.GetProperty("order_id").GetString().Should().Be(ids[0]);
        JsonDocument.Parse(messages[2].GetProperty("content").GetString()!).RootElement.GetProperty("order_id").GetString().Should().Be(ids[0]);
        var answer = JsonDocument.Parse(messages[3].GetProperty("content").GetString()!).RootElement;
        answer.GetProperty("order_id").GetString().Should().Be(ids[0]);
        answer.GetProperty("other").GetString().Should().Be(ids[1]);
        answer.GetProperty("status").GetString().Should().Be("shipped");
        var metadata = root.GetProperty("metadata");
        metadata.GetProperty("augmentation").GetString().Should().Be("entity_swap");
        metadata.GetProperty("augmentation_source_line").GetInt64().Should().Be(1);
        metadata.GetProperty("source").GetString().Should().Be("human");
        lines[1].Should().NotContain("1234").And.NotContain("98765");
    }

    [Fact]
    public async Task AugmentAsync_SameSeed_SameBytes_OtherSeedOtherIds()
    {
        var first = await AugmentAsync(new EntitySwapOptions { Seed = 1, Copies = 3 }, OrderRow);
        var second = await AugmentAsync(new EntitySwapOptions { Seed = 1, Copies = 3 }, OrderRow);
        var other = await AugmentAsync(new EntitySwapOptions { Seed = 2, Copies = 3 }, OrderRow);

        first.Should().Equal(second);
        first.Should().HaveCount(4);
        first.Skip(1).Distinct().Should().HaveCount(3, "each copy draws fresh ids");
        other.Skip(1).Should().NotEqual(first.Skip(1));
    }

    [Fact]
    public async Task AugmentAsync_LongerIdContainingTheEntity_IsNotRewritten()
    {
        const string row = """{"messages":[{"role":"user","content":"Is ORD-1234 the same as ORD-12345?"},{"role":"assistant","content":"ORD-12345 is another order."}]}""";

        var lines = await AugmentAsync(new EntitySwapOptions { Patterns = { }, IncludeOriginals = false }, row);

        var user = JsonDocument.Parse(lines[0]).RootElement.GetProperty("messages")[0].GetProperty("content").GetString()!;
        var answer = JsonDocument.Parse(lines[0]).RootElement.GetProperty("messages")[1].GetProperty("content").GetString()!;
        var ids = System.Text.RegularExpressions.Regex.Matches(user, "ORD-[0-9]+").Select(m => m.Value).ToList();
        answer.Should().Be($"{ids[1]} is another order.");
    }

    [Fact]
    public void Constructor_InvalidPattern_ThrowsNamingIt()
    {
        var options = new EntitySwapOptions();
        options.Patterns.Add("([unclosed");

        var act = () => new EntitySwapAugmenter(options);

        act.Should().Throw<ArgumentException>().WithMessage("*Patterns[1]*");
    }

    [Fact]
    public async Task AugmentAsync_LineLongerThanTheLimit_IsCountedAndLogged()
    {
        var longRow = OrderRow.Replace("Where is", "Where is " + new string('x', 2000), StringComparison.Ordinal);
        var logger = new FakeLogger<EntitySwapAugmenter>();
        using var output = new MemoryStream();

        var report = await new EntitySwapAugmenter(new EntitySwapOptions { Seed = 3 }, new DatasetValidationOptions { MaxLineBytes = 1024 }, logger)
            .AugmentAsync(new MemoryStream(Encoding.UTF8.GetBytes(OrderRow + "\n" + longRow + "\n" + PlainRow + "\n")), output);

        report.Rows.Should().Be(3);
        report.SkippedLines.Should().Be(1);
        report.RowsWritten.Should().Be(3, "the order row, its copy and the plain row; the long row is left out");
        logger.Collector.GetSnapshot().Should().ContainSingle(e => e.Id.Id == 1008).Which.Message.Should().Contain("The augmenter left 1 lines").And.Contain("(first at line 2)");
        logger.Collector.GetSnapshot().Should().ContainSingle(e => e.Id.Id == 1007).Which.Message.Should().StartWith("Augmented a dataset: 3 rows read, 1 augmented rows written, 3 rows in all");
        logger.Collector.GetSnapshot().Should().OnlyContain(e => !e.Message.Contains("ORD-", StringComparison.Ordinal), "row text never reaches a log");
    }
}
