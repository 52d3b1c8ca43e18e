using System.Globalization;
using System.Text.Json;

namespace FineTune.Sdk.OpenAI.Tests;

public sealed class OpenAIJsonTests
{
    // The succeeded-job shape from the reference notes (values illustrative), plus undocumented fields the API returns.
    private const string SucceededJob = """
        {"object":"fine_tuning.job","id":"ftjob-abcdefghijklmnopqrstuvwx","model":"gpt-4o-mini-2024-07-18","created_at":1763726400,
         "finished_at":1763730000,"fine_tuned_model":"ft:gpt-4o-mini-2024-07-18:acme:drone:AbC12345","organization_id":"org-123",
         "result_files":["file-MNu4SQN4hf2nJmWVXyv8qW"],"status":"succeeded","validation_file":null,"training_file":"file-abc",
         "hyperparameters":{"n_epochs":3,"batch_size":1,"learning_rate_multiplier":1.8},"trained_tokens":12345,"error":{},
         "user_provided_suffix":"drone","seed":1234,"estimated_finish":null,"integrations":[],"metadata":{"ft_idempotency_key":"k1"},
         "usage_metrics":null,"shared_with_openai":false,
         "method":{"type":"supervised","supervised":{"hyperparameters":{"batch_size":1,"learning_rate_multiplier":1.8,"n_epochs":3}}}}
        """;

    [Fact]
    public void Job_SucceededShape_ReadsFieldsTheTypedSurfaceLoses()
    {
        using var doc = JsonDocument.Parse(SucceededJob);

        var job = OpenAIJson.Job(doc.RootElement);

        job.Status.Should().Be(FineTuneJobStatus.Succeeded);
        job.FineTunedModel.Should().Be("ft:gpt-4o-mini-2024-07-18:acme:drone:AbC12345");
        job.TrainedTokens.Should().Be(12345);
        job.CreatedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(1763726400));
        job.FinishedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(1763730000));
        job.Error.Should().BeNull("error {} means healthy");
        job.Hyperparameters.Epochs.Should().Be(3);
        job.Suffix.Should().Be("drone");
        job.IdempotencyKey.Should().Be("k1");
        job.AdditionalProperties!.Keys.Should().Contain(["organization_id", "usage_metrics", "shared_with_openai", "integrations"]);
    }

    [Fact]
    public void Job_UnderGermanCulture_ReadsLearningRateMultiplierInvariantly()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = new CultureInfo("de-DE");
        try
        {
            using var doc = JsonDocument.Parse(SucceededJob);

            OpenAIJson.Job(doc.RootElement).Hyperparameters.LearningRateMultiplier.Should().Be(1.8, "the typed 2.15 surface reads 18 under de-DE");
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Theory]
    [InlineData("validating_files", "validating")]
    [InlineData("queued", "queued")]
    [InlineData("running", "running")]
    [InlineData("paused", "paused")]
    [InlineData("cancelled", "cancelled")]
    [InlineData("something_new", "something_new")]
    public void Status_MapsOpenAIValues(string raw, string neutral) => OpenAIJson.Status(raw).Value.Should().Be(neutral);

    [Fact]
    public void Job_FailedWithAutoHyperparameters_ReadsErrorAndLeavesAuto()
    {
        using var doc = JsonDocument.Parse("""
            {"id":"ftjob-1","status":"failed","created_at":1,"seed":1,"result_files":[],"hyperparameters":{"n_epochs":"auto","batch_size":"auto","learning_rate_multiplier":"auto"},
             "error":{"code":"invalid_n_examples","message":"Training file has 7 example(s), but must have at least 10 examples","param":"training_file"},"metadata":null}
            """);

        var job = OpenAIJson.Job(doc.RootElement);

        job.Error.Should().Be(new FineTuneJobError("invalid_n_examples", "Training file has 7 example(s), but must have at least 10 examples", "training_file"));
        job.Hyperparameters.IsAuto.Should().BeTrue();
        job.Metadata.Should().BeEmpty();
        job.FineTunedModel.Should().BeNull();
    }

    [Fact]
    public void Event_MetricsEvent_CarriesTrainingMetric()
    {
        using var doc = JsonDocument.Parse("""
            {"object":"fine_tuning.job.event","id":"ftevent-1","created_at":5,"level":"info","message":"Step 300/300: training loss=0.15","type":"metrics",
             "data":{"step":300,"train_loss":0.15,"valid_loss":0.27,"total_steps":300,"full_valid_loss":0.40,"train_mean_token_accuracy":0.9}}
            """);

        var e = OpenAIJson.Event(doc.RootElement);

        e.Metric!.Step.Should().Be(300);
        e.Metric.TotalSteps.Should().Be(300);
        e.Metric.FullValidLoss.Should().Be(0.40);
        e.Metric.TrainAccuracy.Should().Be(0.9);
    }

    [Fact]
    public void CreateJobBody_DpoWithFractionalBeta_WritesMethodAndKey()
    {
        var request = new FineTuneJobRequest("gpt-4o-2024-08-06", "file-t")
        {
            Method = FineTuneMethod.Dpo,
            Hyperparameters = { Beta = 0.1, Epochs = 2 },
            ValidationFileId = "file-v",
            Seed = 7,
        };
        request.Metadata["team"] = "search";

        using var doc = JsonDocument.Parse(OpenAIFineTuneProvider.CreateJobBody(request, "key-1").ToString());
        var root = doc.RootElement;

        root.GetProperty("model").GetString().Should().Be("gpt-4o-2024-08-06");
        root.GetProperty("validation_file").GetString().Should().Be("file-v");
        root.GetProperty("seed").GetInt32().Should().Be(7);
        root.GetProperty("metadata").GetProperty("ft_idempotency_key").GetString().Should().Be("key-1");
        root.GetProperty("metadata").GetProperty("team").GetString().Should().Be("search");
        var h = root.GetProperty("method").GetProperty("dpo").GetProperty("hyperparameters");
        h.GetProperty("beta").GetDouble().Should().Be(0.1, "the typed 2.15 API can only send integer betas");
        h.GetProperty("n_epochs").GetInt32().Should().Be(2);
        h.GetProperty("batch_size").GetString().Should().Be("auto");
        root.TryGetProperty("hyperparameters", out _).Should().BeFalse("the top-level field is deprecated");
        root.TryGetProperty("suffix", out _).Should().BeFalse();
    }

    [Fact]
    public void DecodeResultsFile_Base64Body_IsDecoded()
    {
        const string csv = "step,train_loss\n1,0.5\n";
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(csv));

        OpenAIFineTuneProvider.DecodeResultsFile(BinaryData.FromString(encoded)).Should().Be(csv);
        OpenAIFineTuneProvider.DecodeResultsFile(BinaryData.FromString(csv)).Should().Be(csv.Trim());
    }
}
