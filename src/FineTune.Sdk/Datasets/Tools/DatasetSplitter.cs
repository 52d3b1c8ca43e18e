using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Sdk;

/// <summary>
/// Splits a JSONL dataset into train, validation and holdout files: deterministic for a seed, stratified by label
/// when the answers are labels, and leak-free — exact duplicates, rows with the same input, and near-duplicates
/// (MinHash/LSH at <see cref="DuplicateGateOptions.NearDuplicateThreshold"/>) always land in the same split.
/// </summary>
/// <remarks>
/// Two streaming passes: the first keeps per-row hashes, a label id and a cluster id; the second copies each line's
/// bytes unchanged to its split. Thread-safe: calls share no state.
/// </remarks>
public sealed class DatasetSplitter
{
    private readonly DatasetValidationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a splitter.</summary>
    /// <param name="options">Reader limits, <see cref="DatasetValidationOptions.Duplicates"/> and <see cref="DatasetValidationOptions.ClassBalance"/> (label detection); <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Logs the split's counts (never rows, docs/diagnostics.md); <see langword="null"/> for none.</param>
    public DatasetSplitter(DatasetValidationOptions? options = null, ILogger<DatasetSplitter>? logger = null)
    {
        _options = options ?? new DatasetValidationOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Splits a seekable stream into three streams.</summary>
    /// <param name="input">The JSONL content; must be seekable (it is read twice); not disposed.</param>
    /// <param name="train">Receives the training rows.</param>
    /// <param name="validation">Receives the validation rows.</param>
    /// <param name="holdout">Receives the holdout rows.</param>
    /// <param name="split">Seed and shares; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The counts and what was moved to keep duplicates together.</returns>
    /// <exception cref="ArgumentException">The input is not seekable, or the shares are invalid.</exception>
    public async Task<DatasetSplitReport> SplitAsync(Stream input, Stream train, Stream validation, Stream holdout, DatasetSplitOptions? split = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(holdout);
        split ??= new DatasetSplitOptions();
        split.ThrowIfInvalid();
        if (!input.CanSeek)
        {
            throw new ArgumentException("The splitter reads its input twice; pass a seekable stream (a file).", nameof(input));
        }

        using var activity = FineTuneTelemetry.ActivitySource.StartActivity("finetune.dataset.split");
        var started = Stopwatch.GetTimestamp();
        var start = input.Position;
        var plan = await PlanAsync(input, split, cancellationToken).ConfigureAwait(false);
        input.Position = start;
        var outputs = new[] { train, validation, holdout };
        await foreach (var line in DatasetRowSource.ReadAsync(input, _options, cancellationToken).ConfigureAwait(false))
        {
            var target = plan.Assignment[line.Ordinal];
            if (target == Skipped)
            {
                continue;
            }

            var output = outputs[target];
            await output.WriteAsync(line.Bytes, cancellationToken).ConfigureAwait(false);
            output.WriteByte((byte)'\n');
        }

        foreach (var output in outputs)
        {
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        var report = plan.Report;
        activity?.SetTag(DatasetMetrics.RowsTag, report.TrainRows + report.ValidationRows + report.HoldoutRows);
        var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Log.DatasetSplit(_logger, report.TrainRows, report.ValidationRows, report.HoldoutRows, report.MovedRows, report.SkippedLines, elapsedMs);
        return report;
    }

    /// <summary>Splits a file into <c>train.jsonl</c>, <c>validation.jsonl</c> and <c>holdout.jsonl</c> in a directory.</summary>
    /// <param name="inputPath">The JSONL file.</param>
    /// <param name="outputDirectory">The directory (created when missing); existing split files are replaced.</param>
    /// <param name="split">Seed and shares; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The counts and what was moved to keep duplicates together.</returns>
    /// <exception cref="IOException">An output file would be the input file.</exception>
    public async Task<DatasetSplitReport> SplitFileAsync(string inputPath, string outputDirectory, DatasetSplitOptions? split = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        string[] names = ["train.jsonl", "validation.jsonl", "holdout.jsonl"];
        var paths = names.Select(n => Path.Combine(outputDirectory, n)).ToArray();
        foreach (var path in paths)
        {
            DatasetPaths.EnsureNotInput(inputPath, path);
        }

        Directory.CreateDirectory(outputDirectory);
        var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            // Each output is written to a temporary file beside it and renamed only once all three are complete.
            var temps = paths.Select(AtomicFile.CreateTemp).ToArray();
            try
            {
                DatasetSplitReport report;
                try
                {
                    report = await SplitAsync(input, temps[0].Stream, temps[1].Stream, temps[2].Stream, split, cancellationToken).ConfigureAwait(false);
                    foreach (var (_, stream) in temps)
                    {
                        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                        stream.Flush(flushToDisk: true);
                    }
                }
                finally
                {
                    foreach (var (_, stream) in temps)
                    {
                        await stream.DisposeAsync().ConfigureAwait(false);
                    }
                }

                for (var i = 0; i < paths.Length; i++)
                {
                    AtomicFile.Commit(temps[i].TempPath, paths[i]);
                }

                return report;
            }
            finally
            {
                foreach (var (temp, _) in temps)
                {
                    AtomicFile.Discard(temp);
                }
            }
        }
    }

    private const byte Train = 0;
    private const byte Validation = 1;
    private const byte Holdout = 2;
    private const byte Skipped = 255;

    private async Task<SplitPlan> PlanAsync(Stream input, DatasetSplitOptions split, CancellationToken cancellationToken)
    {
        var duplicates = _options.Duplicates;
        var hasher = new MinHasher(duplicates.MinHashCount, duplicates.ShingleSize, duplicates.MaxShinglesPerRow);
        var index = new NearDuplicateIndex(duplicates.MinHashCount, duplicates.Bands, duplicates.RowsPerBand);
        var signature = new uint[duplicates.MinHashCount];
        var candidates = new List<int>();
        var keys = new RowFingerprints();
        var byExact = new Dictionary<ulong, int>();
        var byInput = new Dictionary<ulong, int>();
        var labelIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var labelOverflow = false;
        var clusters = new UnionFind();
        var rowKeys = new List<ulong>();
        var labels = new List<int>();
        var ordinals = new List<long>();
        long lines = 0;
        long labeled = 0;

        await foreach (var line in DatasetRowSource.ReadAsync(input, _options, cancellationToken).ConfigureAwait(false))
        {
            lines++;
            if (line.Row is not { } row)
            {
                continue;
            }

            var id = clusters.Add();
            ordinals.Add(line.Ordinal);
            var k = keys.For(row);
            rowKeys.Add(k.Exact);
            if (byExact.TryGetValue(k.Exact, out var same))
            {
                clusters.Union(id, same);
            }
            else
            {
                byExact.Add(k.Exact, id);
            }

            if (!string.IsNullOrWhiteSpace(row.UserText))
            {
                if (byInput.TryGetValue(k.Input, out var sameInput))
                {
                    clusters.Union(id, sameInput);
                }
                else
                {
                    byInput.Add(k.Input, id);
                }
            }

            if (hasher.Sketch(k.NearUser, k.NearAnswer, signature))
            {
                index.FindCandidates(signature, candidates);
                foreach (var candidate in candidates)
                {
                    if (index.EstimateJaccard(candidate, signature) >= duplicates.NearDuplicateThreshold)
                    {
                        clusters.Union(id, (int)index.GetTag(candidate));
                    }
                }

                if (index.Count < duplicates.MaxIndexedRows)
                {
                    index.Add(signature, id);
                }
            }

            var label = row.AssistantPath.EndsWith(".content", StringComparison.Ordinal) ? LabelExtractor.TryGetLabel(row.AssistantText, _options.ClassBalance) : null;
            var labelId = -1;
            if (label is not null)
            {
                labeled++;
                if (!labelIds.TryGetValue(label, out labelId))
                {
                    if (labelIds.Count < _options.ClassBalance.MaxClasses)
                    {
                        labelId = labelIds.Count;
                        labelIds.Add(label, labelId);
                    }
                    else
                    {
                        labelOverflow = true;
                        labelId = -1;
                    }
                }
            }

            labels.Add(labelId);
        }

        var rows = rowKeys.Count;
        var stratified = !labelOverflow && labelIds.Count >= 2 && rows > 0 && (double)labeled / rows >= _options.ClassBalance.MinLabeledShare;

        // Naive stratified assignment: within each stratum, order rows by a seeded hash of their content and cut.
        var strata = new Dictionary<int, List<int>>();
        for (var i = 0; i < rows; i++)
        {
            var stratum = stratified ? labels[i] : 0;
            if (!strata.TryGetValue(stratum, out var members))
            {
                members = [];
                strata.Add(stratum, members);
            }

            members.Add(i);
        }

        var seedHash = TextFingerprint.Mix((ulong)(uint)split.Seed + 0x51A5EEDUL);
        var assignment = new byte[rows];
        var targets = new Dictionary<int, long[]>();
        foreach (var stratum in strata.OrderBy(s => s.Key))
        {
            var members = stratum.Value;
            members.Sort((a, b) =>
            {
                var order = TextFingerprint.Combine(seedHash, rowKeys[a]).CompareTo(TextFingerprint.Combine(seedHash, rowKeys[b]));
                return order != 0 ? order : a.CompareTo(b);
            });
            var holdoutCount = (int)Math.Round(members.Count * split.HoldoutShare, MidpointRounding.AwayFromZero);
            var validationCount = (int)Math.Round(members.Count * split.ValidationShare, MidpointRounding.AwayFromZero);
            targets.Add(stratum.Key, [members.Count - holdoutCount - validationCount, validationCount, holdoutCount]);
            for (var j = 0; j < members.Count; j++)
            {
                assignment[members[j]] = j < holdoutCount ? Holdout : j < holdoutCount + validationCount ? Validation : Train;
            }
        }

        // Keep each duplicate cluster whole. Rows without duplicates keep the split they drew; clusters of two or
        // more rows go whole, in seeded order, to the split furthest below its target in the stratum of the
        // cluster's first row, so shares stay close to the targets even when many rows have duplicates.
        // Singletons (most rows) need no list: only clusters of two or more rows are gathered.
        var filled = targets.ToDictionary(t => t.Key, _ => new long[3]);
        var clusterMembers = new Dictionary<int, List<int>>();
        for (var i = 0; i < rows; i++)
        {
            var root = clusters.Find(i);
            if (clusters.SizeOf(root) == 1)
            {
                filled[stratified ? labels[i] : 0][assignment[i]]++;
                continue;
            }

            if (!clusterMembers.TryGetValue(root, out var members))
            {
                members = [];
                clusterMembers.Add(root, members);
            }

            members.Add(i);
        }

        var multiRow = clusterMembers.Values.ToList();
        multiRow.Sort((a, b) =>
        {
            var order = TextFingerprint.Combine(seedHash, rowKeys[a[0]]).CompareTo(TextFingerprint.Combine(seedHash, rowKeys[b[0]]));
            return order != 0 ? order : a[0].CompareTo(b[0]);
        });
        long moved = 0;
        long rowsInClusters = 0;
        foreach (var members in multiRow)
        {
            var stratum = stratified ? labels[members[0]] : 0;
            var target = targets[stratum];
            var have = filled[stratum];
            var best = Train;
            foreach (var candidate in new[] { Validation, Holdout })
            {
                if (target[candidate] - have[candidate] > target[best] - have[best])
                {
                    best = candidate;
                }
            }

            have[best] += members.Count;
            rowsInClusters += members.Count;
            foreach (var row in members)
            {
                if (assignment[row] != best)
                {
                    assignment[row] = best;
                    moved++;
                }
            }
        }

        var multiRowClusters = multiRow.Count;

        var byOrdinal = new byte[lines];
        Array.Fill(byOrdinal, Skipped);
        var counts = new long[3];
        for (var i = 0; i < rows; i++)
        {
            byOrdinal[ordinals[i]] = assignment[i];
            counts[assignment[i]]++;
        }

        return new SplitPlan(byOrdinal, new DatasetSplitReport
        {
            TrainRows = counts[Train],
            ValidationRows = counts[Validation],
            HoldoutRows = counts[Holdout],
            SkippedLines = lines - rows,
            Stratified = stratified,
            Strata = strata.Count,
            DuplicateClusters = multiRowClusters,
            RowsInDuplicateClusters = rowsInClusters,
            MovedRows = moved,
            Seed = split.Seed,
        });
    }

    private sealed record SplitPlan(byte[] Assignment, DatasetSplitReport Report);

    /// <summary>Disjoint sets over row ids with path halving and union by size.</summary>
    private sealed class UnionFind
    {
        private readonly List<int> _parent = [];
        private readonly List<int> _size = [];

        public int Add()
        {
            _parent.Add(_parent.Count);
            _size.Add(1);
            return _parent.Count - 1;
        }

        public int Find(int x)
        {
            while (_parent[x] != x)
            {
                _parent[x] = _parent[_parent[x]];
                x = _parent[x];
            }

            return x;
        }

        public int SizeOf(int root) => _size[root];

        public void Union(int a, int b)
        {
            a = Find(a);
            b = Find(b);
            if (a == b)
            {
                return;
            }

            if (_size[a] < _size[b])
            {
                (a, b) = (b, a);
            }

            _parent[b] = a;
            _size[a] += _size[b];
        }
    }
}

/// <summary>Seed and shares of a <see cref="DatasetSplitter"/> run.</summary>
public sealed class DatasetSplitOptions
{
    /// <summary>Gets or sets the seed: the same file and seed give byte-identical outputs.</summary>
    /// <value>Defaults to 0.</value>
    public int Seed { get; set; }

