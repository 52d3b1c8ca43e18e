using System.Globalization;

namespace FineTune.Sdk;

/// <summary>
/// Training hyperparameters. A <see langword="null"/> value means <c>auto</c>: the provider chooses. On a job read
/// back from a provider, the values are the resolved ones once the provider has chosen them.
/// </summary>
public sealed class FineTuneHyperparameters
{
    /// <summary>The smallest number of epochs accepted.</summary>
    public const int MinEpochs = 1;

    /// <summary>The largest number of epochs accepted.</summary>
    public const int MaxEpochs = 50;

    /// <summary>The smallest batch size accepted.</summary>
    public const int MinBatchSize = 1;

    /// <summary>The largest batch size accepted.</summary>
    public const int MaxBatchSize = 256;

    /// <summary>Gets or sets the number of passes over the training file.</summary>
    /// <value>Defaults to <see langword="null"/> (<c>auto</c>); otherwise 1 to 50.</value>
    public int? Epochs { get; set; }

    /// <summary>Gets or sets the number of examples per batch.</summary>
    /// <value>Defaults to <see langword="null"/> (<c>auto</c>); otherwise 1 to 256.</value>
    public int? BatchSize { get; set; }

    /// <summary>Gets or sets the learning-rate multiplier.</summary>
    /// <value>Defaults to <see langword="null"/> (<c>auto</c>); otherwise greater than 0.</value>
    public double? LearningRateMultiplier { get; set; }

    /// <summary>Gets or sets the DPO beta (only for <see cref="FineTuneMethod.Dpo"/>); higher is more conservative.</summary>
    /// <value>Defaults to <see langword="null"/> (<c>auto</c>); otherwise greater than 0 and at most 2.</value>
    public double? Beta { get; set; }

    /// <summary>Gets a value indicating whether every hyperparameter is <c>auto</c>.</summary>
    /// <value><see langword="true"/> when no value is set.</value>
    public bool IsAuto => Epochs is null && BatchSize is null && LearningRateMultiplier is null && Beta is null;

    /// <summary>Checks every value against the ranges the providers accept, before any network call.</summary>
    /// <param name="method">The training method the hyperparameters are for.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the field and the value.</exception>
    public void Validate(FineTuneMethod method)
    {
        if (Epochs is { } epochs && epochs is < MinEpochs or > MaxEpochs)
        {
            throw OutOfRange(nameof(Epochs), epochs, $"Hyperparameters.Epochs must be between {MinEpochs} and {MaxEpochs} (or auto); it was {epochs}.");
        }

        if (BatchSize is { } batch && batch is < MinBatchSize or > MaxBatchSize)
        {
            throw OutOfRange(nameof(BatchSize), batch, $"Hyperparameters.BatchSize must be between {MinBatchSize} and {MaxBatchSize} (or auto); it was {batch}.");
        }

        if (LearningRateMultiplier is { } lr && (!double.IsFinite(lr) || lr <= 0))
        {
            throw OutOfRange(nameof(LearningRateMultiplier), lr, $"Hyperparameters.LearningRateMultiplier must be greater than 0 (or auto); it was {lr.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (Beta is { } beta)
        {
            if (method != FineTuneMethod.Dpo)
            {
                throw OutOfRange(nameof(Beta), beta, $"Hyperparameters.Beta applies only to the dpo method; the method was {method}.");
            }

            if (!double.IsFinite(beta) || beta <= 0 || beta > 2)
            {
                throw OutOfRange(nameof(Beta), beta, $"Hyperparameters.Beta must be greater than 0 and at most 2 (or auto); it was {beta.ToString(CultureInfo.InvariantCulture)}.");
            }
        }
    }

    internal static ArgumentOutOfRangeException OutOfRange(string field, object value, string message) => new(field, value, message);
}
