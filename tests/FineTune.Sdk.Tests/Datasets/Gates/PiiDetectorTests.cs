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
}
