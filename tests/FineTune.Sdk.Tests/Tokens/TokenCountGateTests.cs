using System.Text;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

public sealed class TokenCountGateTests
{
    [Fact]
    public async Task ValidateAsync_WithModel_ReportsNpmTiktokensCountOfTheFile()
    {
        var path = RepoPaths.Dataset("openai-cookbook/drone_training.jsonl");
        var expected = await TiktokenOracle.CountRowsAsync(await File.ReadAllBytesAsync(path));

        await using var stream = File.OpenRead(path);
        var report = await new DatasetValidator().ValidateAsync(stream, new DatasetValidationRequest { Model = "gpt-4o-mini" });

        report.Tokens.Should().NotBeNull();
        report.Tokens!.Examples.Should().Be(expected.Count);
        report.Tokens.Total.Should().Be(expected.Sum());
        report.Tokens.Billed.Should().Be(report.Tokens.Total);
        report.Tokens.MaxTokensPerExample.Should().Be(65_536);
        report.Tokens.LimitIsVerified.Should().BeTrue();
        report.Tokens.TokensPerExample.Max.Should().Be(expected.Max());
        report.Tokens.AssistantTokensPerExample.Min.Should().BeGreaterThan(0, "drone rows answer with function calls, which count as assistant output");
    }

    [Fact]
    public async Task ValidateAsync_RowOverTheLimit_IsAWarningWithLineAndCountAndIsTruncated()
    {
        var rows = new StringBuilder();
        for (var i = 0; i < 12; i++)
        {
            var content = i == 4 ? string.Concat(Enumerable.Repeat("hello ", 20_000)) : "question " + i;
            rows.Append("{\"messages\":[{\"role\":\"user\",\"content\":\"").Append(content).Append("\"},{\"role\":\"assistant\",\"content\":\"answer\"}]}\n");
        }

        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(rows.ToString()));
        var report = await new DatasetValidator().ValidateAsync(stream, new DatasetValidationRequest { Model = "gpt-3.5-turbo-0125" });

        var finding = report.Findings.Should().ContainSingle(f => f.Code == "FT1201").Subject;
        finding.Line.Should().Be(5);
        finding.Severity.Should().Be(FindingSeverity.Warning);
        finding.Message.Should().Contain("16385").And.Contain("20013");
        report.Tokens!.OverLimit.Should().Be(1);
        report.Tokens.Total.Should().Be(report.Tokens.Billed + (20_013 - 16_385));
        report.Tokens.Encoding.Should().Be("cl100k_base");
    }

    [Fact]
    public async Task ValidateAsync_NoModelAndNoCounting_HasNoTokens()
    {
        await using var stream = File.OpenRead(RepoPaths.Dataset("openai-cookbook/drone_training.jsonl"));
        var report = await new DatasetValidator().ValidateAsync(stream);
        report.Tokens.Should().BeNull();
    }

    [Fact]
    public async Task ValidateAsync_CountTokensWithoutModel_UsesO200kWithoutLimit()
    {
        await using var stream = File.OpenRead(RepoPaths.Dataset("openai-cookbook/drone_training.jsonl"));
        var report = await new DatasetValidator().ValidateAsync(stream, new DatasetValidationRequest { CountTokens = true });
        report.Tokens!.Encoding.Should().Be("o200k_base");
        report.Tokens.MaxTokensPerExample.Should().BeNull();
        var oracle = await TiktokenOracle.CountRowsAsync(await File.ReadAllBytesAsync(RepoPaths.Dataset("openai-cookbook/drone_training.jsonl")));
        report.Tokens.Total.Should().Be(oracle.Sum(), "npm tiktoken's o200k count of the same file under the billing formula");
    }

    [Fact]
    public async Task ValidateAsync_UnknownModel_Throws()
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes("{}\n"));
        var act = () => new DatasetValidator().ValidateAsync(stream, new DatasetValidationRequest { Model = "llama-3" });
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*llama-3*");
    }

    [Fact]
    public void TokenDistribution_OneToTwenty_MatchesNumpyQuantiles()
    {
        var distribution = TokenDistribution.From(Enumerable.Range(1, 20).Select(i => (long)i));
        distribution.Min.Should().Be(1);
        distribution.Max.Should().Be(20);
        distribution.Mean.Should().Be(10.5);
        distribution.Median.Should().BeApproximately(10.5, 1e-9);
        distribution.P5.Should().BeApproximately(1.95, 1e-9);
        distribution.P95.Should().BeApproximately(19.05, 1e-9);
    }

    [Fact]
    public void TokenDistribution_Empty_IsAllZero()
    {
        TokenDistribution.From([]).Should().BeEquivalentTo(new TokenDistribution());
    }
}
