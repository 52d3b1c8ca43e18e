using FineTune.Sdk;

namespace FineTune.Sdk.Registry.Tests.Advice;

/// <summary>Every branch of the adaptation advisor, with its deciding reason.</summary>
public sealed class AdaptationAdvisorTests
{
    // A use case that fine-tunes: stable behaviour, enough reviewed data, a lift that pays. Each test breaks one signal.
    private static readonly AdaptationSignals FineTunable = new()
    {
        BehaviourStable12Months = true,
        ReviewedExamples = 800,
        MeasuredLiftPoints = 9.5,
        FactsChange = FactChangeFrequency.Never,
    };

    [Fact]
    public void Advise_MustCiteLiveDocuments_RecommendsRag()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { MustCiteLiveDocuments = true, FactsChange = FactChangeFrequency.Daily, PromptPassesEval = true });

        decision.Recommendation.Should().Be(AdaptationRecommendation.Rag);
        decision.Reasons[0].Should().StartWith("Answers must cite live documents");
        decision.Reasons.Should().Contain("The facts also change daily: re-index the documents at that pace.");
    }

    [Theory]
    [InlineData(FactChangeFrequency.Monthly, "monthly")]
    [InlineData(FactChangeFrequency.Weekly, "weekly")]
    [InlineData(FactChangeFrequency.Daily, "daily")]
    public void Advise_FactsChangeMonthlyOrFaster_RecommendsRoutingAndTools(FactChangeFrequency frequency, string words)
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { FactsChange = frequency, PromptPassesEval = true });

        decision.Recommendation.Should().Be(AdaptationRecommendation.RoutingAndTools);
        decision.Reasons[0].Should().StartWith($"The facts change {words}: fetch them through tools");
    }

    [Fact]
    public void Advise_FactsChangeQuarterly_DoesNotForceTools()
    {
        AdaptationAdvisor.Advise(FineTunable with { FactsChange = FactChangeFrequency.Quarterly }).Recommendation.Should().Be(AdaptationRecommendation.FineTune);
    }

    [Fact]
    public void Advise_PromptAlreadyPasses_RecommendsPromptEngineering()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { PromptPassesEval = true });

        decision.Recommendation.Should().Be(AdaptationRecommendation.PromptEngineering);
        decision.Reasons.Should().ContainSingle().Which.Should().StartWith("The prompt with structured output already passes the eval");
    }

    [Fact]
    public void Advise_BehaviourNotStable12Months_RecommendsDoNotFineTune()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { BehaviourStable12Months = false });

        decision.Recommendation.Should().Be(AdaptationRecommendation.DoNotFineTune);
        decision.Reasons[0].Should().StartWith("The behaviour is not expected to stay stable for 12 months");
    }

    [Fact]
    public void Advise_TooFewReviewedExamples_RecommendsCollectMoreData()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { ReviewedExamples = 199 });

        decision.Recommendation.Should().Be(AdaptationRecommendation.CollectMoreData);
        decision.Reasons[0].Should().Be("199 reviewed labelled examples; at least 200 are needed to train and still hold out a test set that can show the lift.");
        decision.Reasons[1].Should().Be("The measured lift (9.5 points) came from fewer than 200 reviewed examples; re-measure on a larger hold-out.");
    }

    [Fact]
    public void Advise_NoMeasuredLift_RecommendsCollectingTheMeasurement()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { MeasuredLiftPoints = null });

        decision.Recommendation.Should().Be(AdaptationRecommendation.CollectMoreData);
        decision.Reasons[0].Should().StartWith("No measured lift: run a path comparison");
    }

    [Fact]
    public void Advise_LiftBelowThreshold_RecommendsDoNotFineTune()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { MeasuredLiftPoints = 4.99 });

        decision.Recommendation.Should().Be(AdaptationRecommendation.DoNotFineTune);
        decision.Reasons[0].Should().Be("The path comparison measured 4.99 points, below the 5 points that pay for training, hosting and re-training.");
    }

    [Fact]
    public void Advise_EveryConditionMet_RecommendsFineTune()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable with { MeasuredLiftPoints = 5, FactsChange = FactChangeFrequency.Yearly }, useCase: "support-intent");

        decision.Recommendation.Should().Be(AdaptationRecommendation.FineTune);
        decision.UseCase.Should().Be("support-intent");
        decision.Reasons.Should().Equal(
            "Stable behaviour, 800 reviewed examples and a measured lift of 5 points (at least 5): fine-tune.",
            "The facts change yearly: document that as the re-train trigger in the registry.");
        decision.Thresholds.Should().Be(new AdaptationAdvisorOptions());
        decision.DecidedAt.Should().BeNull("the advisor is pure and reads no clock");
    }

    [Fact]
    public void Advise_CustomThresholds_AreAppliedAndRecorded()
    {
        var options = new AdaptationAdvisorOptions { MinReviewedExamples = 1000, MinLiftPoints = 2 };

        AdaptationAdvisor.Advise(FineTunable, options).Recommendation.Should().Be(AdaptationRecommendation.CollectMoreData);
        AdaptationAdvisor.Advise(FineTunable with { ReviewedExamples = 1000, MeasuredLiftPoints = 2.5 }, options).Should().Match<AdaptationDecision>(d => d.Recommendation == AdaptationRecommendation.FineTune && d.Thresholds == options);
    }

    [Theory]
    [InlineData(-1, null)]
    [InlineData(10, double.NaN)]
    [InlineData(10, 101.0)]
    public void Advise_SignalsOutOfRange_Throw(int examples, double? lift)
    {
        var act = () => AdaptationAdvisor.Advise(new AdaptationSignals { ReviewedExamples = examples, MeasuredLiftPoints = lift });

        act.Should().Throw<ArgumentException>().WithParameterName("signals");
    }

    [Fact]
    public void DecisionRecord_RoundTripsThroughJson()
    {
        var decision = AdaptationAdvisor.Advise(FineTunable, useCase: "support-intent") with { DecidedAt = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero), DecidedBy = "carol" };

        var json = AdaptationAdvisor.ToJson(decision);
        var back = AdaptationAdvisor.FromJson(json);

        json.Should().Contain("\"recommendation\": \"FineTune\"").And.Contain("\"factsChange\": \"Never\"").And.Contain("\"minLiftPoints\": 5");
        back.Should().BeEquivalentTo(decision);
        AdaptationAdvisor.SignalsFromJson("""{"mustCiteLiveDocuments":true,"factsChange":"weekly","reviewedExamples":3}""")
            .Should().Be(new AdaptationSignals { MustCiteLiveDocuments = true, FactsChange = FactChangeFrequency.Weekly, ReviewedExamples = 3 });
    }
}
