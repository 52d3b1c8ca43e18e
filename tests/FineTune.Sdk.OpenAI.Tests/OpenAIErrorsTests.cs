namespace FineTune.Sdk.OpenAI.Tests;

public sealed class OpenAIErrorsTests
{
    [Theory]
    [InlineData(403, "fine_tuning_unavailable", null, "Fine-tuning job creation is no longer available to this organization.", true)]
    [InlineData(400, null, null, "Your organization is not allowed to create fine-tuning jobs.", true)]
    [InlineData(403, null, null, "OpenAI is winding down self-serve fine-tuning.", true)]
    [InlineData(403, null, null, "You have insufficient permissions for this operation. Missing scopes: api.fine_tuning.jobs.write", false)]
    [InlineData(400, "model_not_available", null, "The model `gpt-x` is not available for fine-tuning or does not exist.", false)]
    [InlineData(400, null, "training_file", "invalid training_file: file-abc", false)]
    [InlineData(429, null, null, "Rate limit reached; no longer than a minute.", false)]
    [InlineData(500, "fine_tuning_unavailable", null, "server error", false)]
    public void IsCreationRefusal_RecognisesTheWindDownOnly(int status, string? code, string? param, string message, bool expected)
    {
        var exception = new FineTuneException(message) { StatusCode = status, ProviderCode = code, Parameter = param };

        OpenAIErrors.IsCreationRefusal(exception).Should().Be(expected);
    }
}
