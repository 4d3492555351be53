using System.Diagnostics;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Benchmarks;

/// <summary>Times the parts of one training step on real ML-1M batches: where does a step's time go?</summary>
internal static class StepProfile
{
    public static void Run(string dataFolder, int steps, NegativeSampling sampling)
    {
        var mlContext = new MLContext(seed: 1);
        var sequences = MovieLens.LoadSequences(mlContext, Path.Combine(dataFolder, "sequences.all-users.txt.gz"));
        var split = mlContext.Recommendation().Data.LeaveOneOutSplit(sequences, LeaveOneOutProtocol.Reference);
        var read = SequenceArenaReader.ReadTraining(split.Train, new SequenceColumnNames(ColumnNames.History, ColumnNames.Label, null, null));
        var arena = read.Arena;
        var shape = new EncoderShape(read.Vocabulary.Count + 1, 50, 2, 1, 200) { UseTimeBias = false };
        using var model = new HstuEncoder(shape);
        using var optimizer = optim.AdamW(model.parameters(), 1e-3, 0.9, 0.98);
        var loss = new SampledSoftmaxLoss(128, sampling);
        using var generator = new Generator(1, CPU);
        var sampler = new LengthBucketedBatchSampler(arena.InputLengths(200), 128, 1);
        var batches = sampler.GetBatches(0);
        Console.WriteLine($"threads {get_num_threads()}, batches {batches.Count}, negatives {sampling}");
        var timers = new Dictionary<string, Stopwatch>();
        var perStep = new Dictionary<string, List<double>>();
        void Time(string name, Action action)
        {
            var sw = timers.TryGetValue(name, out var t) ? t : timers[name] = new Stopwatch();
            var before = sw.Elapsed;
            sw.Start();
            action();
            sw.Stop();
            if (!perStep.TryGetValue(name, out var list)) perStep[name] = list = [];
            list.Add((sw.Elapsed - before).TotalMilliseconds);
        }

        long tokens = 0;
        var stepTokens = new List<long>();
        for (int s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            SequenceBatch batch = null!;
            Tensor outputs = null!, users = null!, targets = null!, value = null!;
            Time("batch", () => batch = arena.BuildBatch(batches[s], 200, CPU));
            Time("encode", () => outputs = model.Encode(batch.Ids, batch.Lengths, null));
            Time("select", () =>
            {
                var valid = batch.Targets.ne(0);
                users = L2Norm.Normalize(outputs[valid]);
                targets = batch.Targets[valid];
            });
            Time("loss", () => value = loss.Compute(users, targets, model.ItemEmbeddings, generator));
            Time("backward", () => { optimizer.zero_grad(); value.backward(); });
            Time("step", () => optimizer.step());
            Time("item", () => value.item<float>());
            tokens += batch.TokenCount;
            stepTokens.Add(batch.TokenCount);
            batch.Dispose();
        }

        double total = timers.Values.Sum(t => t.Elapsed.TotalSeconds);
        Console.WriteLine($"{steps} steps, {tokens} tokens, {total:F2} s, {tokens / total:N0} tokens/s");
        Console.WriteLine($"  tokens per step [{string.Join(", ", stepTokens)}]");
        foreach (var (name, sw) in timers)
        {
            var sorted = perStep[name].Order().ToArray();
            Console.WriteLine($"  {name,-9} {sw.Elapsed.TotalMilliseconds / steps,8:F1} ms/step   median {sorted[sorted.Length / 2],8:F1}   steps [{string.Join(", ", perStep[name].Select(v => v.ToString("F0")))}]");
        }
    }
}
