using FineTune.Sdk;

namespace FineTune.Sdk.Registry.Tests;

public sealed class FileStoreContractTests : RegistryStoreContract
{
    protected override IModelRegistryStore CreateStore() => new FileModelRegistryStore(Path.Combine(WorkDirectory, "registry.json"));
}
