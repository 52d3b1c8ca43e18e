using System.Diagnostics;
using System.Globalization;
using System.Text;
using FineTune.Sdk;

namespace FineTune.Benchmarks;

/// <summary>
/// Where the validator's sequential time goes, stage by stage, over the corpus lines (single thread):
/// parse, per-row rules, row extraction, fingerprints, then each whole-file gate.
/// </summary>
internal static class StageProfile
{
    public static void Run(string[] lines)
    {
        var bytes = lines.Select(l => Encoding.UTF8.GetBytes(l)).ToArray();
        var options = new DatasetValidationOptions();
        var findings = new FindingCollector(options.MaxFindingsPerCode);
        var rules = new DatasetRowRules(findings, options.MaxDepth);
        var row = new DatasetRow();
        var gates = DatasetGates.Create(options);
        gates.Add(new TokenCountGate("gpt-4o-mini", ChatTokenFormula.Billing));
        var keys = new RowFingerprints();
        row.Fingerprints = null;
        var times = new double[gates.Count];
        double parse = 0, check = 0, fill = 0, fingerprints = 0;
        var gcBefore = GC.CollectionCount(0);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var pauseBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < bytes.Length; i++)
        {
            var t0 = clock.Elapsed.TotalMilliseconds;
            using var document = DatasetRowParser.TryParse(bytes[i], options.MaxDepth, out _, out _)!;
            var t1 = clock.Elapsed.TotalMilliseconds;
            rules.CheckChat(document.RootElement, i + 1);
            var t2 = clock.Elapsed.TotalMilliseconds;
            DatasetRowParser.Fill(row, i + 1, document.RootElement, DatasetFormat.Chat);
            var t3 = clock.Elapsed.TotalMilliseconds;
            row.ResetPrepared();
            keys.For(row);
            row.Fingerprints = keys;
            var t4 = clock.Elapsed.TotalMilliseconds;
            parse += t1 - t0;
            check += t2 - t1;
            fill += t3 - t2;
            fingerprints += t4 - t3;
            for (var g = 0; g < gates.Count; g++)
            {
                var s = clock.Elapsed.TotalMilliseconds;
                if (gates[g] is IPreparingDatasetGate preparing)
                {
                    preparing.Prepare(row);
                }

                gates[g].Observe(row, findings);
                times[g] += clock.Elapsed.TotalMilliseconds - s;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows {bytes.Length}: parse {parse:0} ms, rules {check:0} ms, fill {fill:0} ms, fingerprints (normalize+hash) {fingerprints:0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1048576.0:0} MB, gen0 collections {GC.CollectionCount(0) - gcBefore}, GC pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:0} ms"));
        for (var g = 0; g < gates.Count; g++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {gates[g].GetType().Name}: {times[g]:0} ms"));
        }
    }
}
