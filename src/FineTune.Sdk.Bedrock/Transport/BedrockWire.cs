using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTune.Sdk.Bedrock;

// Wire shapes of the Bedrock control plane (apiVersion 2023-04-20) and Runtime (2023-09-30), named and typed as in
// the service models (bedrock-service-2.json, bedrock-runtime-service-2.json). Internal: the neutral and public
// Bedrock models are mapped from these.

internal sealed record S3Location(string S3Uri);

internal sealed record ValidationDataConfig(List<S3Location> Validators);

internal sealed record Tag(string Key, string Value);

internal sealed record TrainingMetricsDto(float? TrainingLoss);

internal sealed record ValidatorMetricDto(float? ValidationLoss);

internal sealed record VpcConfigDto(List<string> SubnetIds, List<string> SecurityGroupIds);

internal sealed class CreateJobBody
{
    public required string JobName { get; init; }

    public required string CustomModelName { get; init; }

    public required string RoleArn { get; init; }

    public string? ClientRequestToken { get; init; }

    public required string BaseModelIdentifier { get; init; }

    public string? CustomizationType { get; init; }

    public string? CustomModelKmsKeyId { get; init; }

    public List<Tag>? JobTags { get; init; }

    public List<Tag>? CustomModelTags { get; init; }

    public required S3Location TrainingDataConfig { get; init; }

    public ValidationDataConfig? ValidationDataConfig { get; init; }

    public required S3Location OutputDataConfig { get; init; }

    public Dictionary<string, string>? HyperParameters { get; init; }

    public VpcConfigDto? VpcConfig { get; init; }
}

internal sealed record CreateJobResult(string JobArn);

internal sealed class JobDto
{
    public string? JobArn { get; init; }

    public string? JobName { get; init; }

    public string? OutputModelName { get; init; }

    public string? OutputModelArn { get; init; }

    public string? ClientRequestToken { get; init; }

    public string? RoleArn { get; init; }

    public string? Status { get; init; }

    public string? FailureMessage { get; init; }

    public DateTimeOffset? CreationTime { get; init; }

    public DateTimeOffset? LastModifiedTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    public string? BaseModelArn { get; init; }

    public Dictionary<string, string>? HyperParameters { get; init; }

    public S3Location? TrainingDataConfig { get; init; }

    public ValidationDataConfig? ValidationDataConfig { get; init; }

    public S3Location? OutputDataConfig { get; init; }

    public string? CustomizationType { get; init; }

    public TrainingMetricsDto? TrainingMetrics { get; init; }

    public List<ValidatorMetricDto>? ValidationMetrics { get; init; }

    // Summary-only members (ListModelCustomizationJobs).
    public string? CustomModelArn { get; init; }

    public string? CustomModelName { get; init; }
}

internal sealed record JobPage(string? NextToken, List<JobDto>? ModelCustomizationJobSummaries);

internal sealed class CustomModelDto
{
    public string? ModelArn { get; init; }

    public string? ModelName { get; init; }

    public DateTimeOffset? CreationTime { get; init; }

    public string? JobName { get; init; }

    public string? JobArn { get; init; }

    public string? BaseModelArn { get; init; }

    public string? BaseModelName { get; init; }

    public string? CustomizationType { get; init; }

    public Dictionary<string, string>? HyperParameters { get; init; }

    public TrainingMetricsDto? TrainingMetrics { get; init; }

    public List<ValidatorMetricDto>? ValidationMetrics { get; init; }

    public string? ModelStatus { get; init; }

    public string? FailureMessage { get; init; }

    public string? OwnerAccountId { get; init; }
}

internal sealed record CustomModelPage(string? NextToken, List<CustomModelDto>? ModelSummaries);

internal sealed class CreateProvisionedThroughputBody
{
    public required int ModelUnits { get; init; }

    public required string ProvisionedModelName { get; init; }

    public required string ModelId { get; init; }

    public string? CommitmentDuration { get; init; }

    public string? ClientRequestToken { get; init; }
}

internal sealed record CreateProvisionedThroughputResult(string ProvisionedModelArn);

internal sealed class ProvisionedThroughputDto
{
    public int? ModelUnits { get; init; }

    public int? DesiredModelUnits { get; init; }

    public string? ProvisionedModelName { get; init; }

    public string? ProvisionedModelArn { get; init; }

    public string? ModelArn { get; init; }

    public string? DesiredModelArn { get; init; }

    public string? FoundationModelArn { get; init; }

    public string? Status { get; init; }

    public DateTimeOffset? CreationTime { get; init; }

    public DateTimeOffset? LastModifiedTime { get; init; }

    public string? FailureMessage { get; init; }

    public string? CommitmentDuration { get; init; }

    public DateTimeOffset? CommitmentExpirationTime { get; init; }
}

internal sealed record ProvisionedThroughputPage(string? NextToken, List<ProvisionedThroughputDto>? ProvisionedModelSummaries);

internal sealed class CreateDeploymentBody
{
    public required string ModelDeploymentName { get; init; }

    public required string ModelArn { get; init; }

    public string? Description { get; init; }

    public string? ClientRequestToken { get; init; }
}

internal sealed record CreateDeploymentResult(string CustomModelDeploymentArn);

