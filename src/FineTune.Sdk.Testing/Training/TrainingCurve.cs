using System.Globalization;

namespace FineTune.Sdk.Testing;

/// <summary>
/// The emulators' loss curves and how they respond to hyperparameters (docs/emulator.md, "Loss curves that respond to
/// hyperparameters"): the learning budget <c>s = min(1, epochs / reference epochs × relative learning rate)</c> slows the
/// decay (too little training underfits), validation loss gains <c>o × max(0, epoch − 3)</c> with
/// <c>o = 0.1 × min(ρ, 3) × clamp(100 / examples, 0.2, 2)</c> (many epochs on few rows overfit), and a relative learning
/// rate <c>ρ</c> above 2 adds loss spikes on a seeded share <c>min(0.2, 0.1 × (ρ − 2))</c> of the steps. Deterministic
/// from the job's seed.
/// </summary>
/// <param name="Seed">The job's seed (noise and spikes).</param>
/// <param name="Epochs">The epochs trained.</param>
/// <param name="ReferenceEpochs">The provider's default epochs, which with the default learning rate give a full budget.</param>
/// <param name="RelativeLearningRate">The learning rate (multiplier) over the provider's default, ρ.</param>
/// <param name="Examples">The number of training examples.</param>
internal readonly record struct TrainingCurve(int Seed, int Epochs, double ReferenceEpochs, double RelativeLearningRate, int Examples)
{
    /// <summary>Epochs after which validation loss starts to rise when the data is small.</summary>
    public const double OverfitOnsetEpochs = 3;

    /// <summary>Gets the learning budget s in (0, 1]: 1 reproduces the default curve.</summary>
    public double Budget => Math.Min(1, Epochs / ReferenceEpochs * RelativeLearningRate);

    /// <summary>Gets the validation loss added per epoch beyond <see cref="OverfitOnsetEpochs"/>.</summary>
    public double OverfitRate => 0.1 * Math.Min(RelativeLearningRate, 3) * Math.Clamp(100.0 / Math.Max(1, Examples), 0.2, 2);

    /// <summary>Gets the share of steps that spike.</summary>
    public double SpikeShare => RelativeLearningRate > 2 ? Math.Min(0.2, 0.1 * (RelativeLearningRate - 2)) : 0;

    /// <summary>The noiseless decay <c>floor + start × e^(−4 s p)</c> at progress p in [0, 1].</summary>
    public double Decay(double floor, double start, double progress) => floor + (start * Math.Exp(-4 * Budget * progress));

    /// <summary>The overfitting term of validation loss at progress p.</summary>
    public double Overfit(double progress) => OverfitRate * Math.Max(0, (progress * Epochs) - OverfitOnsetEpochs);

    /// <summary>The loss a spike adds at this step (0 on most steps).</summary>
    public double Spike(int step) =>
        SpikeShare > 0 && Unit(Seed, step, 7) < SpikeShare ? 0.6 + (0.6 * Unit(Seed, step, 8)) : 0;

    /// <summary>A uniform number in [0, 1) from the seed, step and stream.</summary>
    public static double Unit(int seed, int step, int stream) =>
        (AnswerBook.Fnv1a(string.Create(CultureInfo.InvariantCulture, $"{seed}:{step}:{stream}")) % 10_000) / 10_000.0;
}
