using System.Runtime.CompilerServices;
using System.Net;
using System.Numerics;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace FineTune.Sdk;

/// <summary>The kinds of personal data and secrets <see cref="PiiDetector"/> recognises.</summary>
internal enum PiiKind
{
    Email,
    Phone,
    CardNumber,
    Ssn,
    Iban,
    IpAddress,
    ApiKey,
    BearerToken,
}

/// <summary>One detected value: where it is in the text and what it is (the value itself is not kept).</summary>
internal readonly record struct PiiSpan(PiiKind Kind, int Start, int Length);

/// <summary>
/// Finds personal data and secrets in text. Candidates come from source-generated regular expressions; card
/// numbers must pass the Luhn check, IBANs the ISO 13616 mod-97 check, SSNs the SSA area/group/serial rules and
/// IP addresses <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>. Overlapping matches keep the first
/// found in priority order (secrets, then emails, IBANs, cards, SSNs, IPs, phones). Stateless and thread-safe.
/// </summary>
internal static partial class PiiDetector
{
    /// <summary>Gets the placeholder label of a kind, as used by the redactor (<c>&lt;EMAIL_1&gt;</c>).</summary>
    public static string Label(PiiKind kind) => kind switch
    {
        PiiKind.Email => "EMAIL",
        PiiKind.Phone => "PHONE",
        PiiKind.CardNumber => "CARD",
        PiiKind.Ssn => "SSN",
        PiiKind.Iban => "IBAN",
        PiiKind.IpAddress => "IP",
        PiiKind.ApiKey => "API_KEY",
        _ => "BEARER_TOKEN",
    };

    /// <summary>Gets a plain description of a kind for messages, with its indefinite article.</summary>
    public static string Describe(PiiKind kind) => kind switch
    {
        PiiKind.Email => "an email address",
        PiiKind.Phone => "a phone number",
        PiiKind.CardNumber => "a payment card number (Luhn-valid)",
        PiiKind.Ssn => "a US social security number",
        PiiKind.Iban => "an IBAN (mod-97 valid)",
        PiiKind.IpAddress => "an IP address",
        PiiKind.ApiKey => "an API key",
        _ => "a bearer token",
    };

    /// <summary>
    /// Returns true when <see cref="Detect"/> is sure to find nothing in a JSON string, judged from its raw UTF-8
    /// (escapes included) without decoding it: no <c>\u</c> escape, no <c>@</c>, none of the API-key prefixes
    /// (<c>sk-</c>, <c>AKIA</c>, <c>ASIA</c>, <c>gh?_</c>, <c>github_pat_</c>, <c>eyJ</c>), no <c>earer</c> in any ASCII case
    /// (both bearer checks need "Bearer"), and digits in no shape a digit-based kind needs (the same shape test <see cref="Detect"/>
    /// applies). No character outside ASCII matches these case-insensitively, and the other escapes (<c>\n</c>,
    /// <c>\"</c>, ...) stand for characters that are in none of them, so they cannot create one or change a shape.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    public static bool CannotMatch(ReadOnlySpan<byte> utf8, bool includeIpAddresses = true)
    {
        if (utf8.IndexOf((byte)'@') >= 0 || utf8.IndexOf("\\u"u8) >= 0 || HasApiKeyHint(utf8))
        {
            return false;
        }

        var rest = utf8;
        int at;
        while ((at = rest.IndexOfAny((byte)'e', (byte)'E')) >= 0)
        {
            rest = rest[(at + 1)..];
            if (rest.Length >= 4 && (rest[0] | 0x20) == 'a' && (rest[1] | 0x20) == 'r' && (rest[2] | 0x20) == 'e' && (rest[3] | 0x20) == 'r')
            {
                return false;
            }
        }

        var shape = ScanDigits(utf8);
        return !shape.MayMatch(includeIpAddresses && shape.Count >= 4 && HasColonPair(utf8), includeIpAddresses);
    }

