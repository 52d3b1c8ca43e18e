// Child process of FileStoreCrashTests: opens a file registry, brings it to a known shape (idempotently, so it can
// resume after being killed at any point), then alternates rollout and rollback commits forever. After each commit it
// prints "committed VERSION" so the parent knows the last version that was durably committed before the kill.
using FineTune.Sdk;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: RegistryCrashWriter REGISTRY.json");
    return 2;
}

const string Feature = "crash";
const string Base = "gpt-4.1-nano-2025-04-14";
var change = new RegistryChange { Actor = "crash-writer", Reason = "kill test", Force = true };
await using var registry = await ModelRegistry.OpenAsync(
    new FileModelRegistryStore(args[0]),
    new ModelRegistryOptions { PollInterval = TimeSpan.FromHours(1) });

void Committed() => Console.WriteLine("committed " + registry.Snapshot.Version);

var feature = registry.Snapshot.Document.FindFeature(Feature);
if (feature?.FindVariant("base") is null)
{
    await registry.RegisterAsync(Feature, new RegistryVariant { Name = "base", ModelId = Base, Provider = RegistryProviders.OpenAI, BaseModel = Base }, change);
    Committed();
}

feature = registry.Snapshot.Document.FindFeature(Feature)!;
if (feature.FindVariant("candidate") is null)
{
    await registry.RegisterAsync(Feature, new RegistryVariant { Name = "candidate", ModelId = "ft:" + Base + ":acme:crash:abc123", Provider = RegistryProviders.OpenAI, BaseModel = Base }, change);
    Committed();
}

feature = registry.Snapshot.Document.FindFeature(Feature)!;
if (feature.FindVariant("candidate")!.Status != RegistryVariantStatus.Promoted)
{
    await registry.PromoteAsync(Feature, "candidate", change);
    Committed();
}

Console.WriteLine("ready");
for (var i = 0; ; i++)
{
    feature = registry.Snapshot.Document.FindFeature(Feature)!;
    if (feature.RolloutVariant is null)
    {
        await registry.SetRolloutAsync(Feature, "candidate", 1 + (i % 98), change);
    }
    else
    {
        await registry.RollbackAsync(Feature, change);
    }

    Committed();
}
