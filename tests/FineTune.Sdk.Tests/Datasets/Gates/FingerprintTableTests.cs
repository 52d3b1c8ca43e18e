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
        table.MaxBytes.Should().Be(2048 * 12, "the slots are the next power of two at or above 1.25 × capacity, 8 bytes of key and 4 of line each");
    }

    [Fact]
    public void TryAdd_UpToTheCap_DoublesAtALoadOfSevenEighthsAndStopsAtTheCapSlots()
    {
        var table = new FingerprintTable(200_000, withValues: false);
        var sizes = new List<long> { table.Bytes };
        var sizeAt108708 = 0L;
        for (var i = 1; i <= 200_000; i++)
        {
            table.TryAdd(TextFingerprint.Mix((ulong)i), i).Should().BeTrue();
            if (table.Bytes != sizes[^1])
            {
                sizes.Add(table.Bytes);
            }

            if (i == 108_708)
            {
                sizeAt108708 = table.Bytes;
            }
        }

        // Doubling, each step once 7/8 of the slots are taken, never past the cap's 262,144.
        sizes.Select(bytes => bytes / 12).Should().Equal(1_024, 2_048, 4_096, 8_192, 16_384, 32_768, 65_536, 131_072, 262_144);
        // 108,708 distinct inputs (the contradiction table on the 200 MB benchmark corpus) fit in 131,072 slots: at a
        // load of 3/4, or going straight to the cap from a quarter of it, they took 262,144.
        (sizeAt108708 / 12).Should().Be(131_072);
        table.IsFull.Should().BeTrue();
        table.TryGet(TextFingerprint.Mix(123_456), out var line, out _).Should().BeTrue();
        line.Should().Be(123_456);
        table.TryGet(TextFingerprint.Mix(200_001), out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryAdd_LinePast32Bits_IsNotKeptSoTheCallerFallsBack()
    {
        var table = new FingerprintTable(10, withValues: true);

        table.TryAdd(1, uint.MaxValue, 9).Should().BeTrue();
        table.TryAdd(2, (long)uint.MaxValue + 1, 9).Should().BeFalse();

        table.TryGet(1, out var line, out var value).Should().BeTrue();
        line.Should().Be(uint.MaxValue);
        value.Should().Be(9);
        table.TryGet(2, out _, out _).Should().BeFalse();
        table.Bytes.Should().Be(1024 * 20);
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
        filter.Bytes.Should().Be(128 * 1024, "at 350,000 bits set in 2^20 every block holds more offsets than its bits weigh");
    }

    [Theory]
    [InlineData(64, 40)]
    [InlineData(1 << 12, 2_000)]
    [InlineData(1 << 20, 60_000)]
    [InlineData(1 << 22, 30_000)]
    public void BloomFilter_CheckAndAdd_AnswersAsThePlainBitArrayDoes(long bits, int keys)
    {
        // The reference: the filter as a plain bit array, same probes. Blocks go from offsets to bits on the way.
        var filter = new BloomFilter(bits);
        var reference = new ulong[bits / 64];
        var random = new Random(7);
        var differences = 0;
        var present = 0;
        for (var i = 0; i < keys; i++)
        {
            // A quarter of the keys repeat an earlier one, so "present" answers are exercised too.
            var key = i > 0 && random.Next(4) == 0 ? TextFingerprint.Mix((ulong)random.Next(i)) : TextFingerprint.Mix((ulong)i);
            var expected = ReferenceCheckAndAdd(reference, (ulong)bits - 1, key);
            present += expected ? 1 : 0;
            if (filter.CheckAndAdd(key) != expected)
            {
                differences++;
            }
        }

        differences.Should().Be(0);
        present.Should().BeGreaterThan(keys / 8, "about a quarter of the keys repeat one added before");
        filter.Bytes.Should().BeLessThanOrEqualTo(filter.MaxBytes);
        filter.MaxBytes.Should().Be(bits / 8);
    }

    [Fact]
    public void BloomFilter_FewKeys_HoldsAboutFourteenBytesAKeyNotTheWholeArray()
    {
        var filter = new BloomFilter(1L << 26);
        for (var i = 0UL; i < 10_000; i++)
        {
            filter.CheckAndAdd(TextFingerprint.Mix(i));
        }

        // 70,000 bits set over 1,024 blocks: about 68 offsets of 2 bytes a block, in arrays at most twice that.
        filter.Bytes.Should().BeLessThanOrEqualTo(10_000 * 7 * 2 * 2).And.BeGreaterThanOrEqualTo(10_000 * 7 * 2);
        filter.MaxBytes.Should().Be(8L * 1024 * 1024);
    }

    private static bool ReferenceCheckAndAdd(ulong[] bits, ulong mask, ulong fingerprint)
    {
        var mixed = TextFingerprint.Mix(fingerprint ^ 0x9E3779B97F4A7C15UL);
        var h1 = (ulong)(uint)mixed;
        var h2 = (mixed >> 32) | 1;
        var present = true;
        for (var i = 0UL; i < BloomFilter.HashCount; i++)
        {
            var bit = (h1 + (i * h2)) & mask;
            var flag = 1UL << (int)(bit & 63);
            if ((bits[bit >> 6] & flag) == 0)
            {
                present = false;
                bits[bit >> 6] |= flag;
            }
        }

        return present;
    }
}
