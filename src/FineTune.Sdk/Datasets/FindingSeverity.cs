namespace FineTune.Sdk;

/// <summary>How serious a <see cref="ValidationFinding"/> is.</summary>
public enum FindingSeverity
{
    /// <summary>Informational: nothing to fix.</summary>
    Info = 0,

    /// <summary>The file trains, but probably worse than it could.</summary>
    Warning = 1,

    /// <summary>The provider would reject the row or the file.</summary>
    Error = 2,
}
