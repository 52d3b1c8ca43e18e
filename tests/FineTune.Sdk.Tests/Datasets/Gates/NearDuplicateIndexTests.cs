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
        // 20,000 rows × 8 bands at a load of at most 0.7 need 228,573 slots; doubling alone would give 262,144.
        // Within a factor of four of them the table goes straight there: no 131,072-slot step.
        capped.Slots.Should().Be(228_573);
        cappedSizes.Should().Equal(1_024, 2_048, 4_096, 8_192, 16_384, 32_768, 65_536, 228_573);
        uncapped.Slots.Should().Be(262_144);
        capped.GetTag(rows - 1).Should().Be(rows);
        capped.EstimateJaccard(7, signatures[7]).Should().Be(1.0);
    }
}
