namespace FineTune.Sdk.Tests.Jobs.Diagnostics;

/// <summary>Curves with known shapes (healthy, overfit, underfit, spiky) and the exact findings they must give.</summary>
public sealed class TrainingDiagnosticianTests
{
    private const int Steps = 100;
    private static readonly TrainingDiagnosticsContext WithValidation = new() { TrainingExamples = 100, ValidationExamples = 40, Epochs = 10, LearningRateMultiplier = 1.8, BaseModel = "gpt-4o-mini-2024-07-18" };
    private readonly TrainingDiagnostician _diagnostician = new();

    [Fact]
    public void Diagnose_HealthyCurve_HasNoFindings()
    {
        var diagnosis = _diagnostician.Diagnose(Curve(p => 0.1 + (1.9 * Math.Exp(-6 * p)), p => 0.15 + (1.9 * Math.Exp(-6 * p))), WithValidation);

        diagnosis.Findings.Should().BeEmpty();
        diagnosis.IsHealthy.Should().BeTrue();
        diagnosis.Steps.Should().Be(Steps);
        diagnosis.FinalTrainLoss.Should().Be(0.1063, "the mean of the last tenth of the steps");
        diagnosis.FinalValidLoss.Should().Be(0.1547);
        diagnosis.BestValidStep.Should().Be(100);
    }

    [Fact]
    public void Diagnose_ValidationLossRisingWhileTrainingFalls_IsOverfittingWithFewerEpochs()
    {
        var diagnosis = _diagnostician.Diagnose(
            Curve(p => 0.05 + (1.9 * Math.Exp(-6 * p)), p => 0.5 + (1.5 * Math.Exp(-10 * p)) + (0.6 * Math.Max(0, p - 0.4))),
            WithValidation);

        var finding = diagnosis.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be(TrainingFindingCodes.ValidationLossRising);
        finding.Kind.Should().Be(TrainingFindingKind.Overfitting);
        finding.Figures["min_valid_step"].Should().Be(40);
        finding.Figures["suggested_epochs"].Should().Be(4);
        finding.Figures["final_valid_loss"].Should().Be(0.8301, "smoothed over neighbouring validation points");
        finding.Message.Should().Be("Overfitting: validation loss fell to 0.557 at step 40 of 100, then rose to 0.830 (+0.273) while training loss kept falling (0.225 -> 0.056).");
        finding.Advice.Should().Be("The model memorizes the training rows: train for fewer epochs (4 instead of 10), or use the checkpoint closest to step 40; add more varied training examples; a lower learning-rate multiplier also slows memorization.");
        diagnosis.BestValidStep.Should().Be(40);
    }

    [Fact]
    public void Diagnose_GapWideningWithoutRise_IsOverfittingGap()
    {
        var diagnosis = _diagnostician.Diagnose(
            Curve(p => 0.05 + (1.9 * Math.Exp(-6 * p)), p => 0.6 + (1.0 * Math.Exp(-6 * p))),
            WithValidation);

        diagnosis.Findings.Select(f => f.Code).Should().Equal(TrainingFindingCodes.GeneralizationGapWidening);
        var finding = diagnosis.Findings[0];
        finding.Kind.Should().Be(TrainingFindingKind.Overfitting);
        finding.Figures["gap_end"].Should().BeGreaterThan(0.25);
        finding.Advice.Should().Contain("fewer epochs (9 instead of 10)");
    }

    [Fact]
    public void Diagnose_LossStillFallingSteeplyAtTheEnd_IsUnderfittingWithMoreEpochs()
    {
        var diagnosis = _diagnostician.Diagnose(Curve(p => 3.0 * Math.Exp(-1.5 * p), p => 0.05 + (3.0 * Math.Exp(-1.5 * p))), WithValidation);

        var finding = diagnosis.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be(TrainingFindingCodes.LossStillFalling);
        finding.Kind.Should().Be(TrainingFindingKind.Underfitting);
        finding.Figures["drop_ratio"].Should().Be(0.1393);
        finding.Advice.Should().Be("The model has not converged: train for more epochs (12 instead of 10), or raise the learning-rate multiplier.");
    }

    [Fact]
    public void Diagnose_FlatHighLossAndLowAccuracy_IsUnderfitting()
    {
        var metrics = Enumerable.Range(1, Steps).Select(step => new TrainingMetric(step) { TrainLoss = 1.6 + ((step % 3) * 0.01), TrainAccuracy = 0.4, FullValidLoss = step % 10 == 0 ? 1.65 : null }).ToList();

        var diagnosis = _diagnostician.Diagnose(metrics, WithValidation);

        diagnosis.Findings.Select(f => f.Code).Should().Equal(TrainingFindingCodes.HighFinalLoss, TrainingFindingCodes.LowTokenAccuracy);
        diagnosis.Findings.Should().OnlyContain(f => f.Kind == TrainingFindingKind.Underfitting);
        diagnosis.Findings[0].Figures["final_train_loss"].Should().Be(1.61);
        diagnosis.Findings[0].Advice.Should().EndWith("or try a larger base model than gpt-4o-mini-2024-07-18.");
        diagnosis.Findings[1].Figures["final_train_accuracy"].Should().Be(0.4);
        diagnosis.Findings[1].Message.Should().Be("Underfitting: the final mean token accuracy is 40.0% (below 60%).");
    }

