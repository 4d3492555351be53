using System.Collections.Concurrent;
using Microsoft.ML.GenerativeRec.Tests.Infrastructure;
using TimedHistory = Microsoft.ML.GenerativeRec.Tests.Transformers.SequentialRecommenderTransformerTests.TimedHistory;

namespace Microsoft.ML.GenerativeRec.Tests.Transformers;

/// <summary>What serving does to the process around it: nothing process-wide, and a safe end of the model's life.</summary>
[TestClass]
public sealed class ServingLifetimeTests
{
    private const int Threads = 4;

    // Predictions in flight when Dispose is called finish with an answer; every call after it throws
    // ObjectDisposedException. Freeing the weights under a running prediction would instead fail inside TorchSharp
    // (or crash the process).
    [TestMethod]
    public void Dispose_WhileThreadsPredict_InFlightCallsFinishAndLaterCallsThrowObjectDisposed()
    {
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var request = mlContext.Data.CreateEnumerable<TimedHistory>(split.Test, reuseRowObject: false).First();
        var engines = Enumerable.Range(0, Threads).Select(_ => mlContext.Model.CreatePredictionEngine<TimedHistory, IntRecommendations>(model)).ToArray();
        var failures = new ConcurrentQueue<Exception>();
        var answered = new int[Threads];
        using var started = new CountdownEvent(Threads);

        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            bool signalled = false;
            try
            {
                while (true)
                {
                    var answer = engines[t].Predict(request);
                    Assert.HasCount(5, answer.PredictedItems);
                    answered[t]++;
                    if (!signalled)
                    {
                        started.Signal();
                        signalled = true;
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // The expected end: the model was disposed.
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
            finally
            {
                if (!signalled)
                {
                    started.Signal();
                }
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        started.Wait();
        model.Dispose();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.IsEmpty(failures, $"{failures.Count} predictions failed otherwise, the first: {failures.FirstOrDefault()}");
        Assert.IsTrue(answered.All(n => n > 0), $"answers per thread before Dispose: {string.Join(", ", answered)}");
        Assert.ThrowsExactly<ObjectDisposedException>(() => engines[0].Predict(request));
        Assert.ThrowsExactly<ObjectDisposedException>(() => mlContext.Recommendation().Evaluate(model, split.Test));
    }

    // Serving no longer guards its TorchSharp calls with no-GC regions, so it must not create Scalars that only the
    // finalizer frees (a finalizer running while libtorch reads one is a use-after-free): the encoder, the scorer and
    // the batch builder hold their constants or dispose them. Counted with the runtime's FinalizeObject events.
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void PredictionEngineAndEvaluate_AfterWarmUp_LeaveNoScalarToTheFinalizer(bool hstu)
    {
        const int Predictions = 200;
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        var recommendation = mlContext.Recommendation();
        using SequentialRecommenderTransformer model = hstu
            ? recommendation.Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train)
            : recommendation.Trainers.SasRec(SyntheticSequences.SasRecOptions(epochs: 1)).Fit(split.Train);
        var requests = mlContext.Data.CreateEnumerable<TimedHistory>(split.Test, reuseRowObject: false).ToArray();
        var engine = mlContext.Model.CreatePredictionEngine<TimedHistory, IntRecommendations>(model);
        engine.Predict(requests[0]);
        recommendation.Evaluate(model, split.Test);
        using var counter = new ScalarFinalizationCounter();
        long before = counter.Collect();

        for (int i = 0; i < Predictions; i++)
        {
            engine.Predict(requests[i % requests.Length]);
        }

        recommendation.Evaluate(model, split.Test);
        long finalized = counter.Collect() - before;

        Assert.AreEqual(0, finalized, $"Scalars left to the finalizer by {Predictions} predictions and one Evaluate");
    }

    // A host may run its own no-GC regions (latency-critical sections) while other threads serve. Serving must not
    // enter one itself: the runtime allows one region per process, so the host's TryStartNoGCRegion or
    // EndNoGCRegion would throw.
    [TestMethod]
    public void PredictionEngine_WhileTheHostEntersItsOwnNoGCRegions_NeitherSideFails()
    {
        const int HostRegions = 200;
        const long RegionBudgetBytes = 16L * 1024 * 1024;      // far more than the serving threads allocate in a region's time
        var mlContext = new MLContext(seed: 1);
        var split = SyntheticSequences.Split(mlContext, withTimestamps: true);
        using var model = mlContext.Recommendation().Trainers.Hstu(SyntheticSequences.HstuOptions(epochs: 1)).Fit(split.Train);
        var requests = mlContext.Data.CreateEnumerable<TimedHistory>(split.Test, reuseRowObject: false).ToArray();
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var serving = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var engine = mlContext.Model.CreatePredictionEngine<TimedHistory, IntRecommendations>(model);
            try
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    engine.Predict(requests[(i + t) % requests.Length]);
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToArray();
        foreach (var thread in serving)
        {
            thread.Start();
        }

        try
        {
            for (int i = 0; i < HostRegions; i++)
            {
                Assert.IsTrue(GC.TryStartNoGCRegion(RegionBudgetBytes), $"region {i} did not start");
                Thread.SpinWait(10_000);
                GC.EndNoGCRegion();
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var thread in serving)
            {
                thread.Join();
            }
        }

        Assert.IsEmpty(failures, $"{failures.Count} predictions failed, the first: {failures.FirstOrDefault()}");
    }
}
