using System.Text;
using FineTune.Tests;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>The oracle every Bedrock emulator answer goes through must itself catch deviations.</summary>
public sealed class BedrockApiModelValidatorTests
{
    private static readonly KeyValuePair<string, string>[] NoHeaders = [];

    [Fact]
    public void Validate_ValidGetJobAnswer_HasNoViolationAndMatchesTheOperation()
    {
        var violations = BedrockApiModelValidator.Validate("POST", "/model-customization-jobs", 201, "application/json", NoHeaders,
            Encoding.UTF8.GetBytes("""{"jobArn":"arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abcdefghijkl"}"""), out var matched);

        matched.Should().BeTrue();
        violations.Should().BeEmpty();
    }

    [Fact]
    public void Validate_WrongStatusMissingMemberAndUnknownMember_AreReported()
    {
        var violations = BedrockApiModelValidator.Validate("POST", "/model-customization-jobs", 200, "application/json", NoHeaders,
            Encoding.UTF8.GetBytes("""{"arn":"x"}"""), out _);

        violations.Should().HaveCount(3);
        violations.Should().Contain(v => v.Contains("the model answers 201", StringComparison.Ordinal));
        violations.Should().Contain(v => v.Contains("required member 'jobArn'", StringComparison.Ordinal));
        violations.Should().Contain(v => v.Contains("member 'arn' is not defined", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EnumAndTimestampDeviationsAndUnknownErrors_AreReported()
    {
        var badEnum = BedrockApiModelValidator.Validate("GET", "/model-customization-jobs", 200, "application/json", NoHeaders,
            Encoding.UTF8.GetBytes("""{"modelCustomizationJobSummaries":[{"jobArn":"arn:aws:bedrock:us-east-1:123456789012:model-customization-job/m/abcdefghijkl","jobName":"j","baseModelArn":"arn:aws:bedrock:us-east-1::foundation-model/m","status":"Running","creationTime":"yesterday"}]}"""), out _);
        badEnum.Should().Contain(v => v.Contains("'Running' is not a value of enum", StringComparison.Ordinal));
        badEnum.Should().Contain(v => v.Contains("expected an ISO-8601 timestamp", StringComparison.Ordinal));

        var unknownError = BedrockApiModelValidator.Validate("GET", "/custom-models", 400, "application/json", [new("x-amzn-ErrorType", "MadeUpException:http://internal.amazon.com/coral/com.amazon.bedrock/")],
            Encoding.UTF8.GetBytes("""{"message":"m"}"""), out _);
        unknownError.Should().ContainSingle().Which.Should().Contain("MadeUpException is neither in the model nor a common AWS error");
    }

    [Fact]
    public async Task Install_EveryNewEmulator_IsObservedAndItsAnswersChecked()
    {
        using var emulator = new BedrockEmulator();
        var validator = BedrockApiModelValidator.Last;
        validator.Should().NotBeNull("the test assembly installs the validator for every emulator");
        using var http = new HttpClient(new SigningHandler(emulator.CreateHttpMessageHandler())) { BaseAddress = BedrockEmulator.InProcessEndpoint };

        using var response = await http.GetAsync("/custom-models");

        response.EnsureSuccessStatusCode();
        validator!.Checked.Should().Be(1, "ListCustomModels was validated against the control-plane model");
    }

    [Fact]
    public void Validate_S3Path_IsOutsideTheModels()
    {
        BedrockApiModelValidator.Validate("PUT", "/bucket/key.jsonl", 200, "application/xml", NoHeaders, [], out var matched).Should().BeEmpty();
        matched.Should().BeFalse();
    }
}
