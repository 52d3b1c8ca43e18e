using System.Text;
using FineTune.Tests;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

public sealed class GoldenSetReaderTests
{
    private static Task<GoldenSet> ReadAsync(string jsonl, GoldenSetReadOptions? options = null) =>
        GoldenSetReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonl)), "golden.jsonl", options);

    [Fact]
    public async Task ReadAsync_GoldenRows_StringAndMessagesInputsAndJsonExpected()
    {
        var set = await ReadAsync("""
            {"id":"a","input":"What is 2+2?","expected":"4","tags":["math"]}
            {"id":7,"input":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Extract"}]}],"expected":{"name":"Ann","age":3},"tags":"extraction"}

            {"id":"c","input":"No answer"}
            """);

        set.Cases.Should().HaveCount(3);
        set.Cases[0].Messages.Single().Text.Should().Be("What is 2+2?");
        set.Cases[0].Expected.Should().Be("4");
        set.Cases[0].ExpectedJson.Should().BeNull();
        set.Cases[0].Tags.Should().Equal("math");
        set.Cases[1].Id.Should().Be("7");
        set.Cases[1].Messages.Select(m => m.Role).Should().Equal(ChatRole.System, ChatRole.User);
        set.Cases[1].Messages[1].Text.Should().Be("Extract");
        set.Cases[1].ExpectedJson!.Value.GetProperty("age").GetInt32().Should().Be(3);
        set.Cases[1].Tags.Should().Equal("extraction");
        set.Cases[1].Line.Should().Be(2);
        set.Findings.Should().ContainSingle(f => f.Code == "FT3005" && f.Line == 4 && f.Severity == FindingSeverity.Warning);
        set.HasErrors.Should().BeFalse();
    }

    [Fact]
    public async Task ReadAsync_DuplicateMissingIdsAndBadRows_AreFindings()
    {
        var set = await ReadAsync("""
            {"id":"a","input":"x","expected":"1"}
            {"id":"a","input":"y","expected":"2"}
            {"input":"z","expected":"3"}
            not json
            {"id":"d","expected":"4"}
            {"id":"e","input":42,"expected":"5"}
            [1,2]
            """);

        set.Cases.Select(c => c.Id).Should().Equal("a");
        set.Findings.Select(f => (f.Code, f.Line)).Should().Equal(("FT3003", 2L), ("FT3002", 3L), ("FT3001", 4L), ("FT3004", 5L), ("FT3007", 6L), ("FT3001", 7L));
        set.Findings.Should().OnlyContain(f => f.Severity == FindingSeverity.Error && f.File == "golden.jsonl");
        set.HasErrors.Should().BeTrue();
        set.Findings.Should().OnlyContain(f => !f.Message.Contains('x') || f.Code == "FT3001", "messages never quote row contents");
    }

    [Fact]
    public async Task ReadAsync_HeldOutChatFile_ExpectedIsFinalAssistantMessage()
    {
        var set = await GoldenSetReader.ReadAsync(RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl"));
        set.Cases.Should().HaveCount(5);
        set.Cases[0].Id.Should().Be("line-1");
        set.Cases[0].Messages.Should().HaveCount(2);
        set.Cases[0].Messages[^1].Role.Should().Be(ChatRole.User);
        set.Cases[0].Expected.Should().Be("It's great that you're getting exercise outdoors!");
        set.Findings.Should().BeEmpty();
    }

    [Fact]
    public async Task ReadAsync_TrainingFile_FlagsLeakageByNormalizedPrompt()
    {
        var training = RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl");
        var golden = """
            {"id":"leak","input":[{"role":"system","content":"You are a happy assistant that puts a positive spin on everything."},{"role":"user","content":"  I FELL off my bike   today. "}],"expected":"x"}
            {"id":"clean","input":"Something never trained on","expected":"y"}
            """;

        var set = await ReadAsync(golden, new GoldenSetReadOptions { TrainingFile = training });

        set.Findings.Should().ContainSingle().Which.Should().Match<ValidationFinding>(f => f.Code == "FT3006" && f.Line == 1 && f.Message.Contains("'leak'"));
        set.Cases.Should().HaveCount(2, "leaked cases are reported, not dropped");
    }

    [Fact]
    public async Task ReadAsync_GoldenSetCopiedFromTrainingRowsWithoutTheirSystemMessage_IsFlaggedByTheUserPrompt()
    {
        var training = RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl");
        var golden = """
            {"id":"copied","input":"i fell off my bike today.","expected":"x"}
            {"id":"other-system","input":[{"role":"system","content":"You are terse."},{"role":"user","content":"I fell off my   BIKE today."}],"expected":"x"}
            {"id":"clean","input":"I fell off my horse today.","expected":"y"}
            """;

        var set = await ReadAsync(golden, new GoldenSetReadOptions { TrainingFile = training });

        set.Findings.Select(f => (f.Code, f.Line)).Should().Equal(("FT3006", 1L), ("FT3006", 2L));
        set.Findings[0].Message.Should().Be("Case 'copied' also appears in the training file (same normalized user prompt, whatever the system message): its score would be inflated.");
    }

    [Fact]
    public async Task ReadAsync_LineOverTheLimit_IsAFindingAndTheRestIsRead()
    {
        var huge = "{\"id\":\"big\",\"input\":\"" + new string('x', 5000) + "\",\"expected\":\"y\"}";
        var jsonl = "\uFEFF{\"id\":\"a\",\"input\":\"q\",\"expected\":\"y\"}\r\n" + huge + "\n{\"id\":\"b\",\"input\":\"q2\",\"expected\":{\"k\":[1,2]}}";

        var set = await ReadAsync(jsonl, new GoldenSetReadOptions { MaxLineBytes = 1024 });

        set.Cases.Select(c => c.Id).Should().Equal("a", "b");
        set.Cases[1].ExpectedJson!.Value.GetProperty("k")[1].GetInt32().Should().Be(2, "kept JSON outlives the reader's reused buffer");
        var finding = set.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be("FT3008");
        finding.Line.Should().Be(2);
        finding.Message.Should().Be($"The line is {huge.Length} bytes, over the 1024-byte limit (GoldenSetReadOptions.MaxLineBytes); it is left out.");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x7B, 0x7D })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D })]
    [InlineData(new byte[] { 0x7B, 0x00, 0x7D })]
    public async Task ReadAsync_NotUtf8Json_IsFT3001(byte[] bytes)
    {
        var set = await GoldenSetReader.ReadAsync(new MemoryStream(bytes), "golden.jsonl");

        set.Cases.Should().BeEmpty();
        set.Findings.Should().ContainSingle().Which.Code.Should().Be("FT3001");
    }

    [Fact]
    public async Task ReadAsync_MaxLineBytesBelow1024_Throws()
    {
        var act = () => ReadAsync("{}", new GoldenSetReadOptions { MaxLineBytes = 10 });

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("GoldenSetReadOptions.MaxLineBytes must be at least 1024; it was 10.*");
    }
}
