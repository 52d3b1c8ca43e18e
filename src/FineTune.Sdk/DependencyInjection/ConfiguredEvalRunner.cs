namespace FineTune.Sdk;

/// <summary>
/// The <see cref="IEvalRunner"/> that <c>AddFineTuning</c> registers: a run that passes no options gets
/// <see cref="FineTuningOptions.Evaluation"/> (validated at start-up) instead of the built-in defaults.
/// </summary>
internal sealed class ConfiguredEvalRunner(EvalRunner inner, EvalRunOptions defaults) : IEvalRunner
{
    public IAsyncEnumerable<EvalCaseResult> RunAsync(
        IReadOnlyList<GoldenCase> cases,
        IReadOnlyList<ModelVariant> variants,
        EvalRunOptions? options = null,
        IProgress<EvalProgress>? progress = null,
        CancellationToken cancellationToken = default)
        => inner.RunAsync(cases, variants, options ?? defaults, progress, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : inner.GetService(serviceType, serviceKey);
    }
}
