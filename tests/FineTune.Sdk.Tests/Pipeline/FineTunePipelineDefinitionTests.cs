using FineTune.Tests;

namespace FineTune.Sdk.Tests.Pipeline;

public sealed class FineTunePipelineDefinitionTests
{
    private const string Minimal = "provider: emulator\nbaseModel: gpt-4o-mini-2024-07-18\ndataset: data.jsonl\n";

    [Fact]
    public async Task LoadAsync_Quickstart_ReadsEveryField()
    {
        var path = Path.Combine(RepoPaths.Root, "samples", "quickstart", "finetune.yaml");

        var d = await FineTunePipelineDefinition.LoadAsync(path);

        d.Name.Should().Be("support-triage");
        d.Provider.Should().Be("emulator");
        d.BaseModel.Should().Be("gpt-4o-mini-2024-07-18");
        d.ResolvePath(d.Dataset).Should().Be(Path.Combine(RepoPaths.Root, "samples", "data", "support-tickets.jsonl"));
        d.Split.Validation.Should().Be(0.1);
        d.Split.Holdout.Should().Be(0.15);
        d.Split.Seed.Should().Be(7);
        d.Gates.Should().Equal("all");
        d.MinimumExamples.Should().Be(10);
        d.RecommendedExamples.Should().Be(50);
        d.BudgetUsd.Should().Be(2.00m);
        d.Hyperparameters.Epochs.Should().BeNull();
        d.GoldenSet.Should().BeNull("the quickstart judges the candidate on the holdout split");
        d.Scorers.Should().Equal("exact", "json-valid");
        d.Acceptance.MinExactMatchLiftPoints.Should().Be(3);
        d.Acceptance.DisabledRules.Should().Equal("latency-p95");
        d.Registry.Feature.Should().Be("support-triage");
        d.Registry.Store.Should().Be("file:registry.json");
        d.ResolvePath(d.Output).Should().Be(Path.Combine(RepoPaths.Root, "artifacts", "quickstart"));
    }

    [Fact]
    public void Parse_Minimal_AppliesDefaults()
    {
        var d = FineTunePipelineDefinition.Parse(Minimal, "/tmp/p/finetune.yaml");

        d.Name.Should().Be("finetune");
        d.Split.Validation.Should().Be(0.10);
        d.Split.Holdout.Should().Be(0.15);
        d.Gates.Should().Equal("all");
        d.Scorers.Should().Equal("exact");
        d.BudgetUsd.Should().BeNull();
        d.Registry.Store.Should().Be("file:registry.json");
        d.Output.Should().Be("finetune-output");
        d.BaseDirectory.Should().Be("/tmp/p");
    }

    [Fact]
    public void Parse_Json_SameAsYaml()
    {
        const string json = """
            {
              "provider": "openai",
              "endpoint": "http://127.0.0.1:5000/v1",
              "baseModel": "gpt-4o-mini-2024-07-18",
              "dataset": "data.jsonl",
              "hyperparameters": { "epochs": 4, "learningRateMultiplier": 0.5, "batchSize": "auto" },
              "gates": ["duplicates", "pii"],
              "budgetUsd": 12.5
            }
            """;

        var d = FineTunePipelineDefinition.Parse(json, "p.json");

        d.Provider.Should().Be("openai");
        d.Endpoint.Should().Be("http://127.0.0.1:5000/v1");
        d.Hyperparameters.Epochs.Should().Be(4);
        d.Hyperparameters.LearningRateMultiplier.Should().Be(0.5);
        d.Hyperparameters.BatchSize.Should().BeNull();
        d.Gates.Should().Equal("duplicates", "pii");
        d.BudgetUsd.Should().Be(12.5m);
    }

