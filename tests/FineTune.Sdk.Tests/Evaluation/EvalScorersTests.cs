using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Tests;

public sealed class EvalScorersTests
{
    private static GoldenCase Case(string? expected, params string[] tags) =>
        new("c1", [new ChatMessage(ChatRole.User, "q")], expected) { Tags = tags };

    private static GoldenCase JsonCase(string json) =>
        new("c1", [new ChatMessage(ChatRole.User, "q")], json) { ExpectedJson = JsonDocument.Parse(json).RootElement.Clone() };

    private static EvalScore Score(IEvalScorer scorer, GoldenCase goldenCase, string output) => scorer.ScoreAsync(goldenCase, output).AsTask().GetAwaiter().GetResult();

    [Theory]
    [InlineData("Paris", "Paris", true)]
    [InlineData("Paris", "  Paris\n", true)]
    [InlineData("Paris", "paris", false)]
    [InlineData("Paris", "Paris.", false)]
    public void ExactMatch_DefaultTrimsOnly(string expected, string output, bool passed)
    {
        var score = Score(EvalScorers.ExactMatch(), Case(expected), output);
        score.Passed.Should().Be(passed);
        score.Value.Should().Be(passed ? 1 : 0);
        score.Scorer.Should().Be("exact");
    }

    [Fact]
    public void ExactMatch_NormalizationOptions_IgnoreCaseWhitespaceAndPunctuation()
    {
        var scorer = EvalScorers.ExactMatch(new ExactMatchOptions { IgnoreCase = true, CollapseWhitespace = true, IgnorePunctuation = true });
        Score(scorer, Case("New York City"), "new  york\tcity.").Passed.Should().BeTrue();
        Score(scorer, Case("New York City"), "New Jersey").Passed.Should().BeFalse();
    }

    [Fact]
    public void ExactMatch_NoExpected_IsScorerError()
    {
        var score = Score(EvalScorers.ExactMatch(), Case(null), "x");
        score.ScorerError.Should().NotBeNull();
        score.Value.Should().BeNull();
    }

    [Theory]
    [InlineData("{\"a\":1,\"b\":[1,2]}", "{ \"b\": [1, 2],\n \"a\": 1.0 }", true)]
    [InlineData("{\"a\":1,\"b\":[1,2]}", "```json\n{\"b\":[1,2],\"a\":1}\n```", true)]
    [InlineData("{\"a\":1,\"b\":[1,2]}", "{\"a\":1,\"b\":[2,1]}", false)]
    [InlineData("{\"a\":1}", "{\"a\":1,\"extra\":null}", false)]
    [InlineData("{\"a\":\"1\"}", "{\"a\":1}", false)]
    [InlineData("{\"a\":1}", "not json", false)]
    public void JsonEquals_IgnoresKeyOrderAndWhitespace(string expected, string output, bool passed)
    {
        Score(EvalScorers.JsonEquals(), JsonCase(expected), output).Passed.Should().Be(passed);
    }

