using System.Text;

namespace FineTune.Sdk.Tests;

/// <summary>Compares every token id with the npm package tiktoken 1.0.22 (the WASM build of OpenAI's Rust tiktoken).</summary>
public sealed class TiktokenDifferentialTests
{
    [Fact]
    public async Task Encode_HandPickedEdgeCases_MatchesTiktokenIds()
    {
        await AssertMatchesOracleAsync(TokenizerCorpus.HandPicked);
    }

    [Fact]
    public async Task Encode_SeededRandomMixtures_MatchesTiktokenIds()
    {
        await AssertMatchesOracleAsync(TokenizerCorpus.Random(3000, seed: 20261121).ToList());
    }

    [Fact]
    public async Task Encode_EveryStringOfTheSharedDatasets_MatchesTiktokenIds()
    {
        var texts = TokenizerCorpus.Datasets().ToList();
        texts.Should().HaveCountGreaterThan(1000, "the shared datasets hold thousands of strings");
        await AssertMatchesOracleAsync(texts);
    }

    private static async Task AssertMatchesOracleAsync(IReadOnlyList<string> texts)
    {
        var expected = await TiktokenOracle.EncodeAsync(texts);
        var mismatches = new List<string>();
        for (var i = 0; i < texts.Count && mismatches.Count < 20; i++)
        {
            Compare(texts[i], "o200k_base", TiktokenTokenizer.O200kBase, expected[i].O200k, expected[i].O200kSpecial, mismatches);
            Compare(texts[i], "cl100k_base", TiktokenTokenizer.Cl100kBase, expected[i].Cl100k, expected[i].Cl100kSpecial, mismatches);
        }

        mismatches.Should().BeEmpty();
    }

    private static void Compare(string text, string name, TiktokenTokenizer tokenizer, int[] ordinary, int[] special, List<string> mismatches)
    {
        var actual = tokenizer.Encode(text);
        if (!actual.SequenceEqual(ordinary))
        {
            mismatches.Add($"{name} {TiktokenOracle.JsonQuote(Shorten(text))}: expected [{string.Join(',', ordinary)}] got [{string.Join(',', actual)}]");
        }

        if (tokenizer.CountTokens(text) != ordinary.Length)
        {
            mismatches.Add($"{name} {TiktokenOracle.JsonQuote(Shorten(text))}: count {tokenizer.CountTokens(text)} != {ordinary.Length}");
        }

        var withSpecial = tokenizer.Encode(text, tokenizer.SpecialTokens.Keys);
        if (!withSpecial.SequenceEqual(special))
        {
            mismatches.Add($"{name} (special allowed) {TiktokenOracle.JsonQuote(Shorten(text))}: expected [{string.Join(',', special)}] got [{string.Join(',', withSpecial)}]");
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
