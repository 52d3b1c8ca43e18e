// The model gateway in a web app: POST /classify answers through the registry, so the app asks for a feature
// ("support-intent"), not a model. The flag and the rollout percentage come from appsettings.json; telemetry goes to
// the console. Offline: an OpenAI emulator on 127.0.0.1 stands in for OpenAI (the base model) and for a self-hosted,
// OpenAI-compatible server (the candidate), so it runs without a key.
// usage: dotnet run --project samples/08-Gateway, then
//   curl -s localhost:5000/classify -H 'content-type: application/json' -d '{"userId":"u-17","text":"Where is my parcel?"}'
// Several instances share one registry with FineTune__Registry__Store=postgres:CONNECTION-STRING: every instance gives a
// user the same variant, and a rollout or rollback written by one is served by all within a second.
using FineTune.Sdk;
using Gateway;
using FineTune.Sdk.OpenAI;
using FineTune.Sdk.Testing;
using Microsoft.Extensions.AI;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);
var gateway = builder.Configuration.GetSection("FineTune:Gateway");
var feature = gateway["Feature"] ?? "support-intent";

// The emulator plays both endpoints; with real ones, point AddOpenAI and the self-hosted client at them instead.
var emulator = new OpenAIEmulator(new OpenAIEmulatorOptions { RandomSeed = 8 });
var endpoint = await emulator.StartAsync();

if (string.IsNullOrEmpty(builder.Configuration["FineTune:Registry:Store"]))
{
    builder.Configuration["FineTune:Registry:Store"] = "file:" + Path.Combine(Path.GetTempPath(), "finetune-sample-08", "registry.json");
}

builder.Services.AddFineTuning()
    .AddModelRegistry(builder.Configuration.GetSection("FineTune:Registry"))
    .AddPostgreSqlModelRegistryStore()
    .AddOpenAI(o => (o.Endpoint, o.ApiKey) = (endpoint.ToString(), "sk-emulator"))                         // keyed IChatClient "openai"
    .AddModelGateway(feature, o => o.Shadow.Share = gateway.GetValue("ShadowShare", 0.05))
    .AddConfigurationFeatureFlags(builder.Configuration.GetSection("FineTune:Flags"))
    .ConfigureGatewayControls(gateway.GetSection("Controls"));

// The candidate is a LoRA adapter on an OpenAI-compatible server (vLLM, TGI, Ollama): a keyed client named by its provider.
builder.Services.AddKeyedSingleton<IChatClient>("vllm", (_, _) =>
    OpenAIChatClients.CreateBuilder(new OpenAIFineTuneProviderOptions { Endpoint = endpoint.ToString(), ApiKey = "sk-emulator" }).Build());

if (gateway.GetValue("ConsoleTelemetry", true))
{
    builder.Services.AddOpenTelemetry()
        .WithTracing(t => t.AddSource("FineTune.Sdk").AddConsoleExporter())
        .WithMetrics(m => m.AddMeter("FineTune.Sdk").AddConsoleExporter());
}

var app = builder.Build();
app.Lifetime.ApplicationStopped.Register(emulator.Dispose);
await SeedRegistryAsync(app.Services.GetRequiredService<IModelRegistry>(), feature, gateway.GetValue("RolloutPercentage", 0m));

var chat = app.Services.GetRequiredKeyedService<IChatClient>(feature);
app.MapPost("/classify", async (ClassifyRequest request, CancellationToken cancellationToken) =>
{
    if (string.IsNullOrWhiteSpace(request.Text) || string.IsNullOrWhiteSpace(request.UserId))
    {
        return Results.BadRequest(new { error = "userId and text are required" });
    }

    var options = new ChatOptions { AdditionalProperties = new() { [ModelGatewayProperties.TargetingKey] = request.UserId } };
    try
    {
        var reply = await chat.GetResponseAsync([new(ChatRole.System, "Classify the support ticket's intent."), new(ChatRole.User, request.Text)], options, cancellationToken);
        return Results.Ok(new ClassifyResponse(reply.Text, (string)reply.AdditionalProperties![ModelGatewayProperties.Variant]!, reply.ModelId));
    }
    catch (FineTuneException failed)
    {
        return Results.Problem(failed.Message, statusCode: 502);
    }
});

// Operator endpoints, to show a rollout and a rollback reaching every instance. Protect them in a real app.
var registry = app.Services.GetRequiredService<IModelRegistry>();
app.MapPost("/admin/rollout/{percentage:decimal}", async (decimal percentage, CancellationToken cancellationToken) =>
    Results.Ok((await registry.SetRolloutAsync(feature, "candidate", percentage, new RegistryChange { Actor = "sample-08-admin" }, cancellationToken)).DefaultVariant));
app.MapPost("/admin/rollback", async (CancellationToken cancellationToken) =>
    Results.Ok((await registry.RollbackAsync(feature, new RegistryChange { Actor = "sample-08-admin", Reason = "operator rollback" }, cancellationToken)).DefaultVariant));

app.Run();

// Offline only: registers the base model and the candidate, and stages the rollout from appsettings.json. In
// production the registry is written by `finetune registry ...` after an evaluation, never by the app.
static async Task SeedRegistryAsync(IModelRegistry registry, string feature, decimal percentage)
{
    var change = new RegistryChange { Actor = "sample-08", Reason = "offline sample: no comparison report", Force = true };
    try
    {
        if (registry.Snapshot.Document.FindFeature(feature) is null)
        {
            await registry.RegisterAsync(feature, new RegistryVariant { Name = "base", ModelId = "gpt-4o-mini-2024-07-18", Provider = RegistryProviders.OpenAI, BaseModel = "gpt-4o-mini-2024-07-18" }, change);
            await registry.RegisterAsync(feature, new RegistryVariant { Name = "candidate", ModelId = "gpt-4.1-mini-2025-04-14", Provider = "vllm", BaseModel = "gpt-4o-mini-2024-07-18" }, change);
            await registry.PromoteAsync(feature, "candidate", change);
        }

        var current = registry.Snapshot.Document.FindFeature(feature)!;
        if (current.DefaultVariant != "candidate" && current.FindVariant("candidate")?.Status == RegistryVariantStatus.Promoted && current.RolloutPercentage != percentage)
        {
            await registry.SetRolloutAsync(feature, "candidate", percentage, change);
        }
    }
    catch (ModelRegistryException)
    {
        await registry.RefreshAsync(); // another instance seeded the shared registry first
    }
}

/// <summary>The entry point, public for WebApplicationFactory.</summary>
public partial class Program;
