namespace FineTune.Sdk.Tests;

public sealed class FingerprintTableTests
{
    [Fact]
    public void TryAdd_UpToCapacity_KeepsEveryKeyWithItsLineAndValue()
    {
        var table = new FingerprintTable(10_000, withValues: true);

        for (var i = 1; i <= 10_000; i++)
        {
            table.TryAdd(TextFingerprint.Mix((ulong)i), i, (ulong)i * 3).Should().BeTrue();
        }

        table.IsFull.Should().BeTrue();
        for (var i = 1; i <= 10_000; i++)
        {
            table.TryGet(TextFingerprint.Mix((ulong)i), out var line, out var value).Should().BeTrue();
            line.Should().Be(i);
            value.Should().Be((ulong)i * 3);
        }

        table.TryGet(TextFingerprint.Mix(10_001), out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryAdd_PastCapacity_AddsNothingAndMemoryStopsGrowing()
    {
        var table = new FingerprintTable(1_000, withValues: false);
        for (var i = 1; i <= 1_000; i++)
        {
            table.TryAdd(TextFingerprint.Mix((ulong)i), i);
        }

        var bytes = table.Bytes;

        table.TryAdd(TextFingerprint.Mix(5_000), 5_000).Should().BeFalse();
        table.TryGet(TextFingerprint.Mix(5_000), out _, out _).Should().BeFalse();
        table.Count.Should().Be(1_000);
        table.Bytes.Should().Be(bytes).And.BeLessThanOrEqualTo(table.MaxBytes);
        table.MaxBytes.Should().Be(2048 * 16, "the slots are the next power of two at or above 1.25 × capacity");
    }

    [Fact]
    public void TryAdd_ZeroKey_IsFoundAgain()
    {
        var table = new FingerprintTable(4, withValues: false);

        table.TryAdd(0, 7);

        table.TryGet(0, out var line, out _).Should().BeTrue();
        line.Should().Be(7);
    }

    [Fact]
    public void BloomFilter_CheckAndAdd_HasNoFalseNegativesAndFewFalsePositives()
    {
        var filter = new BloomFilter(1 << 20);
        for (var i = 0UL; i < 50_000; i++)
        {
            filter.CheckAndAdd(TextFingerprint.Mix(i));
        }

        var falsePositives = 0;
        for (var i = 0UL; i < 50_000; i++)
        {
            filter.CheckAndAdd(TextFingerprint.Mix(i)).Should().BeTrue();
            if (i % 10 == 0 && filter.CheckAndAdd(TextFingerprint.Mix(i + 1_000_000)))
            {
                falsePositives++;
            }
        }

        falsePositives.Should().BeLessThan(10, "about 20 bits per key with 7 probes gives a rate near 2e-4: about 1 in 5,000");
        filter.Bytes.Should().Be(128 * 1024);
    }
}
