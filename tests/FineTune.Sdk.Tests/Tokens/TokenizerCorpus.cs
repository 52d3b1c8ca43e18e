using System.Text;
using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

/// <summary>The strings the tokenizer is compared on: hand-picked edge cases, seeded random mixtures and every string of the shared datasets.</summary>
internal static class TokenizerCorpus
{
    public static IReadOnlyList<string> HandPicked { get; } =
    [
        string.Empty,
        "hello world",
        "The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times.",
        "Fine-tuning improves results on many tasks; it's cheaper, faster and (often) better than few-shot prompts!",
        "public static int Main(string[] args)\n{\n    Console.WriteLine(\"Hi\");\n    return 0;\n}\n",
        "def f(x):\n\tif x > 0:\n\t\treturn x ** 2\n    # comment\n    return -x\n",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"weight\": 0}",
        "<div class=\"a\">&nbsp;</div>  <!-- -->  https://example.com/a/b?c=d&e=f#g",
        "1234567890123456789", "3.14159265358979", "1,000,000.00", "v1.2.3-rc4", "0x7FFFFFFF", "١٢٣٤٥٦", "１２３４５", "𝟎𝟏𝟐𝟑𝟒", "Ⅻ ⅻ ½ ²³",
        "a  b", "   leading", "trailing   ", "\t\t\tx", "\n\n\n", "\r\n\r\nx", " \n \n ", "x \n\ty", "a \t \n b", "\n ", " \n", "  \r\n  ", "\v\f",
        new string(' ', 300), "a" + new string(' ', 250) + "b", new string('!', 400), new string('\n', 200), new string('-', 1000) + "x",
        "I'm", "I'M", "you'll", "YOU'LL", "You'Ll", "he'S", "they'VE", "we'RE", "it'd", "IT'D", "'s", "'S", "'ſ", "x'ſ", "'ſx", "a'ſb", "A'ſB", "'Sx", "'sup", "a'LLb", "'K", "a'Kb", "don't", "DON'T",
        "rock'n'roll", "'ll've", "''s", " 's", "O'Neil's", "L'ÉTÉ'S", "what'sup", "'re'", "1's", "K's", "'Ll", "'lL", "'vE", "'Re",
        "你好，世界！这是一个测试。", "日本語のテキストです。カタカナとひらがな", "안녕하세요 세계", "مرحبا بالعالم، هذا اختبار.", "नमस्ते दुनिया, यह एक परीक्षण है।",
        "ελληνικά ΑΒΓ αβγ", "Привет, МИР! ёЁ", "עברית עם ניקוד: שָׁלוֹם", "ภาษาไทย", "Tiếng Việt có dấu",
        "👍", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "a👍b", "👍👍👍", "🇫🇷🇩🇪", "x🧑🏿‍💻y",
        "e\u0301", "Cafe\u0301", "\u0301\u0301abc", "x\u20DD", " \u0301a", "!\u0301", "\u0301", "A\u0301B\u0300c", "\u0301'S",
        "\ud800", "a\udc00b", "\ud83d", "hello\ud83d world", "\udfff\ud800", " \ud800 ", "\ud800\ud800", "x\udc00\ud83d\udc4d",
        "<|endoftext|>", "a<|endoftext|>b", "<|endofprompt|>", "<|fim_prefix|>x<|fim_suffix|>", "<|endoftext|><|endoftext|>", "<|endof",
        "HTMLParser", "iPhone", "McDonald's", "camelCaseWord", "snake_case_word", "SCREAMING_CASE", "ǅungla", "ʰello", "ABCdef", "abcDEF",
        "𠀀𠀁𠀂", "𝐀𝐁𝐜𝐝", "𐐀𐐨𐐩", " 𝐀b", "x𠀀y",
        "a\u00A0b", "a\u3000b", "a\u2028b", "a\u0085b", "x\u200By", "a\u000Bb", "a\u001Cb", "a\u2009\u2009b", "\u00A0\u00A0x", "\u3000",
        "a/b//c", "!!//\n/\n", "path/to/file.txt", " ///\r\n", "?!/\r/\n//x", "http://a.b/c/",
        "Ω≈ç√∫˜µ≤≥÷", "¡™£¢∞§¶•ªº–≠", "`~!@#$%^&*()_+-={}[]|\\:;\"'<>,.?/", "\0\u0001\u0002",
    ];

    /// <summary>Seeded random strings over an alphabet of every character class the patterns distinguish.</summary>
    public static IEnumerable<string> Random(int count, int seed)
    {
        string[] alphabet =
        [
            "a", "z", "A", "Z", "é", "É", "ǅ", "ʰ", "中", "ß", "ſ", "0", "9", "٣", "½", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00A0", "\u3000",
            "'", "'s", "'S", "'ll", "'LL", "'re", "'ve", "'m", "'d", "'t", "!", "?", ".", ",", "/", "-", "_", "\"", "\u0301", "\u0903", "👍", "🏽",
            "\u200D", "𝐀", "𝐜", "𠀀", "\ud800", "\udc00", "<|endoftext|>", "hello", "World", "ÉCOLE", "123456", "    ", "\n\n", "नम", "ـ",
        ];
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var builder = new StringBuilder();
            var parts = random.Next(1, 24);
            for (var p = 0; p < parts; p++)
            {
                builder.Append(alphabet[random.Next(alphabet.Length)]);
            }

            yield return builder.ToString();
        }
    }

    /// <summary>Every string value (message contents, names, arguments) of every JSON and JSONL file in ../shared/datasets.</summary>
    public static IEnumerable<string> Datasets()
    {
        var root = Path.Combine(RepoPaths.Shared, "datasets");
        foreach (var file in Directory.EnumerateFiles(root, "*.json*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var values = new List<string>();
            if (file.EndsWith(".jsonl", StringComparison.Ordinal))
            {
                foreach (var line in File.ReadLines(file, Encoding.UTF8))
                {
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        values.Add(line);
                        using var document = JsonDocument.Parse(line);
                        Collect(document.RootElement, values);
                    }
                }
            }
            else
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file, Encoding.UTF8));
                Collect(document.RootElement, values);
            }

            foreach (var value in values)
            {
                yield return value;
            }
        }
    }

    private static void Collect(JsonElement element, List<string> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                values.Add(element.GetString()!);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Collect(property.Value, values);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, values);
                }

                break;
        }
    }
}
