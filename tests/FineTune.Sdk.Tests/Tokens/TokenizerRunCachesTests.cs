using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.Tests;

/// <summary>The tokenizer counts and encodes the same with a run's caches (inside a validation) as without them.</summary>
public sealed class TokenizerRunCachesTests
{
    [Fact]
    public void CountTokensAndEncode_InsideAndOutsideARun_GiveTheSameTokens()
    {
        var texts = File.ReadLines(RepoPaths.Dataset("openai-cookbook/toy_chat_fine_tuning.jsonl"))
            .SelectMany(line => JsonDocument.Parse(line).RootElement.GetProperty("messages").EnumerateArray())
            .Select(message => message.TryGetProperty("content", out var content) ? content.GetString() ?? string.Empty : string.Empty)
            .Append(string.Join(' ', Enumerable.Range(0, 4000).Select(i => "word" + (i % 97)))) // long: counted with caches of its own call
            .Append("naïve café — ünïcödé 日本語のテキスト and emoji 🙂🙂 plus a looooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooong word")
            .ToList();

        foreach (var tokenizer in new[] { TiktokenTokenizer.O200kBase, TiktokenTokenizer.Cl100kBase })
        {
            var counts = texts.Select(text => tokenizer.CountTokens(text)).ToList();
            var ids = texts.Select(text => tokenizer.Encode(text)).ToList();
            var caches = new RunCaches();
            using (RunCaches.Enter(caches))
            {
                for (var pass = 0; pass < 2; pass++) // the second pass answers from the caches
                {
                    texts.Select(text => tokenizer.CountTokens(text)).Should().Equal(counts);
                    texts.Select(text => tokenizer.Encode(text)).Should().BeEquivalentTo(ids, o => o.WithStrictOrdering());
                }
            }

            RunCaches.Current.Should().BeNull("leaving the scope restores what was current before");
            (tokenizer == TiktokenTokenizer.O200kBase ? caches.O200kCounts : caches.Cl100kCounts).Should().NotBeNull("the run's counting used its caches");
        }
    }
}
