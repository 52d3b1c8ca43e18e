using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>One entry of a job's event log (a message, or a metrics report during training).</summary>
public sealed class FineTuneEvent
{
    /// <summary>Initializes a new instance of the <see cref="FineTuneEvent"/> class.</summary>
    /// <param name="id">The provider's event id.</param>
    /// <param name="message">The human-readable text.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is null, empty or white space.</exception>
    public FineTuneEvent(string id, string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        Message = message ?? string.Empty;
    }

    /// <summary>Gets the provider's event id.</summary>
    /// <value>As given at construction.</value>
    public string Id { get; }

    /// <summary>Gets the human-readable text.</summary>
    /// <value>As given at construction.</value>
    public string Message { get; }

    /// <summary>Gets when the event happened.</summary>
    /// <value><see langword="null"/> if unknown.</value>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the level: <c>info</c>, <c>warn</c> or <c>error</c> for OpenAI.</summary>
    /// <value>Defaults to <c>info</c>.</value>
    public string Level { get; init; } = "info";

    /// <summary>Gets the training metrics the event reports, if it is a metrics event.</summary>
    /// <value><see langword="null"/> for plain messages.</value>
    public TrainingMetric? Metric { get; init; }

    /// <summary>Gets the provider's own object for this event, for advanced use.</summary>
    /// <value><see langword="null"/> when the adapter kept none.</value>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets provider fields with no neutral property.</summary>
    /// <value><see langword="null"/> when there are none.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"[{Level}] {Message}";
}
