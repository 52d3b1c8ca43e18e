using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace FineTune.Sdk;

/// <summary>
/// Hand-written equivalents of tiktoken's pre-tokenization regular expressions for <c>o200k_base</c> and
/// <c>cl100k_base</c>. They work on Unicode code points (a .NET <see cref="System.Text.RegularExpressions.Regex"/>
/// sees UTF-16 code units, so it would misclassify letters and digits outside the BMP) and reproduce the
/// backtracking, leftmost-first semantics of the original patterns branch by branch. A lone surrogate is classified
/// like U+FFFD, the character it becomes when JavaScript or Rust encodes the text as UTF-8.
/// </summary>
internal static class PreTokenizer
{
    /// <summary>The o200k_base pattern this code implements (checked against the shipped data by a test).</summary>
    public const string O200kPattern = @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The cl100k_base pattern this code implements (checked against the shipped data by a test).</summary>
    public const string Cl100kPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Kind[] AsciiKinds = CreateAsciiKinds();

    [Flags]
    private enum Kind : byte
    {
        None = 0,

        /// <summary>\p{L}.</summary>
        Letter = 1,

        /// <summary>[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}].</summary>
        Upper = 2,

        /// <summary>[\p{Ll}\p{Lm}\p{Lo}\p{M}].</summary>
        Lower = 4,

        /// <summary>\p{N}.</summary>
        Number = 8,

        /// <summary>\s (the Unicode White_Space property).</summary>
        Space = 16,

        /// <summary>\r or \n.</summary>
        NewLine = 32,
    }

    /// <summary>Returns the length in chars of the o200k_base piece that starts at <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public static int NextO200k(ReadOnlySpan<char> text, int start)
    {
        var ascii = AsciiWord(text, start);
        if (ascii > 0)
        {
            return ascii;
        }

        var first = Classify(text, start, out var width);
        int end;
        if ((first & (Kind.Upper | Kind.Lower)) != 0 || (start + width < text.Length && IsP(first)))
        {
            end = MatchO200kLetters(text, start, first, width);
            if (end > 0)
            {
                return end - start;
            }
        }

        return MatchCommonTail(text, start, first, width, slashAfterPunctuation: true) - start;
    }

    /// <summary>Returns the length in chars of the cl100k_base piece that starts at <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public static int NextCl100k(ReadOnlySpan<char> text, int start)
    {
        var first = Classify(text, start, out var width);
        if (text[start] == '\'')
        {
            var contraction = Contraction(text, start);
            if (contraction > 0)
            {
                return contraction;
            }
        }

        if ((first & Kind.Letter) != 0)
        {
            return Run(text, start, Kind.Letter) - start;
        }

        if (IsP(first) && start + width < text.Length && (Classify(text, start + width, out _) & Kind.Letter) != 0)
        {
            return Run(text, start + width, Kind.Letter) - start;
        }

        return MatchCommonTail(text, start, first, width, slashAfterPunctuation: false) - start;
    }

    // The common case of branches 1 and 2 of o200k_base in ASCII text: an optional prefix character, then
    // [A-Z]*[a-z]* with at least one letter, then an optional contraction. For ASCII letters the upper- and
    // lower-case classes do not overlap, so the backtracking of the full branches reduces to this. Returns the
    // piece's length, or 0 when the piece is not of that shape or a non-ASCII character could extend it (the
    // general code decides then).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AsciiWord(ReadOnlySpan<char> text, int start)
    {
        var position = start;
        var c = text[position];
        if (c >= 128)
        {
            return 0;
        }

        if (!char.IsAsciiLetter(c))
        {
            // [^\r\n\p{L}\p{N}] followed by an ASCII letter.
            if (position + 1 >= text.Length || (AsciiKinds[c] & (Kind.NewLine | Kind.Number)) != 0 || !char.IsAsciiLetter(text[position + 1]))
            {
                return 0;
            }

            position++;
        }

        while (position < text.Length && char.IsAsciiLetterUpper(text[position]))
        {
            position++;
        }

        while (position < text.Length && char.IsAsciiLetterLower(text[position]))
        {
            position++;
        }

        if (position < text.Length && text[position] >= 128)
        {
            return 0;
        }

        return position + Contraction(text, position) - start;
    }

    // Branches 1 and 2 of o200k_base; returns the end index or -1.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static int MatchO200kLetters(ReadOnlySpan<char> text, int start, Kind first, int width)
    {
        var canTakePrefix = IsP(first);
        int end;
        if (canTakePrefix && (end = LowerBranch(text, start + width)) > 0)
        {
            return end;
        }

        if ((end = LowerBranch(text, start)) > 0)
        {
            return end;
        }

        if (canTakePrefix && (end = UpperBranch(text, start + width)) > 0)
        {
            return end;
        }

        return UpperBranch(text, start);
    }

    // [U]*[Lw]+(contraction)? from j, where U = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and Lw = [\p{Ll}\p{Lm}\p{Lo}\p{M}].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static int LowerBranch(ReadOnlySpan<char> text, int j)
    {
        var position = j;
        var lastLower = -1;
        Kind kind = Kind.None;
        var width = 0;
        while (position < text.Length)
        {
            kind = Classify(text, position, out width);
            if ((kind & Kind.Upper) == 0)
            {
                break;
            }

            if ((kind & Kind.Lower) != 0)
            {
                lastLower = position;
            }

            position += width;
        }

        int lowerStart;
        if (position < text.Length && (kind & Kind.Lower) != 0)
        {
            // The greedy U* stopped on a lower-case letter (\p{Ll}); Lw+ starts there.
            lowerStart = position;
        }
        else if (lastLower >= 0)
        {
            // Backtrack U* to the last character of the run that Lw also accepts.
            lowerStart = lastLower;
        }
        else
        {
            return -1;
        }

        var end = Run(text, lowerStart, Kind.Lower);
        return end + Contraction(text, end);
    }

