using System.Text;
using System.Text.Json;

namespace FineTune.Sdk.Testing;

/// <summary>
/// How every emulated model answers (docs/emulator.md, "How the models answer"): the emulator's world knowledge (every
/// prompt/answer pair of every training or validation file it was given), trained models answering their trained
/// prompts exactly, and base models right for a documented share of known prompts. Shared by the OpenAI and Bedrock
/// emulators. Not thread-safe: the owning emulator calls it under its lock.
/// </summary>
internal sealed class AnswerBook
{
    private readonly Dictionary<string, LearnedAnswer> _knowledge = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, LearnedAnswer> _knownAnswers = new(StringComparer.Ordinal);

    /// <summary>Adds pairs to the world knowledge; the first answer seen for a prompt wins.</summary>
    /// <param name="pairs">Pairs keyed on the normalized prompt (<see cref="TrainingFile.Normalize"/>).</param>
    public void Learn(IEnumerable<LearnedPair> pairs)
    {
        foreach (var pair in pairs)
        {
            _knowledge.TryAdd(pair.Prompt, pair.Answer);
            _knownAnswers.TryAdd(pair.Answer.Key, pair.Answer);
        }
    }

    /// <summary>The answer of a fine-tuned model: its trained answer for the prompt, else its base model's.</summary>
    public LearnedAnswer TrainedAnswer(IReadOnlyDictionary<string, LearnedAnswer> learned, string baseModel, string prompt, double baseModelAccuracy) =>
        learned.TryGetValue(prompt, out var trained) ? trained : BaseAnswer(baseModel, prompt, baseModelAccuracy);

    /// <summary>The least word overlap (Jaccard index of the prompts' word sets) at which a fine-tuned model generalises to an unseen prompt.</summary>
    public const double MinimumGeneralisationOverlap = 0.1;

    private readonly Dictionary<IReadOnlyDictionary<string, LearnedAnswer>, (int Count, List<(string Prompt, HashSet<string> Words)> Index)> _wordIndexes = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The answer of a fine-tuned model that generalises (the OpenAI emulator, docs/emulator.md): its trained answer for a
    /// trained prompt; for an unseen prompt, the trained answer of the nearest training prompt by word overlap (Jaccard index
    /// of the sets of words of 3 or more letters or digits; ties to the ordinally first prompt) when the overlap is at least
    /// <see cref="MinimumGeneralisationOverlap"/>; otherwise its base model's answer.
    /// </summary>
    public LearnedAnswer GeneralisedAnswer(IReadOnlyDictionary<string, LearnedAnswer> learned, string baseModel, string prompt, double baseModelAccuracy)
    {
        if (learned.TryGetValue(prompt, out var trained))
        {
            return trained;
        }

        return Nearest(learned, prompt) is { } nearest ? learned[nearest] : BaseAnswer(baseModel, prompt, baseModelAccuracy);
    }

    /// <summary>The trained prompt nearest to <paramref name="prompt"/> by word overlap, or null below <see cref="MinimumGeneralisationOverlap"/>.</summary>
    public string? Nearest(IReadOnlyDictionary<string, LearnedAnswer> learned, string prompt)
    {
        if (!_wordIndexes.TryGetValue(learned, out var cached) || cached.Count != learned.Count)
        {
            cached = (learned.Count, [.. learned.Keys.Order(StringComparer.Ordinal).Select(p => (p, Words(p)))]);
            _wordIndexes[learned] = cached;
        }

        var words = Words(prompt);
        string? best = null;
        var bestOverlap = 0.0;
        foreach (var (candidate, candidateWords) in cached.Index)
        {
            var shared = candidateWords.Count(words.Contains);
            var union = words.Count + candidateWords.Count - shared;
            var overlap = union == 0 ? 0 : (double)shared / union;
            if (overlap > bestOverlap)
            {
                best = candidate;
                bestOverlap = overlap;
            }
        }

        return bestOverlap >= MinimumGeneralisationOverlap ? best : null;
    }

    /// <summary>The distinct words of 3 or more letters or digits of a normalized prompt.</summary>
    internal static HashSet<string> Words(string prompt)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        var start = -1;
        for (var i = 0; i <= prompt.Length; i++)
        {
            var inWord = i < prompt.Length && char.IsLetterOrDigit(prompt[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                if (i - start >= 3)
                {
                    words.Add(prompt[start..i]);
                }

                start = -1;
            }
        }

        return words;
    }

    /// <summary>The deliberately imperfect base model: right for <paramref name="baseModelAccuracy"/> of the known prompts by hash bucket.</summary>
    public LearnedAnswer BaseAnswer(string baseModel, string prompt, double baseModelAccuracy)
    {
        var bucket = Fnv1a(prompt) % 100;
        if (!_knowledge.TryGetValue(prompt, out var correct))
        {
            return new LearnedAnswer(LearnedAnswer.Text, $"(emulated {baseModel}) I have no trained answer for this prompt.");
        }

        var correctBelow = (uint)Math.Round(baseModelAccuracy * 100);
        if (bucket < correctBelow)
        {
            return correct;
        }

        var wrongBelow = correctBelow + (uint)Math.Round((100 - correctBelow) * 0.6);
        if (bucket < wrongBelow && _knownAnswers.Count > 1)
        {
            var answers = _knownAnswers.Values.ToList();
            var index = (int)(Fnv1a("wrong:" + prompt) % (uint)answers.Count);
            var wrong = answers[index];
            return wrong != correct ? wrong : answers[(index + 1) % answers.Count];
        }

        if (correct.Kind == LearnedAnswer.Text)
        {
            return new LearnedAnswer(LearnedAnswer.Text, "Sure! Here is my best answer: " + correct.Value);
        }

        var call = Calls(correct)[0];
        return new LearnedAnswer(LearnedAnswer.Text, $"Sure! I would call {call.Name} with {call.Arguments}");
    }

    /// <summary>Reads the (name, arguments) of each call in a tool or function answer; empty for a text answer.</summary>
    public static List<(string Name, string Arguments)> Calls(LearnedAnswer answer)
    {
        var calls = new List<(string Name, string Arguments)>();
        if (answer.Kind == LearnedAnswer.Text)
        {
            return calls;
        }

        using var document = JsonDocument.Parse(answer.Value);
        var items = answer.Kind == LearnedAnswer.ToolCalls ? document.RootElement.EnumerateArray().ToList() : [document.RootElement];
        foreach (var item in items)
        {
            var function = answer.Kind == LearnedAnswer.ToolCalls && item.TryGetProperty("function", out var f) ? f : item;
            var name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "function";
            var arguments = function.TryGetProperty("arguments", out var a)
                ? (a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText())
                : "{}";
            calls.Add((name, arguments));
        }

        return calls;
    }

    /// <summary>FNV-1a 32-bit over the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return hash;
    }
}
