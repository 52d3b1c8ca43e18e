using Microsoft.Extensions.Logging.Testing;
using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Tests;

public sealed class DatasetRedactorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ft-redact-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Row(string user, string assistant) =>
        JsonSerializer.Serialize(new { messages = new object[] { new { role = "user", content = user }, new { role = "assistant", content = assistant } } });

    [Fact]
    public async Task RedactAsync_SameValueAcrossRows_GetsTheSamePlaceholder()
    {
        var input = string.Join('\n',
            Row("I am jane@example.com, call 555-123-4567", "Noted, jane@example.com."),
            Row("No personal data here.", "Fine."),
            Row("Also bob@example.org and JANE@example.com; phone (555) 123 4567", "ok"),
            """{"messages":[{"role":"user","content":"look up"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"find","arguments":"{\"email\":\"bob@example.org\"}"}}]}]}""") + "\n";
        using var output = new MemoryStream();

        var report = await new DatasetRedactor().RedactAsync(new MemoryStream(Encoding.UTF8.GetBytes(input)), output);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(4);
        lines[0].Should().Be("""{"messages":[{"role":"user","content":"I am <EMAIL_1>, call <PHONE_1>"},{"role":"assistant","content":"Noted, <EMAIL_1>."}]}""");
        lines[1].Should().Be(Row("No personal data here.", "Fine."), "rows without findings are copied byte for byte");
        lines[2].Should().Contain("Also <EMAIL_2> and <EMAIL_1>; phone <PHONE_1>");
        var arguments = JsonDocument.Parse(lines[3]).RootElement.GetProperty("messages")[1].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("arguments").GetString();
        JsonDocument.Parse(arguments!).RootElement.GetProperty("email").GetString().Should().Be("<EMAIL_2>");
        report.Rows.Should().Be(4);
        report.RedactedRows.Should().Be(3);
        report.Replacements.Should().Equal(new Dictionary<string, long> { ["EMAIL"] = 5, ["PHONE"] = 2 });
        report.DistinctValues.Should().Equal(new Dictionary<string, long> { ["EMAIL"] = 2, ["PHONE"] = 1 });
        string.Join('\n', lines).Should().NotContain("@example").And.NotContain("4567");
    }

    [Fact]
    public async Task RedactFileAsync_OutputIsTheInput_RefusesAndLeavesItUnchanged()
    {
        var path = Path.Combine(_dir, "data.jsonl");
        var original = Row("mail me: a@b.io", "ok") + "\n";
        await File.WriteAllTextAsync(path, original);
        var redactor = new DatasetRedactor();

        await redactor.Invoking(r => r.RedactFileAsync(path, path, overwrite: true)).Should().ThrowAsync<IOException>();
        await redactor.Invoking(r => r.RedactFileAsync(path, Path.Combine(_dir, ".", "data.jsonl"), overwrite: true)).Should().ThrowAsync<IOException>();

        (await File.ReadAllTextAsync(path)).Should().Be(original);
    }

    [Fact]
    public async Task RedactFileAsync_OutputIsASymlinkToTheInput_Refuses()
    {
        var path = Path.Combine(_dir, "data.jsonl");
        var original = Row("mail me: a@b.io", "ok") + "\n";
        await File.WriteAllTextAsync(path, original);
        var link = Path.Combine(_dir, "link.jsonl");
        File.CreateSymbolicLink(link, path);
        var linkedDir = Path.Combine(_dir, "linked-dir");
        Directory.CreateSymbolicLink(linkedDir, _dir);

        var redactor = new DatasetRedactor();
        await redactor.Invoking(r => r.RedactFileAsync(path, link, overwrite: true)).Should().ThrowAsync<IOException>();
        await redactor.Invoking(r => r.RedactFileAsync(path, Path.Combine(linkedDir, "data.jsonl"), overwrite: true)).Should().ThrowAsync<IOException>();

        (await File.ReadAllTextAsync(path)).Should().Be(original);
    }

    [Fact]
    public async Task RedactFileAsync_ExistingOutputWithoutOverwrite_Refuses()
    {
        var path = Path.Combine(_dir, "data.jsonl");
        var target = Path.Combine(_dir, "out.jsonl");
        await File.WriteAllTextAsync(path, Row("a@b.io", "ok") + "\n");
        await File.WriteAllTextAsync(target, "keep");

        await new DatasetRedactor().Invoking(r => r.RedactFileAsync(path, target)).Should().ThrowAsync<IOException>();
        (await File.ReadAllTextAsync(target)).Should().Be("keep");

        var report = await new DatasetRedactor().RedactFileAsync(path, target, overwrite: true);
        report.Replacements["EMAIL"].Should().Be(1);
        (await File.ReadAllTextAsync(target)).Should().Contain("<EMAIL_1>");
    }

    [Fact]
    public async Task RedactAsync_MalformedLine_IsRedactedAsText()
    {
        using var output = new MemoryStream();

        await new DatasetRedactor().RedactAsync(new MemoryStream("{\"broken\": \"x@y.com\n"u8.ToArray()), output);

        Encoding.UTF8.GetString(output.ToArray()).Should().Be("{\"broken\": \"<EMAIL_1>\n");
    }

    [Fact]
    public async Task RedactAsync_LineLongerThanTheLimit_IsLeftOutAndCounted()
    {
        var options = new DatasetValidationOptions { MaxLineBytes = 1024 };
        var input = Row("a@b.io", "ok") + "\n" + Row(new string('x', 2000) + " c@d.io", "ok") + "\n" + Row("e@f.io", "ok") + "\n";
        using var output = new MemoryStream();

        var logger = new FakeLogger<DatasetRedactor>();

        var report = await new DatasetRedactor(options, logger).RedactAsync(new MemoryStream(Encoding.UTF8.GetBytes(input)), output);

        report.SkippedLines.Should().Be(1);
        logger.Collector.GetSnapshot().Should().ContainSingle(e => e.Id.Id == 1008).Which.Message.Should().Be("The redactor left 1 lines longer than 1024 bytes out of its output (first at line 2); raise MaxLineBytes to keep them.");
        logger.Collector.GetSnapshot().Should().ContainSingle(e => e.Id.Id == 1006).Which.Message.Should().StartWith("Redacted a dataset: 3 rows, 2 changed, 2 values replaced in ");
        logger.Collector.GetSnapshot().Should().OnlyContain(e => !e.Message.Contains('@') && !e.Message.Contains("xxx"), "values and rows never reach a log");
        var text = Encoding.UTF8.GetString(output.ToArray());
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(2);
        text.Should().NotContain("xxxx").And.Contain("<EMAIL_1>").And.Contain("<EMAIL_2>");
    }
}
