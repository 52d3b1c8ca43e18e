using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>Options of the LLM judge scorer.</summary>
public sealed class LlmJudgeOptions
{
    /// <summary>Gets or sets the rubric the judge grades against.</summary>
    /// <value>Defaults to a general correctness-and-helpfulness rubric comparing the answer with the reference.</value>
    public string Rubric { get; set; } =
        "5: fully correct and complete, consistent with the reference answer. 4: correct with minor omissions. " +
        "3: partly correct. 2: mostly wrong. 1: wrong, off-topic or empty.";

    /// <summary>Gets or sets the judge model id sent in <see cref="ChatOptions.ModelId"/>.</summary>
    /// <value>Defaults to <see langword="null"/>: the judge client's default model.</value>
    public string? ModelId { get; set; }

    /// <summary>Gets or sets the lowest 1-5 score that passes.</summary>
    /// <value>Defaults to 4.</value>
    public int PassScore { get; set; } = 4;

    /// <summary>Gets or sets the judge's output-token limit; generous so reasoning models are not cut short.</summary>
    /// <value>Defaults to 1024.</value>
    public int MaxOutputTokens { get; set; } = 1024;
}

/// <summary>
/// Grades an output 1-5 with a judge model. The judge must answer with JSON <c>{"score": n, "explanation": "..."}</c>;
/// the JSON may be wrapped in prose or a code fence. A judge failure is a <see cref="EvalScore.ScorerError"/> naming
/// the status, provider code and first line of the error (keys redacted). Give it the same composed chat pipeline as
/// the models under test so its calls share the retry layer and rate limits.
/// </summary>
internal sealed class LlmJudgeScorer(IChatClient judge, LlmJudgeOptions options) : IEvalScorer
{
    public string Name => "judge";

    public async ValueTask<EvalScore> ScoreAsync(GoldenCase goldenCase, string output, CancellationToken cancellationToken = default)
    {
        var prompt = new StringBuilder();
        prompt.Append("Grade the ANSWER to the REQUEST on this rubric (1 to 5):\n").Append(options.Rubric).Append("\n\n");
        prompt.Append("REQUEST:\n");
        foreach (var message in goldenCase.Messages)
        {
            prompt.Append('[').Append(message.Role.Value).Append("] ").Append(message.Text).Append('\n');
        }

        if (goldenCase.Expected is not null)
        {
            prompt.Append("\nREFERENCE ANSWER:\n").Append(goldenCase.Expected).Append('\n');
        }

        prompt.Append("\nANSWER:\n").Append(output).Append("\n\n");
        prompt.Append("Reply with only a JSON object: {\"score\": <integer 1-5>, \"explanation\": \"<one or two sentences>\"}.");
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, "You are a strict, fair grader. You reply with JSON only."),
            new(ChatRole.User, prompt.ToString()),
        };

        ChatResponse response;
        try
        {
            response = await judge.GetResponseAsync(messages, new ChatOptions { ModelId = options.ModelId, Temperature = 0, MaxOutputTokens = options.MaxOutputTokens }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new EvalScore(Name, null, false) { ScorerError = "Judge call failed: " + FailureText.Describe(ex) };
        }

        if (!TryParseVerdict(response.Text, out var score, out var explanation))
        {
            return new EvalScore(Name, null, false) { ScorerError = "Judge reply had no JSON score between 1 and 5." };
        }

        return new EvalScore(Name, (score - 1) / 4.0, score >= options.PassScore)
        {
            Reason = explanation,
            Details = new Dictionary<string, double>(StringComparer.Ordinal) { ["rawScore"] = score },
        };
    }

    internal static bool TryParseVerdict(string? text, out double score, out string? explanation)
    {
        score = 0;
        explanation = null;
        if (text is null)
        {
            return false;
        }

        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(text.AsMemory(start, end - start + 1));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("score", out var value))
            {
                return false;
            }

            var parsed = value.ValueKind switch
            {
                JsonValueKind.Number => value.GetDouble(),
                JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
                _ => double.NaN,
            };
            if (double.IsNaN(parsed) || parsed < 1 || parsed > 5)
            {
                return false;
            }

            score = parsed;
            explanation = root.TryGetProperty("explanation", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException) // InvalidOperation: a lone-surrogate escape
        {
            return false;
        }
    }
}
