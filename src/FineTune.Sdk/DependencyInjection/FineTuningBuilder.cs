using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Sdk;

internal sealed class FineTuningBuilder(IServiceCollection services) : IFineTuningBuilder
{
    public IServiceCollection Services { get; } = services;
}
