using System.Text;

namespace FineTune.Sdk.Tests;

/// <summary>Hostile inputs: each gives coded findings and no exception escapes.</summary>
public sealed class DatasetValidatorHostileInputTests
{
    private static readonly string Valid = DatasetRowRulesTests.Valid;

    private static IEnumerable<ValidationFinding> RowFindings(DatasetValidationReport report) => DatasetRowRulesTests.RowFindings(report);

    [Fact]
    public async Task ValidateAsync_EmptyFile_ReportsNoRows()
    {
        var report = await ValidateBytesAsync([]);

        report.Rows.Should().Be(0);
        report.Findings.Should().ContainSingle().Which.Code.Should().Be("FT1008");
        report.IsValid.Should().BeFalse();
    }

    [Fact]
    public async Task ValidateAsync_OnlyBlankLines_ReportsNoRows()
    {
        var report = await ValidateBytesAsync(Encoding.UTF8.GetBytes("\n\n   \r\n\t\n\n"));

        report.Rows.Should().Be(0);
        report.Findings.Select(f => f.Code).Should().Equal("FT1008");
    }

    [Fact]
    public async Task ValidateAsync_FiftyMegabyteSingleLine_SkipsItWithoutBufferingAndKeepsGoing()
    {
        var head = Encoding.UTF8.GetBytes(Valid + "\n{\"messages\":[{\"role\":\"user\",\"content\":\"");
        var tail = Encoding.UTF8.GetBytes("\"}]}\n" + Valid + "\n");
        await using var stream = new GeneratedStream(head, (byte)'x', 50L * 1024 * 1024, tail);

        var report = await new DatasetValidator(TestOptions.RulesOnly()).ValidateAsync(stream);

        report.Rows.Should().Be(3);
        var finding = report.Findings.Should().ContainSingle(f => f.Code == "FT1002").Subject;
        finding.Line.Should().Be(2);
        finding.Message.Should().Contain("16777216");
        RowFindings(report).Should().ContainSingle();
    }

    [Fact]
    public async Task ValidateAsync_NulBytes_ReportsTheLine()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid + "\n{\"messages\":[\0]}\n" + Valid + "\n");

        var report = await ValidateBytesAsync(bytes);

        RowFindings(report).Should().ContainSingle().Which.Should().Match<ValidationFinding>(f => f.Code == "FT1004" && f.Line == 2);
    }

    [Fact]
    public async Task ValidateAsync_Utf16File_ReportsNulBytesNotACrash()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Valid + "\n" + Valid + "\n")).ToArray();

        var report = await ValidateBytesAsync(bytes);

        report.Findings.Select(f => f.Code).Should().Contain("FT1004");
        report.IsValid.Should().BeFalse();
    }

    [Fact]
    public async Task ValidateAsync_InvalidUtf8_ReportsTheLine()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid + "\n").Concat(new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)'\n' }).ToArray();

        var report = await ValidateBytesAsync(bytes);

        RowFindings(report).Should().ContainSingle().Which.Should().Match<ValidationFinding>(f => f.Code == "FT1003" && f.Line == 2);
    }

    [Fact]
    public async Task ValidateAsync_TenThousandDeepNesting_ReportsTooDeep()
    {
        var deep = "{\"messages\":" + new string('[', 10_000) + new string(']', 10_000) + "}";

        var report = await DatasetRowRulesTests.ValidateLinesAsync(Valid, deep);

        RowFindings(report).Should().ContainSingle().Which.Should().Match<ValidationFinding>(f => f.Code == "FT1006" && f.Line == 2);
    }

    [Fact]
    public async Task ValidateAsync_ByteOrderMarkMidFile_ReportsTheLineAndStillChecksIt()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid + "\n").Concat(new byte[] { 0xEF, 0xBB, 0xBF }).Concat(Encoding.UTF8.GetBytes("{\"messages\":[]}\n")).ToArray();

        var report = await ValidateBytesAsync(bytes);

        RowFindings(report).Select(f => (f.Code, f.Line)).Should().Equal(("FT1005", 2L), ("FT1021", 2L));
    }

    [Fact]
    public async Task ValidateAsync_LeadingByteOrderMark_IsAccepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Valid + "\r\n" + Valid + "\r\n")).ToArray();

        var report = await ValidateBytesAsync(bytes);

        RowFindings(report).Should().BeEmpty();
        report.Format.Should().Be(DatasetFormat.Chat);
    }

    [Fact]
    public async Task ValidateAsync_TruncatedLastLine_ReportsTruncation()
    {
        var report = await ValidateBytesAsync(Encoding.UTF8.GetBytes(Valid + "\n" + Valid + "\n" + Valid[..40]));

        RowFindings(report).Should().ContainSingle().Which.Should().Match<ValidationFinding>(f => f.Code == "FT1007" && f.Line == 3);
    }

    [Fact]
    public async Task ValidateAsync_CompleteLastLineWithoutNewline_IsFine()
    {
        var report = await ValidateBytesAsync(Encoding.UTF8.GetBytes(Valid + "\n" + Valid));

        report.Rows.Should().Be(2);
        RowFindings(report).Should().BeEmpty();
    }

    [Fact]
    public async Task ValidateAsync_NumbersWhereStringsBelong_ReportsEachWithItsPath()
    {
        var row = """{"messages":[{"role":1,"content":2},{"role":"user","content":"u","name":3},{"role":"assistant","content":4}]}""";

        var report = await DatasetRowRulesTests.ValidateLinesAsync(Valid, row);

        RowFindings(report).Where(f => f.Line == 2).Select(f => (f.Code, f.Path)).Should().BeEquivalentTo(new[]
        {
            ("FT1025", "$.messages[0].role"),
            ("FT1026", "$.messages[0].content"),
            ("FT1034", "$.messages[1].name"),
            ("FT1026", "$.messages[2].content"),
            ("FT1033", "$.messages"),
        });
    }

    [Fact]
    public async Task ValidateAsync_RandomBinary_ReportsFindingsWithoutThrowing()
    {
        var random = new Random(1234);
        var bytes = new byte[1024 * 1024];
        random.NextBytes(bytes);

        var report = await ValidateBytesAsync(bytes);

        report.IsValid.Should().BeFalse();
        report.Findings.Should().OnlyContain(f => f.Code.StartsWith("FT1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateAsync_ManyBadRows_CapsFindingsButCountsAll()
    {
        var lines = Enumerable.Repeat("{\"messages\":[]}", 500).ToArray();

        var report = await DatasetRowRulesTests.ValidateLinesAsync(lines, null, new DatasetValidationOptions { MaxFindingsPerCode = 7 });

        report.Summary["FT1021"].Should().Be(500);
        report.Findings.Count(f => f.Code == "FT1021").Should().Be(7);
        report.ErrorCount.Should().Be(500);
    }

    [Fact]
    public async Task ValidateAsync_CancelledToken_ThrowsOperationCanceled()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Valid + "\n"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var act = () => new DatasetValidator().ValidateAsync(stream, cancellationToken: cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    private static async Task<DatasetValidationReport> ValidateBytesAsync(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return await new DatasetValidator(TestOptions.RulesOnly()).ValidateAsync(stream);
    }
}
