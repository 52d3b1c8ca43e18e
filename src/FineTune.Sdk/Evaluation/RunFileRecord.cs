namespace FineTune.Sdk;

/// <summary>One line of a run file (wire DTO; the schema is documented in docs/eval.md).</summary>
internal sealed class RunFileRecord
{
    public string CaseId { get; set; } = string.Empty;

    public string Variant { get; set; } = string.Empty;

    public string ModelId { get; set; } = string.Empty;

    public List<string>? Tags { get; set; }

    public string? Output { get; set; }

    public double LatencyMs { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public decimal? Cost { get; set; }

    public string? Error { get; set; }

    public int Attempts { get; set; } = 1;

    public bool Cached { get; set; }

    public List<RunFileScore>? Scores { get; set; }

    public static RunFileRecord From(EvalCaseResult r) => new()
    {
        CaseId = r.CaseId,
        Variant = r.Variant,
        ModelId = r.ModelId,
        Tags = [.. r.Tags],
        Output = r.Output,
        LatencyMs = Math.Round(r.Latency.TotalMilliseconds, 3),
        InputTokens = r.InputTokens,
        OutputTokens = r.OutputTokens,
        Cost = r.Cost,
        Error = r.Error,
        Attempts = r.Attempts,
        Cached = r.Cached,
        Scores = [.. r.Scores.Select(s => new RunFileScore
        {
            Scorer = s.Scorer,
            Value = s.Value,
            Passed = s.Passed,
            Reason = s.Reason,
            ScorerError = s.ScorerError,
            Details = s.Details is null ? null : new Dictionary<string, double>(s.Details, StringComparer.Ordinal),
        })],
    };

    public EvalCaseResult ToResult() => new(CaseId, Variant, ModelId)
    {
        Tags = Tags ?? [],
        Output = Output,
        Latency = TimeSpan.FromMilliseconds(LatencyMs),
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        Cost = Cost,
        Error = Error,
        Attempts = Attempts,
        Cached = Cached,
        Scores = Scores is null ? [] : [.. Scores.Select(s => new EvalScore(s.Scorer, s.Value, s.Passed) { Reason = s.Reason, ScorerError = s.ScorerError, Details = s.Details })],
    };
}

/// <summary>One score inside a <see cref="RunFileRecord"/>.</summary>
internal sealed class RunFileScore
{
    public string Scorer { get; set; } = string.Empty;

    public double? Value { get; set; }

    public bool Passed { get; set; }

    public string? Reason { get; set; }

    public string? ScorerError { get; set; }

    public Dictionary<string, double>? Details { get; set; }
}

/// <summary>One response-cache entry (wire DTO).</summary>
internal sealed class CachedResponse
{
    public string? Output { get; set; }

    public double LatencyMs { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }
}
