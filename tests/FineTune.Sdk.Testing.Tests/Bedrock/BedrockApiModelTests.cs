using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Tests;

namespace FineTune.Sdk.Testing.Tests;

/// <summary>
/// Every JSON answer of a whole lifecycle is checked against the published API models (shared/reference
/// bedrock-service-2.json and bedrock-runtime-service-2.json): the operation's success status, required members present,
/// no member the model does not define, member types, enum values, string lengths and patterns.
/// </summary>
public sealed class BedrockApiModelTests : IDisposable
{
    private const string Bucket = "model-bucket";
    private static readonly Lazy<JsonElement> ControlPlane = new(() => Load("bedrock-service-2.json"));
    private static readonly Lazy<JsonElement> Runtime = new(() => Load("bedrock-runtime-service-2.json"));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly BedrockEmulator _emulator;
    private readonly HttpClient _http;
    private readonly List<string> _problems = [];

    public BedrockApiModelTests()
    {
        var options = new BedrockEmulatorOptions();
        options.Buckets.Add(Bucket);
        _emulator = new BedrockEmulator(options, _clock);
        _http = new HttpClient(new SigningHandler(_emulator.CreateHttpMessageHandler())) { BaseAddress = BedrockEmulator.InProcessEndpoint };
    }

    public void Dispose()
    {
        _http.Dispose();
        _emulator.Dispose();
    }

