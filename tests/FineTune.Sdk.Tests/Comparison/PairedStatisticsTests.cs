namespace FineTune.Sdk.Tests;

public sealed class PairedStatisticsTests
{
    // Expected values computed independently: python3 -c "from math import comb; n=b+c; k=min(b,c);
    // print(min(1, 2*sum(comb(n,i) for i in range(k+1))/2**n))"
    [Theory]
    [InlineData(0, 5, 0.0625)]
    [InlineData(1, 9, 0.021484375)]
    [InlineData(2, 8, 0.109375)]
    [InlineData(3, 3, 1.0)]
    [InlineData(10, 2, 0.03857421875)]
    [InlineData(5, 15, 0.04138946533203125)]
    [InlineData(0, 0, 1.0)]
    [InlineData(40, 60, 0.05688793364098079)]
    [InlineData(7, 0, 0.015625)]
    public void McNemarExact_MatchesBinomialTail(int b, int c, double expected)
    {
        PairedStatistics.McNemarExact(b, c).Should().BeApproximately(expected, 1e-12);
    }

    [Fact]
    public void McNemarExact_LargeTables_DoNotUnderflow()
    {
        var p = PairedStatistics.McNemarExact(900, 1100);
        p.Should().BeGreaterThan(0).And.BeLessThan(1e-4);
        PairedStatistics.McNemarExact(1000, 1000).Should().BeApproximately(1.0, 1e-9);
    }

    [Fact]
    public void Percentile_LinearInterpolation_HandComputed()
    {
        var values = Enumerable.Range(1, 10).Select(i => (double)i).Reverse().ToList();
        PairedStatistics.Percentile(values, 0.50).Should().BeApproximately(5.5, 1e-12);
        PairedStatistics.Percentile(values, 0.95).Should().BeApproximately(9.55, 1e-12);
        PairedStatistics.Percentile(values, 0.99).Should().BeApproximately(9.91, 1e-12);
        PairedStatistics.Percentile([7.0], 0.95).Should().Be(7);
    }

    [Fact]
    public void BootstrapMeanDifference_SeededIsReproducibleAndBracketsTheMean()
    {
        var differences = Enumerable.Range(0, 200).Select(i => i % 4 == 0 ? 1.0 : 0.0).ToList(); // mean 0.25
        var a = PairedStatistics.BootstrapMeanDifference(differences, 2000, 7, 0.95);
        var b = PairedStatistics.BootstrapMeanDifference(differences, 2000, 7, 0.95);
        a.Should().Be(b);
        a.Low.Should().BeLessThan(0.25).And.BeGreaterThan(0.15);
        a.High.Should().BeGreaterThan(0.25).And.BeLessThan(0.35);

        // Normal approximation: 0.25 ± 1.96·sqrt(0.25·0.75/200) = [0.190, 0.310]; the bootstrap is close to it.
        a.Low.Should().BeApproximately(0.19, 0.02);
        a.High.Should().BeApproximately(0.31, 0.02);
    }

    [Fact]
    public void BootstrapMeanDifference_ConstantDifferences_ZeroWidth()
    {
        PairedStatistics.BootstrapMeanDifference([0.5, 0.5, 0.5], 500, 1, 0.95).Should().Be((0.5, 0.5));
    }
}
