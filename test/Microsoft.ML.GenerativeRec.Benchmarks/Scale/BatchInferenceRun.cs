using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Scale;

/// <summary>
/// Streams a synthetic view of millions of users through <c>Transform</c> and reads the recommendations as they come,
/// keeping only a count and a checksum: throughput, and a working set that stays flat (bounded memory).
/// </summary>
internal static class BatchInferenceRun
{
    private const int ReportEvery = 100_000;

    /// <summary>batch-inference [users] [history length] [items] [D] [blocks] [torch threads]</summary>
    public static int Run(string[] args)
    {
        long users = Arg(args, 0, 1_000_000);
        int length = (int)Arg(args, 1, 50);
        int items = (int)Arg(args, 2, 3_706);
        int dimension = (int)Arg(args, 3, 50);
        int blocks = (int)Arg(args, 4, 2);
        if (args.Length > 5)
            TorchSharp.torch.set_num_threads((int)Arg(args, 5, 1));
        var mlContext = new MLContext(seed: 1);
        using var model = SyntheticModel.Hstu(mlContext, items, dimension, blocks, heads: 1, maxSequenceLength: Math.Max(length, 1));
        var input = new SyntheticHistoryView(users, length, items);
        Console.WriteLine($"batch-inference: {users:N0} synthetic users, history {length}, {items:N0} items, HSTU D = {dimension}, {blocks} blocks, " +
                          $"K = {model.NumberOfRecommendations}, torch threads {TorchSharp.torch.get_num_threads()}; before streaming: {Memory()}");

        var output = model.Transform(input);
        var columns = new[] { output.Schema[ColumnNames.UserId], output.Schema[ColumnNames.PredictedItems], output.Schema[ColumnNames.Scores] };
        var clock = Stopwatch.StartNew();
        long rows = 0;
        long checksum = 0;
        double scoreSum = 0;
        using (var cursor = output.GetRowCursor(columns))
        {
            var user = cursor.GetGetter<int>(columns[0]);
            var predicted = cursor.GetGetter<VBuffer<int>>(columns[1]);
            var scores = cursor.GetGetter<VBuffer<float>>(columns[2]);
            int id = 0;
            VBuffer<int> itemBuffer = default;
            VBuffer<float> scoreBuffer = default;
            while (cursor.MoveNext())
            {
                user(ref id);
                predicted(ref itemBuffer);
                scores(ref scoreBuffer);
                foreach (int item in itemBuffer.DenseValues())
                    checksum = unchecked((checksum * 31) + item);
                scoreSum += scoreBuffer.GetValues()[0];
                if (++rows % ReportEvery == 0)
                    Console.WriteLine($"  {rows,10:N0} rows  {clock.Elapsed.TotalSeconds,7:F1} s  {rows / clock.Elapsed.TotalSeconds,8:N0} rows/s  {Memory()}");
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        using var process = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: {rows:N0} rows in {seconds:F1} s = {rows / seconds:N0} rows/s; checksum {checksum}, mean top score {scoreSum / rows:F4}; " +
            $"peak working set {process.PeakWorkingSet64 / (1 << 20):N0} MB"));
        return rows == users ? 0 : 1;
    }

    internal static string Memory()
    {
        using var process = Process.GetCurrentProcess();
        return string.Create(CultureInfo.InvariantCulture,
            $"working set {process.WorkingSet64 / (1 << 20):N0} MB, managed heap {GC.GetTotalMemory(forceFullCollection: false) / (1 << 20):N0} MB");
    }

    internal static long Arg(string[] args, int index, long fallback)
        => args.Length > index ? long.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
}