    [Theory]
    [InlineData("split:\n  validation: lots\n", 5, "split.validation", "must be a number from 0 to 0.5 (it was 'lots')")]
    [InlineData("split:\n  holdout: 0.6\n", 5, "split.holdout", "must be a number from 0 to 0.5")]
    [InlineData("provdier: openai\n", 4, "provdier", "is not a known field")]
    [InlineData("hyperparameters:\n  epochs: 99\n", 5, "hyperparameters.epochs", "must be a whole number from 1 to 50 (it was '99')")]
    [InlineData("hyperparameters: fast\n", 4, "hyperparameters", "must be 'auto' or a mapping")]
    [InlineData("budgetUsd: \"5\"\n", 4, "budgetUsd", "must be a number above 0")]
    [InlineData("redact: yes\n", 4, "redact", "must be true or false")]
    [InlineData("gates: [pii, spelling]\n", 4, "gates", "unknown gate 'spelling'")]
    [InlineData("scorers: [exact, vibes]\n", 4, "scorers", "unknown scorer 'vibes'")]
    [InlineData("registry:\n  store: sqlite:x.db\n", 5, "registry.store", "must be file:PATH")]
    [InlineData("acceptance:\n  maxRegressionRate: 2\n", 5, "acceptance.maxRegressionRate", "must be a number from 0 to 1")]
    [InlineData("name: has space\n", 4, "name", "must be 1-64 letters")]
    [InlineData("sweep:\n  epochs: [1, 1]\n", 5, "sweep.epochs", "lists a value twice")]
    [InlineData("sweep:\n  learningRateMultiplier: []\n", 5, "sweep.learningRateMultiplier", "must be a non-empty list of numbers")]
    [InlineData("sweep:\n  epochs: [2]\n  maxConcurrentJobs: 0\n", 6, "sweep.maxConcurrentJobs", "must be a whole number from 1 to 16 (it was '0')")]
    [InlineData("sweep:\n  maxConcurrentJobs: 2\n", 5, "sweep", "must list epochs, learningRateMultiplier or both")]
    [InlineData("sweep:\n  epochs: [1, 2, 3, 4, 5]\n  learningRateMultiplier: [0.5, 1, 2, 4]\n", 5, "sweep", "has 20 grid points (epochs × learningRateMultiplier); at most 16 are allowed")]
    [InlineData("hyperparameters:\n  epochs: 3\nsweep:\n  epochs: [1, 2]\n", 6, "sweep.epochs", "and hyperparameters.epochs are both set")]
    public void Parse_BadField_NamesFileLineAndField(string extra, int line, string field, string message)
    {
        var act = () => FineTunePipelineDefinition.Parse(Minimal + extra, "/tmp/p/finetune.yaml");

        var ex = act.Should().Throw<FineTunePipelineDefinitionException>().Which;
        ex.Line.Should().Be(line);
        ex.Field.Should().Be(field);
        ex.FilePath.Should().Be("/tmp/p/finetune.yaml");
        ex.Message.Should().StartWith($"finetune.yaml line {line}: {field} ").And.Contain(message);
    }

    [Fact]
    public void Parse_Sweep_ReadsTheGridEpochsOuterMultiplierInner()
    {
        var d = FineTunePipelineDefinition.Parse("provider: openai\nbaseModel: m\ndataset: d.jsonl\nhyperparameters:\n  batchSize: 4\nsweep:\n  epochs: [1, 3]\n  learningRateMultiplier: [0.5, 2]\n  maxConcurrentJobs: 2\n", "f.yaml");

        d.Sweep.Should().NotBeNull();
        d.Sweep!.Epochs.Should().Equal(1, 3);
        d.Sweep.LearningRateMultiplier.Should().Equal(0.5, 2);
        d.Sweep.MaxConcurrentJobs.Should().Be(2);
        d.Sweep.Grid(d.Hyperparameters).Should().Equal(new (int?, double?)[] { (1, 0.5), (1, 2.0), (3, 0.5), (3, 2.0) });
        FineTunePipelineDefinition.Parse("provider: openai\nbaseModel: m\ndataset: d.jsonl\nhyperparameters: {learningRateMultiplier: 0.7}\nsweep: {epochs: [2, 4]}\n", "f.yaml")
            .Sweep!.Grid(new FineTunePipelineHyperparameters { LearningRateMultiplier = 0.7 }).Should().Equal(new (int?, double?)[] { (2, 0.7), (4, 0.7) });
        FineTunePipelineSweep.DefaultMaxConcurrentJobs("openai").Should().Be(3);
        FineTunePipelineSweep.DefaultMaxConcurrentJobs("bedrock").Should().Be(2);
    }

