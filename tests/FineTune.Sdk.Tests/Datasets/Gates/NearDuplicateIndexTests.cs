namespace FineTune.Sdk.Tests;

public sealed class NearDuplicateIndexTests
{
    [Fact]
    public void Add_WithRowCap_StopsTheTableAtTheSlotsTheCapNeedsAndFindsWhatAnUncappedIndexFinds()
    {
        const int rows = 20_000;
        var capped = new NearDuplicateIndex(hashCount: 32, bands: 8, rowsPerBand: 4, maxRows: rows);
        var uncapped = new NearDuplicateIndex(hashCount: 32, bands: 8, rowsPerBand: 4);
        var random = new Random(11);
        var signatures = new List<uint[]>();
        var candidates = new List<int>();
        var expected = new List<int>();
        var shared = 0;
        var cappedSizes = new List<int> { capped.Slots };
        for (var row = 0; row < rows; row++)
        {
            // Every fifth row copies an earlier row's first half, so bands collide and candidates are found.
            var signature = new uint[32];
            for (var i = 0; i < signature.Length; i++)
            {
                signature[i] = (uint)random.Next();
            }

            if (row % 5 == 4)
            {
                Array.Copy(signatures[random.Next(row)], signature, 16);
            }

            signatures.Add(signature);
            uncapped.FindCandidates(signature, expected);
            capped.FindCandidates(signature, candidates);
            candidates.Should().Equal(expected);
            shared += expected.Count;
            capped.Add(signature, row + 1).Should().Be(row);
            uncapped.Add(signature, row + 1);
            if (capped.Slots != cappedSizes[^1])
            {
                cappedSizes.Add(capped.Slots);
            }
        }

        shared.Should().BeGreaterThan(rows / 5);
        // 20,000 rows × 8 bands at a load of at most 0.8 need 200,002 slots; doubling alone would give 262,144.
        // The table doubles up to them and stops there.
        capped.Slots.Should().Be(200_002);
        cappedSizes.Should().Equal(1_024, 2_048, 4_096, 8_192, 16_384, 32_768, 65_536, 131_072, 200_002);
        uncapped.Slots.Should().Be(262_144);
        capped.GetTag(rows - 1).Should().Be(rows);
        capped.EstimateJaccard(7, signatures[7]).Should().Be(1.0);
    }

    [Fact]
    public void Add_WithRowCapFourTimesTheRows_DoublesOnlyAsFarAsTheRowsNeed()
    {
        // A file with a third of the cap's rows keeps the table its rows need (not the cap's): 30,000 rows × 8 bands
        // at a load of at most 0.8 fit in 524,288 slots, not the 1,000,002 the 100,000-row cap needs.
        var index = new NearDuplicateIndex(hashCount: 32, bands: 8, rowsPerBand: 4, maxRows: 100_000);
        var random = new Random(5);
        var signature = new uint[32];
        for (var row = 0; row < 30_000; row++)
        {
            for (var i = 0; i < signature.Length; i++)
            {
                signature[i] = (uint)random.Next();
            }

            index.Add(signature, row + 1);
        }

        index.Slots.Should().Be(524_288);
    }
}
