using System.Text.Json;

namespace GenerativeRec.Samples.Serving;

/// <summary>Builds the web application: the ONNX recommender as a singleton and the three endpoints.</summary>
public static class RecommendationServiceApp
{
    /// <summary>Builds the application from command-line arguments and the usual configuration sources.</summary>
    /// <param name="args">Command-line arguments, e.g. <c>--Model model.onnx --Movies movies.dat --urls http://127.0.0.1:5080</c>.</param>
    /// <returns>The application, not yet started.</returns>
    /// <exception cref="InvalidOperationException">No model path is configured.</exception>
    /// <exception cref="FileNotFoundException">The model or the movies file does not exist.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        string modelPath = builder.Configuration["Model"]
            ?? throw new InvalidOperationException("No model: pass --Model <path of an exported .onnx model> (or set the Model setting).");
        string? moviesPath = builder.Configuration["Movies"];

        // Loaded once, before the server listens: a bad path fails the start with its name, not the first request.
        var recommender = new OnnxRecommender(modelPath);
        var titles = moviesPath is null ? MovieTitles.None : MovieTitles.Load(moviesPath);
        builder.Services.AddSingleton(recommender);
        builder.Services.AddSingleton(titles);
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddHostedService<WarmUp>();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServiceJsonContext.Default);
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });

        var app = builder.Build();
        app.MapGet("/health", () => Results.Text("healthy"));
        app.MapGet("/ready", (Readiness readiness) => readiness.IsReady
            ? Results.Text("ready")
            : Results.Text("warming up", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPost("/recommendations", Recommend);
        return app;
    }

    private static async Task<IResult> Recommend(HttpRequest http, OnnxRecommender recommender, MovieTitles titles)
    {
        RecommendationRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Body, ServiceJsonContext.Default.RecommendationRequest, http.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Problem($"The body is not a valid request: {e.Message} Expected {RecommendationRequest.Shape}.");
        }

        if (request is null)
        {
            return Problem($"The body is empty. Expected {RecommendationRequest.Shape}.");
        }

        if (recommender.Validate(request) is { } error)
        {
            return Problem(error);
        }

        var result = recommender.Recommend(request);
        var items = new RecommendedItem[result.Items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            items[i] = new RecommendedItem(result.Items[i], titles.TitleOf(result.Items[i]), result.Scores[i]);
        }

        return Results.Ok(new RecommendationResponse(items, result.IsPopularityFallback));
    }

    private static IResult Problem(string detail)
        => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid recommendation request");
}
