namespace FineTune.Tests;

/// <summary>Source-level rules checked by tests: the clock goes through TimeProvider; the public API does not depend on the target framework.</summary>
internal static class SourceBans
{
    public static IEnumerable<string> FindWallClockUses(string srcFolder)
    {
        foreach (var file in Directory.EnumerateFiles(srcFolder, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (line.Contains("DateTime.Now", StringComparison.Ordinal) || line.Contains("DateTime.UtcNow", StringComparison.Ordinal)
                    || line.Contains("DateTimeOffset.Now", StringComparison.Ordinal) || line.Contains("DateTimeOffset.UtcNow", StringComparison.Ordinal))
                {
                    yield return $"{file}:{lineNumber}";
                }
            }
        }
    }

    /// <summary>
    /// Lines inside <c>#if</c> blocks that declare something public: the API listing is taken from the net10.0 build,
    /// so it speaks for net8.0 too only while no public declaration is conditional on the target framework.
    /// </summary>
    public static IEnumerable<string> FindConditionalPublicDeclarations(string srcFolder)
    {
        foreach (var file in Directory.EnumerateFiles(srcFolder, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var depth = 0;
            var lineNumber = 0;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                var trimmed = line.TrimStart();
                if (trimmed.StartsWith("#if", StringComparison.Ordinal))
                {
                    depth++;
                }
                else if (trimmed.StartsWith("#endif", StringComparison.Ordinal))
                {
                    depth = Math.Max(0, depth - 1);
                }
                else if (depth > 0 && (trimmed.StartsWith("public ", StringComparison.Ordinal) || trimmed.StartsWith("protected ", StringComparison.Ordinal)))
                {
                    yield return $"{file}:{lineNumber}";
                }
            }
        }
    }
}
