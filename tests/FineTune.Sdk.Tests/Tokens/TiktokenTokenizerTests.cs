using System.Text;

namespace FineTune.Sdk.Tests;

public sealed class TiktokenTokenizerTests
{
    [Fact]
    public void Encode_HelloWorld_ReturnsKnownIds()
    {
        TiktokenTokenizer.O200kBase.Encode("hello world").Should().Equal(24912, 2375);
        TiktokenTokenizer.Cl100kBase.Encode("hello world").Should().Equal(15339, 1917);
    }

    [Fact]
    public void Encode_SpecialTokenTextByDefault_IsOrdinaryText()
    {
        var ids = TiktokenTokenizer.O200kBase.Encode("<|endoftext|>");
        ids.Should().NotContain(199999).And.HaveCountGreaterThan(1);
    }

    [Fact]
    public void Encode_SpecialTokenAllowed_ReturnsItsId()
    {
        TiktokenTokenizer.O200kBase.Encode("a<|endoftext|>", ["<|endoftext|>"]).Should().Equal(64, 199999);
        TiktokenTokenizer.Cl100kBase.Encode("<|endoftext|>", ["<|endoftext|>"]).Should().Equal(100257);
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("你好，世界！👨‍👩‍👧‍👦 e\u0301 <|endoftext|>")]
    [InlineData("    indented\n\tcode();\r\n")]
    public void Decode_EncodedText_RoundTrips(string text)
    {
        foreach (var tokenizer in new[] { TiktokenTokenizer.O200kBase, TiktokenTokenizer.Cl100kBase })
        {
            tokenizer.Decode(tokenizer.Encode(text)).Should().Be(text);
        }
    }

    [Fact]
    public void Decode_SpecialToken_ReturnsItsText()
    {
        TiktokenTokenizer.O200kBase.Decode([199999]).Should().Be("<|endoftext|>");
    }

    [Fact]
    public void Decode_UnknownId_Throws()
    {
        var act = () => TiktokenTokenizer.O200kBase.Decode([250000]);
        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Encode_LoneSurrogate_EncodesAsReplacementCharacter()
    {
        TiktokenTokenizer.O200kBase.Encode("\ud800").Should().Equal(TiktokenTokenizer.O200kBase.Encode("\uFFFD"));
    }

    [Fact]
    public void CountTokens_LongPieceOverTheLinearLimit_MatchesEncode()
    {
        var text = new string('-', 5000) + new string(' ', 3000) + "x";
        TiktokenTokenizer.O200kBase.CountTokens(text).Should().Be(TiktokenTokenizer.O200kBase.Encode(text).Length).And.BeGreaterThan(1);
    }

    [Fact]
    public void CountTokens_Empty_ReturnsZero()
    {
        TiktokenTokenizer.O200kBase.CountTokens(string.Empty).Should().Be(0);
    }

    [Theory]
    [InlineData("o200k_base", PreTokenizer.O200kPattern)]
    [InlineData("cl100k_base", PreTokenizer.Cl100kPattern)]
    public void Vocabulary_ShippedPattern_IsThePatternTheCodeImplements(string encoding, string pattern)
    {
        var tokenizer = TiktokenTokenizer.ForEncoding(encoding);
        tokenizer.Vocabulary.Pattern.Should().Be(pattern);
    }

    [Fact]
    public void Vocabulary_Sizes_MatchTiktoken()
    {
        TiktokenTokenizer.O200kBase.Vocabulary.Count.Should().Be(199998);
        TiktokenTokenizer.Cl100kBase.Vocabulary.Count.Should().Be(100256);
        TiktokenTokenizer.O200kBase.SpecialTokens.Should().Contain("<|endoftext|>", 199999).And.Contain("<|endofprompt|>", 200018);
    }

    [Theory]
    [InlineData("gpt-4o-mini", "o200k_base")]
    [InlineData("gpt-4o-2024-08-06", "o200k_base")]
    [InlineData("GPT-4.1-nano-2025-04-14", "o200k_base")]
    [InlineData("o4-mini-2025-04-16", "o200k_base")]
    [InlineData("o1", "o200k_base")]
    [InlineData("ft:gpt-4o-mini-2024-07-18:personal::Ajo5kvNY", "o200k_base")]
    [InlineData("ft:gpt-4o-mini-2024-07-18:org:suffix:abcd1234:ckpt-step-10", "o200k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    [InlineData("gpt-4-0613", "cl100k_base")]
    [InlineData("gpt-3.5-turbo-0125", "cl100k_base")]
    [InlineData("ft:gpt-3.5-turbo-0125:my-team::C4ZiCljE", "cl100k_base")]
    public void ForModel_KnownModel_ReturnsItsEncoding(string model, string encoding)
    {
        TiktokenTokenizer.ForModel(model).EncodingName.Should().Be(encoding);
    }

    [Theory]
    [InlineData("llama-3-8b")]
    [InlineData("gpt-4oo")]
    [InlineData("claude-3-haiku")]
    public void ForModel_UnknownModel_ThrowsNamingTheKnownOnes(string model)
    {
        var act = () => TiktokenTokenizer.ForModel(model);
        act.Should().Throw<ArgumentException>().WithMessage($"*'{model}'*gpt-4o*gpt-3.5-turbo*");
    }

    [Fact]
    public void ForEncoding_Unknown_Throws()
    {
        var act = () => TiktokenTokenizer.ForEncoding("p50k_base");
        act.Should().Throw<ArgumentException>().WithMessage("*p50k_base*o200k_base*cl100k_base*");
    }

    [Fact]
    public void CountTokens_ManyThreads_AgreeWithOneThread()
    {
        var text = string.Concat(Enumerable.Repeat("Concurrency is not parallelism; 并发不是并行。 ", 50));
        var expected = TiktokenTokenizer.O200kBase.CountTokens(text);
        var counts = new int[64];
        Parallel.For(0, counts.Length, i => counts[i] = TiktokenTokenizer.O200kBase.CountTokens(text));
        counts.Should().AllBeEquivalentTo(expected);
    }
}
