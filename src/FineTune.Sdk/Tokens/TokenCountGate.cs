using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// The dataset validator's token observer: counts every row with <see cref="ChatTokenAccounting"/>, reports rows
/// over the model's per-example limit (they will be truncated) and builds the <see cref="DatasetTokenReport"/>.
/// Rows are counted in <see cref="Prepare"/> on the validator's preparation threads, so parsing and tokenizing use
/// every core; <see cref="Observe"/> adds the counts in line order (and counts the few rows that were not prepared
/// itself, without blocking or starting work elsewhere). Keeps histograms, never row contents.
/// </summary>
internal sealed class TokenCountGate : IPreparingDatasetGate
{
    /// <summary>An example is longer than the model trains on; it will be truncated (warning).</summary>
    public const string ExampleOverTokenLimit = "FT1201";

    private readonly ChatTokenAccounting _accounting;
    private readonly string? _model;
    private readonly TrainingTokenLimit? _limit;
    private readonly DistributionBuilder _tokens = new();
    private readonly DistributionBuilder _messages = new();
    private readonly DistributionBuilder _assistant = new();
    private readonly List<(long Line, int Total, int Billed)> _overLimit = [];
    private long _billed;

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

    public void Prepare(DatasetRow row)
    {
        var work = RunCaches.Current is { } caches ? caches.ExampleWork ??= new ChatTokenAccounting.ExampleWork() : new ChatTokenAccounting.ExampleWork();
        _accounting.Collect(row.Root, work, row.Format == DatasetFormat.Chat ? row.MessageContents : null);
        row.TokenCounts = work.Counted ? _accounting.Finish(work) : null;
        row.TokensPrepared = true;
    }

    public void Observe(DatasetRow row, FindingCollector findings)
    {
        if (row.TokensPrepared)
        {
            if (row.TokenCounts is { } counts)
            {
                Add(row.Line, counts);
            }

            return;
        }

        // A row the validator did not prepare (the first content row): counted here, on the validator's thread.
        var work = RunCaches.Current is { } caches ? caches.ExampleWork ??= new ChatTokenAccounting.ExampleWork() : new ChatTokenAccounting.ExampleWork();
        _accounting.Collect(row.Root, work);
        if (work.Counted)
        {
            Add(row.Line, _accounting.Finish(work));
        }

        work.Reset();
    }

    public void Complete(FindingCollector findings)
    {
        foreach (var (line, total, billed) in _overLimit.OrderBy(o => o.Line))
        {
            findings.Add(ExampleOverTokenLimit, FindingSeverity.Warning, line, "$", string.Create(CultureInfo.InvariantCulture,
                $"The example has {total} tokens, more than the {_accounting.MaxTokensPerExample} {_model} trains on{(_limit is { IsVerified: false } ? " (an unverified limit)" : string.Empty)}; it will be truncated and {billed} tokens billed."));
        }
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
            OverLimit = _overLimit.Count,
            TokensPerExample = tokens,
            MessagesPerExample = _messages.Build(),
            AssistantTokensPerExample = _assistant.Build(),
        };
    }

    private void Add(long line, ChatExampleTokens counts)
    {
        _tokens.Add(counts.Total);
        _messages.Add(counts.Messages);
        _assistant.Add(counts.AssistantTokens);
        _billed += counts.Billed;
        if (counts.IsOverLimit)
        {
            _overLimit.Add((line, counts.Total, counts.Billed));
        }
    }
}
