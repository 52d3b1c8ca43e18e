using System.Runtime.CompilerServices;
namespace FineTune.Sdk;

/// <summary>
/// tiktoken's byte-pair merge: repeatedly merge the adjacent pair whose concatenation has the lowest rank (the
/// leftmost on ties) until no adjacent pair is a token.
/// </summary>
internal static class BytePairEncoder
{
    private const int NoRank = int.MaxValue;

    /// <summary>Encodes one pre-tokenized piece; adds the ids to <paramref name="output"/> when given.</summary>
    /// <returns>The number of tokens.</returns>
    public static int Encode(BpeVocabulary vocabulary, ReadOnlySpan<byte> piece, List<int>? output)
    {
        if (piece.IsEmpty)
        {
            return 0;
        }

        var whole = vocabulary.Lookup(piece);
        if (whole >= 0)
        {
            output?.Add(whole);
            return 1;
        }

        return piece.Length <= TiktokenTokenizer.LinearMergeLimit
            ? MergeLinear(vocabulary, piece, output)
            : MergeWithQueue(vocabulary, piece, output);
    }

    // The algorithm exactly as tiktoken writes it: O(n^2) but fast for the short pieces text is made of.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static int MergeLinear(BpeVocabulary vocabulary, ReadOnlySpan<byte> piece, List<int>? output)
    {
        var n = piece.Length;
        Span<int> starts = stackalloc int[n + 1];
        Span<int> ranks = stackalloc int[n + 1];
        var minRank = NoRank;
        var minIndex = -1;
        for (var i = 0; i < n - 1; i++)
        {
            var rank = RankOf(vocabulary, piece.Slice(i, 2));
            if (rank < minRank)
            {
                minRank = rank;
                minIndex = i;
            }

            starts[i] = i;
            ranks[i] = rank;
        }

        starts[n - 1] = n - 1;
        ranks[n - 1] = NoRank;
        starts[n] = n;
        ranks[n] = NoRank;
        var parts = n + 1;

        while (minRank != NoRank)
        {
            var i = minIndex;
            if (i > 0)
            {
                ranks[i - 1] = RankOfSpan(vocabulary, piece, starts, parts, i - 1);
            }

            ranks[i] = RankOfSpan(vocabulary, piece, starts, parts, i);
            starts.Slice(i + 2, parts - i - 2).CopyTo(starts[(i + 1)..]);
            ranks.Slice(i + 2, parts - i - 2).CopyTo(ranks[(i + 1)..]);
            parts--;

            minRank = NoRank;
            for (var k = 0; k < parts - 1; k++)
            {
                if (ranks[k] < minRank)
                {
                    minRank = ranks[k];
                    minIndex = k;
                }
            }
        }

        if (output is not null)
        {
            for (var k = 0; k < parts - 1; k++)
            {
                output.Add(vocabulary.Lookup(piece[starts[k]..starts[k + 1]]));
            }
        }

        return parts - 1;
    }

    // The same merges in O(n log n) for long pieces (long runs of spaces or punctuation): a priority queue ordered by
    // (rank, start) picks the same pair as the linear scan, which takes the lowest rank and then the leftmost part.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static int MergeWithQueue(BpeVocabulary vocabulary, ReadOnlySpan<byte> piece, List<int>? output)
    {
        var n = piece.Length;
        var start = new int[n + 1];
        var next = new int[n + 1];
        var previous = new int[n + 1];
        var rank = new int[n + 1];
        var alive = new bool[n + 1];
        var queue = new PriorityQueue<int, long>(n);
        for (var k = 0; k <= n; k++)
        {
            start[k] = k;
            next[k] = k + 1;
            previous[k] = k - 1;
            alive[k] = true;
        }

        for (var k = 0; k < n - 1; k++)
        {
            rank[k] = RankOf(vocabulary, piece.Slice(k, 2));
            if (rank[k] != NoRank)
            {
                queue.Enqueue(k, Priority(rank[k], k));
            }
        }

        rank[n - 1] = NoRank;
        while (queue.TryDequeue(out var k, out var priority))
        {
            if (!alive[k] || rank[k] != (int)(priority >> 32))
            {
                continue; // stale entry
            }

            var removed = next[k];
            alive[removed] = false;
            next[k] = next[removed];
            previous[next[k]] = k;

            rank[k] = PairRank(vocabulary, piece, start, next, k, n);
            if (rank[k] != NoRank)
            {
                queue.Enqueue(k, Priority(rank[k], k));
            }

            var before = previous[k];
            if (before >= 0)
            {
                rank[before] = PairRank(vocabulary, piece, start, next, before, n);
                if (rank[before] != NoRank)
                {
                    queue.Enqueue(before, Priority(rank[before], before));
                }
            }
        }

        var count = 0;
        for (var k = 0; k < n; k = next[k])
        {
            output?.Add(vocabulary.Lookup(piece[start[k]..start[next[k]]]));
            count++;
        }

        return count;
    }

    private static long Priority(int rank, int start) => ((long)rank << 32) | (uint)start;

    // Rank of part k merged with the part after it.
    private static int PairRank(BpeVocabulary vocabulary, ReadOnlySpan<byte> piece, int[] start, int[] next, int k, int n)
    {
        var second = next[k];
        if (second >= n)
        {
            return NoRank;
        }

        return RankOf(vocabulary, piece[start[k]..start[next[second]]]);
    }

    private static int RankOfSpan(BpeVocabulary vocabulary, ReadOnlySpan<byte> piece, Span<int> starts, int parts, int i) =>
        i + 3 < parts ? RankOf(vocabulary, piece[starts[i]..starts[i + 3]]) : NoRank;

    private static int RankOf(BpeVocabulary vocabulary, ReadOnlySpan<byte> bytes)
    {
        var rank = vocabulary.Lookup(bytes);
        return rank < 0 ? NoRank : rank;
    }
}
