using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk;

/// <summary>How often the facts a use case answers with change.</summary>
public enum FactChangeFrequency
{
    /// <summary>The facts never change (a fixed taxonomy, a style).</summary>
    Never,

    /// <summary>About once a year.</summary>
    Yearly,

    /// <summary>About once a quarter.</summary>
    Quarterly,

    /// <summary>About once a month.</summary>
    Monthly,

    /// <summary>About once a week.</summary>
    Weekly,

    /// <summary>Every day or faster (prices, stock, status).</summary>
    Daily,
}

/// <summary>What the adaptation advisor recommends for a use case.</summary>
public enum AdaptationRecommendation
{
    /// <summary>Keep the prompt (with structured output): it already passes the eval.</summary>
    PromptEngineering,

    /// <summary>Retrieve the live documents at request time and cite them (retrieval-augmented generation).</summary>
    Rag,

    /// <summary>Fetch fast-changing facts through tools, routing the request to the systems that own them.</summary>
    RoutingAndTools,

    /// <summary>Collect more reviewed examples, or the measurement the decision is missing, then ask again.</summary>
    CollectMoreData,

    /// <summary>Fine-tune: stable behaviour, enough reviewed data and a measured lift that pays for it.</summary>
    FineTune,

    /// <summary>Do not fine-tune: the behaviour will move, or the measured lift does not pay for training and upkeep.</summary>
    DoNotFineTune,
}

/// <summary>The signals of a use case the adaptation advisor decides from.</summary>
public sealed record AdaptationSignals
{
    /// <summary>Gets a value indicating whether answers must cite live documents.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool MustCiteLiveDocuments { get; init; }

    /// <summary>Gets how often the facts the answers depend on change.</summary>
    /// <value>Defaults to <see cref="FactChangeFrequency.Never"/>.</value>
    public FactChangeFrequency FactsChange { get; init; }

    /// <summary>Gets a value indicating whether the wanted behaviour is expected to stay stable for 12 months or more.</summary>
    /// <value>Defaults to <see langword="false"/>: a fine-tune then has to be re-trained before it pays off.</value>
    public bool BehaviourStable12Months { get; init; }

    /// <summary>Gets a value indicating whether the prompt with structured output already passes the eval.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool PromptPassesEval { get; init; }

    /// <summary>Gets the number of reviewed, labelled examples available for training and hold-out.</summary>
    /// <value>Defaults to 0; never negative.</value>
    public int ReviewedExamples { get; init; }

    /// <summary>Gets the lift a path comparison measured (fine-tune pilot vs the prompt path, primary scorer), in points.</summary>
    /// <value><see langword="null"/> (the default) when no comparison was run.</value>
    public double? MeasuredLiftPoints { get; init; }
}

/// <summary>The thresholds of the adaptation advisor.</summary>
public sealed record AdaptationAdvisorOptions
{
    /// <summary>Gets the number of reviewed examples below which the advisor asks for more data.</summary>
    /// <value>Defaults to 200: enough to train on and still hold out a test set that can show a 5-10 point lift.</value>
    public int MinReviewedExamples { get; init; } = 200;

    /// <summary>Gets the measured lift, in points, a fine-tune must show to pay for training, hosting and re-training.</summary>
    /// <value>Defaults to 5 points.</value>
    public double MinLiftPoints { get; init; } = 5;

    /// <summary>Gets the fact-change frequency from which facts are fetched through tools rather than trained in.</summary>
    /// <value>Defaults to <see cref="FactChangeFrequency.Monthly"/>.</value>
    public FactChangeFrequency ToolsFrom { get; init; } = FactChangeFrequency.Monthly;
}

/// <summary>
/// The decision record the advisor produces: the signals, the thresholds, the recommendation and its reasons. Written
/// as JSON by <c>finetune advise --out</c>; the pre-deploy checklist (<see cref="RegistryChecklist"/>) reads it from a
/// variant's <see cref="RegistryVariant.DecisionRecord"/>.
/// </summary>
public sealed record AdaptationDecision
{
    /// <summary>The schema version this release writes.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Gets the schema version.</summary>
    /// <value>1 for this release.</value>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Gets the use case the decision is about.</summary>
    /// <value>Optional, for example <c>support-intent</c>.</value>
    public string? UseCase { get; init; }

