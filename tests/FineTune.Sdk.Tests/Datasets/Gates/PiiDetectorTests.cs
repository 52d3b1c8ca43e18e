using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Tests;

public sealed class PiiDetectorTests
{
    [Theory]
    [InlineData("Write to jane.doe+test@example.co.uk today", "Email")]
    [InlineData("Call me at (555) 123-4567.", "Phone")]
    [InlineData("Call +44 20 7946 0958 now", "Phone")]
    [InlineData("My card is 4111 1111 1111 1111.", "CardNumber")]
    [InlineData("card 5500-0000-0000-0004 please", "CardNumber")]
    [InlineData("SSN 123-45-6789 on file", "Ssn")]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00 for the refund", "Iban")]
    [InlineData("wire to GB82WEST12345698765432", "Iban")]
    [InlineData("server at 192.168.10.25 is down", "IpAddress")]
    [InlineData("ping 2001:db8:85a3::8a2e:370:7334 now", "IpAddress")]
    [InlineData("key sk-proj-abcDEF1234567890abcdEFGH1234 leaked", "ApiKey")]
    [InlineData("key sk-abcdefghijklmnopqrstuvwxyz123456 leaked", "ApiKey")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE here", "ApiKey")]
    [InlineData("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 here", "ApiKey")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "BearerToken")]
    public void Detect_KnownValue_ReturnsItsKind(string text, string kind)
    {
        var spans = PiiDetector.Detect(text);

        spans.Should().ContainSingle().Which.Kind.ToString().Should().Be(kind);
    }

    [Theory]
    [InlineData("My card is 4111 1111 1111 1112.")]
    [InlineData("Order 2024-01-15 arrived")]
    [InlineData("version 1.2.3 released at 12:30:45")]
    [InlineData("IBAN DE89 3704 0044 0532 0130 01 is wrong")]
    [InlineData("SSN 000-12-3456 and 666-12-3456 are invalid")]
    [InlineData("use std::vector and a::b in C++")]
    [InlineData("the sk- prefix alone sk-short is not a key")]
    [InlineData("ORD-1234 and INV-5678 are order ids")]
    [InlineData("docker network create --subnet=172.18.0.0/16 net; curl 127.0.0.1 or 0.0.0.0")]
    [InlineData(":set guifont=-misc-fixed-medium-r-normal--18-120-100-100-c-90-iso10646-1")]
    [InlineData("")]
    public void Detect_LookAlike_ReturnsNothing(string text) => PiiDetector.Detect(text).Should().BeEmpty();

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("378282246310005", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("1234", false)]
    [InlineData("4111-1111-1111-111a", false)]
    public void IsLuhnValid_Number_MatchesTheChecksum(string number, bool valid) => PiiDetector.IsLuhnValid(number).Should().Be(valid);

    [Theory]
    [InlineData("DE89370400440532013000", true)]
    [InlineData("GB82 WEST 1234 5698 7654 32", true)]
    [InlineData("FR1420041010050500013M02606", true)]
    [InlineData("DE89370400440532013001", false)]
    [InlineData("GB82WEST1234569876543", false)]
    [InlineData("XX00", false)]
    public void IsValidIban_Value_MatchesMod97(string iban, bool valid) => PiiDetector.IsValidIban(iban).Should().Be(valid);

    [Fact]
    public void Detect_SeveralKinds_ReturnsSpansInTextOrderWithoutOverlap()
    {
        const string text = "mail a@b.io, card 4111111111111111, ip 10.0.0.1";

        var spans = PiiDetector.Detect(text);

        spans.Select(s => s.Kind).Should().Equal(PiiKind.Email, PiiKind.CardNumber, PiiKind.IpAddress);
        spans.Select(s => text.Substring(s.Start, s.Length)).Should().Equal("a@b.io", "4111111111111111", "10.0.0.1");
    }
    [Theory]
    [InlineData("token github_pat_ABCDEFGHIJKLMNOPQRSTUVWXYZab here")] // no digits and no "gh": the old prefilter let it through
    [InlineData("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 here")]
    [InlineData("line1\nCall me at (555) 123-4567.")]
    [InlineData("ping 2001:db8:85a3::8a2e:370:7334 now")]
    [InlineData("wire to GB82WEST12345698765432")]
    [InlineData("SSN 123-45-6789 on file")]
    [InlineData("server at 192.168.10.25 is down")]
    [InlineData("\"quoted\" Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")]
    public void CannotMatch_TextWithAFinding_IsFalse(string text)
    {
        PiiDetector.Detect(text).Should().NotBeEmpty();

        PiiDetector.CannotMatch(RawJsonString(text)).Should().BeFalse();
    }

    [Theory]
    [InlineData("It might be right, though: see the light through the night.")] // "gh" is no key prefix
    [InlineData("Patch 8.2.3325 fixes it (closes #8742).")]
    [InlineData("Set 'textwidth' to 78; lines 100 to 200.")]
    public void CannotMatch_OrdinaryProseWithDigits_IsTrue(string text)
    {
        PiiDetector.CannotMatch(RawJsonString(text)).Should().BeTrue();
    }

    [Fact]
    public void CannotMatch_WhenTrue_DetectFindsNothing_OnSeededMutations()
    {
        // Soundness of the prefilter on raw UTF-8 (escapes included): whenever it says a string cannot match, Detect on
        // the decoded string must find nothing. Texts are spliced from PII values, look-alikes, separators and escapes.
        string[] parts =
        [
            "jane@example.com", "(555) 123-4567", "+44 20 7946 0958", "4111 1111 1111 1111", "123-45-6789", "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432", "192.168.10.25", "2001:db8::7334", "fe80::1", "sk-abcdefghijklmnopqrstuvwxyz123456", "AKIAIOSFODNN7EXAMPLE",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github_pat_ABCDEFGHIJKLMNOPQRSTUVWXYZab", "Authorization: Bearer abcdefgh12345678",
            "1", "12", "123", "2024", ".", "-", " ", ":", "\n", "\t", "\"", "\\", "é", "中", "😀", "A", "Z", "gh", "ght", "the", "night",
        ];
        var random = new Random(20261121);
        var tried = 0;
        var skipped = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var text = new StringBuilder();
            var count = random.Next(1, 7);
            for (var k = 0; k < count; k++)
            {
                var part = parts[random.Next(parts.Length)];
                if (random.Next(4) == 0 && part.Length > 2)
                {
                    // Cut a value short or drop a character: near misses exercise the shape test.
                    var at = random.Next(part.Length);
                    part = random.Next(2) == 0 ? part[..at] : part.Remove(at, 1);
                }

                text.Append(part);
            }

            var value = text.ToString();
            tried++;
            if (PiiDetector.CannotMatch(RawJsonString(value)))
            {
                skipped++;
                PiiDetector.Detect(value).Should().BeEmpty("the prefilter skipped \"{0}\"", value);
            }
        }

        skipped.Should().BeGreaterThan(tried / 20, "the test must exercise skipped strings too");
        (tried - skipped).Should().BeGreaterThan(tried / 20);
    }

    // Non-ASCII stays UTF-8 (as in most files); quotes, backslashes and control characters become escapes.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The raw UTF-8 of a JSON string value, escapes included, as the gate sees it.
    private static byte[] RawJsonString(string text)
    {
        var json = JsonSerializer.Serialize(text, Relaxed);
        using var document = JsonDocument.Parse(json);
        return System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray();
    }
}
