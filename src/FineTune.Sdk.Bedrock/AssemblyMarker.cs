namespace FineTune.Sdk.Bedrock;

/// <summary>Identifies this assembly (for reflection-based checks such as the public API listing).</summary>
public static class AssemblyMarker
{
}
