using System.Text.Json;
using FineTune.Tests;

namespace FineTune.Sdk.OpenAI.Tests;

/// <summary>
/// The adapter's parsing fed OpenAI's own example responses (the <c>x-oaiMeta</c> examples of its OpenAPI document, a
/// fixture we did not write): every field the adapter maps must come out equal to the example's value, read here
/// straight from the example's JSON.
/// </summary>
public sealed class OpenAIJsonSpecExampleTests
{
    public static TheoryData<string, string, int> JobExamples()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (method, template) in new[]
        {
            ("POST", "/fine_tuning/jobs"), ("GET", "/fine_tuning/jobs"), ("GET", "/fine_tuning/jobs/{fine_tuning_job_id}"),
            ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/cancel"), ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/pause"),
            ("POST", "/fine_tuning/jobs/{fine_tuning_job_id}/resume"),
        })
        {
            for (var i = 0; i < OpenApiDocument.Default.ExampleResponses(method, template).Count; i++)
            {
                data.Add(method, template, i);
            }
        }

        return data;
    }

    [Fact]
    public void ExampleResponses_JobOperations_AreAllFound() =>
        JobExamples().Count.Should().Be(11, "6 create examples, list, retrieve, cancel, pause, resume in the document");

    [Theory]
    [MemberData(nameof(JobExamples))]
    public void Job_SpecExample_MapsEveryField(string method, string template, int index)
    {
        var example = OpenApiDocument.Default.ExampleResponses(method, template)[index];
        var jobs = example.GetProperty("object").GetString() == "list" ? [.. example.GetProperty("data").EnumerateArray()] : new[] { example };

        foreach (var raw in jobs)
        {
            var job = OpenAIJson.Job(raw);

            job.Id.Should().Be(raw.GetProperty("id").GetString());
            job.RawStatus.Should().Be(raw.GetProperty("status").GetString());
            job.Status.Value.Should().Be(raw.GetProperty("status").GetString() switch
            {
                "validating_files" => "validating",
                var s => s,
            });
            job.BaseModel.Should().Be(raw.GetProperty("model").GetString());
            job.FineTunedModel.Should().Be(StringOrNull(raw, "fine_tuned_model"));
            job.TrainingFileId.Should().Be(raw.GetProperty("training_file").GetString());
            job.ValidationFileId.Should().Be(StringOrNull(raw, "validation_file"));
            job.CreatedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(raw.GetProperty("created_at").GetInt64()));
            job.FinishedAt.Should().Be(LongOrNull(raw, "finished_at") is { } f ? DateTimeOffset.FromUnixTimeSeconds(f) : null);
            job.TrainedTokens.Should().Be(LongOrNull(raw, "trained_tokens"));
            job.Seed.Should().Be(LongOrNull(raw, "seed") is { } seed ? (int)seed : null);
            job.ResultFileIds.Should().Equal(raw.GetProperty("result_files").EnumerateArray().Select(f => f.GetString()));
            job.Error.Should().BeNull("no example is a failed job");
            var expectedMethod = raw.TryGetProperty("method", out var m) ? m.GetProperty("type").GetString() : "supervised";
            job.Method.Value.Should().Be(expectedMethod);
            var hyper = raw.TryGetProperty("method", out m) ? m.GetProperty(expectedMethod!).GetProperty("hyperparameters")
                : raw.TryGetProperty("hyperparameters", out var top) ? top : default;
            job.Hyperparameters.Epochs.Should().Be(LongOrNull(hyper, "n_epochs") is { } e ? (int)e : null);
            job.Hyperparameters.BatchSize.Should().Be(LongOrNull(hyper, "batch_size") is { } b ? (int)b : null);
            job.Hyperparameters.Beta.Should().Be(hyper.ValueKind == JsonValueKind.Object && hyper.TryGetProperty("beta", out var beta) && beta.ValueKind == JsonValueKind.Number ? beta.GetDouble() : null);
            var metadata = raw.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object
                ? md.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : [];
            job.Metadata.Should().Equal(metadata);
        }
    }

    [Fact]
    public void Event_SpecExample_MapsEveryField()
    {
        var example = OpenApiDocument.Default.ExampleResponses("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/events").Should().ContainSingle().Subject;

        var raws = example.GetProperty("data").EnumerateArray().ToList();
        raws.Should().HaveCount(2);
        foreach (var raw in raws)
        {
            var e = OpenAIJson.Event(raw);

            e.Id.Should().Be(raw.GetProperty("id").GetString());
            e.Message.Should().Be(raw.GetProperty("message").GetString());
            e.Level.Should().Be(raw.GetProperty("level").GetString());
            e.CreatedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(raw.GetProperty("created_at").GetInt64()));
            e.Metric.Should().BeNull("the example's events are messages with null data");
        }
    }

    [Fact]
    public void Checkpoint_SpecExample_MapsEveryField()
    {
        var example = OpenApiDocument.Default.ExampleResponses("GET", "/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints").Should().ContainSingle().Subject;

        var raws = example.GetProperty("data").EnumerateArray().ToList();
        raws.Should().NotBeEmpty();
        foreach (var raw in raws)
        {
            var c = OpenAIJson.Checkpoint(raw);

            c.Id.Should().Be(raw.GetProperty("id").GetString());
            c.ModelId.Should().Be(raw.GetProperty("fine_tuned_model_checkpoint").GetString());
            c.StepNumber.Should().Be(raw.GetProperty("step_number").GetInt32());
            c.JobId.Should().Be(raw.GetProperty("fine_tuning_job_id").GetString());
            c.CreatedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(raw.GetProperty("created_at").GetInt64()));
            var metrics = raw.GetProperty("metrics");
            c.Metrics.Should().NotBeNull();
            if (metrics.TryGetProperty("full_valid_loss", out var loss))
            {
                c.Metrics!.FullValidLoss.Should().Be(loss.GetDouble());
            }
        }
    }

    [Theory]
    [InlineData("POST", "/files")]
    [InlineData("GET", "/files/{file_id}")]
    [InlineData("GET", "/files")]
    public void File_SpecExample_MapsEveryField(string method, string template)
    {
        var example = OpenApiDocument.Default.ExampleResponses(method, template).Should().ContainSingle().Subject;
        var raws = example.GetProperty("object").GetString() == "list" ? [.. example.GetProperty("data").EnumerateArray()] : new[] { example };

        foreach (var raw in raws)
        {
            var file = OpenAIJson.File(raw, sha256: null, reused: false);

            file.Id.Should().Be(raw.GetProperty("id").GetString());
            file.FileName.Should().Be(raw.GetProperty("filename").GetString());
            file.Bytes.Should().Be(raw.GetProperty("bytes").GetInt64());
            file.CreatedAt.Should().Be(DateTimeOffset.FromUnixTimeSeconds(raw.GetProperty("created_at").GetInt64()));
            file.AdditionalProperties!["purpose"].Should().Be(raw.GetProperty("purpose").GetString());
        }
    }

    private static string? StringOrNull(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? LongOrNull(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
}
