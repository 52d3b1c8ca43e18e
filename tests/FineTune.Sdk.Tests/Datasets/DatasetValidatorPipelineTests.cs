using System.Globalization;
using System.Text;
using FineTune.Tests;
using static FineTune.Sdk.Tests.GateHarness;

namespace FineTune.Sdk.Tests;

public sealed class DatasetValidatorPipelineTests
{
    [Fact]
    public async Task ValidateAsync_PipelinedRun_MatchesSequentialRunFindingForFinding()
    {
        var random = new Random(7);
        var lines = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var n = random.Next(400);
            lines.Add((i % 7) switch
            {
                0 => Chat($"Where is order {n}? Write to me at user{n}@example.com", $"It ships on day {n % 9}."),
                1 => Chat($"Where is order {n}? Write to me at user{n}@example.com", "It is lost."),
                2 => "{\"messages\": [{\"role\": \"user\", \"content\": \"broken",
                3 => "{\"messages\": [{\"role\": \"user\", \"content\": 42}]}",
                _ => Chat(string.Join(' ', Enumerable.Range(0, 20).Select(w => "word" + ((w + n) % 30).ToString(CultureInfo.InvariantCulture))), $"Answer {n % 5}.", source: n % 3 == 0 ? "synthetic" : "human"),
            });
        }

        lines.Insert(1500, "\u0000");
        var bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        var request = new DatasetValidationRequest { FileName = "mixed.jsonl", Model = "gpt-4o-mini" };

        var sequential = await new DatasetValidator { Sequential = true }.ValidateAsync(new MemoryStream(bytes), request);
        var pipelined = await new DatasetValidator().ValidateAsync(new MemoryStream(bytes), request);

        sequential.Findings.Should().HaveCountGreaterThan(500);
        sequential.Summary.Keys.Should().Contain(["FT1100", "FT1110", "FT1160"]);
        pipelined.Findings.Select(f => f with { AdditionalProperties = null }).Should().Equal(sequential.Findings.Select(f => f with { AdditionalProperties = null }));
        pipelined.Findings.Should().BeEquivalentTo(sequential.Findings, o => o.WithStrictOrdering());
        pipelined.Summary.Should().Equal(sequential.Summary);
        pipelined.Rows.Should().Be(sequential.Rows);
        pipelined.Tokens.Should().BeEquivalentTo(sequential.Tokens);
    }

    [Fact]
    public async Task ValidateAsync_RealFilePipelined_MatchesSequentialRun()
    {
        var bytes = await File.ReadAllBytesAsync(RepoPaths.Dataset("openai-cookbook/drone_training.jsonl"));
        var request = new DatasetValidationRequest { Model = "gpt-4o-mini" };

        var sequential = await new DatasetValidator { Sequential = true }.ValidateAsync(new MemoryStream(bytes), request);
        var pipelined = await new DatasetValidator().ValidateAsync(new MemoryStream(bytes), request);

        pipelined.Findings.Should().BeEquivalentTo(sequential.Findings, o => o.WithStrictOrdering());
        pipelined.Tokens.Should().BeEquivalentTo(sequential.Tokens);
        pipelined.Tokens!.Total.Should().Be((await TiktokenOracle.CountRowsAsync(bytes)).Sum(), "npm tiktoken's count of the same file");
    }

    [Fact]
    public async Task ValidateAsync_NoGatesButTokens_CountsTheSameTokensAsWithEveryGate()
    {
        // With no quality gate the rows' texts are not decoded for the gates; the token gate reads the JSON itself.
        var bytes = await File.ReadAllBytesAsync(RepoPaths.Dataset("openai-cookbook/drone_training.jsonl"));
        var request = new DatasetValidationRequest { Model = "gpt-4o-mini" };
        var none = new DatasetValidationOptions();
        none.Duplicates.ExactEnabled = none.Duplicates.NearEnabled = false;
        none.Contradictions.Enabled = none.ClassBalance.Enabled = none.SystemPrompts.Enabled = false;
        none.OutputFormat.Enabled = none.Provenance.Enabled = none.Pii.Enabled = false;

        var all = await new DatasetValidator().ValidateAsync(new MemoryStream(bytes), request);
        var pipelined = await new DatasetValidator(none).ValidateAsync(new MemoryStream(bytes), request);
        var sequential = await new DatasetValidator(none) { Sequential = true }.ValidateAsync(new MemoryStream(bytes), request);

        pipelined.Tokens.Should().BeEquivalentTo(all.Tokens);
        sequential.Tokens.Should().BeEquivalentTo(all.Tokens);
        pipelined.Summary.Keys.Should().NotContain(code => code.StartsWith("FT11", StringComparison.Ordinal));
        all.Tokens!.Total.Should().Be((await TiktokenOracle.CountRowsAsync(bytes)).Sum(), "npm tiktoken's count of the same file");
    }
}
