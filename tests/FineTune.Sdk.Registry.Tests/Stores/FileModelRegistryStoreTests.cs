using System.Text.Json;
using FineTune.Sdk;
using static FineTune.Sdk.Registry.Tests.RegistryFixtures;

namespace FineTune.Sdk.Registry.Tests;

public sealed class FileModelRegistryStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ft-registry-file-" + Guid.NewGuid().ToString("N")[..12]);

    public FileModelRegistryStoreTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Commit_WritesIndentedJsonWithSortedFeaturesAndNoTemporaryFile()
    {
        var path = Path.Combine(_dir, "registry.json");
        await using (var registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(path)))
        {
            await registry.RegisterAsync("zeta", Base(), By());
            await registry.RegisterAsync("alpha", Base(), By());
            await registry.RegisterAsync("alpha", Base("aaa"), By());
        }

        var text = await File.ReadAllTextAsync(path);
        text.Should().Contain("\n  \"version\": 3,");
        text.IndexOf("\"alpha\"", StringComparison.Ordinal).Should().BeLessThan(text.IndexOf("\"zeta\"", StringComparison.Ordinal));
        text.IndexOf("\"aaa\"", StringComparison.Ordinal).Should().BeLessThan(text.IndexOf("\"name\": \"base\"", StringComparison.Ordinal));
        Directory.GetFiles(_dir).Select(Path.GetFileName).Should().BeEquivalentTo("registry.json", "registry.history.jsonl", "registry.json.lock");
        File.ReadAllLines(Path.Combine(_dir, "registry.history.jsonl")).Should().HaveCount(3);

        // Re-serializing what was read gives the same bytes: key order is stable.
        RegistryJson.Serialize(RegistryJson.DeserializeDocument(text, path)).Should().Be(text);
    }

    [Fact]
    public async Task Read_CorruptDocument_NamesTheFileLineAndPath()
    {
        var path = Path.Combine(_dir, "registry.json");
        await File.WriteAllTextAsync(path, "{\n  \"version\": \"three\"\n}");
        await using var store = new FileModelRegistryStore(path);

        var act = () => store.ReadAsync();

        var ex = (await act.Should().ThrowAsync<ModelRegistryException>()).Which;
        ex.Rule.Should().Be("registry.json");
        ex.Message.Should().Contain(path).And.Contain("line 2").And.Contain("$.version");
    }

    [Fact]
    public async Task History_TornLastLineAndUncommittedEntry_AreIgnoredAndRepaired()
    {
        var path = Path.Combine(_dir, "registry.json");
        await using (var registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(path)))
        {
            await registry.RegisterAsync("f", Base(), By());
        }

        // A writer killed after appending the history of version 2 but before renaming the document, then another
        // killed mid-line.
        var history = Path.Combine(_dir, "registry.history.jsonl");
        var uncommitted = new RegistryHistoryEntry { Version = 2, Actor = "ghost", Operation = "register", Feature = "f", After = new RegistryFeature { Name = "f", DefaultVariant = "base" } };
        await File.AppendAllTextAsync(history, RegistryJson.Serialize(uncommitted) + "\n{\"version\":3,\"act");

        await using (var registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(path)))
        {
            (await registry.GetHistoryAsync().ToListAsync()).Should().ContainSingle();
            await registry.RegisterAsync("f", Base("b2"), By("bob"));
            var entries = await registry.GetHistoryAsync().ToListAsync();
            entries.Select(e => (e.Version, e.Actor)).Should().Equal((1L, "alice"), (2L, "bob"));
        }

        File.ReadAllLines(history).Should().OnlyContain(line => IsJson(line));
    }

    [Fact]
    public async Task Writers_InTheSameProcessOnSeparateStores_SerializeThroughTheLock()
    {
        var path = Path.Combine(_dir, "registry.json");
        var stores = Enumerable.Range(0, 4).Select(_ => new FileModelRegistryStore(path)).ToList();
        var registries = new List<ModelRegistry>();
        foreach (var store in stores)
        {
            registries.Add(await ModelRegistry.OpenAsync(store));
        }

        await registries[0].RegisterAsync("f", Base(), By());
        await Task.WhenAll(registries.Select((r, n) => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await r.RegisterAsync("f", Base($"w{n}-{i}"), By("w" + n));
            }
        })));

        var document = await stores[0].ReadAsync();
        document.Version.Should().Be(41);
        foreach (var registry in registries)
        {
            await registry.DisposeAsync();
        }
    }

    private static bool IsJson(string line)
    {
        try
        {
            JsonDocument.Parse(line).Dispose();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
