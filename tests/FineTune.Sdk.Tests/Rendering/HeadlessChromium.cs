using System.Diagnostics;

namespace FineTune.Sdk.Tests;

/// <summary>Renders a self-contained HTML report in Debian's headless Chromium and decodes the screenshot.</summary>
internal static class HeadlessChromium
{
    /// <summary>Gets the browser, or null when it is missing outside CI (with <c>CI=true</c> a missing browser fails the test).</summary>
    public static string? FindOrRequireInCi()
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        if (chromium is null)
        {
            string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
                .Should().BeFalse("CI must install chromium (.ci/run does); the HTML report check cannot be skipped there");
        }

        return chromium;
    }

    /// <summary>Screenshots <paramref name="htmlPath"/> at 1280 × <paramref name="height"/> into <paramref name="screenshotPath"/>.</summary>
    public static async Task<PngImage> ScreenshotAsync(string chromium, string htmlPath, string screenshotPath, string profileDirectory, int height)
    {
        File.Delete(screenshotPath);
        var start = new ProcessStartInfo(chromium) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + profileDirectory,
            "--screenshot=" + screenshotPath, $"--window-size=1280,{height}", new Uri(htmlPath).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(start)!)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            File.Exists(screenshotPath).Should().BeTrue("chromium should write the screenshot; stderr: " + await stderr);
        }

        return PngImage.Decode(await File.ReadAllBytesAsync(screenshotPath));
    }
}