    /// <summary>Gets when the decision was made.</summary>
    /// <value>Set by the caller (the advisor itself reads no clock); <see langword="null"/> when not recorded.</value>
    public DateTimeOffset? DecidedAt { get; init; }

    /// <summary>Gets who made the decision.</summary>
    /// <value>Optional.</value>
    public string? DecidedBy { get; init; }

    /// <summary>Gets the signals the decision was made from.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required AdaptationSignals Signals { get; init; }

    /// <summary>Gets the thresholds the decision was made with.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public required AdaptationAdvisorOptions Thresholds { get; init; }

    /// <summary>Gets the recommendation.</summary>
    /// <value>One of the six paths.</value>
    public AdaptationRecommendation Recommendation { get; init; }

    /// <summary>Gets the reasons: the deciding one first, then what else the signals say.</summary>
    /// <value>At least one.</value>
    public IReadOnlyList<string> Reasons { get; init; } = [];
}

/// <summary>
/// Recommends how to adapt a model to a use case — prompt engineering, RAG, routing with tools, collecting more data,
/// fine-tuning, or not fine-tuning — from the use case's signals, with reasons. A pure function: no clock, no I/O.
/// </summary>
public static class AdaptationAdvisor
{
    /// <summary>Decides.</summary>
    /// <param name="signals">The use case's signals.</param>
    /// <param name="options">The thresholds; defaults when <see langword="null"/>.</param>
    /// <param name="useCase">The use case name, recorded in the decision.</param>
    /// <returns>The decision with its reasons (without <see cref="AdaptationDecision.DecidedAt"/>; set it with <c>with</c>).</returns>
    /// <exception cref="ArgumentException">The signals or thresholds are out of range.</exception>
    /// <remarks>
    /// The rules, first match wins: live documents to cite → RAG; facts changing at least
    /// <see cref="AdaptationAdvisorOptions.ToolsFrom"/> → routing and tools; the prompt already passes → prompt
    /// engineering; behaviour not stable for 12 months → do not fine-tune; fewer reviewed examples than
    /// <see cref="AdaptationAdvisorOptions.MinReviewedExamples"/> → collect more data; no measured lift → collect the
    /// measurement; lift below <see cref="AdaptationAdvisorOptions.MinLiftPoints"/> → do not fine-tune; otherwise fine-tune.
    /// </remarks>
    public static AdaptationDecision Advise(AdaptationSignals signals, AdaptationAdvisorOptions? options = null, string? useCase = null)
    {
        ArgumentNullException.ThrowIfNull(signals);
        options ??= new AdaptationAdvisorOptions();
        if (signals.ReviewedExamples < 0)
        {
            throw new ArgumentException($"ReviewedExamples must not be negative; it was {signals.ReviewedExamples}.", nameof(signals));
        }

        if (signals.MeasuredLiftPoints is { } measured && (double.IsNaN(measured) || double.IsInfinity(measured) || measured < -100 || measured > 100))
        {
            throw new ArgumentException($"MeasuredLiftPoints must be between -100 and 100; it was {F(measured)}.", nameof(signals));
        }

        if (options.MinReviewedExamples < 1 || double.IsNaN(options.MinLiftPoints) || options.MinLiftPoints < 0 || options.MinLiftPoints > 100)
        {
            throw new ArgumentException($"MinReviewedExamples must be at least 1 and MinLiftPoints between 0 and 100; they were {options.MinReviewedExamples} and {F(options.MinLiftPoints)}.", nameof(options));
        }

        var (recommendation, reason) = Decide(signals, options);
        var reasons = new List<string> { reason };
        reasons.AddRange(Notes(signals, options, recommendation));
        return new AdaptationDecision
        {
            UseCase = useCase,
            Signals = signals,
            Thresholds = options,
            Recommendation = recommendation,
            Reasons = reasons,
        };
    }

    /// <summary>Serializes a decision record (indented JSON, camelCase).</summary>
    /// <param name="decision">The decision.</param>
    /// <returns>The JSON text, ending with a newline.</returns>
    public static string ToJson(AdaptationDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return JsonSerializer.Serialize(decision, AdviceJsonContext.Default.AdaptationDecision) + "\n";
    }

    /// <summary>Parses a decision record.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The decision.</returns>
    /// <exception cref="JsonException">The text is not a decision record.</exception>
    public static AdaptationDecision FromJson(string json) =>
        JsonSerializer.Deserialize(json, AdviceJsonContext.Default.AdaptationDecision) ?? throw new JsonException("The decision record is null.");