    /// <summary>Returns the detected spans in text order, without overlaps.</summary>
    public static List<PiiSpan> Detect(string text, bool includeIpAddresses = true)
    {
        var spans = new List<PiiSpan>();
        if (string.IsNullOrEmpty(text))
        {
            return spans;
        }

        // Cheap pre-checks skip most regular expressions on ordinary prose. The credential shapes are the ones
        // SecretScrubber removes from every text the SDK writes: one list (SecretShapes), found here and scrubbed there.
        if (text.Contains("earer", StringComparison.OrdinalIgnoreCase))
        {
            foreach (Match match in SecretShapes.AuthorizationBearer().Matches(text))
            {
                var token = match.Groups["token"];
                AddIfFree(spans, PiiKind.BearerToken, token.Index, token.Length);
            }

            foreach (Match match in SecretShapes.Bearer().Matches(text))
            {
                var token = match.Groups["token"];
                AddIfFree(spans, PiiKind.BearerToken, token.Index, token.Length);
            }
        }

        if (text.Contains("eyJ", StringComparison.Ordinal))
        {
            foreach (Match match in SecretShapes.Jwt().Matches(text))
            {
                AddIfFree(spans, PiiKind.BearerToken, match.Index, match.Length);
            }
        }

        if (HasApiKeyHint(text.AsSpan()))
        {
            foreach (Match match in SecretShapes.ApiKey().Matches(text))
            {
                AddIfFree(spans, PiiKind.ApiKey, match.Index, match.Length);
            }

            foreach (Match match in SecretShapes.MaskedKey().Matches(text))
            {
                AddIfFree(spans, PiiKind.ApiKey, match.Index, match.Length);
            }
        }

        if (text.Contains('@', StringComparison.Ordinal))
        {
            foreach (Match match in EmailRegex().Matches(text))
            {
                AddIfFree(spans, PiiKind.Email, match.Index, match.Length);
            }
        }

        // Every remaining kind needs digits: at least 4 (IPv4, IBAN), 9 (SSN), 10 (phone), 13 (card).
        // One pass gathers the shapes each remaining pattern needs, so a regex runs only where it can match.
        var shape = ScanDigits(text.AsSpan());
        if (shape.Count < 4)
        {
            spans.Sort((a, b) => a.Start.CompareTo(b.Start));
            return spans;
        }

        if (shape.MayBeIban)
        {
            foreach (Match match in IbanRegex().Matches(text))
            {
                if (IsValidIban(match.ValueSpan))
                {
                    AddIfFree(spans, PiiKind.Iban, match.Index, match.Length);
                }
            }
        }

        if (shape.MayBeCard)
        {
            foreach (Match match in CardRegex().Matches(text))
            {
                if (IsLuhnValid(match.ValueSpan))
                {
                    AddIfFree(spans, PiiKind.CardNumber, match.Index, match.Length);
                }
            }
        }

        if (shape.MayBeSsn)
        {
            foreach (Match match in SsnRegex().Matches(text))
            {
                if (IsPlausibleSsn(match.ValueSpan))
                {
                    AddIfFree(spans, PiiKind.Ssn, match.Index, match.Length);
                }
            }
        }

        if (includeIpAddresses && shape.MayBeIPv4)
        {
            foreach (Match match in IPv4Regex().Matches(text))
            {
                // Network ranges (10.0.0.0/8), loopback and the unspecified address identify nobody.
                var end = match.Index + match.Length;
                var cidr = end < text.Length && text[end] == '/';
                if (!cidr && !match.ValueSpan.StartsWith("127.") && match.ValueSpan is not "0.0.0.0")
                {
                    AddIfFree(spans, PiiKind.IpAddress, match.Index, match.Length);
                }
            }

        }

        if (includeIpAddresses)
        {
            if (HasColonPair(text.AsSpan()))
            {
                foreach (Match match in IPv6Regex().Matches(text))
                {
                    if (IsPlausibleIPv6(match.ValueSpan) && IPAddress.TryParse(match.ValueSpan, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
                    {
                        AddIfFree(spans, PiiKind.IpAddress, match.Index, match.Length);
                    }
                }
            }
        }

        if (shape.MayBePhone)
        {
            foreach (Match match in PhoneRegex().Matches(text))
            {
                var digits = CountDigits(match.ValueSpan);
                if (digits is >= 10 and <= 15)
                {
                    AddIfFree(spans, PiiKind.Phone, match.Index, match.Length);
                }
            }
        }

        spans.Sort((a, b) => a.Start.CompareTo(b.Start));
        return spans;
    }

    /// <summary>Checks a card number (digits with optional spaces or dashes) with the Luhn algorithm.</summary>
    public static bool IsLuhnValid(ReadOnlySpan<char> number)
    {
        var sum = 0;
        var digits = 0;
        for (var i = number.Length - 1; i >= 0; i--)
        {
            var c = number[i];
            if (c is ' ' or '-')
            {
                continue;
            }

            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            var d = c - '0';
            if (digits % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            digits++;
        }

        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    /// <summary>Checks an IBAN (spaces allowed) with the ISO 13616 mod-97 rule.</summary>
    public static bool IsValidIban(ReadOnlySpan<char> iban)
    {
        Span<char> compact = stackalloc char[64];
        var length = 0;
        foreach (var c in iban)
        {
            if (c == ' ')
            {
                continue;
            }

            if (length == compact.Length || !char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }

            compact[length++] = char.ToUpperInvariant(c);
        }

        if (length is < 15 or > 34 || !char.IsAsciiLetterUpper(compact[0]) || !char.IsAsciiLetterUpper(compact[1]) ||
            !char.IsAsciiDigit(compact[2]) || !char.IsAsciiDigit(compact[3]))
        {
            return false;
        }

        // Move the first four characters to the end, map letters to 10..35, and take the remainder piecewise.
        var remainder = 0;
        for (var i = 0; i < length; i++)
        {
            var c = compact[(i + 4) % length];
            if (char.IsAsciiDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else
            {
                var value = c - 'A' + 10;
                remainder = ((remainder * 100) + value) % 97;
            }
        }

        return remainder == 1;
    }

    private static bool IsPlausibleSsn(ReadOnlySpan<char> ssn)
    {
        // AAA-GG-SSSS: area not 000, 666 or 9xx; group not 00; serial not 0000.
        var area = ssn[..3];
        return area is not "000" and not "666" && area[0] != '9' && ssn.Slice(4, 2) is not "00" && ssn.Slice(7, 4) is not "0000";
    }

    private static bool IsPlausibleIPv6(ReadOnlySpan<char> text)
    {
        // Skip forms that are rarely addresses in prose or code ("d::", "::", "::1"): ask for a digit and two groups.
        var groups = 0;
        foreach (var part in text.ToString().Split(':'))
        {
            if (part.Length > 0)
            {
                groups++;
            }
        }

        return groups >= 2 && text.IndexOfAnyInRange('0', '9') >= 0;
    }

    // The prefixes the API-key and JWT patterns start with, in UTF-16 text or a JSON string's raw UTF-8 alike.
    private static bool HasApiKeyHint<T>(ReadOnlySpan<T> text)
        where T : unmanaged, IBinaryInteger<T> =>
        Contains(text, "sk-") || Contains(text, "AKIA") || Contains(text, "ASIA") || Contains(text, "eyJ") || Contains(text, "github_pat_") || HasGitHubTokenPrefix(text);

    // An ordinal search for an ASCII needle.
    private static bool Contains<T>(ReadOnlySpan<T> text, string needle)
        where T : unmanaged, IBinaryInteger<T>
    {
        Span<T> units = stackalloc T[needle.Length];
        for (var i = 0; i < needle.Length; i++)
        {
            units[i] = T.CreateTruncating(needle[i]);
        }

        return text.IndexOf(units) >= 0;
    }

    // ghp_, gho_, ghu_, ghs_, ghr_ (the only "gh" the API-key pattern takes; "gh" alone is common in English).
    private static bool HasGitHubTokenPrefix<T>(ReadOnlySpan<T> text)
        where T : unmanaged, IBinaryInteger<T>
    {
        var g = T.CreateTruncating('g');
        var at = text.IndexOf(g);
        while (at >= 0 && at + 3 < text.Length)
        {
            if (uint.CreateTruncating(text[at + 1]) == 'h' && uint.CreateTruncating(text[at + 3]) == '_'
                && uint.CreateTruncating(text[at + 2]) is 'p' or 'o' or 'u' or 's' or 'r')
            {
                return true;
            }

            var next = text[(at + 1)..].IndexOf(g);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return false;
    }

    // Over UTF-16 text or a JSON string's raw UTF-8 (the escapes stand for none of the characters this looks at).
    private static bool HasColonPair<T>(ReadOnlySpan<T> text)
        where T : unmanaged, IBinaryInteger<T>
    {
        // An IPv6 candidate holds two colons at most four hex digits apart ("a:b:", "::").
        var colon = T.CreateTruncating(':');
        var at = text.IndexOf(colon);
        while (at >= 0)
        {
            var end = Math.Min(text.Length, at + 6);
            for (var j = at + 1; j < end; j++)
            {
                var c = uint.CreateTruncating(text[j]);
                if (c == ':')
                {
                    return true;
                }

                if (!char.IsAsciiHexDigit((char)Math.Min(c, 0xFFFF)))
                {
                    break;
                }
            }

            var next = text[(at + 1)..].IndexOf(colon);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return false;
    }

    // The shape of the ASCII digits in text, for deciding which digit-based patterns can match. Runs over UTF-16 text
    // and over a JSON string's raw UTF-8 alike: an escape (\n, \", ...) stands for a character that is neither a
    // digit, an upper-case letter nor a separator this looks at, so both give the same shape.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier 0 and R2R code
    private static DigitShape ScanDigits<T>(ReadOnlySpan<T> text)
        where T : unmanaged, IBinaryInteger<T>
    {
        var shape = default(DigitShape);
        var zero = T.CreateTruncating('0');
        var nine = T.CreateTruncating('9');
        var first = text.IndexOfAnyInRange(zero, nine);
        if (first < 0)
        {
            return shape;
        }

        var run = 0;
        var dots = 0;        // "1.2.3" links in a row, for IPv4's three dots.
        var groupBefore = 0; // digits before a separator just passed, for a phone's "12 345".
        for (var i = first; i < text.Length; i++)
        {
            var c = uint.CreateTruncating(text[i]);
            if (!IsDigit(c))
            {
                var between = i > 0 && i + 1 < text.Length && IsDigit(uint.CreateTruncating(text[i - 1])) && IsDigit(uint.CreateTruncating(text[i + 1]));
                groupBefore = between && c is ' ' or '.' or '-' ? run : 0;
                if (between && c == '.')
                {
                    if (++dots >= 3)
                    {
                        shape.DottedQuad = true;
                    }
                }
                else
                {
                    dots = 0;
                }

                if (between && c == '-')
                {
                    shape.DigitDashDigit = true;
                }

                run = 0;
                if (i + 1 < text.Length && !IsDigit(uint.CreateTruncating(text[i + 1])))
                {
                    // Up to the next digit every character is a non-digit after a non-digit: each would only reset
                    // the state, so jump there (vectorized) and reset it once.
                    var next = text[(i + 1)..].IndexOfAnyInRange(zero, nine);
                    if (next < 0)
                    {
                        break;
                    }

                    groupBefore = 0;
                    dots = 0;
                    i += next;
                }

                continue;
            }

            shape.Count++;
            run++;
            if (run > shape.LongestRun)
            {
                shape.LongestRun = run;
            }

            if (run == 3 && groupBefore >= 2)
            {
                shape.PhoneGroups = true;
            }

            if (run == 2 && i >= 3 && IsUpper(uint.CreateTruncating(text[i - 2])) && IsUpper(uint.CreateTruncating(text[i - 3])))
            {
                shape.UpperPairDigitPair = true;
            }
        }

        return shape;

        static bool IsDigit(uint c) => c - '0' <= 9;

        static bool IsUpper(uint c) => c - 'A' <= 'Z' - 'A';
    }

    private static int CountDigits(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                count++;
            }
        }

        return count;
    }

    private static void AddIfFree(List<PiiSpan> spans, PiiKind kind, int start, int length)
    {
        foreach (var span in spans)
        {
            if (start < span.Start + span.Length && span.Start < start + length)
            {
                return;
            }
        }

        spans.Add(new PiiSpan(kind, start, length));
    }

    private struct DigitShape
    {
        public int Count;
        public int LongestRun;
        public bool UpperPairDigitPair;
        public bool DottedQuad;
        public bool DigitDashDigit;
        public bool PhoneGroups;

        /// <summary>Gets a value indicating whether an IBAN can match: two capitals and two digits ("DE89...").</summary>
        public readonly bool MayBeIban => Count >= 4 && UpperPairDigitPair;

        /// <summary>Gets a value indicating whether a card number can match: 13 digits with a run of 4.</summary>
        public readonly bool MayBeCard => Count >= 13 && LongestRun >= 4;

        /// <summary>Gets a value indicating whether an SSN can match: 9 digits, a run of 4 and a digit-dash-digit.</summary>
        public readonly bool MayBeSsn => Count >= 9 && LongestRun >= 4 && DigitDashDigit;

        /// <summary>Gets a value indicating whether an IPv4 address can match: three dots between digits in a row.</summary>
        public readonly bool MayBeIPv4 => Count >= 4 && DottedQuad;

        /// <summary>Gets a value indicating whether a phone number can match: digit, separator, digit ("555 1234") or a run of 10.</summary>
        public readonly bool MayBePhone => Count >= 10 && (PhoneGroups || LongestRun >= 10);

        /// <summary>Gets a value indicating whether any digit-based kind can match (IPv6 needs a colon pair besides).</summary>
        public readonly bool MayMatch(bool colonPair, bool includeIpAddresses) =>
            MayBeIban || MayBeCard || MayBeSsn || MayBePhone || (includeIpAddresses && (MayBeIPv4 || (Count >= 4 && colonPair)));
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")]
    private static partial Regex EmailRegex();

    [GeneratedRegex(@"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")]
    private static partial Regex IbanRegex();

    [GeneratedRegex(@"(?<![0-9-])(?:[0-9]{4}[ -]?){3}[0-9]{1,7}(?![0-9-])")]
    private static partial Regex CardRegex();

    [GeneratedRegex(@"(?<![0-9-])[0-9]{3}-[0-9]{2}-[0-9]{4}(?![0-9-])")]
    private static partial Regex SsnRegex();

    [GeneratedRegex(@"(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9]|\.[0-9])")]
    private static partial Regex IPv4Regex();

    [GeneratedRegex(@"(?<![0-9A-Fa-f:])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)(?:[0-9A-Fa-f]{1,4}|:)(?:[0-9A-Fa-f]{0,4}:){1,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")]
    private static partial Regex IPv6Regex();

    [GeneratedRegex(@"(?<![0-9A-Za-z+-]|[0-9][ .-])(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{2,4}\)[ .-]?|[0-9]{2,4}[ .-])[0-9]{2,4}[ .-][0-9]{3,4}(?:[ .-][0-9]{2,4})?(?![0-9A-Za-z-])|(?<![0-9A-Za-z+])\+[0-9]{10,14}(?![0-9])")]
    private static partial Regex PhoneRegex();
}