    /// <summary>Gets or sets the share of rows for the holdout (final evaluation) split.</summary>
    /// <value>Defaults to 0.15.</value>
    public double HoldoutShare { get; set; } = 0.15;

    /// <summary>Gets or sets the share of rows for the validation split.</summary>
    /// <value>Defaults to 0.10.</value>
    public double ValidationShare { get; set; } = 0.10;

    internal void ThrowIfInvalid()
    {
        if (double.IsNaN(HoldoutShare) || HoldoutShare is < 0 or >= 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{nameof(HoldoutShare)} must be at least 0 and below 1; it was {HoldoutShare}."));
        }

        if (double.IsNaN(ValidationShare) || ValidationShare is < 0 or >= 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{nameof(ValidationShare)} must be at least 0 and below 1; it was {ValidationShare}."));
        }

        if (HoldoutShare + ValidationShare >= 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{nameof(HoldoutShare)} + {nameof(ValidationShare)} must be below 1; it was {HoldoutShare + ValidationShare}."));
        }
    }
}

/// <summary>What a <see cref="DatasetSplitter"/> run wrote.</summary>
public sealed class DatasetSplitReport
{
    /// <summary>Gets the number of training rows written.</summary>
    /// <value>Zero or more.</value>
    public long TrainRows { get; init; }

