namespace FineTune.Sdk;

/// <summary>
/// Composes an <see cref="IFineTuneProvider"/> pipeline: an adapter (the wire mapper) wrapped by decorators such as
/// <see cref="ResilientFineTuneProvider"/> or <see cref="LoggingFineTuneProvider"/>. The first decorator added with
/// <see cref="Use(Func{IFineTuneProvider, IFineTuneProvider})"/> is the outermost: calls reach it first.
/// </summary>
/// <remarks>Not thread-safe while being configured; <see cref="Build"/> may be called any number of times.</remarks>
public sealed class FineTuneProviderBuilder
{
    private readonly Func<IServiceProvider, IFineTuneProvider> _innerProviderFactory;
    private readonly List<Func<IFineTuneProvider, IServiceProvider, IFineTuneProvider>> _factories = [];

    /// <summary>Initializes a new instance of the <see cref="FineTuneProviderBuilder"/> class over an existing provider.</summary>
    /// <param name="innerProvider">The provider at the bottom of the pipeline (usually an adapter).</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerProvider"/> is null.</exception>
    public FineTuneProviderBuilder(IFineTuneProvider innerProvider)
    {
        ArgumentNullException.ThrowIfNull(innerProvider);
        _innerProviderFactory = _ => innerProvider;
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuneProviderBuilder"/> class with a factory for the inner provider.</summary>
    /// <param name="innerProviderFactory">Creates the provider at the bottom of the pipeline from the services passed to <see cref="Build"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="innerProviderFactory"/> is null.</exception>
    public FineTuneProviderBuilder(Func<IServiceProvider, IFineTuneProvider> innerProviderFactory)
    {
        ArgumentNullException.ThrowIfNull(innerProviderFactory);
        _innerProviderFactory = innerProviderFactory;
    }

    /// <summary>Adds a decorator; decorators added earlier wrap those added later.</summary>
    /// <param name="providerFactory">Wraps the provider below it.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="providerFactory"/> is null.</exception>
    public FineTuneProviderBuilder Use(Func<IFineTuneProvider, IFineTuneProvider> providerFactory)
    {
        ArgumentNullException.ThrowIfNull(providerFactory);
        return Use((inner, _) => providerFactory(inner));
    }

    /// <summary>Adds a decorator that needs services (a logger factory, a clock); decorators added earlier wrap those added later.</summary>
    /// <param name="providerFactory">Wraps the provider below it, given the services passed to <see cref="Build"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="providerFactory"/> is null.</exception>
    public FineTuneProviderBuilder Use(Func<IFineTuneProvider, IServiceProvider, IFineTuneProvider> providerFactory)
    {
        ArgumentNullException.ThrowIfNull(providerFactory);
        _factories.Add(providerFactory);
        return this;
    }

    /// <summary>Builds the pipeline: the inner provider wrapped by every decorator, the first one added outermost.</summary>
    /// <param name="services">The services decorators draw on (logger factory, <see cref="TimeProvider"/>); none when null.</param>
    /// <returns>The outermost provider.</returns>
    /// <exception cref="InvalidOperationException">A factory returned null.</exception>
    public IFineTuneProvider Build(IServiceProvider? services = null)
    {
        services ??= EmptyServiceProvider.Instance;
        var provider = _innerProviderFactory(services) ?? throw new InvalidOperationException("The inner provider factory returned null.");
        for (var i = _factories.Count - 1; i >= 0; i--)
        {
            provider = _factories[i](provider, services) ?? throw new InvalidOperationException($"The decorator factory at position {i} returned null.");
        }

        return provider;
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public static readonly EmptyServiceProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