    /// <summary>Parses the signals of a use case (the JSON form of <see cref="AdaptationSignals"/>).</summary>
    /// <param name="json">The JSON text, for example <c>{"mustCiteLiveDocuments":false,"factsChange":"Yearly",…}</c>.</param>
    /// <returns>The signals.</returns>
    /// <exception cref="JsonException">The text is not a signals object.</exception>
    public static AdaptationSignals SignalsFromJson(string json) =>
        JsonSerializer.Deserialize(json, AdviceJsonContext.Default.AdaptationSignals) ?? throw new JsonException("The signals are null.");

    private static (AdaptationRecommendation, string) Decide(AdaptationSignals s, AdaptationAdvisorOptions o)
    {
        if (s.MustCiteLiveDocuments)
        {
            return (AdaptationRecommendation.Rag, "Answers must cite live documents: retrieve them at request time (RAG). A fine-tuned model cannot cite a source and its knowledge freezes when training ends.");
        }

        if (s.FactsChange >= o.ToolsFrom)
        {
            return (AdaptationRecommendation.RoutingAndTools, $"The facts change {Describe(s.FactsChange)}: fetch them through tools from the systems that own them and route requests to those tools. Facts trained into weights are stale by the next change and would need a re-train each time.");
        }

        if (s.PromptPassesEval)
        {
            return (AdaptationRecommendation.PromptEngineering, "The prompt with structured output already passes the eval: ship it. A fine-tune adds training cost, a re-training duty and base-model retirement risk for no measured need.");
        }

        if (!s.BehaviourStable12Months)
        {
            return (AdaptationRecommendation.DoNotFineTune, "The behaviour is not expected to stay stable for 12 months: a fine-tune would need re-training (new data, new evaluation, new rollout) before it pays off. Keep improving the prompt.");
        }

        if (s.ReviewedExamples < o.MinReviewedExamples)
        {
            return (AdaptationRecommendation.CollectMoreData, $"{s.ReviewedExamples} reviewed labelled examples; at least {o.MinReviewedExamples} are needed to train and still hold out a test set that can show the lift.");
        }

        if (s.MeasuredLiftPoints is not { } lift)
        {
            return (AdaptationRecommendation.CollectMoreData, "No measured lift: run a path comparison (a fine-tune pilot against the prompt path on the held-out set, 'finetune eval compare') and advise again with its lift.");
        }

        if (lift < o.MinLiftPoints)
        {
            return (AdaptationRecommendation.DoNotFineTune, $"The path comparison measured {F(lift)} points, below the {F(o.MinLiftPoints)} points that pay for training, hosting and re-training.");
        }

        return (AdaptationRecommendation.FineTune, $"Stable behaviour, {s.ReviewedExamples} reviewed examples and a measured lift of {F(lift)} points (at least {F(o.MinLiftPoints)}): fine-tune.");
    }

    private static IEnumerable<string> Notes(AdaptationSignals s, AdaptationAdvisorOptions o, AdaptationRecommendation decided)
    {
        if (decided == AdaptationRecommendation.Rag && s.FactsChange >= o.ToolsFrom)
        {
            yield return $"The facts also change {Describe(s.FactsChange)}: re-index the documents at that pace.";
        }

        if (decided == AdaptationRecommendation.FineTune && s.FactsChange > FactChangeFrequency.Never)
        {
            yield return $"The facts change {Describe(s.FactsChange)}: document that as the re-train trigger in the registry.";
        }

        if (decided is AdaptationRecommendation.FineTune or AdaptationRecommendation.CollectMoreData && s.MeasuredLiftPoints is { } lift && s.ReviewedExamples < o.MinReviewedExamples)
        {
            yield return $"The measured lift ({F(lift)} points) came from fewer than {o.MinReviewedExamples} reviewed examples; re-measure on a larger hold-out.";
        }
    }

    private static string Describe(FactChangeFrequency frequency) => frequency switch
    {
        FactChangeFrequency.Never => "never",
        FactChangeFrequency.Yearly => "yearly",
        FactChangeFrequency.Quarterly => "quarterly",
        FactChangeFrequency.Monthly => "monthly",
        FactChangeFrequency.Weekly => "weekly",
        _ => "daily",
    };

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
