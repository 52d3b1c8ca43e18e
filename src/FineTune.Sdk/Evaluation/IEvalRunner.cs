namespace FineTune.Sdk;

/// <summary>Runs a golden set against several model variants with identical settings and scores every output.</summary>
/// <remarks>Implementations are thread-safe; one instance can run several evaluations at once.</remarks>
public interface IEvalRunner
{
    /// <summary>
    /// Runs every case against every variant and returns the results as they finish (results resumed from
    /// <see cref="EvalRunOptions.RunFile"/> first). A failed call is a result with an error, never an exception.
    /// </summary>
    /// <param name="cases">The golden cases.</param>
    /// <param name="variants">The variants; labels must be unique.</param>
    /// <param name="options">The run options; <see langword="null"/> uses the defaults.</param>
    /// <param name="progress">Optional progress sink, told after each result.</param>
    /// <param name="cancellationToken">Stops the run; results already written to the run file stay there.</param>
    /// <returns>One result per case and variant.</returns>
    /// <exception cref="ArgumentException">The options are invalid, labels repeat, or a variant needed for pending cases has no client.</exception>
    IAsyncEnumerable<EvalCaseResult> RunAsync(
        IReadOnlyList<GoldenCase> cases,
        IReadOnlyList<ModelVariant> variants,
        EvalRunOptions? options = null,
        IProgress<EvalProgress>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>Asks for a service the runner holds (for example its <see cref="TimeProvider"/>).</summary>
    /// <param name="serviceType">The type asked for.</param>
    /// <param name="serviceKey">An optional key.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    object? GetService(Type serviceType, object? serviceKey = null);
}
