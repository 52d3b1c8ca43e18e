using Microsoft.Extensions.Time.Testing;
using System.Text;
using FineTune.Tests;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The OpenAPI oracle itself: it is installed on every emulator, it rejects what the document rejects, and each
/// tolerance admits only its recorded deviation.</summary>
public sealed class OpenApiResponseValidatorTests
{
    private const string HealthyJob = """
        {"object":"fine_tuning.job","id":"ftjob-abcdefghijklmnopqrstuvwx","model":"gpt-4o-mini-2024-07-18","created_at":1763726400,
         "finished_at":null,"fine_tuned_model":null,"organization_id":"org-1","result_files":[],"status":"running",
         "validation_file":null,"training_file":"file-abc","hyperparameters":{"n_epochs":3,"batch_size":1,"learning_rate_multiplier":1.8},
         "trained_tokens":null,"error":{},"seed":42,"estimated_finish":null,"integrations":[],"metadata":null}
        """;

    [Fact(Timeout = 30_000)]
    public async Task Install_EveryEmulator_HasAValidatorThatSeesItsResponses()
    {
        using var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 1 }, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var validator = OpenApiResponseValidator.Last;
        using var client = RawOpenAIClient.InProcess(emulator);

        await client.UploadAsync(EmulatorTestData.ChatJsonl(10));
        await client.GetAsync("files");
        await client.SendAsync(HttpMethod.Get, "fine_tuning/jobs/ftjob-missing");

        validator.Should().NotBeNull();
        validator!.Checked.Should().Be(3);
        validator.Violations.Should().BeEmpty();
    }

    [Fact]
    public void Validate_JobTheEmulatorWouldSend_Passes() =>
        Validate("GET", "/fine_tuning/jobs/ftjob-1", HealthyJob).Should().BeEmpty();

    [Theory]
    [InlineData("\"seed\":42", "\"seedling\":42", "required")]
    [InlineData("\"status\":\"running\"", "\"status\":\"training\"", "enum")]
    [InlineData("\"created_at\":1763726400", "\"created_at\":\"2026-11-21\"", "type")]
    [InlineData("\"result_files\":[]", "\"result_files\":null", "type")]
    [InlineData("\"batch_size\":1", "\"batch_size\":0", "minimum")]
    public void Validate_JobBrokenOneWay_NamesTheViolation(string from, string to, string keyword)
    {
        var violations = Validate("GET", "/fine_tuning/jobs/ftjob-1", HealthyJob.Replace(from, to, StringComparison.Ordinal));

        violations.Should().NotBeEmpty().And.Contain(v => v.Contains($"({keyword} via", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EmptyErrorOnAFailedJob_IsNotTolerated() =>
        Validate("GET", "/fine_tuning/jobs/ftjob-1", HealthyJob.Replace("\"running\"", "\"failed\"", StringComparison.Ordinal))
            .Should().NotBeEmpty("the recorded `error: {}` is on healthy jobs only");

    [Fact]
    public void Validate_NullForARequiredField_IsNotTolerated() =>
        Validate("GET", "/fine_tuning/jobs/ftjob-1", HealthyJob.Replace("\"seed\":42", "\"seed\":null", StringComparison.Ordinal))
            .Should().NotBeEmpty("only fields the document marks optional may be null");

    [Fact]
    public void Validate_NullCursorIdsOnANonEmptyPage_AreNotTolerated() =>
        Validate("GET", "/files", """{"object":"list","data":[{"id":"file-1","object":"file","bytes":1,"created_at":1,"filename":"a.jsonl","purpose":"fine-tune","status":"processed"}],"has_more":false,"first_id":null,"last_id":null}""")
            .Should().NotBeEmpty();

    [Fact]
    public void Validate_ErrorEnvelopeWithoutType_IsRejected()
    {
        var violations = OpenApiResponseValidator.Validate("POST", "/fine_tuning/jobs", 400, "application/json", Encoding.UTF8.GetBytes("""{"error":{"message":"bad","param":null,"code":null}}"""));

        violations.Should().ContainSingle().Which.Should().Contain("ErrorResponse").And.Contain("required");
    }

    [Fact]
    public void Validate_PathTheDocumentDoesNotServe_IsRejected() =>
        Validate("GET", "/fine_tuning/everything", "{}").Should().ContainSingle().Which.Should().Contain("no operation");

    [Fact]
    public void Validate_StreamChunkWithoutChoices_IsRejected()
    {
        var body = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\"}\n\ndata: [DONE]\n\n";

        OpenApiResponseValidator.Validate("POST", "/chat/completions", 200, "text/event-stream", Encoding.UTF8.GetBytes(body))
            .Should().Contain(v => v.Contains("stream chunk", StringComparison.Ordinal) && v.Contains("choices", StringComparison.Ordinal));
    }

    [Fact]
    public void Tolerances_EachNamesItsSource() =>
        OpenApiTolerances.All.Should().OnlyContain(t => t.Source.Contains("openai.md §", StringComparison.Ordinal) && t.Name.Length > 0);

    [Fact]
    public void Dispose_AfterAViolation_ThrowsWithTheViolation()
    {
        var validator = new OpenApiResponseValidator();
        var request = new EmulatorRequest("GET", "/v1/fine_tuning/jobs/ftjob-1", new Dictionary<string, string>(), []);
        validator.OnResponse(request, EmulatorResponse.Json(200, Encoding.UTF8.GetBytes(HealthyJob.Replace("\"seed\":42,", string.Empty, StringComparison.Ordinal))));

        var act = validator.OnDisposed;

        act.Should().Throw<InvalidOperationException>().WithMessage("*GET /fine_tuning/jobs/ftjob-1*seed*");
    }

    private static IReadOnlyList<string> Validate(string method, string path, string json) =>
        OpenApiResponseValidator.Validate(method, path, 200, "application/json", Encoding.UTF8.GetBytes(json));
}
