using System.Text;
using CsCheck;

namespace FineTune.Sdk.Tests;

/// <summary>A JSONL file made from real seed lines with a few lines mutated.</summary>
/// <param name="Original">The seed lines before mutation.</param>
/// <param name="Lines">The lines after mutation (without line feeds).</param>
/// <param name="Mutated">The 0-based indexes of the lines that changed.</param>
/// <param name="Truncated">Whether the file was cut inside its last line (no final line feed).</param>
/// <param name="Structural">Whether a mutation added or removed line breaks (line numbers no longer match the original).</param>
/// <param name="Description">What was done, for the failure message.</param>
internal sealed record MutatedFile(byte[][] Original, byte[][] Lines, HashSet<int> Mutated, bool Truncated, bool Structural, string Description)
{
    public byte[] Bytes
    {
        get
        {
            var output = new MemoryStream();
            for (var i = 0; i < Lines.Length; i++)
            {
                output.Write(Lines[i]);
                if (i < Lines.Length - 1 || !Truncated)
                {
                    output.WriteByte((byte)'\n');
                }
            }

            return output.ToArray();
        }
    }

    public byte[] OriginalBytes => Original.SelectMany(l => l.Append((byte)'\n')).ToArray();

    public override string ToString() => Description;
}

/// <summary>
/// Generators of hostile JSONL from the real files in <c>../shared/datasets</c>: byte flips, truncation at each kind
/// of position, splices of two rows, injected escapes and bytes (lone surrogates of both kinds, <c>\u0000</c>, overlong
/// and invalid UTF-8, a BOM mid-file), deep nesting, huge numbers, duplicate keys and (rarely) 10 MB strings.
/// </summary>
internal static class Mutations
{
    private static readonly string[] Escapes = ["\\ud800", "\\udc00", "\\udbff\\u0041", "\\ud83d", "\\ude00", "\\u0000", "\\u001f", "\\uFFFF", "\\", "\\u12", "\\x41"];

    private static readonly byte[][] BadBytes =
    [
        [0xC0, 0xAF],                 // overlong '/'
        [0xE0, 0x80, 0xAF],           // overlong, three bytes
        [0xED, 0xA0, 0x80],           // an encoded surrogate (CESU-8)
        [0xF4, 0x90, 0x80, 0x80],     // above U+10FFFF
        [0xFF],
        [0x80],                       // a lone continuation byte
        [0xE2, 0x82],                 // a cut sequence
        [0xEF, 0xBB, 0xBF],           // a BOM mid-line
        [0x00],
        [0x0D],
    ];

    private static readonly string[] Values =
    [
        "1e400", "-1e400", "1e-400", "-0", new string('9', 400), "-" + new string('1', 400), "0.0000000000000000000000000001",
        "true", "null", "{}", "[]", "\"\"", "\"   \"", "{\"role\":\"assistant\"}", "[{\"type\":\"text\",\"text\":1e400}]",
    ];

    /// <summary>Gets a generator of mutated files from the seed files.</summary>
    public static Gen<MutatedFile> File(bool allowHuge = true) => File(Fuzz.SeedFiles, allowHuge);

    /// <summary>Gets a generator of mutated files from the given seed files (each a list of lines).</summary>
    public static Gen<MutatedFile> File(IReadOnlyList<byte[][]> seeds, bool allowHuge) =>
        Gen.Int[0, seeds.Count - 1].SelectMany(file =>
        {
            var seed = seeds[file];
            return Gen.Int[1, Math.Min(24, seed.Length)].SelectMany(count =>
                Gen.Int[0, seed.Length - count].SelectMany(start =>
                    Gen.Int[1, 3].SelectMany(mutations =>
                        Gen.Int.Array[mutations * 4].Select(choices => Apply(seed[start..(start + count)], choices, allowHuge)))));
        });