    /// <summary>Gets the number of validation rows written.</summary>
    /// <value>Zero or more.</value>
    public long ValidationRows { get; init; }

    /// <summary>Gets the number of holdout rows written.</summary>
    /// <value>Zero or more.</value>
    public long HoldoutRows { get; init; }

    /// <summary>Gets the number of non-blank lines left out because they are not JSON objects.</summary>
    /// <value>Zero for a well-formed file.</value>
    public long SkippedLines { get; init; }

    /// <summary>Gets a value indicating whether the split was stratified by label.</summary>
    /// <value><see langword="true"/> when the answers are class labels.</value>
    public bool Stratified { get; init; }

    /// <summary>Gets the number of strata (labels, or 1).</summary>
    /// <value>1 when not stratified.</value>
    public int Strata { get; init; }

    /// <summary>Gets the number of clusters of two or more rows (exact duplicates, same input, or near-duplicates).</summary>
    /// <value>Zero when every row is distinct.</value>
    public int DuplicateClusters { get; init; }

    /// <summary>Gets the number of rows in those clusters.</summary>
    /// <value>Zero when every row is distinct.</value>
    public long RowsInDuplicateClusters { get; init; }

    /// <summary>Gets the number of rows moved from the split they drew into their cluster's split, so no duplicate crosses splits.</summary>
    /// <value>Zero when no cluster straddled splits.</value>
    public long MovedRows { get; init; }

    /// <summary>Gets the seed used.</summary>
    /// <value>As given in <see cref="DatasetSplitOptions.Seed"/>.</value>
    public int Seed { get; init; }
}
