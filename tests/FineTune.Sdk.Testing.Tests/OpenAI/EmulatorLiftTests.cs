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
        var rows = File.ReadLines(RepoPaths.Dataset("openai-cookbook/dbpedia_samples.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(e => (Text: e.GetProperty("text").GetString()!.Trim(), Category: e.GetProperty("category").GetString()!))
            .ToList();
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

    private static async Task<string> ChatAsync(RawOpenAIClient client, string model, string prompt)
    {
        var body = await client.PostAsync("chat/completions", new { model, messages = new object[] { new { role = "system", content = "Answer with the DBpedia category of the text." }, new { role = "user", content = prompt } } });
        return body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }
}
