using System.Diagnostics;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Transformers;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Performance;

/// <summary>Where one prediction's time goes: the model's own parts without ML.NET's row plumbing.</summary>
internal static class ServingBreakdown
{
    public static void Run(SequentialRecommenderTransformer model, IReadOnlyList<int[]> histories, int calls)
    {
        var recommender = model.Recommender;
        var requests = histories.Select(h => new ServingRequest(h.Select(i => (int)recommender.Vocabulary.IndexOf(Data.RawId.FromNumber(i))).ToArray(), null, 0)).ToArray();
        var timers = new Dictionary<string, List<double>>();
        void Time(string name, Action action)
        {
            if (!timers.TryGetValue(name, out var list)) timers[name] = list = [];
            long begin = Stopwatch.GetTimestamp();
            action();
            list.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
        }

        for (int i = 0; i < calls; i++)
        {
            var request = requests[(i * 7919) % requests.Length];
            Time("RecommendBatch(1)", () => recommender.Recommend([request]));
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var items = request.History.Where(x => x != 0).Select(x => (long)x).Append(0).ToArray();
            var arena = new SequenceArena(items, null, [0, items.Length]);
            SequenceBatch batch = null!;
            Tensor outputs = null!, users = null!, scores = null!;
            Time("build batch", () => batch = arena.BuildBatch([0], 200, CPU));
            Time("encode", () => outputs = recommender.Encoder.Encode(batch.Ids, batch.Lengths, null));
            Time("user vector", () => users = SequenceTensors.UserEmbeddings(outputs, batch.Lengths));
            Time("scores matmul", () => scores = users.matmul(recommender.Encoder.ItemEmbeddings.t()));
            Time("exclude + topk + copy", () =>
            {
                scores.scatter_(1, batch.Ids, full(batch.Ids.shape, float.NegativeInfinity));
                var (v, ix) = scores.topk(10, dim: 1);
                v.cpu().data<float>().ToArray();
                ix.cpu().data<long>().ToArray();
            });
            batch.Dispose();
        }

        foreach (var (name, list) in timers)
        {
            list.Sort();
            Console.WriteLine($"  {name,-24} p50 {list[list.Count / 2],7:F3} ms  p99 {list[(int)(list.Count * 0.99)],7:F3} ms");
        }
    }
}
