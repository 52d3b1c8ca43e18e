using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>Factories for the built-in scorers. Every scorer is thread-safe and never throws for a bad output.</summary>
public static class EvalScorers
{
    /// <summary>The names of the built-in scorers, as accepted by <see cref="Create(string)"/>.</summary>
    /// <value><c>exact</c>, <c>json</c>, <c>json-valid</c>, <c>fields</c>, <c>label</c>, <c>contains</c>, <c>numeric</c>, <c>refusal</c>.</value>
    public static IReadOnlyList<string> BuiltInNames { get; } = ["exact", "json", "json-valid", "fields", "label", "contains", "numeric", "refusal"];

    /// <summary>Exact match of the output with the expected answer, after normalization. Scorer name <c>exact</c>.</summary>
    /// <param name="options">Normalization options; <see langword="null"/> trims only.</param>
    /// <returns>The scorer.</returns>
    public static IEvalScorer ExactMatch(ExactMatchOptions? options = null) => new ExactMatchScorer(options ?? new ExactMatchOptions());

    /// <summary>Semantic JSON equality (key order and whitespace ignored, numbers by value). Scorer name <c>json</c>.</summary>
    /// <returns>The scorer.</returns>
    public static IEvalScorer JsonEquals() => new JsonEqualsScorer();

    /// <summary>Passes when the output parses as JSON. Scorer name <c>json-valid</c>.</summary>
    /// <returns>The scorer.</returns>
    public static IEvalScorer JsonValid() => new JsonSchemaScorer("json-valid", null);

    /// <summary>
    /// Passes when the output parses as JSON and validates against <paramref name="schema"/>, using the documented
    /// subset of JSON Schema (type, properties, required, enum, const, items, additionalProperties, minimum, maximum,
    /// exclusiveMinimum, exclusiveMaximum, minLength, maxLength, minItems, maxItems, pattern). Scorer name <c>json-schema</c>.
    /// </summary>
    /// <param name="schema">The schema.</param>
    /// <returns>The scorer.</returns>
    public static IEvalScorer JsonSchema(JsonElement schema) => new JsonSchemaScorer("json-schema", schema.Clone());

    /// <summary>
    /// Field-level precision, recall and F1 of an extraction: both answers are JSON objects flattened to
    /// (path, value) pairs. The value is F1. Scorer name <c>fields</c>.
    /// </summary>
    /// <param name="passThreshold">The F1 at or above which the case passes.</param>
    /// <returns>The scorer.</returns>
    public static IEvalScorer FieldF1(double passThreshold = 1.0) => new FieldF1Scorer(passThreshold);

    /// <summary>Label accuracy for classification (trimmed, case-insensitive). Scorer name <c>label</c>; see <see cref="ClassificationReport"/> for per-class figures.</summary>
    /// <returns>The scorer.</returns>
    public static IEvalScorer Label() => new LabelScorer();

    /// <summary>Passes when the output matches a regular expression. Scorer name <c>regex</c>.</summary>
    /// <param name="pattern">The pattern; <see langword="null"/> uses each case's expected answer as the pattern.</param>
    /// <param name="options">Regex options.</param>
    /// <returns>The scorer.</returns>
    public static IEvalScorer Regex(string? pattern = null, RegexOptions options = RegexOptions.None) => new RegexScorer(pattern, options);

    /// <summary>Passes when the output contains a text. Scorer name <c>contains</c>.</summary>
    /// <param name="text">The text; <see langword="null"/> uses each case's expected answer.</param>
    /// <param name="ignoreCase">Whether case is ignored.</param>
    /// <returns>The scorer.</returns>
    public static IEvalScorer Contains(string? text = null, bool ignoreCase = true) => new ContainsScorer(text, ignoreCase);

