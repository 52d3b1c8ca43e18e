using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk;

/// <summary>
/// The builder returned by <see cref="FineTuningServiceCollectionExtensions.AddFineTuning(IServiceCollection, Action{FineTuningOptions}?)"/>;
/// adapter packages add themselves to it (for example <c>AddOpenAI(...)</c>).
/// </summary>
/// <remarks>Instances are not thread-safe; configure services from one thread at start-up.</remarks>
public interface IFineTuningBuilder
{
    /// <summary>Gets the service collection the SDK registers into.</summary>
    /// <value>The application's <see cref="IServiceCollection"/>.</value>
    IServiceCollection Services { get; }
}
