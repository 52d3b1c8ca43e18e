namespace Gateway;

/// <summary>The request of POST /classify.</summary>
/// <param name="UserId">The caller; the targeting key of the rollout.</param>
/// <param name="Text">The ticket.</param>
public sealed record ClassifyRequest(string? UserId, string? Text);

/// <summary>The answer of POST /classify.</summary>
/// <param name="Label">The model's answer.</param>
/// <param name="Variant">The registry variant that served it.</param>
/// <param name="Model">The model id that answered.</param>
public sealed record ClassifyResponse(string Label, string Variant, string? Model);
