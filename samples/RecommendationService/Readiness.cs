namespace GenerativeRec.Samples.Serving;

/// <summary>Whether the service answers requests at full speed: set once the warm-up inference has run.</summary>
public sealed class Readiness
{
    private volatile bool _isReady;

    /// <summary>Gets whether the model has answered its first request.</summary>
    public bool IsReady => _isReady;

    internal void MarkReady() => _isReady = true;
}

/// <summary>Runs one inference at start-up, so the first user request does not pay for ONNX Runtime's lazy initialisation.</summary>
internal sealed class WarmUp(OnnxRecommender recommender, Readiness readiness, ILogger<WarmUp> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        recommender.WarmUp();
        readiness.MarkReady();
        logger.LogInformation("Ready: {Model} recommends {K} items per request{Timestamps}.", recommender.ModelPath,
            recommender.NumberOfRecommendations, recommender.UsesTimestamps ? " and reads timestamps" : "");
    }, stoppingToken);
}
