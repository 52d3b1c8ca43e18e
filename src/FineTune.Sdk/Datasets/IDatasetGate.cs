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
