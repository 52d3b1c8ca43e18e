using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

public sealed class GoldenSetEvaluationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-gse-" + Guid.NewGuid().ToString("N"));

    public GoldenSetEvaluationTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllLines(GoldenPath, Enumerable.Range(1, 4).Select(i => $"{{\"id\":\"c{i}\",\"input\":\"q{i}\",\"expected\":\"a{i}\",\"tags\":[\"t\"]}}"));
    }

    private string GoldenPath => Path.Combine(_dir, "golden.jsonl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task RunAsync_NotKeepingResults_SummarisesPerVariantAndScorer()
    {
        var good = FakeChatClient.Answering(q => "a" + q[1..]);
        var bad = FakeChatClient.Answering(_ => "nope");
        var options = new EvalRunOptions();
        options.Scorers.Add(EvalScorers.ExactMatch());
        var request = new GoldenSetRunRequest(GoldenPath, [new ModelVariant("good", "m1", good), new ModelVariant("bad", "m2", bad)], options);

        var run = await GoldenSetEvaluation.RunAsync(request);

        run.Results.Should().BeEmpty();
        run.Summary.Count.Should().Be(8);
        run.Summary.Variants.Select(v => (v.Label, v.Cases, v.Errors, v.Scorers.Single().PassRate)).Should().BeEquivalentTo([("good", 4, 0, 1.0), ("bad", 4, 0, 0.0)]);
    }

    [Fact]
    public async Task CompareAsync_BaseAndCandidate_WritesReportsAndDecides()
    {
        var options = new EvalRunOptions { RunFile = Path.Combine(_dir, "run.jsonl") };
        options.Scorers.Add(EvalScorers.ExactMatch());
        var request = new GoldenSetRunRequest(GoldenPath, [new ModelVariant("base", "m1", FakeChatClient.Answering(_ => "x")), new ModelVariant("candidate", "m2", FakeChatClient.Answering(q => "a" + q[1..]))], options);

        var (run, report) = await GoldenSetEvaluation.CompareAsync(request, new ComparisonOptions(), Path.Combine(_dir, "out"));

        run.Results.Should().HaveCount(8);
        report!.PairedCases.Should().Be(4);
        File.Exists(Path.Combine(_dir, "out", "compare.json")).Should().BeTrue();
    }

    [Fact]
    public async Task RunAsync_MissingGoldenSet_ThrowsFileNotFoundNamingIt()
    {
        var act = () => GoldenSetEvaluation.RunAsync(new GoldenSetRunRequest(Path.Combine(_dir, "missing.jsonl"), [new ModelVariant("a", "m", new FakeChatClient())], new EvalRunOptions()));

        await act.Should().ThrowAsync<FileNotFoundException>().WithMessage("*missing.jsonl*");
    }

    [Fact]
    public void CreateVariant_GivenPriceWins_FineTunedModelFallsBackToCatalog_OthersUnpriced()
    {
        var given = GoldenSetEvaluation.CreateVariant("a", "gpt-4o-mini", null, new Dictionary<string, ModelPrice> { ["gpt-4o-mini"] = new() { InputPerMillionTokens = 1, OutputPerMillionTokens = 2 } });
        var fineTuned = GoldenSetEvaluation.CreateVariant("b", "ft:gpt-4o-mini-2024-07-18:acme::abc", null);
        var plain = GoldenSetEvaluation.CreateVariant("c", "some-model", null);

        (given.InputPricePerMillionTokens, given.OutputPricePerMillionTokens).Should().Be((1m, 2m));
        fineTuned.InputPricePerMillionTokens.Should().BeGreaterThan(0);
        plain.InputPricePerMillionTokens.Should().BeNull();
    }

    [Fact]
    public void ExactMatchOptions_Parse_KnownNamesAndCommaLists_UnknownNameListsTheKnownOnes()
    {
        var options = ExactMatchOptions.Parse(["ignore-case,collapse-whitespace", "no-trim"]);
        (options.IgnoreCase, options.CollapseWhitespace, options.IgnorePunctuation, options.Trim).Should().Be((true, true, false, false));

        var act = () => ExactMatchOptions.Parse(["shout"]);
        act.Should().Throw<ArgumentException>().WithMessage("*one of ignore-case, collapse-whitespace, ignore-punctuation, no-trim; it was 'shout'*");
    }

    [Fact]
    public void EvalScorers_FromNames_DefaultsToExactAndNeedsAJudgeFactoryForJudge()
    {
        EvalScorers.FromNames(null).Select(s => s.Name).Should().Equal("exact");
        EvalScorers.FromNames(["exact,json-valid", "refusal"]).Select(s => s.Name).Should().Equal("exact", "json-valid", "refusal");
        EvalScorers.FromNames(["judge"], judge: () => EvalScorers.LlmJudge(new FakeChatClient())).Single().Name.Should().Be("judge");
        var act = () => EvalScorers.FromNames(["judge"]);
        act.Should().Throw<ArgumentException>().WithMessage("*judge*");
    }
}
