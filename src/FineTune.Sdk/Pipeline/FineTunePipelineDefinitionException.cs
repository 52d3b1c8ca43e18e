namespace FineTune.Sdk;

/// <summary>A pipeline file is malformed or one of its fields is invalid; the message names the file, the line and the field.</summary>
public sealed class FineTunePipelineDefinitionException : FineTuneException
{
    /// <summary>Initializes a new instance of the <see cref="FineTunePipelineDefinitionException"/> class.</summary>
    public FineTunePipelineDefinitionException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTunePipelineDefinitionException"/> class.</summary>
    /// <param name="message">The message.</param>
    public FineTunePipelineDefinitionException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTunePipelineDefinitionException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public FineTunePipelineDefinitionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the pipeline file (or the source name given).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? FilePath { get; init; }

    /// <summary>Gets the 1-based line of the problem.</summary>
    /// <value>Defaults to <see langword="null"/> when the problem has no line (a missing field).</value>
    public int? Line { get; init; }

    /// <summary>Gets the field, as a dotted path such as <c>split.validation</c>.</summary>
    /// <value>Defaults to <see langword="null"/> for a syntax error.</value>
    public string? Field { get; init; }
}
