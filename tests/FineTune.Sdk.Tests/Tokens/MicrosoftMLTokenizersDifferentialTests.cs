using Ml = Microsoft.ML.Tokenizers;

namespace FineTune.Sdk.Tests;

/// <summary>
/// Microsoft.ML.Tokenizers 3.0.0 as an in-process oracle (no Node): its tiktoken ids must equal ours on every string
/// of the shared datasets, for both encodings. Its tokenizer recognises special-token text, so it is held to our
/// encoding with special tokens allowed. On the seeded random corpus it departs from tiktoken itself around UTF-16
/// surrogates: a lone surrogate becomes the surrogate's own bytes instead of U+FFFD, and a character outside the BMP is
/// not a letter (or symbol) to its UTF-16 regex, so <c>𝐀'll</c> and <c>👍\u0903'S</c> split differently. Texts with a
/// surrogate are set apart (ours match npm tiktoken on them, <see cref="TiktokenDifferentialTests"/>) and every other
/// text must agree.
/// </summary>
public sealed class MicrosoftMLTokenizersDifferentialTests
{
    private static readonly Lazy<Ml.Tokenizer> O200k = new(() => Ml.TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Ml.Tokenizer> Cl100k = new(() => Ml.TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    [Fact]
    public void EncodeToIds_EveryStringOfTheSharedDatasets_EqualsOurIdsInBothEncodings()
    {
        var texts = TokenizerCorpus.Datasets().ToList();
        texts.Should().HaveCountGreaterThan(1000, "the shared datasets hold thousands of strings");

        AssertSameIds(texts);
    }

    [Fact]
    public void EncodeToIds_SeededRandomCorpus_EqualsOurIdsInBothEncodingsOutsideTheKnownDepartures()
    {
        var texts = TokenizerCorpus.Random(10_000, seed: 20261121).ToList();
        var plain = texts.Where(t => !HasKnownDeparture(t)).ToList();
        plain.Should().HaveCountGreaterThan(3000, "about a third of the random texts hold no surrogate at all");

        AssertSameIds(plain);
        CountDisagreements(texts.Where(HasKnownDeparture)).Should().BeGreaterThan(0, "the departures are real: if they vanish, drop the exclusion");
    }

    [Fact]
    public void EncodeToIds_HandPickedEdgeCases_EqualsOurIdsOutsideTheKnownDepartures()
    {
        AssertSameIds(TokenizerCorpus.HandPicked.Where(t => !HasKnownDeparture(t)).ToList());
    }

    [Fact]
    public void KnownDepartures_AreWhereMicrosoftMLTokenizersDiffersFromTiktoken()
    {
        // Attribute strings cannot hold a lone surrogate (metadata is UTF-8), hence a fact with the texts inline.
        string[] texts = ["a\ud800b", "\ud835\udc00'll", "\ud83d\udc4d\u0903'S"];

        texts.Should().OnlyContain(t => HasKnownDeparture(t));
        CountDisagreements(Fresh(), texts).Should().Be(texts.Length, "Microsoft.ML.Tokenizers 3.0.0 encodes these differently from tiktoken (ours follows tiktoken)");
        HasKnownDeparture("<|endofprompt|>").Should().BeTrue();
    }

    [Fact]
    public void KnownDepartures_EndOfPrompt_DependsOnWhatTheSameMicrosoftInstanceEncodedBefore()
    {
        // Regression: this used to be asserted on the shared instance, so it held only when the seeded random corpus had
        // been encoded first (in the class run) and failed when the test ran alone. A fresh instance recognises the
        // special token like ours does; once it has encoded the random corpus its cache answers with the token's text.
        CountDisagreements(Fresh(), ["<|endofprompt|>"]).Should().Be(0, "a fresh o200k_base recognises <|endofprompt|> (id 200018), as ours does");

        var used = Fresh();
        foreach (var text in TokenizerCorpus.Random(10_000, seed: 20261121))
        {
            used.EncodeToIds(text);
        }

        CountDisagreements(used, ["<|endofprompt|>"]).Should().Be(1, "after the random corpus its cache no longer recognises it: hence the exclusion from the corpus tests");
    }

    [Fact]
    public void AsTokenCounter_OverMicrosoftMLTokenizer_CountsLikeOursAndExposesTheTokenizer()
    {
        var counter = O200k.Value.AsTokenCounter("o200k_base");
        var text = "Fine-tuning counts tokens: naïve café, 12345, 👍🏽.";

        counter.CountTokens(text).Should().Be(TiktokenTokenizer.O200kBase.CountTokens(text));
        counter.CountTokens(string.Empty).Should().Be(0);
        counter.EncodingName.Should().Be("o200k_base");
        counter.GetService(typeof(Ml.Tokenizer)).Should().BeSameAs(O200k.Value);
        counter.GetService(typeof(Ml.Tokenizer), "key").Should().BeNull();
        counter.CountTokens("<|endoftext|>").Should().Be(1, "Microsoft.ML.Tokenizers recognises special-token text");
        TiktokenTokenizer.O200kBase.CountTokens("<|endoftext|>").Should().BeGreaterThan(1, "ours counts it as ordinary text");
    }

    [Fact]
    public void AsTokenCounter_BadArguments_Throw()
    {
        ((Action)(() => O200k.Value.AsTokenCounter(" "))).Should().Throw<ArgumentException>();
        ((Action)(() => ((Ml.Tokenizer)null!).AsTokenCounter("x"))).Should().Throw<ArgumentNullException>();
    }

    /// <summary>Any UTF-16 surrogate: a lone one, or a character outside the BMP (which the UTF-16 regex cannot classify).</summary>
    /// <remarks>Also <c>&lt;|endofprompt|&gt;</c>: its o200k_base recognises that special token only until its cache has seen
    /// certain texts (see <see cref="KnownDepartures_EndOfPrompt_DependsOnWhatTheSameMicrosoftInstanceEncodedBefore"/>).</remarks>
    private static bool HasKnownDeparture(string text)
        => text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0 || text.Contains("<|endofprompt|>", StringComparison.Ordinal);

    private static int CountDisagreements(IEnumerable<string> texts) => CountDisagreements(O200k.Value, texts);

    private static int CountDisagreements(Ml.Tokenizer theirs, IEnumerable<string> texts)
        => texts.Count(t => !theirs.EncodeToIds(t).SequenceEqual(TiktokenTokenizer.O200kBase.Encode(t, TiktokenTokenizer.O200kBase.SpecialTokens.Keys)));

    /// <summary>An o200k_base tokenizer no other test has used: its answers depend on what its cache has seen.</summary>
    private static Ml.Tokenizer Fresh() => Ml.TiktokenTokenizer.CreateForEncoding("o200k_base");

    private static IEnumerable<string> Specials(Ml.Tokenizer tokenizer) => tokenizer == O200k.Value ? TiktokenTokenizer.O200kBase.SpecialTokens.Keys : TiktokenTokenizer.Cl100kBase.SpecialTokens.Keys;

    private static void AssertSameIds(IReadOnlyList<string> texts)
    {
        var mismatches = new List<string>();
        foreach (var text in texts)
        {
            Compare(text, "o200k_base", TiktokenTokenizer.O200kBase, O200k.Value, mismatches);
            Compare(text, "cl100k_base", TiktokenTokenizer.Cl100kBase, Cl100k.Value, mismatches);
            if (mismatches.Count >= 20)
            {
                break;
            }
        }

        mismatches.Should().BeEmpty();
    }

    private static void Compare(string text, string name, TiktokenTokenizer ours, Ml.Tokenizer theirs, List<string> mismatches)
    {
        var expected = theirs.EncodeToIds(text);
        var actual = ours.Encode(text, Specials(theirs));
        if (!actual.SequenceEqual(expected))
        {
            var shown = text.Length > 60 ? text[..60] + "…" : text;
            mismatches.Add($"{name} {TiktokenOracle.JsonQuote(shown)}: Microsoft.ML.Tokenizers [{string.Join(',', expected)}], ours [{string.Join(',', actual)}]");
        }
        else if (theirs.CountTokens(text) != expected.Count)
        {
            mismatches.Add($"{name} {TiktokenOracle.JsonQuote(text)}: Microsoft.ML.Tokenizers' own count disagrees with its ids");
        }
    }
}