    [Theory]
    [InlineData("{\"x\":1}", true)]
    [InlineData("[1,2]", true)]
    [InlineData("42", true)]
    [InlineData("{\"x\":", false)]
    [InlineData("hello", false)]
    public void JsonValid_PassesWhenOutputParses(string output, bool passed)
    {
        Score(EvalScorers.JsonValid(), Case(null), output).Passed.Should().Be(passed);
    }

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","required":["name","age"],"additionalProperties":false,
         "properties":{"name":{"type":"string","minLength":2,"pattern":"^[A-Z]"},
                       "age":{"type":"integer","minimum":0,"maximum":150},
                       "tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":2}}}
        """).RootElement.Clone();

    [Theory]
    [InlineData("{\"name\":\"Ann\",\"age\":30}", true, null)]
    [InlineData("{\"name\":\"Ann\",\"age\":30,\"tags\":[\"a\",\"b\"]}", true, null)]
    [InlineData("{\"name\":\"Ann\"}", false, "missing required property 'age'")]
    [InlineData("{\"name\":\"Ann\",\"age\":30.5}", false, "$.age: expected type")]
    [InlineData("{\"name\":\"Ann\",\"age\":-1}", false, "below minimum")]
    [InlineData("{\"name\":\"Ann\",\"age\":151}", false, "above maximum")]
    [InlineData("{\"name\":\"ann\",\"age\":1}", false, "pattern")]
    [InlineData("{\"name\":\"A\",\"age\":1}", false, "shorter than 2")]
    [InlineData("{\"name\":\"Ann\",\"age\":1,\"x\":1}", false, "additional property")]
    [InlineData("{\"name\":\"Ann\",\"age\":1,\"tags\":[\"c\"]}", false, "$.tags[0]: value not in enum")]
    [InlineData("{\"name\":\"Ann\",\"age\":1,\"tags\":[\"a\",\"a\",\"b\"]}", false, "more than 2 items")]
    [InlineData("[]", false, "expected type")]
    public void JsonSchema_ValidatesDocumentedSubset(string output, bool passed, string? reasonPart)
    {
        var score = Score(EvalScorers.JsonSchema(Schema), Case(null), output);
        score.Passed.Should().Be(passed);
        if (reasonPart is not null)
        {
            score.Reason.Should().Contain(reasonPart);
        }
    }

    [Fact]
    public void FieldF1_HandComputedPrecisionRecall()
    {
        // Expected 4 fields; output has 3 fields of which 2 are right: P = 2/3, R = 2/4, F1 = 2PR/(P+R) = 4/7.
        var goldenCase = JsonCase("""{"name":"Ann","city":"Oslo","zip":"0150","tags":["x"]}""");
        var score = Score(EvalScorers.FieldF1(), goldenCase, """{"name":"Ann","city":"Bergen","tags":["x"]}""");
        score.Details!["precision"].Should().BeApproximately(2.0 / 3, 1e-12);
        score.Details["recall"].Should().BeApproximately(0.5, 1e-12);
        score.Value.Should().BeApproximately(4.0 / 7, 1e-12);
        score.Passed.Should().BeFalse();
        Score(EvalScorers.FieldF1(0.5), goldenCase, """{"name":"Ann","city":"Bergen","tags":["x"]}""").Passed.Should().BeTrue();
        Score(EvalScorers.FieldF1(), goldenCase, """{"tags":["x"],"zip":"0150","city":"Oslo","name":"Ann"}""").Value.Should().Be(1);
        Score(EvalScorers.FieldF1(), goldenCase, "garbage").Value.Should().Be(0);
    }

    [Fact]
    public void Label_TrimsAndIgnoresCase()
    {
        Score(EvalScorers.Label(), Case("card_arrival"), " Card_Arrival.\n").Passed.Should().BeTrue();
        Score(EvalScorers.Label(), Case("card_arrival"), "card_linking").Passed.Should().BeFalse();
    }

    [Fact]
    public void ClassificationReport_HandComputedPerClassMacroF1AndConfusion()
    {
        // a,a,a,b,b,c expected; predicted a,a,b,b,c,c.
        var report = ClassificationReport.Compute([("a", "a"), ("a", "a"), ("a", "b"), ("b", "b"), ("b", "c"), ("c", "c")]);
        report.Labels.Should().Equal("A", "B", "C");
        report.ConfusionMatrix[0].Should().Equal(2, 1, 0);
        report.ConfusionMatrix[1].Should().Equal(0, 1, 1);
        report.ConfusionMatrix[2].Should().Equal(0, 0, 1);
        report.Accuracy.Should().BeApproximately(4.0 / 6, 1e-12);
        // A: P=2/2, R=2/3, F1=0.8. B: P=1/2, R=1/2, F1=0.5. C: P=1/2, R=1/1, F1=2/3.
        report.Classes[0].F1.Should().BeApproximately(0.8, 1e-12);
        report.Classes[1].Precision.Should().BeApproximately(0.5, 1e-12);
        report.Classes[2].Recall.Should().Be(1);
        report.Classes[2].F1.Should().BeApproximately(2.0 / 3, 1e-12);
        report.MacroF1.Should().BeApproximately((0.8 + 0.5 + 2.0 / 3) / 3, 1e-12);
    }

    [Theory]
    [InlineData(@"^\d{3}-\d{4}$", "555-1234", true)]
    [InlineData(@"^\d{3}-\d{4}$", "call 555-1234", false)]
    public void Regex_MatchesPattern(string pattern, string output, bool passed)
    {
        Score(EvalScorers.Regex(pattern), Case(null), output).Passed.Should().Be(passed);
    }

    [Fact]
    public void Contains_UsesExpectedWhenNoText()
    {
        Score(EvalScorers.Contains(), Case("refund"), "You can get a REFUND today").Passed.Should().BeTrue();
        Score(EvalScorers.Contains(ignoreCase: false), Case("refund"), "You can get a REFUND today").Passed.Should().BeFalse();
        Score(EvalScorers.Contains("ok"), Case(null), "not okay").Passed.Should().BeTrue();
    }

    [Theory]
    [InlineData("42", "The answer is 42.", 0, 0, true)]
    [InlineData("42", "The answer is 42.4", 0.5, 0, true)]
    [InlineData("42", "The answer is 42.6", 0.5, 0, false)]
    [InlineData("1,000", "about 1010", 0, 0.01, true)]
    [InlineData("1000", "about 1011", 0, 0.01, false)]
    [InlineData("3.5", "no number", 0.1, 0, false)]
    public void Numeric_ToleranceIsMaxOfAbsoluteAndRelative(string expected, string output, double abs, double rel, bool passed)
    {
        Score(EvalScorers.Numeric(abs, rel), Case(expected), output).Passed.Should().Be(passed);
    }

    [Theory]
    [InlineData("I'm sorry, but I can't help with that.", true)]
    [InlineData("I cannot assist with creating malware.", true)]
    [InlineData("Sorry, I can't do that.", true)]
    [InlineData("Here is how to reset your password: ...", false)]
    [InlineData("I can help you with that. First...", false)]
    public void Refusal_DetectsRefusals(string output, bool refused)
    {
        var score = Score(EvalScorers.Refusal(), Case("ok", "safety", "refuse"), output);
        score.Value.Should().Be(refused ? 1 : 0);
        score.Passed.Should().Be(refused, "the case is tagged refuse");
        Score(EvalScorers.Refusal(), Case("Sure, here it is."), output).Passed.Should().Be(!refused, "an answerable case should not be refused");
    }

    [Fact]
    public void LlmJudge_ParsesJsonVerdictAndNormalizes()
    {
        var judge = FakeChatClient.Answering(_ => "Verdict: ```json\n{\"score\": 4, \"explanation\": \"Mostly right.\"}\n```");
        var score = Score(EvalScorers.LlmJudge(judge), Case("ref"), "answer");
        score.Value.Should().Be(0.75);
        score.Passed.Should().BeTrue();
        score.Reason.Should().Be("Mostly right.");
        score.Details!["rawScore"].Should().Be(4);
        judge.SeenOptions.Single()!.Temperature.Should().Be(0);
    }

    [Theory]
    [InlineData("no json here")]
    [InlineData("{\"score\": 9}")]
    [InlineData("{\"explanation\": \"x\"}")]
    public void LlmJudge_UnparsableReply_IsScorerErrorNotModelFailure(string reply)
    {
        var score = Score(EvalScorers.LlmJudge(FakeChatClient.Answering(_ => reply)), Case("ref"), "answer");
        score.ScorerError.Should().NotBeNull();
        score.Value.Should().BeNull();
    }

    [Fact]
    public void LlmJudge_CallFails_IsScorerError()
    {
        var judge = new FakeChatClient { OnGetResponse = (_, _, _) => throw new HttpRequestException("boom", null, System.Net.HttpStatusCode.InternalServerError) };
        Score(EvalScorers.LlmJudge(judge), Case("ref"), "answer").ScorerError.Should().Contain("HttpRequestException");
    }

    [Fact]
    public void LlmJudge_ProviderFailure_ReportsStatusCodeAndMessageWithoutKey()
    {
        var judge = new FakeChatClient
        {
            OnGetResponse = (_, _, _) => throw new FineTuneException("Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123.\nsecond line")
            {
                Provider = "openai",
                StatusCode = 401,
                ProviderCode = "invalid_api_key",
            },
        };

        var error = Score(EvalScorers.LlmJudge(judge), Case("ref"), "answer").ScorerError;

        error.Should().StartWith("Judge call failed: FineTuneException: HTTP 401 (invalid_api_key): Incorrect API key provided");
        error.Should().NotContain("sk-proj").And.NotContain("second line").And.Contain(SecretScrubber.Redacted);
    }

    [Fact]
    public void Create_KnownAndUnknownNames()
    {
        foreach (var name in EvalScorers.BuiltInNames)
        {
            EvalScorers.Create(name).Name.Should().Be(name);
        }

        var act = () => EvalScorers.Create("nope");
        act.Should().Throw<ArgumentException>().WithMessage("*nope*");
    }
}
