using System.Diagnostics;
using Microsoft.ML.GenerativeRec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Benchmarks;

/// <summary>Times the sub-operations and alternative formulations of the per-position sampled-softmax loss on ML-1M-sized tensors.</summary>
internal static class LossProfile
{
    public static void Run(int repeats, long tokens, long items = 3_707, long width = 50, int negatives = 128)
    {
        manual_seed(1);
        using var generator = new Generator(1, CPU);
        var users0 = nn.functional.normalize(randn(tokens, width), p: 2, dim: -1);
        var table0 = randn(items, width) * 0.02;
        var positives = randint(1, items, [tokens], dtype: ScalarType.Int64);
        var negativeIds = randint(1, items, [tokens, negatives], dtype: ScalarType.Int64);
        Console.WriteLine($"threads {get_num_threads()}, interop {get_num_interop_threads()}, T {tokens}, V {items}, D {width}, R {negatives}");
        var timers = new Dictionary<string, List<double>>();
        void Time(string name, Action action)
        {
            if (!timers.TryGetValue(name, out var list)) timers[name] = list = [];
            var sw = Stopwatch.StartNew();
            action();
            list.Add(sw.Elapsed.TotalMilliseconds);
        }

                for (int rep = 0; rep < repeats; rep++)
        {
            // Sub-operations of the full-catalogue path, forward only.
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                Tensor table = null!, dots = null!, neg = null!, pos = null!;
                Time("sub randint [T,R]", () => SampledSoftmaxLoss.SampleNegatives([tokens, negatives], items, generator, CPU));
                Time("sub normalize table", () => table = nn.functional.normalize(table0, p: 2, dim: -1, eps: 1e-6));
                Time("sub matmul [T,V]", () => dots = users0.matmul(table.t()));
                Time("sub matmul [T,V] again", () => dots = users0.matmul(table.t()));
                Time("sub gather neg", () => neg = dots.gather(1, negativeIds));
                Time("sub gather pos", () => pos = dots.gather(1, positives.unsqueeze(1)));
                Time("sub collisions+fill+cat+lsm", () =>
                {
                    var c = negativeIds.eq(positives.unsqueeze(1));
                    var l = cat([pos.div(0.05), neg.div(0.05).masked_fill(c, -5e4)], 1);
                    l.log_softmax(1).select(1, 0).mean().neg();
                });
                Time("sub zeros [T,V]+scatter_add", () => zeros(tokens, items).scatter_add_(1, negativeIds, neg));
                Time("sub index_select [T*R,D]", () => table.index_select(0, negativeIds.reshape(-1)));
                Time("sub chunked matmul [1131,V] only", () =>
                {
                    for (long s = 0; s < tokens; s += 1131)
                        users0.narrow(0, s, Math.Min(1131, tokens - s)).matmul(table.t()).Dispose();
                });
                Time("sub chunked matmul+gather [1131,V]", () =>
                {
                    for (long s = 0; s < tokens; s += 1131)
                    {
                        long n = Math.Min(1131, tokens - s);
                        using var d = users0.narrow(0, s, n).matmul(table.t());
                        d.gather(1, negativeIds.narrow(0, s, n)).Dispose();
                    }
                });
            }

            foreach (var (name, full, chunk) in new (string, bool, long)[]
                { ("full unchunked", true, 1L << 40), ("full 2^21", true, 1L << 21), ("full 2^22", true, 1L << 22), ("full 2^23", true, 1L << 23),
                  ("gather 2^21", false, 1L << 21), ("gather 2^22", false, 1L << 22) })
            {
                using var scope = NewDisposeScope();
                var users = users0.clone().requires_grad_(true);
                var table = table0.clone().requires_grad_(true);
                var chunked = new SampledSoftmaxLoss(negatives) { ChunkElements = chunk };
                Tensor value = null!;
                Time(name + " fwd", () => value = chunked.ComputePerPosition(users, positives, table, negativeIds, full));
                Time(name + " bwd", () => value.backward());
                if (rep == 0) Console.WriteLine($"  {name}: loss {value.item<float>():F6} |gu| {users.grad!.norm().item<float>():E4} |gE| {table.grad!.norm().item<float>():E4}");
            }

            // The full softmax (NegativeSampling.AllItems) at the default chunk size, for its cost against the sampled loss.
            using (var scope = NewDisposeScope())
            {
                var users = users0.clone().requires_grad_(true);
                var table = table0.clone().requires_grad_(true);
                var allItems = new SampledSoftmaxLoss(negatives, NegativeSampling.AllItems);
                Tensor value = null!;
                Time("all items 2^22 fwd", () => value = allItems.Compute(users, positives, table, generator));
                Time("all items 2^22 bwd", () => value.backward());
                if (rep == 0) Console.WriteLine($"  all items: loss {value.item<float>():F6}");
            }
        }

        foreach (var (name, list) in timers)
        {
            Console.WriteLine($"  {name,-32} median {Median(list),8:F1} min {list.Min(),8:F1} ms   [{string.Join(", ", list.Select(v => v.ToString("F0")))}]");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[sorted.Length / 2];
    }
}
