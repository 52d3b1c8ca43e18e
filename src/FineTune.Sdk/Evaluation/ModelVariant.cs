using Microsoft.Extensions.AI;

namespace FineTune.Sdk;

/// <summary>One model under evaluation: a label (<c>base</c>, <c>candidate</c>), the model id and the chat client that reaches it.</summary>
public sealed class ModelVariant
{
    /// <summary>Initializes a new instance of the <see cref="ModelVariant"/> class.</summary>
    /// <param name="label">The label results are grouped by, unique within a run.</param>
    /// <param name="modelId">The model id sent in <see cref="ChatOptions.ModelId"/>.</param>
    /// <param name="client">The chat client; <see langword="null"/> only when every case is already in the run file.</param>
    /// <exception cref="ArgumentException"><paramref name="label"/> or <paramref name="modelId"/> is empty.</exception>
    public ModelVariant(string label, string modelId, IChatClient? client)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        Label = label;
        ModelId = modelId;
        Client = client;
    }

    /// <summary>Gets the label.</summary>
    /// <value>For example <c>base</c> or <c>candidate</c>.</value>
    public string Label { get; }

    /// <summary>Gets the model id.</summary>
    /// <value>The provider's model id, for example a fine-tuned model name.</value>
    public string ModelId { get; }

    /// <summary>Gets the chat client.</summary>
    /// <value>The client every request of this variant goes through; not disposed by the runner.</value>
    public IChatClient? Client { get; }

    /// <summary>Gets the price of one million input tokens, in US dollars.</summary>
    /// <value>Defaults to <see langword="null"/>: cost is not computed.</value>
    public decimal? InputPricePerMillionTokens { get; init; }

    /// <summary>Gets the price of one million output tokens, in US dollars.</summary>
    /// <value>Defaults to <see langword="null"/>: cost is not computed.</value>
    public decimal? OutputPricePerMillionTokens { get; init; }

    /// <summary>Gets the provider's own representation of the model, when an adapter has one.</summary>
    /// <value>Optional.</value>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets extra provider-specific data.</summary>
    /// <value>Optional.</value>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; set; }
}
