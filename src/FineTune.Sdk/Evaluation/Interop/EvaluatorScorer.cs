using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;

namespace FineTune.Sdk;

/// <summary>
/// An <see cref="IEvaluator"/> as an <see cref="IEvalScorer"/>: the chosen metric gives the value (booleans 1/0, numbers
/// scaled from [<see cref="EvaluatorScorerOptions.MinValue"/>, <see cref="EvaluatorScorerOptions.MaxValue"/>] to [0, 1])
/// and pass/fail (the metric's interpretation, else the threshold); every numeric and boolean metric goes to
/// <see cref="EvalScore.Details"/>. A metric without a value, an error diagnostic or a throwing evaluator is a
/// <see cref="EvalScore.ScorerError"/>.
/// </summary>
internal sealed class EvaluatorScorer : IEvalScorer
{
    private readonly IEvaluator _evaluator;
    private readonly EvaluatorScorerOptions _options;
    private readonly string _metric;

    public EvaluatorScorer(IEvaluator evaluator, EvaluatorScorerOptions options)
    {
        _evaluator = evaluator;
        _options = options;
        var names = evaluator.EvaluationMetricNames;
        _metric = options.MetricName
            ?? (names.Count == 1 ? names.First() : throw new ArgumentException($"The evaluator reports {names.Count} metrics ({string.Join(", ", names)}); set EvaluatorScorerOptions.MetricName to the one that scores.", nameof(options)));
        if (!names.Contains(_metric))
        {
            throw new ArgumentException($"The evaluator reports no metric named '{_metric}'; it reports {string.Join(", ", names)}.", nameof(options));
        }

        if (options.MaxValue <= options.MinValue)
        {
            throw new ArgumentException($"EvaluatorScorerOptions.MaxValue ({options.MaxValue}) must be above MinValue ({options.MinValue}).", nameof(options));
        }

        Name = options.ScorerName ?? _metric.ToLowerInvariant();
    }

    public string Name { get; }

    public async ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(goldenCase);
        EvaluationResult result;
        try
        {
            result = await _evaluator.EvaluateAsync(
                goldenCase.Messages,
                new ChatResponse(new ChatMessage(ChatRole.Assistant, output)),
                _options.ChatConfiguration,
                [new GoldenCaseEvaluationContext(goldenCase)],
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new EvalScore(Name, null, false) { ScorerError = "Evaluator failed: " + FailureText.Describe(ex) };
        }

        var details = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, metric) in result.Metrics)
        {
            switch (metric)
            {
                case NumericMetric { Value: { } number }:
                    details[name] = number;
                    break;
                case BooleanMetric { Value: { } flag }:
                    details[name] = flag ? 1 : 0;
                    break;
            }
        }

        if (!result.Metrics.TryGetValue(_metric, out var chosen))
        {
            return new EvalScore(Name, null, false) { ScorerError = $"The evaluator returned no metric '{_metric}'.", Details = details };
        }

        if (chosen.Diagnostics?.FirstOrDefault(d => d.Severity == EvaluationDiagnosticSeverity.Error) is { } error)
        {
            return new EvalScore(Name, null, false) { ScorerError = "Evaluator error: " + FirstLine(error.Message), Details = details };
        }

        double? value = chosen switch
        {
            BooleanMetric { Value: { } flag } => flag ? 1 : 0,
            NumericMetric { Value: { } number } => Math.Clamp((number - _options.MinValue) / (_options.MaxValue - _options.MinValue), 0, 1),
            _ => null,
        };
        if (value is null)
        {
            return new EvalScore(Name, null, false) { ScorerError = $"Metric '{_metric}' has no boolean or numeric value.", Details = details };
        }

        var passed = chosen.Interpretation is { } interpretation
            ? !interpretation.Failed
            : chosen is BooleanMetric ? value == 1 : ((NumericMetric)chosen).Value >= _options.PassThreshold;
        return new EvalScore(Name, value, passed)
        {
            Reason = chosen.Reason ?? chosen.Interpretation?.Reason,
            Details = details,
        };
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        var line = end < 0 ? message : message[..end];
        return line.Length > 200 ? line[..200] : line;
    }
}

/// <summary>
/// An <see cref="IEvalScorer"/> as an <see cref="IEvaluator"/>: one <see cref="NumericMetric"/> named like the scorer,
/// valued in [0, 1], interpreted as passed (<see cref="EvaluationRating.Good"/>) or failed
/// (<see cref="EvaluationRating.Unacceptable"/>); the score's details go to the metric's metadata and a scorer error to an
/// error diagnostic. The golden case comes from a <see cref="GoldenCaseEvaluationContext"/> when one is given;
/// otherwise a case with the conversation and no expected answer is scored.
/// </summary>
internal sealed class ScorerEvaluator(IEvalScorer scorer) : IEvaluator
{
    public IReadOnlyCollection<string> EvaluationMetricNames { get; } = [scorer.Name];

    public async ValueTask<EvaluationResult> EvaluateAsync(
        IEnumerable<ChatMessage> messages,
        ChatResponse modelResponse,
        ChatConfiguration? chatConfiguration = null,
        IEnumerable<EvaluationContext>? additionalContext = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(modelResponse);
        var goldenCase = additionalContext?.OfType<GoldenCaseEvaluationContext>().FirstOrDefault()?.GoldenCase
            ?? new GoldenCase("evaluation", messages.ToList(), expected: null);
        var score = await scorer.ScoreAsync(goldenCase, modelResponse.Text, cancellationToken).ConfigureAwait(false);
        var metric = new NumericMetric(scorer.Name, score.Value, score.Reason);
        if (score.ScorerError is { } error)
        {
            metric.AddDiagnostics(EvaluationDiagnostic.Error(error));
            metric.Interpretation = new EvaluationMetricInterpretation(EvaluationRating.Inconclusive, failed: true, error);
        }
        else
        {
            metric.Interpretation = new EvaluationMetricInterpretation(score.Passed ? EvaluationRating.Good : EvaluationRating.Unacceptable, failed: !score.Passed, score.Reason);
        }

        foreach (var (key, value) in score.Details ?? new Dictionary<string, double>())
        {
            metric.AddOrUpdateMetadata(key, value.ToString("R", CultureInfo.InvariantCulture));
        }

        return new EvaluationResult(metric);
    }
}