    private static MutatedFile Apply(byte[][] original, int[] choices, bool allowHuge)
    {
        var lines = original.Select(l => l.ToArray()).ToArray();
        var mutated = new HashSet<int>();
        var truncated = false;
        var structural = false;
        var description = new StringBuilder($"{original.Length} lines:");
        for (var m = 0; m + 3 < choices.Length; m += 4)
        {
            var kind = (int)((uint)choices[m] % 13);
            var index = (int)((uint)choices[m + 1] % (uint)lines.Length);
            var a = (uint)choices[m + 2];
            var b = (uint)choices[m + 3];
            var line = lines[index];
            var at = line.Length == 0 ? 0 : (int)(a % (uint)(line.Length + 1));
            switch (kind)
            {
                case 0: // byte flip (never to a line break, which would renumber the lines)
                    if (line.Length > 0)
                    {
                        var position = (int)(a % (uint)line.Length);
                        var value = (byte)(b % 256);
                        line[position] = value is (byte)'\n' ? (byte)'~' : value;
                        description.Append($" flip {index}@{position}={value:X2};");
                    }

                    break;
                case 1: // truncation at a position of a chosen class, ending the file there
                    var cut = TruncationPoint(line, a, b);
                    lines = lines[..(index + 1)];
                    lines[index] = line[..cut];
                    truncated = true;
                    description.Append($" cut {index}@{cut};");
                    break;
                case 2: // splice two rows
                    var other = lines[(int)(b % (uint)lines.Length)];
                    var from = other.Length == 0 ? 0 : (int)(b % (uint)other.Length);
                    lines[index] = [.. line[..at], .. other[from..]];
                    description.Append($" splice {index}@{at}+{from};");
                    break;
                case 3: // an escape inside a string value
                    var escape = Escapes[b % (uint)Escapes.Length];
                    lines[index] = InsertInString(line, a, Encoding.ASCII.GetBytes(escape));
                    description.Append($" escape {index} {escape};");
                    break;
                case 4: // bad UTF-8 bytes or control bytes
                    var bad = BadBytes[b % (uint)BadBytes.Length];
                    lines[index] = b % 2 == 0 ? InsertInString(line, a, bad) : [.. line[..at], .. bad, .. line[at..]];
                    description.Append($" bytes {index}@{at} {Convert.ToHexString(bad)};");
                    break;
                case 5: // a BOM starting a line mid-file
                    lines[index] = [0xEF, 0xBB, 0xBF, .. line];
                    description.Append($" bom {index};");
                    break;
                case 6: // deep nesting in place of a value
                    var depth = new[] { 10, 63, 64, 65, 200, 5000 }[b % 6];
                    lines[index] = ReplaceValue(line, a, Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth)));
                    description.Append($" nest {index} {depth};");
                    break;
                case 7: // a huge, tiny or odd number (or another JSON kind) in place of a value
                    var value7 = Values[b % (uint)Values.Length];
                    lines[index] = ReplaceValue(line, a, Encoding.ASCII.GetBytes(value7));
                    description.Append($" value {index} {(value7.Length > 20 ? value7[..20] + "…" : value7)};");
                    break;
                case 8: // a duplicate key: the first member of an object repeated
                    lines[index] = DuplicateKey(line, a);
                    description.Append($" dupkey {index};");
                    break;
                case 9: // a weight, name or extra key injected after an object start
                    var member = new[] { "\"weight\":1e400,", "\"weight\":-0,", "\"name\":\"\\ud800\",", "\"metadata\":{\"source\":\"\\udfff\"},", "\"tool_calls\":[{}],", "\"role\":\"tool\",", "\"content\":null," }[b % 7];
                    lines[index] = InsertAfterBrace(line, a, Encoding.ASCII.GetBytes(member));
                    description.Append($" member {index} {member};");
                    break;
                case 10 when allowHuge && b % 16 == 0: // a 10 MB string value (rarely: it is slow)
                    lines[index] = ReplaceValue(line, a, Encoding.ASCII.GetBytes("\"" + new string('x', 10 << 20) + "\""));
                    description.Append($" huge {index};");
                    break;
                case 11: // a line break inside a line (renumbers the rest)
                    lines = [.. lines[..index], line[..at], line[at..], .. lines[(index + 1)..]];
                    structural = true;
                    description.Append($" break {index}@{at};");
                    break;
                default: // a line dropped or doubled
                    lines = b % 2 == 0 && lines.Length > 1 ? [.. lines[..index], .. lines[(index + 1)..]] : [.. lines[..(index + 1)], line.ToArray(), .. lines[(index + 1)..]];
                    structural = true;
                    description.Append($" {(b % 2 == 0 ? "drop" : "double")} {index};");
                    break;
            }

