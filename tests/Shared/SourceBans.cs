namespace FineTune.Tests;

/// <summary>Source-level rules checked by tests: the clock goes through TimeProvider.</summary>
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
}
