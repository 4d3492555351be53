using System.Diagnostics;
using Microsoft.ML.GenerativeRec.Evaluation;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>
/// The training loop shared by HSTU and SASRec (hstu-spec.md §5): length-bucketed batches, autoregressive
/// supervision of every input position, sampled softmax, AdamW, per-epoch full-ranking validation and early stopping
/// that keeps the best validation weights.
/// </summary>
internal sealed class TrainingLoop(nn.Module model, ISequenceEncoder encoder, TrainingLoop.LossFunction loss, Generator negativeGenerator,
    TrainingSettings settings, Device device, IChannel channel)
{
    /// <summary>The loss of a batch from user vectors [T, D] and target item indices [T].</summary>
    public delegate Tensor LossFunction(Tensor users, Tensor targets);

    private readonly nn.Module _model = model;
    private readonly ISequenceEncoder _encoder = encoder;
    private readonly LossFunction _loss = loss;
    private readonly TrainingSettings _settings = settings;
    private readonly Device _device = device;
    private readonly IChannel _channel = channel;
    private readonly Generator _negativeGenerator = negativeGenerator;

    public TrainingHistory Run(SequenceArena train, SequenceArena? validation)
    {
        int[] lengths = train.InputLengths(_settings.MaxSequenceLength);
        int[] trainable = [.. Enumerable.Range(0, train.RowCount).Where(r => lengths[r] > 0)];
        if (trainable.Length == 0)
        {
            throw new InvalidOperationException("No training row has a history item before its label, so there is nothing to learn from.");
        }

        // One bucket of one batch = batches of random users (the reference's DistributedSampler(shuffle=True)).
        var sampler = new LengthBucketedBatchSampler([.. trainable.Select(r => lengths[r])], _settings.BatchSize, _settings.Seed,
            bucketBatches: _settings.GroupBatchesByLength ? _settings.LengthGroupBatches : 1);
        using var optimizer = new ScalarSafeAdamW(_model.parameters(), _settings.LearningRate, _settings.AdamBeta1, _settings.AdamBeta2,
            weight_decay: _settings.WeightDecay);
        var epochs = new List<EpochSummary>();
        Dictionary<string, Tensor>? best = null;
        double bestNdcg = double.NegativeInfinity;
        int bestEpoch = 0;
        int firstEpoch = 1;
        if (_settings.CheckpointFolder is { } folder
            && TrainingCheckpoint.TryRestore(folder, _settings.Fingerprint, _model, optimizer, _negativeGenerator, m => _channel.Warning(m)) is { } restored)
        {
            firstEpoch = restored.EpochsCompleted + 1;
            epochs.AddRange(restored.Epochs);
            best = restored.Best;
            bestNdcg = restored.BestNdcg;
            bestEpoch = restored.BestEpoch;
            _channel.Info($"Resumed from the checkpoint after epoch {restored.EpochsCompleted} in '{folder}'.");
        }

        var schedule = CreateSchedule(optimizer, sampler);

        // Tokens per batch on average, for WeighTokensEqually: every epoch has the same rows in the same number of batches.
        double meanBatchTokens = trainable.Sum(r => (double)lengths[r]) / BatchesPerEpoch(sampler);
        var clock = Stopwatch.StartNew();
        NativeHeap.ReleaseFreePages();                                   // what earlier work in this process left behind
        using var heap = NativeHeap.KeepFreedPagesWhileTraining();        // until Run returns or throws (NativeHeap)
        try
        {
            _model.train();
            bool stopEarly = validation is not null && firstEpoch - 1 - bestEpoch >= _settings.EarlyStoppingPatience && firstEpoch > 1;
            for (int epoch = firstEpoch; epoch <= _settings.NumberOfEpochs && !stopEarly; epoch++)
            {
                EpochSummary summary = RunEpoch(epoch, firstEpoch, sampler, trainable, train, optimizer, schedule, clock, meanBatchTokens);
                if (validation is not null)
                {
                    var validationClock = Stopwatch.StartNew();
                    using var scorer = new CandidateScorer(_encoder);           // this epoch's item table
                    var metrics = SequentialRecommendationMetrics.FromRanks(
                        FullRankingEvaluator.Ranks(_model, scorer, validation, _settings.MaxSequenceLength, _device), TrainingSettings.ValidationCutoff);
                    double ndcg = metrics.Ndcg(TrainingSettings.ValidationCutoff);
                    summary = summary.WithValidation(ndcg, metrics.HitRate(TrainingSettings.ValidationCutoff), validationClock.Elapsed.TotalSeconds);
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
                stopEarly = validation is not null && epoch - bestEpoch >= _settings.EarlyStoppingPatience;
                if (stopEarly)
                {
                    _channel.Info($"Early stopping after epoch {epoch}: validation NDCG@10 has not improved for {_settings.EarlyStoppingPatience} epochs (best {bestNdcg:F4} at epoch {bestEpoch}).");
                }

                if (_settings.CheckpointFolder is { } checkpoints
                    && (epoch % _settings.CheckpointFrequency == 0 || epoch == _settings.NumberOfEpochs || stopEarly))
                {
                    TrainingCheckpoint.Write(checkpoints, _settings.Fingerprint,
                        new TrainingCheckpoint.State(epoch, bestEpoch, bestNdcg, epochs, best),
                        _model, optimizer, _negativeGenerator);
                }
            }

            if (best is not null && _settings.RestoreBestWeights)
            {
                using var noGrad = no_grad();
                _model.load_state_dict(best);
            }
        }
        finally
        {
            DisposeAll(best);
            _model.eval();
        }

        // Without RestoreBestWeights the model keeps the weights of the last epoch trained, whatever validation said.
        int keptEpoch = validation is not null && !_settings.RestoreBestWeights ? epochs[^1].Epoch : bestEpoch;
        return new TrainingHistory(bestEpoch, keptEpoch, validation is null ? null : bestNdcg, epochs);
    }

    // Null for a constant rate. The rate of step s (counted from 0 over the whole run) is set in closed form before the
    // step, so a resumed run continues the curve whatever rate the restored optimizer state carried.
    private optim.lr_scheduler.LRScheduler? CreateSchedule(optim.Optimizer optimizer, LengthBucketedBatchSampler sampler)
    {
        if (_settings.LearningRateSchedule == LearningRateSchedule.Constant)
            return null;

        foreach (var group in optimizer.ParamGroups)
        {
            group.InitialLearningRate = _settings.LearningRate;                  // the schedule's starting point
        }

        return optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max: (double)_settings.NumberOfEpochs * BatchesPerEpoch(sampler));
    }

    private static double CurrentLearningRate(optim.Optimizer optimizer) => optimizer.ParamGroups.First().LearningRate;

    private int BatchesPerEpoch(LengthBucketedBatchSampler sampler) => (sampler.SequenceCount + _settings.BatchSize - 1) / _settings.BatchSize;

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
            _settings.CancellationToken.ThrowIfCancellationRequested();
            _settings.CheckAlive();
            using var scope = NewDisposeScope();
            int[] rows = Array.ConvertAll(batches[step], i => trainable[i]);
            using var batch = train.BuildBatch(rows, _settings.MaxSequenceLength, _device);
            var outputs = _encoder.Encode(batch.Ids, batch.Lengths, batch.Timestamps);      // [B, n, D]
            var valid = batch.Targets.ne(padding);                                          // [B, n] bool
            var users = L2Norm.Normalize(outputs[valid]);                                   // [T, D]
            var targets = batch.Targets[valid];                                             // [T]
            var loss = _loss(users, targets);                                               // mean over this batch's tokens
            using var weight = (batch.TokenCount / meanBatchTokens).ToScalar();            // disposed, not finalized
            var objective = _settings.WeighTokensEqually ? loss.mul(weight) : loss;
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
            if (_settings.Progress is { } progress)
            {
                double seconds = epochClock.Elapsed.TotalSeconds;
                // The share of this run's steps done so far (a resumed run starts at firstEpoch).
                double done = (epoch - firstEpoch + ((step + 1.0) / batches.Count)) / (_settings.NumberOfEpochs - firstEpoch + 1);
                TimeSpan remaining = clock.Elapsed * ((1 - done) / done);
                progress.Report(new TrainingProgress(epoch, _settings.NumberOfEpochs, step + 1, batches.Count, lossSum / tokens,
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
        TimeSpan remaining = clock.Elapsed / epochsThisRun * (_settings.NumberOfEpochs - epoch);
        var progress = new TrainingProgress(epoch, _settings.NumberOfEpochs, BatchesPerEpoch(sampler), BatchesPerEpoch(sampler), summary.Loss, summary.TokensPerSecond, clock.Elapsed, remaining,
            isEpochEnd: true, summary.ValidationNdcgAt10, summary.ValidationHitRateAt10, learningRate);
        _settings.Progress?.Report(progress);
        _channel.Info(progress.ToString());
    }

    private Dictionary<string, Tensor> Snapshot()
    {
        using var noGrad = no_grad();
        return _model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
    }

    private static void DisposeAll(Dictionary<string, Tensor>? state)
    {
        foreach (var tensor in state?.Values ?? Enumerable.Empty<Tensor>())
            tensor.Dispose();
    }
}
