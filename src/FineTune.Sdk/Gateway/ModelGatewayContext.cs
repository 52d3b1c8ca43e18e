namespace FineTune.Sdk;

/// <summary>
/// Keys the model gateway reads from <see cref="Microsoft.Extensions.AI.ChatOptions.AdditionalProperties"/> and writes
/// to <see cref="Microsoft.Extensions.AI.ChatResponse.AdditionalProperties"/> (and to streamed updates).
/// </summary>
public static class ModelGatewayProperties
{
    /// <summary>In a request: the caller's targeting key (a <see cref="string"/>); it wins over <see cref="ModelGatewayContext.TargetingKey"/>.</summary>
    public const string TargetingKey = "finetune.targeting_key";

    /// <summary>In a response: the feature that was resolved (a <see cref="string"/>).</summary>
    public const string Feature = "finetune.gateway.feature";

    /// <summary>In a response: the registry variant that served it (a <see cref="string"/>).</summary>
    public const string Variant = "finetune.gateway.variant";

    /// <summary>In a response: the registry version the route was resolved on (a <see cref="long"/>).</summary>
    public const string RegistryVersion = "finetune.gateway.registry_version";
}

/// <summary>
/// The ambient per-request targeting key of the model gateway, for apps that cannot pass it in every
/// <see cref="Microsoft.Extensions.AI.ChatOptions"/>: set it once per request (for example in ASP.NET Core middleware)
/// and every gateway call in that async flow uses it.
/// </summary>
public static class ModelGatewayContext
{
    private static readonly AsyncLocal<string?> Current = new();

    /// <summary>Gets the targeting key of the current async flow.</summary>
    /// <value><see langword="null"/> when none was set: the gateway then serves the default variant.</value>
    public static string? TargetingKey => Current.Value;

    /// <summary>Sets the targeting key for the current async flow until the returned scope is disposed.</summary>
    /// <param name="targetingKey">The caller's stable key (user, tenant, conversation).</param>
    /// <returns>A scope that restores the previous key when disposed.</returns>
    public static IDisposable BeginScope(string targetingKey)
    {
        ArgumentNullException.ThrowIfNull(targetingKey);
        var previous = Current.Value;
        Current.Value = targetingKey;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Current.Value = previous;
            }
        }
    }
}
