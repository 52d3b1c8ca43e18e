namespace FineTune.Sdk;

/// <summary>The catalog-based <see cref="ICostEstimator"/>: billed tokens × epochs × price, plus a retry buffer line.</summary>
/// <remarks>Immutable after construction and thread-safe.</remarks>
public sealed class CostEstimator : ICostEstimator
{
    /// <summary>The number of epochs the automatic rule aims for.</summary>
    public const int TargetEpochs = 3;

    /// <summary>The fewest examples the automatic rule lets a run see.</summary>
    public const int MinTargetExamples = 100;

    /// <summary>The most examples the automatic rule lets a run see.</summary>
    public const int MaxTargetExamples = 25_000;

    /// <summary>The fewest epochs the automatic rule picks.</summary>
    public const int MinAutoEpochs = 1;

    /// <summary>The most epochs the automatic rule picks.</summary>
    public const int MaxAutoEpochs = 25;

    private readonly CostEstimationOptions _options;
    private readonly PriceCatalog _catalog;

    /// <summary>Creates an estimator.</summary>
    /// <param name="options">The options; <see langword="null"/> for the defaults (built-in prices, 20% buffer).</param>
    public CostEstimator(CostEstimationOptions? options = null)
    {
        _options = options ?? new CostEstimationOptions();
        var failures = new List<string>();
        _options.Validate(failures);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _catalog = new PriceCatalog(_options);
    }

    /// <summary>Gets the prices the estimator uses (built-in ones overlaid with configured ones).</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyList<ModelPrice> Prices => _catalog.Prices;

    /// <summary>Finds the catalog entry for a model, the way <see cref="Estimate"/> does (an <c>ft:</c> name matches its base model; the longest family wins).</summary>
    /// <param name="model">The model, for example <c>gpt-4o-mini-2024-07-18</c> or <c>ft:gpt-4o-mini-2024-07-18:org::abc</c>.</param>
    /// <param name="method">The customisation method; defaults to <c>supervised</c>.</param>
    /// <param name="provider">The provider, or <see langword="null"/> for any.</param>
    /// <returns>The entry, or <see langword="null"/> when the catalog has none.</returns>
    public ModelPrice? FindPrice(string model, string method = "supervised", string? provider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(method);
        return _catalog.Find(model, method, provider);
    }

    /// <summary>
    /// The provider's automatic epoch choice (the OpenAI cookbook's rule): 3 epochs, raised so that the run sees at
    /// least 100 examples (at most 25 epochs) or lowered so it sees at most 25,000 (at least 1 epoch).
    /// </summary>
    /// <param name="examples">The number of training examples.</param>
    /// <returns>The number of epochs.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="examples"/> is less than 1.</exception>
    public static int AutoEpochs(long examples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(examples, 1);
        if (examples * TargetEpochs < MinTargetExamples)
        {
            return (int)Math.Min(MaxAutoEpochs, MinTargetExamples / examples);
        }

        if (examples * TargetEpochs > MaxTargetExamples)
        {
            return (int)Math.Max(MinAutoEpochs, MaxTargetExamples / examples);
        }

        return TargetEpochs;
    }

    /// <inheritdoc />
    public CostEstimate Estimate(CostEstimateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Model, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.TrainingExamples, 1, nameof(request));
        ArgumentOutOfRangeException.ThrowIfNegative(request.TrainingTokens, nameof(request));
        ArgumentOutOfRangeException.ThrowIfNegative(request.ValidationTokens, nameof(request));
        if (request.Epochs is < 1 or > 50)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Epochs, "Epochs must be between 1 and 50, or null for auto.");
        }

        var price = _catalog.Find(request.Model, request.Method, request.Provider) ?? throw UnknownModel(request);
        var epochs = request.Epochs ?? AutoEpochs(request.TrainingExamples);
        var trainingTokens = checked(request.TrainingTokens * epochs);
        var lines = new List<CostLine> { new("Training", trainingTokens, PerMillion(trainingTokens, price.TrainingPerMillionTokens)) };
        var billed = trainingTokens;
        if (price.BillsValidationTokens && request.ValidationTokens > 0)
        {
            var validationTokens = checked(request.ValidationTokens * epochs);
            lines.Add(new CostLine("Validation", validationTokens, PerMillion(validationTokens, price.TrainingPerMillionTokens)));
            billed += validationTokens;
        }

        var subtotal = lines.Sum(l => l.Amount);
        var buffer = subtotal * _options.RetryBuffer;
        lines.Add(new CostLine($"Retry buffer ({_options.RetryBuffer * 100:0.##}%)", null, buffer));
        return new CostEstimate
        {
            Model = request.Model,
            Method = price.Method,
            Price = price,
            TrainingExamples = request.TrainingExamples,
            TrainingTokensPerEpoch = request.TrainingTokens,
            Epochs = epochs,
            EpochsAreAutomatic = request.Epochs is null,
            BilledTokens = billed,
            Subtotal = subtotal,
            RetryBufferRate = _options.RetryBuffer,
            RetryBuffer = buffer,
            Lines = lines,
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(_options) ? _options : null;
    }

    private static decimal PerMillion(long tokens, decimal pricePerMillion) => tokens * pricePerMillion / 1_000_000m;

    private ArgumentException UnknownModel(CostEstimateRequest request)
    {
        var known = _catalog.Prices
            .Where(p => string.Equals(p.Method, request.Method, StringComparison.OrdinalIgnoreCase))
            .Select(p => p.Model)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase);
        return new ArgumentException(
            $"No {request.Method} training price is known for model '{request.Model}'{(request.Provider is null ? string.Empty : $" at provider '{request.Provider}'")}. " +
            $"Known models: {string.Join(", ", known)}. Add a price under FineTuning:Costs:Prices.",
            nameof(request));
    }
}
