using FineTune.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Sdk.Registry.Tests;

public sealed class ModelRegistryBuilderExtensionsTests
{
    [Fact]
    public async Task AddModelRegistry_FromConfiguration_ResolvesOneRegistryOverTheFileStore()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ft-registry-di-" + Guid.NewGuid().ToString("N")[..12]);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Registry:Store"] = "file:" + Path.Combine(dir, "registry.json"),
            ["Registry:StaleAfter"] = "30.00:00:00",
        }).Build();
        var services = new ServiceCollection();
        services.AddFineTuning().AddModelRegistry(configuration.GetSection("Registry")).AddModelRegistry(configuration.GetSection("Registry"));
        await using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<IModelRegistry>();

        registry.Should().BeSameAs(provider.GetRequiredService<IModelRegistry>());
        registry.GetService(typeof(IModelRegistryStore)).Should().BeOfType<FileModelRegistryStore>();
        provider.GetRequiredService<IOptions<ModelRegistryOptions>>().Value.StaleAfter.Should().Be(TimeSpan.FromDays(30));
        services.Count(d => d.ServiceType == typeof(IModelRegistry)).Should().Be(1);
    }

    [Theory]
    [InlineData(null, "ModelRegistryOptions.Store is required")]
    [InlineData("mysql:x", "ModelRegistryOptions.Store must be SCHEME:TARGET")]
    [InlineData("sqlite:r.db", "ModelRegistryOptions.Store must be SCHEME:TARGET")]
    public void AddModelRegistry_InvalidStore_FailsAtStartNamingTheField(string? store, string message)
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddModelRegistry(o => o.Store = store);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<ModelRegistryOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*" + message + "*");
    }

    [Fact]
    public void AddModelRegistry_SqliteSchemeWithItsPackage_IsValid()
    {
        var services = new ServiceCollection();
        services.AddFineTuning().AddModelRegistry(o => { o.Store = "sqlite:r.db"; o.PollInterval = TimeSpan.FromMilliseconds(1); }).AddSqliteModelRegistryStore();
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<ModelRegistryOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*PollInterval must be between 10 ms and 1 hour*");
    }
}
