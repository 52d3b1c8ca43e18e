namespace FineTune.Sdk;

/// <summary>
/// A distribution of one per-example quantity (tokens, messages): minimum, maximum, mean, median and the 5th and
/// 95th percentiles (linear interpolation between closest ranks, as numpy's default).
/// </summary>
public sealed class TokenDistribution
{
    /// <summary>Gets the number of examples.</summary>
    /// <value>Zero for an empty dataset (then every statistic is 0).</value>
    public long Count { get; init; }

    /// <summary>Gets the smallest value.</summary>
    /// <value>Zero when <see cref="Count"/> is zero.</value>
    public long Min { get; init; }

    /// <summary>Gets the largest value.</summary>
    /// <value>Zero when <see cref="Count"/> is zero.</value>
    public long Max { get; init; }

    /// <summary>Gets the arithmetic mean.</summary>
    /// <value>Zero when <see cref="Count"/> is zero.</value>
    public double Mean { get; init; }

    /// <summary>Gets the median (50th percentile).</summary>
    /// <value>Zero when <see cref="Count"/> is zero.</value>
    public double Median { get; init; }

    /// <summary>Gets the 5th percentile.</summary>
    /// <value>Zero when <see cref="Count"/> is zero.</value>
    public double P5 { get; init; }

    /// <summary>Gets the 95th percentile.</summary>
    /// <value>Zero when <see cref="Count"/> is zero.</value>
    public double P95 { get; init; }

    /// <summary>Gets the sum of the values.</summary>
    /// <value>Zero when <see cref="Count"/> is zero.</value>
    public long Sum { get; init; }

    /// <summary>Computes a distribution from values.</summary>
    /// <param name="values">The values, in any order.</param>
    /// <returns>The distribution.</returns>
    public static TokenDistribution From(IEnumerable<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var builder = new DistributionBuilder();
        foreach (var value in values)
        {
            builder.Add(value);
        }

        return builder.Build();
    }
}

/// <summary>Accumulates values as a histogram (bounded by the number of distinct values, not of examples).</summary>
internal sealed class DistributionBuilder
{
    private readonly Dictionary<long, long> _histogram = [];
    private long _count;
    private long _sum;

    public void Add(long value)
    {
        _histogram.TryGetValue(value, out var n);
        _histogram[value] = n + 1;
        _count++;
        _sum += value;
    }

    public void Merge(DistributionBuilder other)
    {
        foreach (var (value, n) in other._histogram)
        {
            _histogram.TryGetValue(value, out var mine);
            _histogram[value] = mine + n;
        }

        _count += other._count;
        _sum += other._sum;
    }

    public TokenDistribution Build()
    {
        if (_count == 0)
        {
            return new TokenDistribution();
        }

        var sorted = _histogram.OrderBy(p => p.Key).ToArray();
        return new TokenDistribution
        {
            Count = _count,
            Sum = _sum,
            Min = sorted[0].Key,
            Max = sorted[^1].Key,
            Mean = (double)_sum / _count,
            Median = Quantile(sorted, 0.50),
            P5 = Quantile(sorted, 0.05),
            P95 = Quantile(sorted, 0.95),
        };
    }

    private double Quantile(KeyValuePair<long, long>[] sorted, double q)
    {
        var position = q * (_count - 1);
        var lower = (long)Math.Floor(position);
        var fraction = position - lower;
        var low = ValueAt(sorted, lower);
        var high = fraction > 0 ? ValueAt(sorted, lower + 1) : low;
        return low + ((high - low) * fraction);
    }

    private static long ValueAt(KeyValuePair<long, long>[] sorted, long rank)
    {
        long seen = 0;
        foreach (var (value, n) in sorted)
        {
            seen += n;
            if (rank < seen)
            {
                return value;
            }
        }

        return sorted[^1].Key;
    }
}
