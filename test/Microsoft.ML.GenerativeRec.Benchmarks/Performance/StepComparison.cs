using System.Diagnostics;
using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Benchmarks.Performance;

/// <summary>
/// The same HSTU training steps (reference config and loss) over the same users, once as the trainer runs them —
/// length-bucketed batches padded only to their longest row, loss on the valid tokens — and once with every sequence
/// padded to N = 200, every per-token operation and the loss's logits computed on all B × 200 positions and the
/// padding masked afterwards. Also times the encoder's forward and backward alone, for its FLOP efficiency, in float32 and with bfloat16 products.
/// </summary>
internal sealed class StepComparison
{
    private const int BatchSize = 128;
    private const int MaxLength = 200;
    private const int Negatives = 128;

    public sealed record Result(
        long Tokens, double JaggedTokensPerSecond, double PaddedTokensPerSecond, double BucketedPaddingFraction,
        double EncoderGflopsPerStep, double EncoderSecondsPerStep, double EncoderBFloat16SecondsPerStep, int Steps);

    public static Result Run(IDataView train, int steps, int seed)
    {
        var read = SequenceArenaReader.ReadTraining(train, new SequenceColumnNames(ColumnNames.History, ColumnNames.Label, null, null));
        var arena = read.Arena;
        int[] lengths = arena.InputLengths(MaxLength);
        var batches = new LengthBucketedBatchSampler(lengths, BatchSize, seed).GetBatches(0);
        steps = Math.Min(steps, batches.Count);
        // The padded run takes exactly the users of the bucketed batches, shuffled into random batches.
        var users = batches.Take(steps).SelectMany(b => b).ToArray();
        new Random(seed).Shuffle(users);
        var padded = users.Chunk(BatchSize).ToArray();
        long tokens = users.Sum(u => (long)lengths[u]);
        long bucketedPositions = batches.Take(steps).Sum(b => (long)b.Length * b.Max(u => lengths[u]));

        var shape = new EncoderShape(read.Vocabulary.Count + 1, 50, 2, 1, MaxLength) { UseTimeBias = false };
        manual_seed(seed);
        using var model = new HstuEncoder(shape);
        using var optimizer = optim.AdamW(model.parameters(), 1e-3, 0.9, 0.98);
        var loss = new SampledSoftmaxLoss(Negatives);
        using var generator = new Generator((ulong)seed, CPU);
        model.train();

        // Warm the allocator and the kernels on one batch of each kind, then alternate the two kinds of steps.
        JaggedStep(model, optimizer, loss, generator, arena, batches[0]);
        PaddedStep(model, optimizer, loss, generator, arena, padded[0]);
        var jagged = new Stopwatch();
        var paddedClock = new Stopwatch();
        for (int s = 0; s < Math.Max(steps, padded.Length); s++)
        {
            if (s < steps)
            {
                jagged.Start();
                JaggedStep(model, optimizer, loss, generator, arena, batches[s]);
                jagged.Stop();
            }

            if (s < padded.Length)
            {
                paddedClock.Start();
                PaddedStep(model, optimizer, loss, generator, arena, padded[s]);
                paddedClock.Stop();
            }
        }

        // The encoder alone: forward and backward of a fixed projection of its outputs, in float32 and, on the same batch
        // right after, with bfloat16 products (TrainingPrecision.BFloat16), so machine load hits both alike.
        double flops = 0;
        var encoderClock = new Stopwatch();
        var bfloat16Clock = new Stopwatch();
        for (int s = 0; s < steps; s++)
        {
            using var scope = NewDisposeScope();
            using var batch = arena.BuildBatch(batches[s], MaxLength, CPU);
            flops += EncoderFlops.Hstu(shape, batch.HostLengths);
            foreach (var (type, clock) in new[] { (ScalarType.Float32, encoderClock), (ScalarType.BFloat16, bfloat16Clock) })
            {
                model.ComputeType = type;
                clock.Start();
                EncoderForwardBackward(model, optimizer, batch);
                clock.Stop();
            }
        }

        model.ComputeType = ScalarType.Float32;
        return new Result(tokens, tokens / jagged.Elapsed.TotalSeconds, tokens / paddedClock.Elapsed.TotalSeconds,
            1 - (double)tokens / bucketedPositions, flops / steps / 1e9, encoderClock.Elapsed.TotalSeconds / steps,
            bfloat16Clock.Elapsed.TotalSeconds / steps, steps);
    }

    private static void EncoderForwardBackward(HstuEncoder model, optim.Optimizer optimizer, SequenceBatch batch)
    {
        using var scope = NewDisposeScope();
        var outputs = model.Encode(batch.Ids, batch.Lengths, null);
        optimizer.zero_grad();
        outputs.mul(ones_like(outputs)).sum().backward();
    }

    private static void JaggedStep(HstuEncoder model, optim.Optimizer optimizer, SampledSoftmaxLoss loss, Generator generator, SequenceArena arena, int[] rows)
    {
        using var scope = NewDisposeScope();
        using var batch = arena.BuildBatch(rows, MaxLength, CPU);
        var outputs = model.Encode(batch.Ids, batch.Lengths, null);                  // [B, n, D], n = longest row
        var valid = batch.Targets.ne(0);                                             // [B, n]
        var value = loss.Compute(L2Norm.Normalize(outputs[valid]), batch.Targets[valid], model.ItemEmbeddings, generator);
        optimizer.zero_grad();
        value.backward();
        optimizer.step();
        value.item<float>();
    }

    private static void PaddedStep(HstuEncoder model, optim.Optimizer optimizer, SampledSoftmaxLoss loss, Generator generator, SequenceArena arena, int[] rows)
    {
        using var scope = NewDisposeScope();
        using var batch = arena.BuildBatch(rows, MaxLength, CPU, minimumWidth: MaxLength);
        var outputs = model.Encode(batch.Ids, batch.Lengths, null);                  // [B, 200, D]
        long width = outputs.shape[2];
        var targets = batch.Targets.reshape(-1);                                     // [B·200], 0 at padding
        var weights = targets.ne(0).to_type(ScalarType.Float32);                     // [B·200]
        var negatives = SampledSoftmaxLoss.SampleNegatives([targets.shape[0], Negatives], model.ItemEmbeddings.shape[0], generator, CPU);
        var users = L2Norm.Normalize(outputs.reshape(-1, width));                   // [B·200, D]
        var value = loss.ComputePerPosition(users, targets, model.ItemEmbeddings, negatives,
            loss.UsesFullCatalogue(targets.shape[0], model.ItemEmbeddings.shape[0]), weights);
        optimizer.zero_grad();
        value.backward();
        optimizer.step();
        value.item<float>();
    }
}