    [Fact]
    public void Parse_ProviderUnknown_ListsTheKnownOnes()
    {
        var act = () => FineTunePipelineDefinition.Parse("provider: azure\nbaseModel: m\ndataset: d.jsonl\n", "f.yaml");

        act.Should().Throw<FineTunePipelineDefinitionException>()
            .WithMessage("f.yaml line 1: provider must be one of emulator, openai, bedrock (it was 'azure').");
    }

    [Fact]
    public void Parse_RequiredFieldMissing_NamesIt()
    {
        var act = () => FineTunePipelineDefinition.Parse("provider: emulator\ndataset: d.jsonl\n", "f.yaml");

        var ex = act.Should().Throw<FineTunePipelineDefinitionException>().Which;
        ex.Field.Should().Be("baseModel");
        ex.Message.Should().Be("f.yaml: the field 'baseModel' is required.");
    }

    [Fact]
    public void Parse_DuplicateKeyInYaml_IsASyntaxErrorWithItsLine()
    {
        var act = () => FineTunePipelineDefinition.Parse(Minimal + "dataset: other.jsonl\n", "f.yaml");

        act.Should().Throw<FineTunePipelineDefinitionException>().Which.Line.Should().Be(4);
    }

    [Fact]
    public void Parse_BrokenYaml_NamesTheLine()
    {
        var act = () => FineTunePipelineDefinition.Parse("provider: emulator\nbaseModel: \"x\n", "f.yaml");

        var ex = act.Should().Throw<FineTunePipelineDefinitionException>().Which;
        ex.Message.Should().StartWith("f.yaml line ").And.Contain("not valid YAML");
        ex.Line.Should().BeGreaterThan(1);
    }

    [Fact]
    public void Parse_UnclosedFlowSequence_IsADefinitionError()
    {
        var act = () => FineTunePipelineDefinition.Parse("provider: emulator\nsplit: [a\nbaseModel: x\n", "f.yaml");

        act.Should().Throw<FineTunePipelineDefinitionException>().Which.Message.Should().StartWith("f.yaml").And.Contain("not valid YAML");
    }

    [Fact]
    public void Parse_BrokenJson_NamesTheLine()
    {
        var act = () => FineTunePipelineDefinition.Parse("{\n  \"provider\": \"emulator\",\n  \"baseModel\": \n}\n", "f.json");

        var ex = act.Should().Throw<FineTunePipelineDefinitionException>().Which;
        ex.Message.Should().StartWith("f.json line 4: not valid JSON");
        ex.Line.Should().Be(4);
    }

    [Fact]
    public void Parse_JsonBadValue_NamesLineAndField()
    {
        var act = () => FineTunePipelineDefinition.Parse("{\n  \"provider\": \"emulator\",\n  \"baseModel\": \"m\",\n  \"dataset\": \"d.jsonl\",\n  \"split\": {\n    \"seed\": 1.5\n  }\n}", "f.json");

        var ex = act.Should().Throw<FineTunePipelineDefinitionException>().Which;
        ex.Line.Should().Be(6);
        ex.Field.Should().Be("split.seed");
    }

    [Fact]
    public void Parse_NotAMapping_SaysWhatIsExpected()
    {
        var act = () => FineTunePipelineDefinition.Parse("- provider\n- dataset\n", "f.yaml");

        act.Should().Throw<FineTunePipelineDefinitionException>().WithMessage("f.yaml line 1: the file must be a mapping*");
    }

    [Fact]
    public void ApplyTo_OverridesOnlyWhatIsSet()
    {
        var d = FineTunePipelineDefinition.Parse(Minimal + "acceptance:\n  maxRegressionRate: 0.05\n  disabledRules: [bucket-drop]\n", "f.yaml");
        var policy = new AcceptancePolicy();

        d.Acceptance.ApplyTo(policy);

        policy.MaxRegressionRate.Should().Be(0.05);
        policy.MinExactMatchLiftPoints.Should().Be(3);
        policy.DisabledRules.Should().BeEquivalentTo(["bucket-drop"]);
    }
}
