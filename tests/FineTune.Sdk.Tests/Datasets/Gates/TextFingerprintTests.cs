namespace FineTune.Sdk.Tests;

public sealed class TextFingerprintTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Hello   World\t\n again ")]
    [InlineData("ALL CAPS and digits 123")]
    [InlineData("Ünïcödé ﬁ ligature and ＦＵＬＬＷＩＤＴＨ")]
    [InlineData("emoji 😀 and CJK 中文")]
    public void Normalize_HashOfTheSamePass_EqualsHashOfTheResult(string text)
    {
        char[]? buffer = null;

        foreach (var seed in new ulong[] { 0, 1, 2, 3, 0xDEADBEEF })
        {
            var normalized = TextFingerprint.Normalize(text, ref buffer, seed, out var hash).ToString();

            hash.Should().Be(TextFingerprint.Hash(normalized, seed));
            normalized.Should().Be(TextFingerprint.Normalize(text));
        }
    }

    [Fact]
    public void Normalize_SameTextAfterCaseAndSpacing_SameHash()
    {
        char[]? buffer = null;

        TextFingerprint.Normalize("  Reset my PASSWORD\n", ref buffer, 2, out var first);
        TextFingerprint.Normalize("reset   my password", ref buffer, 2, out var second);
        TextFingerprint.Normalize("reset my password", ref buffer, 3, out var otherSeed);

        second.Should().Be(first);
        otherSeed.Should().NotBe(first);
    }
}
