namespace FineTune.Tests;

/// <summary>Locates the repository root and the read-only shared folder beside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FineTune.Sdk.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("FineTune.Sdk.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>Gets the repository root (the folder holding FineTune.Sdk.sln).</summary>
    public static string Root => RootPath.Value;

    /// <summary>Gets <c>../shared</c> beside the repository root.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>Gets a file under <c>../shared/datasets</c>.</summary>
    public static string Dataset(string relative) => Path.Combine(Shared, "datasets", relative);
}
