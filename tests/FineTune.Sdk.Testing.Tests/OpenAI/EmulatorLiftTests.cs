using Microsoft.Extensions.Time.Testing;
using System.Text;
using System.Text.Json;
using FineTune.Tests;
using Xunit.Abstractions;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The before/after lift a user sees on real data (the dbpedia samples of the OpenAI cookbook).</summary>
public sealed class EmulatorLiftTests(ITestOutputHelper output)
{
    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_DbpediaSamples_FineTunedIsExactAndBaseIsAboutSixtyPercent()
    {
        var rows = DbpediaRows();
        var jsonl = new StringBuilder();
        foreach (var (text, category) in rows)
        {
            jsonl.Append(JsonSerializer.Serialize(new
            {
                messages = new object[]
                {
                    new { role = "system", content = "Answer with the DBpedia category of the text." },
                    new { role = "user", content = text },
                    new { role = "assistant", content = category },
                },
            })).Append('\n');
        }

        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 1 }, clock);
        using var client = RawOpenAIClient.InProcess(emulator);
        var file = (await client.UploadAsync(Encoding.UTF8.GetBytes(jsonl.ToString()), "dbpedia.jsonl")).GetProperty("id").GetString()!;
        var jobId = await client.CreateJobAsync(file, new { method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 1 } } } });
        clock.Advance(TimeSpan.FromHours(1));
        var model = (await client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("fine_tuned_model").GetString()!;

        var (baseCorrect, baseWrongLabel, baseProse) = (0, 0, 0);
        var tunedCorrect = 0;
        var categories = rows.Select(r => r.Category).ToHashSet(StringComparer.Ordinal);
        foreach (var (text, category) in rows)
        {
            var baseAnswer = await ChatAsync(client, "gpt-4o-mini", text);
            if (baseAnswer == category)
            {
                baseCorrect++;
            }
            else if (categories.Contains(baseAnswer))
            {
                baseWrongLabel++;
            }
            else
            {
                baseProse++;
            }

            if (await ChatAsync(client, model, text) == category)
            {
                tunedCorrect++;
            }
        }

        output.WriteLine($"rows={rows.Count} base correct={baseCorrect} wrong-label={baseWrongLabel} prose={baseProse} fine-tuned correct={tunedCorrect}");
        tunedCorrect.Should().Be(rows.Count);
        ((double)baseCorrect / rows.Count).Should().BeInRange(0.5, 0.7);
        baseWrongLabel.Should().BePositive();
        baseProse.Should().BePositive();
    }

    [Fact(Timeout = 60_000)]
    public async Task ChatCompletion_HeldOutDbpediaTexts_FineTunedAnswersTheNearestTrainingTextsCategory()
    {
        var rows = DbpediaRows();
        var train = rows.Where((_, i) => i % 2 == 0).ToList();
        var heldOut = rows.Where((_, i) => i % 2 == 1).ToList();
        var jsonl = new StringBuilder();
        foreach (var (text, category) in train)
        {
            jsonl.Append(JsonSerializer.Serialize(new { messages = new object[] { new { role = "user", content = text }, new { role = "assistant", content = category } } })).Append('\n');
        }

        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 1 }, clock);
        using var client = RawOpenAIClient.InProcess(emulator);
        var file = (await client.UploadAsync(Encoding.UTF8.GetBytes(jsonl.ToString()), "dbpedia-half.jsonl")).GetProperty("id").GetString()!;
        var jobId = await client.CreateJobAsync(file, new { method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 1 } } } });
        clock.Advance(TimeSpan.FromHours(1));
        var model = (await client.GetAsync($"fine_tuning/jobs/{jobId}")).GetProperty("fine_tuned_model").GetString()!;

        // The rule of docs/emulator.md, written independently: the trained text with the highest Jaccard index of word sets
        // (words of 3+ letters or digits of the lower-cased text), ties to the ordinally first, at least 0.1.
        var trained = train.Select(r => (Key: string.Join(' ', r.Text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), r.Category))
            .GroupBy(r => r.Key, StringComparer.Ordinal).Select(g => g.First()).OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        static HashSet<string> Words(string text) => System.Text.RegularExpressions.Regex.Matches(text.ToLowerInvariant(), @"[\p{L}\p{Nd}]{3,}").Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        var (correct, matchedRule) = (0, 0);
        foreach (var (text, category) in heldOut)
        {
            var words = Words(text);
            var best = trained.Select(t => (t.Category, Overlap: Jaccard(words, Words(t.Key)))).Aggregate((a, b) => b.Overlap > a.Overlap ? b : a);
            var expected = best.Overlap >= 0.1 ? best.Category : "(emulated gpt-4o-mini-2024-07-18) I have no trained answer for this prompt.";

            var answer = await ChatAsync(client, model, text);

            matchedRule += answer == expected ? 1 : 0;
            correct += answer == category ? 1 : 0;
        }

        output.WriteLine($"held out={heldOut.Count} fine-tuned correct={correct}");
        matchedRule.Should().Be(heldOut.Count, "every held-out answer follows the nearest-training-text rule");
        correct.Should().Be(47, "the nearest training text's category is right for this many of the 100 held-out texts");
        (await ChatAsync(client, model, "xyzzy plugh")).Should().Be("(emulated gpt-4o-mini-2024-07-18) I have no trained answer for this prompt.", "no word in common with any training text: the base model answers");
    }

    private static List<(string Text, string Category)> DbpediaRows() => File.ReadLines(RepoPaths.Dataset("openai-cookbook/dbpedia_samples.jsonl"))
        .Select(line => JsonDocument.Parse(line).RootElement)
        .Select(e => (Text: e.GetProperty("text").GetString()!.Trim(), Category: e.GetProperty("category").GetString()!))
        .ToList();

    private static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        var shared = a.Count(b.Contains);
        var union = a.Count + b.Count - shared;
        return union == 0 ? 0 : (double)shared / union;
    }

    private static async Task<string> ChatAsync(RawOpenAIClient client, string model, string prompt)
    {
        var body = await client.PostAsync("chat/completions", new { model, messages = new object[] { new { role = "system", content = "Answer with the DBpedia category of the text." }, new { role = "user", content = prompt } } });
        return body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }
}