            if (!structural)
            {
                mutated.Add(index);
            }

            if (truncated)
            {
                break;
            }
        }

        return new MutatedFile(original, lines, mutated, truncated, structural, description.ToString());
    }

    // Truncation classes: anywhere; right after a backslash; inside a multi-byte UTF-8 sequence; after a quote; after a colon.
    private static int TruncationPoint(byte[] line, uint a, uint b)
    {
        if (line.Length == 0)
        {
            return 0;
        }

        Func<byte, bool>? wanted = (b % 5) switch
        {
            1 => x => x == (byte)'\\',
            2 => x => x >= 0x80,
            3 => x => x == (byte)'"',
            4 => x => x == (byte)':',
            _ => null,
        };
        if (wanted is not null)
        {
            var positions = Enumerable.Range(0, line.Length).Where(i => wanted(line[i])).ToList();
            if (positions.Count > 0)
            {
                return positions[(int)(a % (uint)positions.Count)] + 1;
            }
        }

        return (int)(a % (uint)line.Length);
    }

    private static byte[] InsertInString(byte[] line, uint a, byte[] text)
    {
        // After the opening quote of a string value (a quote that follows a colon, bracket or comma).
        var starts = Enumerable.Range(1, Math.Max(0, line.Length - 1)).Where(i => line[i] == (byte)'"' && line[i - 1] is (byte)':' or (byte)'[' or (byte)',' or (byte)' ').ToList();
        var at = starts.Count == 0 ? (int)(a % (uint)(line.Length + 1)) : starts[(int)(a % (uint)starts.Count)] + 1;
        return [.. line[..at], .. text, .. line[at..]];
    }

    internal static byte[] ReplaceValue(byte[] line, uint a, byte[] value)
    {
        // The value after a colon: a string, number, literal or a whole nested value when it is short.
        var colons = Enumerable.Range(0, line.Length).Where(i => line[i] == (byte)':').ToList();
        if (colons.Count == 0)
        {
            return [.. line, .. value];
        }

        var start = colons[(int)(a % (uint)colons.Count)] + 1;
        var end = ValueEnd(line, start);
        return [.. line[..start], .. value, .. line[end..]];
    }

    private static int ValueEnd(byte[] line, int start)
    {
        int depth = 0, i = start;
        var inString = false;
        for (; i < line.Length; i++)
        {
            var c = line[i];
            if (inString)
            {
                if (c == (byte)'\\')
                {
                    i++;
                }
                else if (c == (byte)'"')
                {
                    inString = false;
                    if (depth == 0)
                    {
                        return i + 1;
                    }
                }

                continue;
            }

            switch (c)
            {
                case (byte)'"':
                    inString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    depth++;
                    break;
                case (byte)'}' or (byte)']':
                    if (depth == 0)
                    {
                        return i;
                    }

                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
                case (byte)',' when depth == 0:
                    return i;
            }
        }

        return Math.Min(i, line.Length);
    }

    private static byte[] DuplicateKey(byte[] line, uint a)
    {
        var braces = Enumerable.Range(0, line.Length).Where(i => line[i] == (byte)'{' && i + 1 < line.Length && line[i + 1] == (byte)'"').ToList();
        if (braces.Count == 0)
        {
            return line;
        }

        var start = braces[(int)(a % (uint)braces.Count)] + 1;
        var colon = Array.IndexOf(line, (byte)':', start);
        if (colon < 0)
        {
            return line;
        }

        var end = ValueEnd(line, colon + 1);
        var member = line[start..end];
        return [.. line[..start], .. member, (byte)',', .. line[start..]];
    }

    private static byte[] InsertAfterBrace(byte[] line, uint a, byte[] member)
    {
        var braces = Enumerable.Range(0, line.Length).Where(i => line[i] == (byte)'{').ToList();
        if (braces.Count == 0)
        {
            return [.. member, .. line];
        }

        var at = braces[(int)(a % (uint)braces.Count)] + 1;
        return [.. line[..at], .. member, .. line[at..]];
    }
}
