using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Tests;

/// <summary>
/// <see cref="JsonSyntax"/> must agree with <see cref="JsonDocument.Parse(string, JsonDocumentOptions)"/> on every text:
/// hand-picked edge cases, then thousands of seeded mutations (truncation, deletion, insertion, replacement) of valid JSON.
/// </summary>
public sealed class JsonSyntaxTests
{
    private static readonly string[] Seeds =
    [
        """{"answer":"A12"}""",
        """{"a": [1, -2.5e+3, 0, 0.25, 1E9, true, false, null], "b": {"c": "d\"e\\f\/\b\f\n\r\t\u00e9"}, "e": []}""",
        """[{"x": {}}, [], [[]], "é😀", 123456789012345678901234567890]""",
        """ "just a string" """,
        "  -0.0e-0  ",
        "[1,2,3]",
        """{"label": "billing", "confidence": 0.93, "fields": {"order_id": "ORD-1234", "amount": 12.5}}""",
    ];

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("A12")]
    [InlineData("{\"answer\": \"A2\"")]
    [InlineData("{\"a\":1,}")]
    [InlineData("[1,]")]
    [InlineData("01")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("1e")]
    [InlineData("+1")]
    [InlineData("-")]
    [InlineData("tru")]
    [InlineData("truex")]
    [InlineData("nul")]
    [InlineData("{'a': 1}")]
    [InlineData("{\"a\" 1}")]
    [InlineData("{a: 1}")]
    [InlineData("\"tab\there\"")]
    [InlineData("\"bad \\x escape\"")]
    [InlineData("\"\\u12G4\"")]
    [InlineData("\"\\u12\"")]
    [InlineData("1 2")]
    [InlineData("{} {}")]
    [InlineData("// comment\n{}")]
    [InlineData("\uFEFF{}")]
    [InlineData("NaN")]
    [InlineData("[1,\u00a02]")]
    [InlineData("12a")]
    [InlineData("\"\ud800\"")]
    [InlineData("\"\udc00x\"")]
    [InlineData("\"\ud83d\ude00\"")]
    [InlineData("[\"\\ud800\"]")]
    [InlineData("{\"a\":{\"b\":[1,{\"c\":null}]}}")]
    [InlineData("\"\"")]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("1E+2")]
    public void IsValid_EdgeCase_AgreesWithJsonDocument(string text)
    {
        JsonSyntax.IsValid(text).Should().Be(Parses(text), "JsonDocument.Parse decides '{0}'", Escape(text));
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    public void IsValid_Nesting_AgreesWithJsonDocumentDepthLimit(int depth)
    {
        foreach (var text in new[] { new string('[', depth) + new string(']', depth), string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) })
        {
            JsonSyntax.IsValid(text).Should().Be(Parses(text), "depth {0}", depth);
        }

        JsonSyntax.IsValid(new string('[', depth)).Should().BeFalse("unclosed containers are never JSON");
    }

    [Fact]
    public void IsValid_TenThousandMutationsOfValidJson_AgreesWithJsonDocumentOnEvery()
    {
        var random = new Random(20261121);
        const string alphabet = "{}[]\",:.-+eE0123456789 \t\n\\/ubfnrtaxl\u00e9\ud83d\ude00";
        var checkedCount = 0;
        var valid = 0;
        for (var n = 0; n < 10_000; n++)
        {
            var text = new StringBuilder(Seeds[random.Next(Seeds.Length)]);
            var edits = random.Next(1, 4);
            for (var e = 0; e < edits && text.Length > 0; e++)
            {
                var at = random.Next(text.Length);
                switch (random.Next(4))
                {
                    case 0:
                        text.Length = at; // truncated, as a model cut off at its token limit
                        break;
                    case 1:
                        text.Remove(at, 1);
                        break;
                    case 2:
                        text.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    default:
                        text[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                }
            }

            var candidate = text.ToString();
            var expected = Parses(candidate);
            valid += expected ? 1 : 0;
            JsonSyntax.IsValid(candidate).Should().Be(expected, "JsonDocument.Parse decides mutation #{0}: '{1}'", n, Escape(candidate));
            checkedCount++;
        }

        checkedCount.Should().Be(10_000);
        valid.Should().BeInRange(100, 9_900, "the mutations must exercise both verdicts");
    }

    [Fact]
    public void IsValid_EverySeed_IsValid()
    {
        Seeds.Should().OnlyContain(s => JsonSyntax.IsValid(s) && Parses(s));
    }

    private static bool Parses(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return false;
        }
    }

    private static string Escape(string text) => JsonSerializer.Serialize(text);
}