    [Fact]
    public async Task Lifecycle_EveryResponse_MatchesTheApiModelsOutputShapes()
    {
        _emulator.PutObject(Bucket, "train.jsonl", Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 10).Select(BedrockEmulatorTests.NovaRow))));
        _emulator.PutObject(Bucket, "valid.jsonl", Encoding.UTF8.GetBytes(BedrockEmulatorTests.NovaRow(1)));
        _emulator.PutObject(Bucket, "bad.jsonl", "{\"prompt\":\"x\",\"completion\":\"y\"}"u8.ToArray());
        JsonObject Job(string name, string data) => new()
        {
            ["jobName"] = name, ["customModelName"] = name + "-model", ["roleArn"] = "arn:aws:iam::123456789012:role/r",
            ["baseModelIdentifier"] = "amazon.nova-micro-v1:0:128k", ["clientRequestToken"] = name + "-token",
            ["trainingDataConfig"] = new JsonObject { ["s3Uri"] = $"s3://{Bucket}/{data}" },
            ["validationDataConfig"] = new JsonObject { ["validators"] = new JsonArray(new JsonObject { ["s3Uri"] = $"s3://{Bucket}/valid.jsonl" }) },
            ["outputDataConfig"] = new JsonObject { ["s3Uri"] = $"s3://{Bucket}/out" },
            ["hyperParameters"] = new JsonObject { ["epochCount"] = "1" },
        };

        var jobArn = (await CallAsync("CreateModelCustomizationJob", HttpMethod.Post, "/model-customization-jobs", Job("good", "train.jsonl")))["jobArn"]!.GetValue<string>();
        var badArn = (await CallAsync("CreateModelCustomizationJob", HttpMethod.Post, "/model-customization-jobs", Job("bad", "bad.jsonl")))["jobArn"]!.GetValue<string>();
        await CallAsync("CreateModelCustomizationJob", HttpMethod.Post, "/model-customization-jobs", Job("stopped", "train.jsonl"));
        await CallAsync("GetModelCustomizationJob", HttpMethod.Get, "/model-customization-jobs/" + Uri.EscapeDataString(jobArn));
        await CallAsync("StopModelCustomizationJob", HttpMethod.Post, "/model-customization-jobs/stopped/stop");
        await CallAsync("ListModelCustomizationJobs", HttpMethod.Get, "/model-customization-jobs?maxResults=2");
        _clock.Advance(TimeSpan.FromMinutes(5));
        var job = await CallAsync("GetModelCustomizationJob", HttpMethod.Get, "/model-customization-jobs/good");
        await CallAsync("GetModelCustomizationJob", HttpMethod.Get, "/model-customization-jobs/" + Uri.EscapeDataString(badArn));
        await CallAsync("GetModelCustomizationJob", HttpMethod.Get, "/model-customization-jobs/stopped");
        await CallAsync("ListModelCustomizationJobs", HttpMethod.Get, "/model-customization-jobs?sortOrder=Ascending");
        var modelArn = job["outputModelArn"]!.GetValue<string>();
        await CallAsync("GetCustomModel", HttpMethod.Get, "/custom-models/" + Uri.EscapeDataString(modelArn));
        await CallAsync("ListCustomModels", HttpMethod.Get, "/custom-models");
        var ptArn = (await CallAsync("CreateProvisionedModelThroughput", HttpMethod.Post, "/provisioned-model-throughput", new JsonObject
        {
            ["modelUnits"] = 1, ["provisionedModelName"] = "pt", ["modelId"] = modelArn, ["commitmentDuration"] = "OneMonth",
        }))["provisionedModelArn"]!.GetValue<string>();
        await CallAsync("GetProvisionedModelThroughput", HttpMethod.Get, "/provisioned-model-throughput/" + Uri.EscapeDataString(ptArn));
        var deploymentArn = (await CallAsync("CreateCustomModelDeployment", HttpMethod.Post, "/model-customization/custom-model-deployments", new JsonObject
        {
            ["modelDeploymentName"] = "dep", ["modelArn"] = modelArn, ["description"] = "test",
        }))["customModelDeploymentArn"]!.GetValue<string>();
        _clock.Advance(TimeSpan.FromMinutes(1));
        await CallAsync("GetProvisionedModelThroughput", HttpMethod.Get, "/provisioned-model-throughput/pt");
        await CallAsync("ListProvisionedModelThroughputs", HttpMethod.Get, "/provisioned-model-throughputs");
        await CallAsync("GetCustomModelDeployment", HttpMethod.Get, "/model-customization/custom-model-deployments/" + Uri.EscapeDataString(deploymentArn));
        await CallAsync("ListCustomModelDeployments", HttpMethod.Get, "/model-customization/custom-model-deployments");
        var converse = new JsonObject { ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["text"] = "Ticket 1: my parcel 1 is late" }) }) };
        await CallAsync("Converse", HttpMethod.Post, $"/model/{Uri.EscapeDataString(ptArn)}/converse", converse, Runtime.Value);
        await CallAsync("Converse", HttpMethod.Post, "/model/amazon.nova-micro-v1%3A0/converse", converse, Runtime.Value);
        await ConverseStreamAsync($"/model/{Uri.EscapeDataString(deploymentArn)}/converse-stream", converse);
        await CallAsync("DeleteCustomModelDeployment", HttpMethod.Delete, "/model-customization/custom-model-deployments/dep");
        await CallAsync("DeleteProvisionedModelThroughput", HttpMethod.Delete, "/provisioned-model-throughput/pt");
        await CallAsync("DeleteCustomModel", HttpMethod.Delete, "/custom-models/good-model");
        await ErrorAsync(HttpMethod.Get, "/custom-models/good-model", "ResourceNotFoundException", 404);
        await ErrorAsync(HttpMethod.Get, "/model-customization-jobs?maxResults=0", "ValidationException", 400);

        _problems.Should().BeEmpty();
    }

    private static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Shared, "reference", file))).RootElement;

    private async Task<JsonObject> CallAsync(string operation, HttpMethod method, string path, JsonObject? body = null, JsonElement? model = null)
    {
        var api = model ?? ControlPlane.Value;
        var (status, text, _) = await SendAsync(method, path, body);
        var definition = api.GetProperty("operations").GetProperty(operation);
        var expected = definition.GetProperty("http").TryGetProperty("responseCode", out var code) ? code.GetInt32() : 200;
        if ((int)status != expected)
        {
            _problems.Add($"{operation}: status {(int)status}, the model says {expected}: {text}");
            return [];
        }

        var json = JsonNode.Parse(text)!.AsObject();
        if (definition.TryGetProperty("output", out var output))
        {
            Check(api, output.GetProperty("shape").GetString()!, json, operation);
        }

        return json;
    }

    private async Task ConverseStreamAsync(string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(request);
        var union = Runtime.Value.GetProperty("shapes").GetProperty("ConverseStreamOutput").GetProperty("members");
        foreach (var (headers, payload) in EventStream.Parse(await response.Content.ReadAsByteArrayAsync()))
        {
            var type = headers[":event-type"];
            if (!union.TryGetProperty(type, out var member))
            {
                _problems.Add($"ConverseStream: event {type} is not a member of ConverseStreamOutput");
                continue;
            }

            Check(Runtime.Value, member.GetProperty("shape").GetString()!, JsonNode.Parse(payload), "ConverseStream." + type);
        }
    }

    private async Task ErrorAsync(HttpMethod method, string path, string errorShape, int status)
    {
        var (actual, text, errorType) = await SendAsync(method, path, null);
        var shape = ControlPlane.Value.GetProperty("shapes").GetProperty(errorShape);
        if ((int)actual != status || shape.GetProperty("error").GetProperty("httpStatusCode").GetInt32() != status || errorType?.StartsWith(errorShape + ":", StringComparison.Ordinal) != true)
        {
            _problems.Add($"{path}: expected {errorShape} {status}, got {(int)actual} {errorType}");
        }

        var json = JsonNode.Parse(text)!.AsObject();
        json.Remove("__type");
        Check(ControlPlane.Value, errorShape, json, errorShape);
    }

    private async Task<(HttpStatusCode Status, string Text, string? ErrorType)> SendAsync(HttpMethod method, string path, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.TryGetValues("x-amzn-ErrorType", out var v) ? v.Single() : null);
    }

    /// <summary>Checks <paramref name="value"/> against a shape of the model (the shared checker every Bedrock emulator
    /// answer goes through), adding every deviation to the problem list.</summary>
    private void Check(JsonElement api, string shapeName, JsonNode? value, string path) =>
        BedrockApiModelValidator.Check(new BedrockApiModelValidator.ApiModel(api), shapeName, value, path, _problems);
}