    [Fact]
    public void Diagnose_SpikyCurve_IsInstabilityWithALowerMultiplier()
    {
        double Spiky(double p) => (0.1 + (1.9 * Math.Exp(-6 * p))) * (Math.Round(p * Steps) is 30 or 60 or 75 ? 4 : 1);

        var diagnosis = _diagnostician.Diagnose(Curve(Spiky, p => 0.15 + (1.9 * Math.Exp(-6 * p))), WithValidation);

        var finding = diagnosis.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be(TrainingFindingCodes.LossSpikes);
        finding.Kind.Should().Be(TrainingFindingKind.Instability);
        finding.Figures["spike_count"].Should().Be(3);
        finding.Figures["worst_spike_step"].Should().Be(75);
        finding.Advice.Should().StartWith("Training is unstable: lower the learning-rate multiplier (for example 0.9 instead of 1.8)");
    }

    [Fact]
    public void Diagnose_NoValidationSet_SaysSoAndHowManyToHoldOut()
    {
        var metrics = Curve(p => 0.1 + (1.9 * Math.Exp(-6 * p)), valid: null);

        var diagnosis = _diagnostician.Diagnose(metrics, new TrainingDiagnosticsContext { TrainingExamples = 500 });

        var finding = diagnosis.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be(TrainingFindingCodes.ValidationSetMissing);
        finding.Kind.Should().Be(TrainingFindingKind.Validation);
        finding.Severity.Should().Be(FindingSeverity.Info);
        finding.Figures["suggested_validation_examples"].Should().Be(50);
        _diagnostician.Diagnose(metrics).Findings.Select(f => f.Code).Should().Equal(TrainingFindingCodes.ValidationSetMissing);
    }

    [Fact]
    public void Diagnose_TinyValidationSet_IsTooSmall()
    {
        var diagnosis = _diagnostician.Diagnose(
            Curve(p => 0.1 + (1.9 * Math.Exp(-6 * p)), p => 0.15 + (1.9 * Math.Exp(-6 * p))),
            new TrainingDiagnosticsContext { TrainingExamples = 300, ValidationExamples = 5 });

        var finding = diagnosis.Findings.Should().ContainSingle().Subject;
        finding.Code.Should().Be(TrainingFindingCodes.ValidationSetTooSmall);
        finding.Figures["validation_examples"].Should().Be(5);
        finding.Figures["suggested_validation_examples"].Should().Be(30);
    }

    [Fact]
    public void Diagnose_TooFewStepsOrNone_JudgesNoCurveButStillTheValidationSet()
    {
        var few = Enumerable.Range(1, 5).Select(step => new TrainingMetric(step) { TrainLoss = 5.0 / step }).ToList();

        _diagnostician.Diagnose(few, WithValidation).Findings.Should().BeEmpty();
        _diagnostician.Diagnose([], WithValidation).Should().BeEquivalentTo(new { Steps = 0, FinalTrainLoss = (double?)null, IsHealthy = true });
        var nothing = () => _diagnostician.Diagnose(null!);
        nothing.Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Diagnose_UnorderedAndNonFiniteValues_AreSortedAndSkipped()
    {
        var metrics = Enumerable.Reverse(Curve(p => 0.1 + (1.9 * Math.Exp(-6 * p)), p => 0.15 + (1.9 * Math.Exp(-6 * p)))).ToList();
        metrics.Add(new TrainingMetric(101) { TrainLoss = double.NaN });

        _diagnostician.Diagnose(metrics, WithValidation).Findings.Should().BeEmpty();
    }

    [Fact]
    public void FromJob_TakesHyperparametersAndSeesAMissingValidationFile()
    {
        var job = new FineTuneJob("ftjob-1", FineTuneJobStatus.Succeeded)
        {
            BaseModel = "gpt-4o-mini-2024-07-18",
            Hyperparameters = new FineTuneHyperparameters { Epochs = 3, BatchSize = 2, LearningRateMultiplier = 1.8 },
        };

        TrainingDiagnosticsContext.FromJob(job, trainingExamples: 120).Should().BeEquivalentTo(new TrainingDiagnosticsContext
        {
            TrainingExamples = 120, ValidationExamples = 0, Epochs = 3, BatchSize = 2, LearningRateMultiplier = 1.8, BaseModel = "gpt-4o-mini-2024-07-18",
        });
    }

    /// <summary>One metric per step 1..100 with p = step/100; full validation loss every 10 steps when <paramref name="valid"/> is given.</summary>
    private static List<TrainingMetric> Curve(Func<double, double> train, Func<double, double>? valid) =>
        Enumerable.Range(1, Steps).Select(step =>
        {
            var p = (double)step / Steps;
            return new TrainingMetric(step)
            {
                TotalSteps = Steps,
                TrainLoss = train(p),
                TrainAccuracy = Math.Clamp(1 - (train(p) / 2.2), 0, 1),
                FullValidLoss = valid is not null && step % 10 == 0 ? valid(p) : null,
            };
        }).ToList();
}
