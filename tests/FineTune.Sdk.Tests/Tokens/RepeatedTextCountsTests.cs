using FineTune.Tests;

namespace FineTune.Sdk.Tests;

public sealed class RepeatedTextCountsTests
{
    [Fact]
    public void CountTokens_RepeatedSystemPrompt_TokenizedOnlyUntilRemembered()
    {
        var counter = new CallCountingCounter(TiktokenTokenizer.O200kBase);
        const string system = "You are a helpful assistant for the documentation team. Answer in one short paragraph.";
        var expected = TiktokenTokenizer.O200kBase.CountTokens(system);
        using var run = RunCaches.Enter(new RunCaches());

        var counts = Enumerable.Range(0, 100).Select(_ => RepeatedTextCounts.CountTokens(counter, system)).ToList();

        counts.Should().OnlyContain(count => count == expected);
        counter.Calls.Should().Be(2, "the text is remembered on its second sighting");
    }

    [Fact]
    public void CountTokens_OutsideARun_RemembersNothing()
    {
        var counter = new CallCountingCounter(TiktokenTokenizer.O200kBase);
        const string system = "You are a helpful assistant for the documentation team. Answer in one short paragraph.";

        var counts = Enumerable.Range(0, 100).Select(_ => RepeatedTextCounts.CountTokens(counter, system)).ToList();

        counts.Should().OnlyContain(count => count == TiktokenTokenizer.O200kBase.CountTokens(system));
        counter.Calls.Should().Be(100, "no user text is kept between calls outside a validation");
        RunCaches.Current.Should().BeNull();
    }

    [Fact]
    public void CountTokens_TextsThatShareLengthPrefixAndSuffix_AreToldApart()
    {
        // Same length, same first and last 16 chars: the memo's key collides and the comparison must catch it.
        var first = "0123456789abcdef" + "the middle part is about cats" + "fedcba9876543210";
        var second = "0123456789abcdef" + "the middle part: 12 34 56 78 9" + "fedcba9876543210";
        second = second[..first.Length];
        first.Length.Should().Be(second.Length);
        var counter = new CallCountingCounter(TiktokenTokenizer.O200kBase);
        using var run = RunCaches.Enter(new RunCaches());

        for (var i = 0; i < 5; i++)
        {
            RepeatedTextCounts.CountTokens(counter, first).Should().Be(TiktokenTokenizer.O200kBase.CountTokens(first));
            RepeatedTextCounts.CountTokens(counter, second).Should().Be(TiktokenTokenizer.O200kBase.CountTokens(second));
        }

        TiktokenTokenizer.O200kBase.CountTokens(first).Should().NotBe(TiktokenTokenizer.O200kBase.CountTokens(second));
    }

    [Fact]
    public void CountTokens_EveryRowOfARealDataset_MatchesTheTokenizer()
    {
        var texts = File.ReadLines(RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl"))
            .Concat(File.ReadLines(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl")))
            .SelectMany(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("messages").EnumerateArray())
            .Select(message => message.TryGetProperty("content", out var content) ? content.GetString() ?? string.Empty : string.Empty)
            .ToList();
        texts.GroupBy(text => text).Should().Contain(group => group.Key.Length >= RepeatedTextCounts.MinChars && group.Count() > 2, "some texts must repeat for the memo to answer");

        using var run = RunCaches.Enter(new RunCaches());
        foreach (var encoding in new[] { TiktokenTokenizer.O200kBase, TiktokenTokenizer.Cl100kBase })
        {
            // Twice over, interleaving the two encodings on one thread: no count leaks from one encoding to the other.
            for (var pass = 0; pass < 2; pass++)
            {
                foreach (var text in texts)
                {
                    RepeatedTextCounts.CountTokens(encoding, text).Should().Be(encoding.CountTokens(text));
                }
            }
        }
    }

    private sealed class CallCountingCounter(ITokenCounter inner) : ITokenCounter
    {
        public int Calls { get; private set; }

        public string EncodingName => inner.EncodingName;

        public int CountTokens(ReadOnlySpan<char> text)
        {
            Calls++;
            return inner.CountTokens(text);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);
    }
}