    // [U]+[Lw]*(contraction)? from j.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static int UpperBranch(ReadOnlySpan<char> text, int j)
    {
        var position = Run(text, j, Kind.Upper);
        if (position == j)
        {
            return -1;
        }

        position = Run(text, position, Kind.Lower);
        return position + Contraction(text, position);
    }

    // The branches both patterns share after the letter branches:
    // \p{N}{1,3} | ' '?[^\s\p{L}\p{N}]+[\r\n(/)]* | \s*[\r\n]+ | \s+(?!\S) | \s+
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static int MatchCommonTail(ReadOnlySpan<char> text, int start, Kind first, int width, bool slashAfterPunctuation)
    {
        if ((first & Kind.Number) != 0)
        {
            var position = start + width;
            for (var i = 1; i < 3 && position < text.Length; i++)
            {
                if ((Classify(text, position, out var w) & Kind.Number) == 0)
                {
                    break;
                }

                position += w;
            }

            return position;
        }

        var punctuationStart = -1;
        if (IsQ(first))
        {
            punctuationStart = start;
        }
        else if (text[start] == ' ' && start + 1 < text.Length && IsQ(Classify(text, start + 1, out _)))
        {
            punctuationStart = start + 1;
        }

        if (punctuationStart >= 0)
        {
            var position = punctuationStart;
            while (position < text.Length)
            {
                var kind = Classify(text, position, out var w);
                if (!IsQ(kind))
                {
                    break;
                }

                position += w;
            }

            while (position < text.Length && (text[position] is '\r' or '\n' || (slashAfterPunctuation && text[position] == '/')))
            {
                position++;
            }

            return position;
        }

        // Whitespace: every \s character is a single UTF-16 code unit.
        var runEnd = start;
        var lastNewLine = -1;
        while (runEnd < text.Length && IsWhiteSpace(text[runEnd]))
        {
            if (text[runEnd] is '\r' or '\n')
            {
                lastNewLine = runEnd;
            }

            runEnd++;
        }

        if (lastNewLine >= 0)
        {
            return lastNewLine + 1; // \s*[\r\n]+
        }

        if (runEnd == text.Length || runEnd - start == 1)
        {
            return runEnd; // \s+(?!\S) at the end of the text, or \s+ for a single character
        }

        return runEnd - 1; // \s+(?!\S) leaves the last space to the next piece
    }

    // (?i:'s|'t|'re|'ve|'m|'ll|'d) at position; returns its length in chars or 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Contraction(ReadOnlySpan<char> text, int position)
    {
        if (position + 1 >= text.Length || text[position] != '\'')
        {
            return 0;
        }

        // Case-insensitive matching follows Unicode simple case folding: U+017F (long s) folds to 's'.
        switch (text[position + 1])
        {
            case 's' or 'S' or '\u017F' or 't' or 'T' or 'm' or 'M' or 'd' or 'D':
                return 2;
            case 'r' or 'R' or 'v' or 'V':
                return position + 2 < text.Length && text[position + 2] is 'e' or 'E' ? 3 : 0;
            case 'l' or 'L':
                return position + 2 < text.Length && text[position + 2] is 'l' or 'L' ? 3 : 0;
            default:
                return 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static int Run(ReadOnlySpan<char> text, int position, Kind required)
    {
        while (position < text.Length)
        {
            if ((Classify(text, position, out var width) & required) == 0)
            {
                break;
            }

            position += width;
        }

        return position;
    }

    // [^\r\n\p{L}\p{N}]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsP(Kind kind) => (kind & (Kind.NewLine | Kind.Letter | Kind.Number)) == 0;

    // [^\s\p{L}\p{N}]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsQ(Kind kind) => (kind & (Kind.Space | Kind.Letter | Kind.Number)) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Kind Classify(ReadOnlySpan<char> text, int index, out int width)
    {
        var c = text[index];
        width = 1;
        if (c < 128)
        {
            return AsciiKinds[c];
        }

        if (!char.IsSurrogate(c))
        {
            return FromCategory(CharUnicodeInfo.GetUnicodeCategory(c), c);
        }

        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return FromCategory(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[index + 1])), 0);
        }

        return Kind.None; // a lone surrogate is encoded as U+FFFD, an OtherSymbol
    }

    private static Kind FromCategory(UnicodeCategory category, int codePoint) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.TitlecaseLetter => Kind.Letter | Kind.Upper,
        UnicodeCategory.LowercaseLetter => Kind.Letter | Kind.Lower,
        UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter | Kind.Upper | Kind.Lower,
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => Kind.Upper | Kind.Lower,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
        _ => IsWhiteSpace(codePoint) ? Kind.Space : Kind.None,
    };

    // The Unicode White_Space property (what \s means in Rust's regex crate).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWhiteSpace(int c) => c switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    private static Kind[] CreateAsciiKinds()
    {
        var kinds = new Kind[128];
        for (var c = 0; c < 128; c++)
        {
            kinds[c] = c switch
            {
                >= 'a' and <= 'z' => Kind.Letter | Kind.Lower,
                >= 'A' and <= 'Z' => Kind.Letter | Kind.Upper,
                >= '0' and <= '9' => Kind.Number,
                '\r' or '\n' => Kind.Space | Kind.NewLine,
                _ => IsWhiteSpace(c) ? Kind.Space : Kind.None,
            };
        }

        return kinds;
    }
}
