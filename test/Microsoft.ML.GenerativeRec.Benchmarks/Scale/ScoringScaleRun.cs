using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.GenerativeRec.Transformers;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Scale;

/// <summary>
/// Full-ranking cost per request against the catalogue size: an untrained HSTU with a synthetic item table of each size
/// scores one request at a time and batches of 256 (the batch <c>Transform</c> uses).
/// </summary>
internal static class ScoringScaleRun
{
    private const int SingleCalls = 30;
    private const int BatchCalls = 3;
    private const int BatchSize = SequentialRecommenderTransformer.TransformBatchSize;

    /// <summary>scoring-scale [D] [blocks] [heads] [history length] [item counts, comma-separated] [torch threads]</summary>
    public static int Run(string[] args)
    {
        int dimension = (int)BatchInferenceRun.Arg(args, 0, 50);
        int blocks = (int)BatchInferenceRun.Arg(args, 1, 2);
        int heads = (int)BatchInferenceRun.Arg(args, 2, 1);
        int length = (int)BatchInferenceRun.Arg(args, 3, 200);
        int[] sizes = args.Length > 4 ? [.. args[4].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [3_706, 26_744, 267_440, 1_000_000];
        if (args.Length > 5)
            TorchSharp.torch.set_num_threads(int.Parse(args[5], CultureInfo.InvariantCulture));
        var mlContext = new MLContext(seed: 1);
        Console.WriteLine($"scoring-scale: HSTU D = {dimension}, {blocks} blocks, {heads} heads, history {length}, K = 10, torch threads {TorchSharp.torch.get_num_threads()}");
        Console.WriteLine("   items | table MB | 1 request: median ms | batch of 256: ms per request | working set");
        foreach (int items in sizes)
        {
            using var model = SyntheticModel.Hstu(mlContext, items, dimension, blocks, heads, length);
            var requests = Enumerable.Range(0, BatchSize)
                .Select(u => new ServingRequest([.. Enumerable.Range(0, length).Select(k => (int)(((u * 7919L) + (7L * k)) % items) + 1)], null, 0))
                .ToArray();
            var recommender = model.Recommender;
            for (int i = 0; i < 3; i++)
                recommender.Recommend([requests[i]]);
            var single = new double[SingleCalls];
            for (int i = 0; i < SingleCalls; i++)
            {
                long start = Stopwatch.GetTimestamp();
                recommender.Recommend([requests[i % BatchSize]]);
                single[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            recommender.Recommend(requests);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < BatchCalls; i++)
                recommender.Recommend(requests);
            double perRequest = clock.Elapsed.TotalMilliseconds / (BatchCalls * BatchSize);
            Array.Sort(single);
            double tableMb = (items + 1.0) * dimension * sizeof(float) / (1 << 20);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{items,8:N0} | {tableMb,8:F1} | {single[SingleCalls / 2],20:F2} | {perRequest,29:F3} | {BatchInferenceRun.Memory()}"));
        }

        return 0;
    }
}
