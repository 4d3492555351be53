using System.Diagnostics;
using Microsoft.ML.GenerativeRec.Evaluation;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// The training loop shared by HSTU and SASRec (hstu-spec.md §5): length-bucketed batches, autoregressive
/// supervision of every input position, sampled softmax, AdamW, per-epoch full-ranking validation and early stopping
/// that keeps the best validation weights.
/// </summary>
internal sealed class TrainingLoop(nn.Module model, ISequenceEncoder encoder, Func<Tensor, Tensor, Tensor> computeLoss,
    Generator negativeGenerator, SequentialRecommenderTrainerOptions options, int seed, string fingerprint, Action checkAlive,
    Device device, IChannel channel)
{
    // computeLoss: the loss of a batch from user vectors [T, D] and target item indices [T]. checkAlive: the host's
    // IHost.CheckAlive, which throws OperationCanceledException once the MLContext is cancelled (AutoML cancels trials
    // that way); run before each step, beside options.CancellationToken. seed: the run's resolved seed.

    /// <summary>The cut-off of the validation metric used for early stopping.</summary>
    private const int ValidationCutoff = 10;

    public TrainingHistory Run(SequenceArena train, SequenceArena? validation)
    {
        int[] lengths = train.InputLengths(options.MaxSequenceLength);
        int[] trainable = [.. Enumerable.Range(0, train.RowCount).Where(r => lengths[r] > 0)];
        if (trainable.Length == 0)
        {
            throw new InvalidOperationException("No training row has a history item before its label, so there is nothing to learn from.");
        }

        // One bucket of one batch = batches of random users (the reference's DistributedSampler(shuffle=True)).
        var sampler = new LengthBucketedBatchSampler([.. trainable.Select(r => lengths[r])], options.BatchSize, seed,
            bucketBatches: options.GroupBatchesByLength ? options.LengthGroupBatches : 1);
        using var optimizer = new ScalarSafeAdamW(model.parameters(), options.LearningRate, options.AdamBeta1, options.AdamBeta2,
            weight_decay: options.WeightDecay);
        var epochs = new List<EpochSummary>();
        Dictionary<string, Tensor>? best = null;
        double bestNdcg = double.NegativeInfinity;
        int bestEpoch = 0;
        int firstEpoch = 1;
        if (options.CheckpointFolder is { } folder
            && TrainingCheckpoint.TryRestore(folder, fingerprint, model, optimizer, negativeGenerator, m => channel.Warning(m)) is { } restored)
        {
            firstEpoch = restored.EpochsCompleted + 1;
            epochs.AddRange(restored.Epochs);
            best = restored.Best;
            bestNdcg = restored.BestNdcg;
            bestEpoch = restored.BestEpoch;
            channel.Info($"Resumed from the checkpoint after epoch {restored.EpochsCompleted} in '{folder}'.");
        }

        var schedule = CreateSchedule(optimizer, sampler);

        // Tokens per batch on average, for WeighTokensEqually: every epoch has the same rows in the same number of batches.
        double meanBatchTokens = trainable.Sum(r => (double)lengths[r]) / BatchesPerEpoch(sampler);
        var clock = Stopwatch.StartNew();
        NativeHeap.ReleaseFreePages();                                   // what earlier work in this process left behind
        using var heap = NativeHeap.KeepFreedPagesWhileTraining();        // until Run returns or throws (NativeHeap)
        try
        {
            model.train();
            bool stopEarly = validation is not null && firstEpoch - 1 - bestEpoch >= options.EarlyStoppingPatience && firstEpoch > 1;
            for (int epoch = firstEpoch; epoch <= options.NumberOfEpochs && !stopEarly; epoch++)
            {
                EpochSummary summary = RunEpoch(epoch, firstEpoch, sampler, trainable, train, optimizer, schedule, clock, meanBatchTokens);
                if (validation is not null)
                {
                    var validationClock = Stopwatch.StartNew();
                    using var scorer = new CandidateScorer(encoder);           // this epoch's item table
                    var metrics = SequentialRecommendationMetrics.FromRanks(
                        FullRankingEvaluator.Ranks(model, scorer, validation, options.MaxSequenceLength, device), ValidationCutoff);
                    double ndcg = metrics.Ndcg(ValidationCutoff);
                    summary = summary.WithValidation(ndcg, metrics.HitRate(ValidationCutoff), validationClock.Elapsed.TotalSeconds);
                    if (ndcg > bestNdcg)
                    {
                        bestNdcg = ndcg;
                        bestEpoch = epoch;
                        DisposeAll(best);
                        best = Snapshot();
                    }
                }
                else
                {
                    bestEpoch = epoch;
                }

                heap.ReleaseWhenGrown();                                 // what glibc kept of freed tensors (NativeHeap)
                epochs.Add(summary);
                Report(summary, clock, epoch - firstEpoch + 1, sampler, CurrentLearningRate(optimizer));
                stopEarly = validation is not null && epoch - bestEpoch >= options.EarlyStoppingPatience;
                if (stopEarly)
                {
                    channel.Info($"Early stopping after epoch {epoch}: validation NDCG@10 has not improved for {options.EarlyStoppingPatience} epochs (best {bestNdcg:F4} at epoch {bestEpoch}).");
                }

                if (options.CheckpointFolder is { } checkpoints
                    && (epoch % options.CheckpointFrequency == 0 || epoch == options.NumberOfEpochs || stopEarly))
                {
                    TrainingCheckpoint.Write(checkpoints, fingerprint,
                        new TrainingCheckpoint.State(epoch, bestEpoch, bestNdcg, epochs, best),
                        model, optimizer, negativeGenerator);
                }
            }

            if (best is not null && options.RestoreBestWeights)
            {
                using var noGrad = no_grad();
                model.load_state_dict(best);
            }
        }
        finally
        {
            DisposeAll(best);
            model.eval();
        }

        // Without RestoreBestWeights the model keeps the weights of the last epoch trained, whatever validation said.
        int keptEpoch = validation is not null && !options.RestoreBestWeights ? epochs[^1].Epoch : bestEpoch;
        return new TrainingHistory(bestEpoch, keptEpoch, validation is null ? null : bestNdcg, epochs);
    }

    // Null for a constant rate. The rate of step s (counted from 0 over the whole run) is set in closed form before the
    // step, so a resumed run continues the curve whatever rate the restored optimizer state carried.
    private optim.lr_scheduler.LRScheduler? CreateSchedule(optim.Optimizer optimizer, LengthBucketedBatchSampler sampler)
    {
        if (options.LearningRateSchedule == LearningRateSchedule.Constant)
            return null;

        foreach (var group in optimizer.ParamGroups)
        {
            group.InitialLearningRate = options.LearningRate;                  // the schedule's starting point
        }

        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max: (double)options.NumberOfEpochs * BatchesPerEpoch(sampler));
    }

    private static double CurrentLearningRate(optim.Optimizer optimizer) => optimizer.ParamGroups.First().LearningRate;

    private int BatchesPerEpoch(LengthBucketedBatchSampler sampler) => (sampler.SequenceCount + options.BatchSize - 1) / options.BatchSize;

    private EpochSummary RunEpoch(int epoch, int firstEpoch, LengthBucketedBatchSampler sampler, int[] trainable, SequenceArena train,
        optim.Optimizer optimizer, optim.lr_scheduler.LRScheduler? schedule, Stopwatch clock, double meanBatchTokens)
    {
        var batches = sampler.GetBatches(epoch - 1);
        var epochClock = Stopwatch.StartNew();
        using var padding = 0.ToScalar();        // explicit: no step leaves a Scalar to the finalizer (docs/reliability.md)
        double lossSum = 0;
        long tokens = 0;
        for (int step = 0; step < batches.Count; step++)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            checkAlive();
            using var scope = NewDisposeScope();
            int[] rows = Array.ConvertAll(batches[step], i => trainable[i]);
            using var batch = train.BuildBatch(rows, options.MaxSequenceLength, device);
            var outputs = encoder.Encode(batch.Ids, batch.Lengths, batch.Timestamps);      // [B, n, D]
            var valid = batch.Targets.ne(padding);                                          // [B, n] bool
            var users = L2Norm.Normalize(outputs[valid]);                                   // [T, D]
            var targets = batch.Targets[valid];                                             // [T]
            var loss = computeLoss(users, targets);                                         // mean over this batch's tokens
            using var weight = (batch.TokenCount / meanBatchTokens).ToScalar();            // disposed, not finalized
            var objective = options.WeighTokensEqually ? loss.mul(weight) : loss;
            optimizer.zero_grad();
            objective.backward();
            schedule?.step((epoch - 1) * BatchesPerEpoch(sampler) + step);
            optimizer.step();

            double value = loss.item<float>();
            if (!double.IsFinite(value))
            {
                throw new InvalidOperationException(
                    $"The training loss became {value} at epoch {epoch}, step {step + 1} (learning rate {CurrentLearningRate(optimizer)}). " +
                    "Lower the learning rate or check the data.");
            }

            lossSum += value * batch.TokenCount;
            tokens += batch.TokenCount;
            if (options.Progress is { } progress)
            {
                double seconds = epochClock.Elapsed.TotalSeconds;
                // The share of this run's steps done so far (a resumed run starts at firstEpoch).
                double done = (epoch - firstEpoch + ((step + 1.0) / batches.Count)) / (options.NumberOfEpochs - firstEpoch + 1);
                TimeSpan remaining = clock.Elapsed * ((1 - done) / done);
                progress.Report(new TrainingProgress(epoch, options.NumberOfEpochs, step + 1, batches.Count, lossSum / tokens,
                    tokens / Math.Max(seconds, 1e-9), clock.Elapsed, remaining, isEpochEnd: false, null, null,
                    CurrentLearningRate(optimizer)));
            }
        }

        double epochSeconds = epochClock.Elapsed.TotalSeconds;
        return new EpochSummary(epoch, lossSum / Math.Max(tokens, 1), epochSeconds, tokens / Math.Max(epochSeconds, 1e-9), null, null);
    }

    // epochsThisRun: epochs completed since this run started (a resumed run counts from its checkpoint), for the ETA.
    private void Report(EpochSummary summary, Stopwatch clock, int epochsThisRun, LengthBucketedBatchSampler sampler, double learningRate)
    {
        int epoch = summary.Epoch;
        TimeSpan remaining = clock.Elapsed / epochsThisRun * (options.NumberOfEpochs - epoch);
        var progress = new TrainingProgress(epoch, options.NumberOfEpochs, BatchesPerEpoch(sampler), BatchesPerEpoch(sampler), summary.Loss, summary.TokensPerSecond, clock.Elapsed, remaining,
            isEpochEnd: true, summary.ValidationNdcgAt10, summary.ValidationHitRateAt10, learningRate);
        options.Progress?.Report(progress);
        channel.Info(progress.ToString());
    }

    private Dictionary<string, Tensor> Snapshot()
    {
        using var noGrad = no_grad();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
    }

    private static void DisposeAll(Dictionary<string, Tensor>? state)
    {
        foreach (var tensor in state?.Values ?? Enumerable.Empty<Tensor>())
            tensor.Dispose();
    }
}
