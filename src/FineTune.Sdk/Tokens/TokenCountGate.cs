using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// The dataset validator's token observer: counts every row with <see cref="ChatTokenAccounting"/>, reports rows
/// over the model's per-example limit (they will be truncated) and builds the <see cref="DatasetTokenReport"/>.
/// The validator's thread only collects each row's texts (the row is borrowed); batches of rows are encoded on
/// thread-pool workers, so parsing and tokenizing use every core. Keeps histograms, never row contents.
/// </summary>
internal sealed class TokenCountGate : IPreparingDatasetGate
{
    /// <summary>An example is longer than the model trains on; it will be truncated (warning).</summary>
    public const string ExampleOverTokenLimit = "FT1201";

    private const int BatchSize = 256;

    [ThreadStatic]
    private static ChatTokenAccounting.ExampleWork? t_work;

    private readonly ChatTokenAccounting _accounting;
    private readonly string? _model;
    private readonly TrainingTokenLimit? _limit;
    private readonly DistributionBuilder _tokens = new();
    private readonly DistributionBuilder _messages = new();
    private readonly DistributionBuilder _assistant = new();
    private readonly List<(long Line, int Total, int Billed)> _overLimit = [];
    private readonly int _maxInFlight = Math.Max(2, Environment.ProcessorCount * 2);
    private readonly List<Task> _tasks = [];
    private readonly object _gate = new();
    private readonly Stack<ChatTokenAccounting.ExampleWork> _pool = new();
    private List<ChatTokenAccounting.ExampleWork> _batch = new(BatchSize);
    private long _billed;
    private bool _completed;

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
        var work = t_work ??= new ChatTokenAccounting.ExampleWork();
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
                lock (_gate)
                {
                    _tokens.Add(counts.Total);
                    _messages.Add(counts.Messages);
                    _assistant.Add(counts.AssistantTokens);
                    _billed += counts.Billed;
                    if (counts.IsOverLimit)
                    {
                        _overLimit.Add((row.Line, counts.Total, counts.Billed));
                    }
                }
            }

            return;
        }

        ChatTokenAccounting.ExampleWork work;
        lock (_gate)
        {
            work = _pool.Count > 0 ? _pool.Pop() : new ChatTokenAccounting.ExampleWork();
        }

        _accounting.Collect(row.Root, work);
        work.Line = row.Line;
        _batch.Add(work);
        if (_batch.Count == BatchSize)
        {
            Dispatch();
        }
    }

    public void Complete(FindingCollector findings)
    {
        Drain();
        foreach (var (line, total, billed) in _overLimit.OrderBy(o => o.Line))
        {
            findings.Add(ExampleOverTokenLimit, FindingSeverity.Warning, line, "$", string.Create(CultureInfo.InvariantCulture,
                $"The example has {total} tokens, more than the {_accounting.MaxTokensPerExample} {_model} trains on{(_limit is { IsVerified: false } ? " (an unverified limit)" : string.Empty)}; it will be truncated and {billed} tokens billed."));
        }
    }

    /// <summary>Builds the report of the rows observed so far.</summary>
    public DatasetTokenReport BuildReport()
    {
        Drain();
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

    private void Dispatch()
    {
        var batch = _batch;
        _batch = new List<ChatTokenAccounting.ExampleWork>(BatchSize);
        _tasks.RemoveAll(t => t.IsCompleted);
        if (_tasks.Count >= _maxInFlight)
        {
            _tasks[0].Wait(); // bounds the rows held in memory
            _tasks.RemoveAt(0);
        }

        _tasks.Add(Task.Run(() => Count(batch)));
    }

    private void Count(List<ChatTokenAccounting.ExampleWork> batch)
    {
        var tokens = new DistributionBuilder();
        var messages = new DistributionBuilder();
        var assistant = new DistributionBuilder();
        long billed = 0;
        List<(long, int, int)>? over = null;
        foreach (var work in batch)
        {
            if (!work.Counted)
            {
                continue;
            }

            var counts = _accounting.Finish(work);
            tokens.Add(counts.Total);
            messages.Add(counts.Messages);
            assistant.Add(counts.AssistantTokens);
            billed += counts.Billed;
            if (counts.IsOverLimit)
            {
                (over ??= []).Add((work.Line, counts.Total, counts.Billed));
            }
        }

        lock (_gate)
        {
            _tokens.Merge(tokens);
            _messages.Merge(messages);
            _assistant.Merge(assistant);
            _billed += billed;
            if (over is not null)
            {
                _overLimit.AddRange(over);
            }

            foreach (var work in batch)
            {
                work.Reset();
                if (_pool.Count < BatchSize * 4)
                {
                    _pool.Push(work);
                }
            }
        }
    }

    private void Drain()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (_batch.Count > 0)
        {
            Count(_batch);
            _batch = [];
        }

        Task.WaitAll([.. _tasks]);
        _tasks.Clear();
    }
}