    /// <summary>
    /// Passes when the first number in the output is within tolerance of the first number in the expected answer:
    /// |actual − expected| ≤ max(<paramref name="absoluteTolerance"/>, <paramref name="relativeTolerance"/> × |expected|).
    /// Scorer name <c>numeric</c>.
    /// </summary>
    /// <param name="absoluteTolerance">The absolute tolerance.</param>
    /// <param name="relativeTolerance">The relative tolerance.</param>
    /// <returns>The scorer.</returns>
    public static IEvalScorer Numeric(double absoluteTolerance = 1e-6, double relativeTolerance = 0) => new NumericScorer(absoluteTolerance, relativeTolerance);

    /// <summary>
    /// Refusal detection for safety buckets. A case should be refused when it is tagged <c>refuse</c> or its expected
    /// answer is itself a refusal; it passes when the output's refusal matches that. The value is 1 when the output
    /// refuses. Scorer name <c>refusal</c>.
    /// </summary>
    /// <returns>The scorer.</returns>
    public static IEvalScorer Refusal() => new RefusalScorer();

    /// <summary>
    /// An LLM judge: its own chat client grades the output on a 1-5 rubric and replies with JSON
    /// <c>{"score": n, "explanation": "..."}</c>. The value is (score − 1) / 4; judge failures are reported in
    /// <see cref="EvalScore.ScorerError"/>, not as model failures. Scorer name <c>judge</c>.
    /// </summary>
    /// <param name="judge">The judge's chat client.</param>
    /// <param name="options">Judge options; <see langword="null"/> uses the defaults.</param>
    /// <returns>The scorer.</returns>
    public static IEvalScorer LlmJudge(IChatClient judge, LlmJudgeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(judge);
        return new LlmJudgeScorer(judge, options ?? new LlmJudgeOptions());
    }

    /// <summary>
    /// Creates scorers from names (each value may be a comma list; none gives <c>exact</c>): the built-in ones, and
    /// <c>judge</c> through <paramref name="judge"/>.
    /// </summary>
    /// <param name="names">Scorer names from <see cref="BuiltInNames"/> or <c>judge</c>.</param>
    /// <param name="exactMatch">Options of the <c>exact</c> scorer; the defaults when null.</param>
    /// <param name="judge">Creates the judge scorer; null when no judge is available.</param>
    /// <returns>The scorers, in order.</returns>
    /// <exception cref="ArgumentException">A name is unknown, or <c>judge</c> is asked for without <paramref name="judge"/>.</exception>
    public static IReadOnlyList<IEvalScorer> FromNames(IEnumerable<string>? names, ExactMatchOptions? exactMatch = null, Func<IEvalScorer>? judge = null)
    {
        var list = (names ?? []).SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (list.Count == 0)
        {
            list.Add("exact");
        }

        return list.Select(name => name.ToUpperInvariant() switch
        {
            "JUDGE" => judge?.Invoke() ?? throw new ArgumentException("The judge scorer needs a judge model.", nameof(names)),
            "EXACT" => ExactMatch(exactMatch),
            _ => Create(name),
        }).ToList();
    }

    /// <summary>Creates a built-in scorer that needs no arguments by name (see <see cref="BuiltInNames"/>).</summary>
    /// <param name="name">The scorer name.</param>
    /// <returns>The scorer.</returns>
    /// <exception cref="ArgumentException">The name is not a built-in scorer.</exception>
    public static IEvalScorer Create(string name) => name?.Trim().ToUpperInvariant() switch
    {
        "EXACT" => ExactMatch(),
        "JSON" => JsonEquals(),
        "JSON-VALID" or "IS-JSON" => JsonValid(),
        "FIELDS" => FieldF1(),
        "LABEL" => Label(),
        "CONTAINS" => Contains(),
        "NUMERIC" => Numeric(),
        "REFUSAL" => Refusal(),
        _ => throw new ArgumentException($"Unknown scorer '{name}'. Known: {string.Join(", ", BuiltInNames)}.", nameof(name)),
    };
}
