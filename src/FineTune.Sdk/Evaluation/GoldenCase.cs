using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>
/// One case of a golden set: a stable id, the prompt sent to every variant, what a correct answer looks like and
/// the buckets (tags) it is compared in.
/// </summary>
public sealed class GoldenCase
{
    /// <summary>Initializes a new instance of the <see cref="GoldenCase"/> class.</summary>
    /// <param name="id">The stable case id; results of two runs are paired by it.</param>
    /// <param name="messages">The prompt: every message sent to the model.</param>
    /// <param name="expected">The expected answer as text (for a JSON value, its compact JSON text).</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    public GoldenCase(string id, IReadOnlyList<ChatMessage> messages, string? expected)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(messages);
        Id = id;
        Messages = messages;
        Expected = expected;
    }

    /// <summary>Gets the stable case id.</summary>
    /// <value>Unique within a golden set.</value>
    public string Id { get; }

    /// <summary>Gets the prompt messages.</summary>
    /// <value>At least one message for a usable case.</value>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>Gets the expected answer as text.</summary>
    /// <value>The expected string, or the compact JSON text of a JSON value; <see langword="null"/> when none.</value>
    public string? Expected { get; }

    /// <summary>Gets the expected answer when the golden row gave a JSON value (object, array, number, boolean).</summary>
    /// <value><see langword="null"/> when the expected answer is a plain string.</value>
    public JsonElement? ExpectedJson { get; init; }

    /// <summary>Gets the buckets this case belongs to; a case tagged <c>safety</c> is in a safety bucket.</summary>
    /// <value>Defaults to no tags (the case is only in the overall bucket).</value>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets the 1-based line of the case in its file, or 0 when built in code.</summary>
    /// <value>Defaults to 0.</value>
    public long Line { get; init; }

    /// <summary>Gets extra data about the case, never sent to the model.</summary>
    /// <value>Optional; <see langword="null"/> when none.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; set; }
}
