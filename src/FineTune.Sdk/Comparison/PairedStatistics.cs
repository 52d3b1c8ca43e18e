namespace FineTune.Sdk;

/// <summary>The statistics of the comparison engine: exact McNemar, paired bootstrap, percentiles.</summary>
internal static class PairedStatistics
{
    /// <summary>
    /// Two-sided exact McNemar p-value: with n = b + c discordant pairs, p = min(1, 2 · P(X ≤ min(b, c))) for
    /// X ~ Binomial(n, 1/2). No discordant pairs gives 1. Computed in log space so large n does not underflow.
    /// </summary>
    public static double McNemarExact(int b, int c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        var n = b + c;
        if (n == 0)
        {
            return 1.0;
        }

        var k = Math.Min(b, c);
        var logTerm = n * Math.Log(0.5);
        var logs = new double[k + 1];
        logs[0] = logTerm;
        for (var i = 0; i < k; i++)
        {
            logTerm += Math.Log(n - i) - Math.Log(i + 1);
            logs[i + 1] = logTerm;
        }

        var max = logs.Max();
        var sum = logs.Sum(l => Math.Exp(l - max));
        return Math.Min(1.0, 2 * Math.Exp(max) * sum);
    }

    /// <summary>
    /// Percentile confidence interval of the mean paired difference by bootstrap: <paramref name="resamples"/>
    /// resamples of the differences with replacement, from a <see cref="Random"/> seeded with <paramref name="seed"/>.
    /// </summary>
    public static (double Low, double High) BootstrapMeanDifference(IReadOnlyList<double> differences, int resamples, int seed, double confidence)
    {
        if (differences.Count == 0)
        {
            return (0, 0);
        }

        var random = new Random(seed);
        var means = new double[resamples];
        var n = differences.Count;
        for (var r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += differences[random.Next(n)];
            }

            means[r] = sum / n;
        }

        Array.Sort(means);
        var alpha = (1 - confidence) / 2;
        return (PercentileSorted(means, alpha), PercentileSorted(means, 1 - alpha));
    }

    /// <summary>Percentile by linear interpolation between closest ranks (position p · (n − 1)), as numpy's default.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : PercentileSorted(sorted, p);
    }

    public static double PercentileSorted(double[] sorted, double p)
    {
        if (sorted.Length == 1)
        {
            return sorted[0];
        }

        var position = p * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
