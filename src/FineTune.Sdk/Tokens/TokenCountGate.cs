using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// The dataset validator's token observer: counts every row with <see cref="ChatTokenAccounting"/>, reports rows
/// over the model's per-example limit (they will be truncated) and builds the <see cref="DatasetTokenReport"/>.
/// Keeps histograms, never row contents.
/// </summary>
internal sealed class TokenCountGate : IDatasetGate
{
    /// <summary>An example is longer than the model trains on; it will be truncated (warning).</summary>
    public const string ExampleOverTokenLimit = "FT1201";

    private readonly ChatTokenAccounting _accounting;
    private readonly string? _model;
    private readonly TrainingTokenLimit? _limit;
    private readonly DistributionBuilder _tokens = new();
    private readonly DistributionBuilder _messages = new();
    private readonly DistributionBuilder _assistant = new();
    private long _billed;
    private long _overLimit;

    public TokenCountGate(string? model, ChatTokenFormula formula)
    {
        _model = model;
        if (model is null)
        {
            _accounting = new ChatTokenAccounting(TiktokenTokenizer.O200kBase, formula);
        }
        else
        {
            _accounting = ChatTokenAccounting.ForModel(model, formula);
            TrainingTokenLimit.TryGet(model, out _limit);
        }
    }


    public void Observe(DatasetRow row, FindingCollector findings)
    {
        var counts = _accounting.CountExample(row.Root);
        _tokens.Add(counts.Total);
        _messages.Add(counts.Messages);
        _assistant.Add(counts.AssistantTokens);
        _billed += counts.Billed;
        if (counts.IsOverLimit)
        {
            _overLimit++;
            findings.Add(ExampleOverTokenLimit, FindingSeverity.Warning, row.Line, "$", string.Create(CultureInfo.InvariantCulture,
                $"The example has {counts.Total} tokens, more than the {_accounting.MaxTokensPerExample} {_model} trains on{(_limit is { IsVerified: false } ? " (an unverified limit)" : string.Empty)}; it will be truncated and {counts.Billed} tokens billed."));
        }
    }

    public void Complete(FindingCollector findings)
    {
    }

    /// <summary>Builds the report of the rows observed so far.</summary>
    public DatasetTokenReport BuildReport()
    {
        var tokens = _tokens.Build();
        return new DatasetTokenReport
        {
            Model = _model,
            Encoding = _accounting.TokenCounter.EncodingName,
            Formula = _accounting.Formula,
            MaxTokensPerExample = _limit?.MaxTokensPerExample,
            LimitIsVerified = _limit?.IsVerified ?? false,
            Examples = tokens.Count,
            Total = tokens.Sum,
            Billed = _billed,
            OverLimit = _overLimit,
            TokensPerExample = tokens,
            MessagesPerExample = _messages.Build(),
            AssistantTokensPerExample = _assistant.Build(),
        };
    }
}
