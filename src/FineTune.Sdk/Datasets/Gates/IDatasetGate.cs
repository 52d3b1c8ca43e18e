namespace FineTune.Sdk;

/// <summary>
/// A whole-file check fed every well-formed row in order, then asked for its findings. Implementations keep
/// bounded state (hashes, counts, sketches), never row contents.
/// </summary>
internal interface IDatasetGate
{
    /// <summary>Observes one row.</summary>
    /// <param name="row">The row, valid only during this call.</param>
    /// <param name="findings">Where per-row findings go.</param>
    void Observe(DatasetRow row, FindingCollector findings);

    /// <summary>Adds the whole-file findings once every row was observed.</summary>
    /// <param name="findings">Where findings go.</param>
    void Complete(FindingCollector findings);
}

/// <summary>
/// A gate with per-row work that needs none of its state (hashing, detection, tokenizing): the validator runs
/// <see cref="Prepare"/> on worker threads, concurrently and ahead of time, and stores the result on the row;
/// <see cref="IDatasetGate.Observe"/> then runs in line order and uses it, so findings are identical to a
/// sequential run.
/// </summary>
internal interface IPreparingDatasetGate : IDatasetGate
{
    /// <summary>Computes the row's stateless per-row values; thread-safe, called once per row before <see cref="IDatasetGate.Observe"/>.</summary>
    /// <param name="row">The row, owned by the calling worker until it is observed.</param>
    void Prepare(DatasetRow row);
}
