namespace FineTune.Sdk;

/// <summary>The token counts of one chat fine-tuning example.</summary>
/// <param name="Total">The example's tokens under the formula used.</param>
/// <param name="Billed">The tokens billed per epoch: <paramref name="Total"/> truncated to the model's per-example limit.</param>
/// <param name="Messages">The number of messages (for preference rows: input messages plus outputs).</param>
/// <param name="AssistantTokens">The tokens of what the assistant messages say: their content, tool calls and function calls.</param>
public readonly record struct ChatExampleTokens(int Total, int Billed, int Messages, int AssistantTokens)
{
    /// <summary>Gets a value indicating whether the example exceeds the model's limit and will be truncated.</summary>
    /// <value><see langword="true"/> when <see cref="Total"/> is greater than <see cref="Billed"/>.</value>
    public bool IsOverLimit => Total > Billed;
}
