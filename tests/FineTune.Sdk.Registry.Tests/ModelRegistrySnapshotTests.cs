using FineTune.Sdk;
using static FineTune.Sdk.Registry.Tests.RegistryFixtures;

namespace FineTune.Sdk.Registry.Tests;

public sealed class ModelRegistrySnapshotTests
{
    private static ModelRegistrySnapshot Snapshot(decimal percentage, string feature = "support-intent") => new(new RegistryDocument
    {
        Version = 1,
        Features =
        [
            new RegistryFeature
            {
                Name = feature,
                DefaultVariant = "base",
                RolloutVariant = "ft-1",
                RolloutPercentage = percentage,
                Variants = [Base(), Tuned("ft-1", null)],
            },
        ],
    });

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(33.33)]
    [InlineData(50)]
    [InlineData(90)]
    public void Resolve_Over100000Keys_ShareIsWithinOnePointOfTheTarget(double percentage)
    {
        var snapshot = Snapshot((decimal)percentage);
        var hits = 0;
        for (var i = 0; i < 100_000; i++)
        {
            if (snapshot.Resolve("support-intent", "user-" + i).Variant == "ft-1")
            {
                hits++;
            }
        }

        (hits / 1000.0).Should().BeApproximately(percentage, 1.0);
    }

    [Fact]
    public void Resolve_RaisingThePercentage_OnlyAddsKeys()
    {
        var keys = Enumerable.Range(0, 100_000).Select(i => Guid.NewGuid().ToString()).ToArray();
        var previous = new bool[keys.Length];
        foreach (var percentage in new[] { 0m, 1m, 5m, 10m, 25m, 50m, 75m, 99.99m, 100m })
        {
            var snapshot = Snapshot(percentage);
            for (var i = 0; i < keys.Length; i++)
            {
                var inRollout = snapshot.Resolve("support-intent", keys[i]).Variant == "ft-1";
                if (previous[i])
                {
                    inRollout.Should().BeTrue($"key {keys[i]} was in the rollout below {percentage}%");
                }

                previous[i] = inRollout;
            }
        }

        previous.Should().OnlyContain(x => x, "at 100% every key is in");
    }

    [Fact]
    public void Resolve_SameKeySamePercentage_SameAnswer_AndBucketsArePinned()
    {
        var a = Snapshot(20m);
        var b = Snapshot(20m);
        for (var i = 0; i < 1000; i++)
        {
            a.Resolve("support-intent", "k" + i).Should().Be(b.Resolve("support-intent", "k" + i));
        }

        // Pinned: a change to the hash would move every user between variants on upgrade.
        ModelRegistrySnapshot.GetBucket("support-intent", "user-1").Should().Be(ExpectedBucketOfUser1);
        ModelRegistrySnapshot.GetBucket("support-intent", "").Should().Be(ExpectedBucketOfEmpty);
    }

    private const int ExpectedBucketOfUser1 = 4368;
    private const int ExpectedBucketOfEmpty = 8369;

    [Fact]
    public void Resolve_BucketsDependOnTheFeature()
    {
        var same = Enumerable.Range(0, 10_000).Count(i => ModelRegistrySnapshot.GetBucket("f1", "k" + i) == ModelRegistrySnapshot.GetBucket("f2", "k" + i));
        same.Should().BeLessThan(50);
    }

    [Fact]
    public void Resolve_AllocatesNothing()
    {
        var features = Enumerable.Range(0, 100).Select(i => new RegistryFeature
        {
            Name = "feature-" + i,
            DefaultVariant = "base",
            RolloutVariant = "ft-1",
            RolloutPercentage = 30m,
            Variants = [Base(), Tuned("ft-1", null)],
        }).ToList();
        var snapshot = new ModelRegistrySnapshot(new RegistryDocument { Version = 1, Features = features });
        var names = features.Select(f => f.Name).ToArray();
        var keys = Enumerable.Range(0, 1000).Select(i => "user-" + i).ToArray();
        var sink = 0;
        for (var i = 0; i < 1000; i++)
        {
            sink += snapshot.Resolve(names[i % 100], keys[i]).ModelId.Length;
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            sink += snapshot.Resolve(names[i % 100], keys[i % 1000]).ModelId.Length;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        allocated.Should().Be(0);
        sink.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Resolve_ThroughTheRegistry_AllocatesNothing_WhileAWriterCommits()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ft-registry-alloc-" + Guid.NewGuid().ToString("N")[..12]);
        await using var registry = await ModelRegistry.OpenAsync(new FileModelRegistryStore(Path.Combine(dir, "registry.json")));
        await registry.RegisterAsync("support-intent", Base(), By());
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                await registry.RegisterAsync("other", Base("v" + i++), By());
            }
        });

        var sink = 0;
        sink += registry.Resolve("support-intent", "warm").ModelId.Length;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 200_000; i++)
        {
            sink += registry.Resolve("support-intent", "user").ModelId.Length;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await stop.CancelAsync();
        await writer;
        Directory.Delete(dir, recursive: true);
        allocated.Should().Be(0);
        sink.Should().BeGreaterThan(0);
    }
}