internal sealed class DeploymentDto
{
    public string? CustomModelDeploymentArn { get; init; }

    public string? ModelDeploymentName { get; init; }

    public string? CustomModelDeploymentName { get; init; }

    public string? ModelArn { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public string? Status { get; init; }

    public string? Description { get; init; }

    public string? FailureMessage { get; init; }

    public DateTimeOffset? LastUpdatedAt { get; init; }
}

internal sealed record DeploymentPage(string? NextToken, List<DeploymentDto>? ModelDeploymentSummaries);

internal sealed record ErrorBody([property: JsonPropertyName("__type")] string? Type, string? Message, [property: JsonPropertyName("Message")] string? UpperMessage);

// Runtime: Converse.

internal sealed class ConverseBody
{
    public List<SystemBlockDto>? System { get; init; }

    public required List<MessageDto> Messages { get; init; }

    public InferenceConfigDto? InferenceConfig { get; init; }

    public ToolConfigDto? ToolConfig { get; init; }

    public JsonElement? AdditionalModelRequestFields { get; init; }
}

internal sealed record SystemBlockDto(string Text);

internal sealed record MessageDto(string Role, List<ContentBlockDto> Content);

internal sealed class ContentBlockDto
{
    public string? Text { get; init; }

    public ToolUseDto? ToolUse { get; init; }

    public ToolResultDto? ToolResult { get; init; }
}

internal sealed record ToolUseDto(string ToolUseId, string Name, JsonElement Input);

internal sealed record ToolResultDto(string ToolUseId, List<ToolResultContentDto> Content, string? Status);

internal sealed class ToolResultContentDto
{
    public string? Text { get; init; }

    public JsonElement? Json { get; init; }
}

internal sealed class InferenceConfigDto
{
    public int? MaxTokens { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public List<string>? StopSequences { get; init; }
}

internal sealed record ToolConfigDto(List<ToolDto> Tools, ToolChoiceDto? ToolChoice);

internal sealed record ToolDto(ToolSpecDto ToolSpec);

internal sealed record ToolSpecDto(string Name, string? Description, ToolInputSchemaDto InputSchema);

internal sealed record ToolInputSchemaDto(JsonElement Json);

internal sealed class ToolChoiceDto
{
    public EmptyDto? Auto { get; init; }

    public EmptyDto? Any { get; init; }

    public SpecificToolDto? Tool { get; init; }
}

internal sealed record EmptyDto;

internal sealed record SpecificToolDto(string Name);

internal sealed record ConverseOutputDto(MessageDto? Message);

internal sealed record UsageDto(int InputTokens, int OutputTokens, int TotalTokens, int? CacheReadInputTokens, int? CacheWriteInputTokens);

internal sealed record ConverseMetricsDto(long LatencyMs);

internal sealed record ConverseResult(ConverseOutputDto? Output, string? StopReason, UsageDto? Usage, ConverseMetricsDto? Metrics);

// ConverseStream event payloads (one JSON object per event-stream message, named by its :event-type header).

internal sealed record MessageStartEvent(string? Role);

internal sealed record ContentBlockStartEvent(ContentBlockStartDto? Start, int ContentBlockIndex);

internal sealed record ContentBlockStartDto(ToolUseStartDto? ToolUse);

internal sealed record ToolUseStartDto(string ToolUseId, string Name);

internal sealed record ContentBlockDeltaEvent(ContentBlockDeltaDto? Delta, int ContentBlockIndex);

internal sealed record ContentBlockDeltaDto(string? Text, ToolUseDeltaDto? ToolUse);

internal sealed record ToolUseDeltaDto(string Input);

internal sealed record ContentBlockStopEvent(int ContentBlockIndex);

internal sealed record MessageStopEvent(string? StopReason);

internal sealed record StreamMetadataEvent(UsageDto? Usage, ConverseMetricsDto? Metrics);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(CreateJobBody))]
[JsonSerializable(typeof(CreateJobResult))]
[JsonSerializable(typeof(JobDto))]
[JsonSerializable(typeof(JobPage))]
[JsonSerializable(typeof(CustomModelDto))]
[JsonSerializable(typeof(CustomModelPage))]
[JsonSerializable(typeof(CreateProvisionedThroughputBody))]
[JsonSerializable(typeof(CreateProvisionedThroughputResult))]
[JsonSerializable(typeof(ProvisionedThroughputDto))]
[JsonSerializable(typeof(ProvisionedThroughputPage))]
[JsonSerializable(typeof(CreateDeploymentBody))]
[JsonSerializable(typeof(CreateDeploymentResult))]
[JsonSerializable(typeof(DeploymentDto))]
[JsonSerializable(typeof(DeploymentPage))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(ConverseBody))]
[JsonSerializable(typeof(ConverseResult))]
[JsonSerializable(typeof(MessageStartEvent))]
[JsonSerializable(typeof(ContentBlockStartEvent))]
[JsonSerializable(typeof(ContentBlockDeltaEvent))]
[JsonSerializable(typeof(ContentBlockStopEvent))]
[JsonSerializable(typeof(MessageStopEvent))]
[JsonSerializable(typeof(StreamMetadataEvent))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class BedrockJsonContext : JsonSerializerContext;
