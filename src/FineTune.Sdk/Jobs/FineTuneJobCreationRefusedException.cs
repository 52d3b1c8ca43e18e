namespace FineTune.Sdk;

/// <summary>
/// The provider refused to create a job because the account may no longer create jobs — for OpenAI, the
/// fine-tuning wind-down: organizations without recent fine-tuning activity are refused already, and job creation
/// ends for every organization on 2027-01-06. Existing fine-tuned models stay callable until their base model
/// retires. Not transient: retrying will not help; move the run to another provider.
/// </summary>
public sealed class FineTuneJobCreationRefusedException : FineTuneException
{
    /// <summary>Initializes a new instance of the <see cref="FineTuneJobCreationRefusedException"/> class.</summary>
    public FineTuneJobCreationRefusedException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuneJobCreationRefusedException"/> class.</summary>
    /// <param name="message">The message.</param>
    public FineTuneJobCreationRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="FineTuneJobCreationRefusedException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public FineTuneJobCreationRefusedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the date after which the provider accepts no new jobs from anyone, when announced.</summary>
    /// <value>For OpenAI, 2027-01-06.</value>
    public DateOnly? JobCreationEndsOn { get; init; }
}
